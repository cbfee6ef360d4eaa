"""The grading room's background-job kinds (accounts.jobs), registered by EvaluationsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import lists
from .services import rollup


def register_kinds() -> None:
    jobs.register(
        rollup.ROLLUP_QUARTER,
        rollup.run_rollup_job,
        label=_("季度汇总"),
        permission="evaluations.run_rollup",
        return_url=jobs.back_to("evaluations:rollup"),
        done_message=rollup.rollup_message,
    )
    lists.register_exports()
