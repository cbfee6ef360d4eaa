"""The discipline room's background-job kinds (accounts.jobs), registered by EvaluationsConfig.ready()."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts import jobs

from . import lists
from .services import inspections, veto


def register_kinds() -> None:
    for kind, runner, label, permission in [
        (veto.VETO_FOR_FINDING, veto.run_veto_for_finding, _("严重问题的一票否决标记"), "evaluations.view_veto_flags"),
        (veto.VETO_FOR_SANCTION, veto.run_veto_for_sanction, _("处分的一票否决标记"), "evaluations.view_veto_flags"),
        (veto.VETO_RECONCILE, veto.run_veto_reconcile, _("一票否决核对"), "evaluations.view_veto_flags"),
        (
            inspections.DISCIPLINE_CHECK,
            inspections.run_discipline_check,
            _("纪律作风检查次数核查"),
            "evaluations.view_inspections",
        ),
    ]:
        jobs.register(kind, runner, label=label, permission=permission)
    lists.register_exports()
