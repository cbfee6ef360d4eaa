"""The year-end room's background-job kinds (accounts.jobs), registered by EvaluationsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import lists, services


def register_kinds() -> None:
    jobs.register(
        services.ROLLUP_YEAR,
        services.run_rollup_year_job,
        label=_("年度建议等次计算"),
        permission="evaluations.run_annual_rollup",
        return_url=jobs.back_to("evaluations:annual", "year"),
        done_message=services.rollup_year_message,
    )
    lists.register_exports()
