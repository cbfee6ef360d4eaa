from datetime import date

from evaluations.discipline.models import InspectionKind
from evaluations.discipline.services import veto
from evaluations.discipline.services.inspections import inspection_record


def record_inspection(organisation, inspector, department, *, on=date(2026, 9, 10), findings=()):
    """A 纪律 inspection of ``department`` by ``inspector`` on ``on`` through the service, with
    ``findings`` (dicts: person or department, severity, description)."""
    return inspection_record(
        organisation=organisation,
        inspector=inspector,
        date=on,
        kind=InspectionKind.DISCIPLINE,
        departments=[department],
        note="",
        findings=list(findings),
    )


def reconciliation_failing_for(monkeypatch, failing) -> None:
    """Make the veto reconciliation of the organisation ``failing`` raise (a fault real data cannot
    cause, so it is injected); every other organisation's runs as it does."""
    real = veto.veto_reconcile

    def reconcile(*, organisation):
        if organisation.pk == failing.pk:
            raise RuntimeError("disk full")
        return real(organisation=organisation)

    monkeypatch.setattr(veto, "veto_reconcile", reconcile)
