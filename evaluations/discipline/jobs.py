"""The discipline room's background-job kinds (accounts.jobs), registered by EvaluationsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import lists
from .services import inspections, veto


def register_kinds() -> None:
    jobs.register(
        veto.VETO_FOR_FINDING,
        veto.run_veto_for_finding,
        label=_("严重问题的一票否决标记"),
        permission="evaluations.view_veto_flags",
    )
    jobs.register(
        veto.VETO_FOR_SANCTION,
        veto.run_veto_for_sanction,
        label=_("处分的一票否决标记"),
        permission="evaluations.view_veto_flags",
    )
    jobs.register(
        veto.VETO_RECONCILE,
        veto.run_veto_reconcile,
        label=_("一票否决核对"),
        permission="evaluations.view_veto_flags",
    )
    jobs.register(
        inspections.DISCIPLINE_CHECK,
        inspections.run_discipline_check,
        label=_("纪律作风检查次数核查"),
        permission="evaluations.view_inspections",
    )
    lists.register_exports()
