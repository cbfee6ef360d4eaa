from datetime import date

from evaluations.discipline.models import InspectionKind
from evaluations.discipline.services import veto
from evaluations.discipline.services.inspections import findings_correct, inspection_record
from evaluations.grading.models import Grade, UncertainReason
from evaluations.grading.services.grading import grade_assign


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


def correct_findings(inspection, actor, findings: dict, *, reason: str):
    """``inspection``'s findings corrected through the service (finding id → fields), its date,
    kind and note kept."""
    return findings_correct(inspection=inspection, actor=actor, reason=reason, findings=findings)


def reconciliation_failing_for(monkeypatch, failing) -> None:
    """Make the veto reconciliation of the organisation ``failing`` raise (a fault real data cannot
    cause, so it is injected); every other organisation's runs as it does."""
    real = veto.veto_reconcile

    def reconcile(*, organisation):
        if organisation.pk == failing.pk:
            raise RuntimeError("disk full")
        return real(organisation=organisation)

    monkeypatch.setattr(veto, "veto_reconcile", reconcile)


def give(row, actor, grade=Grade.FAIRLY_GOOD, **kwargs):
    """``actor`` grades ``row`` through the service, with the comment, reason (一般、较差) and
    不确定 reason each grade asks for unless given."""
    kwargs.setdefault("comment", "工作认真负责")
    if grade in (Grade.AVERAGE, Grade.POOR):
        kwargs.setdefault("reason", "任务完成不及时")
    if grade == Grade.UNCERTAIN:
        kwargs.setdefault("uncertain_reason", UncertainReason.LONG_LEAVE)
        if kwargs["uncertain_reason"] == UncertainReason.LONG_LEAVE:
            on_leave_all_quarter(row)
    return grade_assign(grade_row=row, actor=actor, grade=grade, **kwargs)


def on_leave_all_quarter(row) -> None:
    """The staff register's 长期休假 of ``row``'s person over its whole quarter (what 不确定等次 for
    long leave rests on), unless the person has one already."""
    from accounts.models import StaffStatusKind
    from tests.factories import StaffStatusFactory

    period = row.appraisal_quarter.period
    if not row.person.statuses.filter(kind=StaffStatusKind.LONG_LEAVE).exists():
        kind = StaffStatusKind.LONG_LEAVE
        StaffStatusFactory(user=row.person, kind=kind, start_date=period.first_day, end_date=period.last_day)


def open_ballot(hr, *, subjects, raters, title="科级干部民主测评", **options):
    """HR opens a 民主测评 of the organisation's year 2026 through the service (``options``: the
    service-user codes, the scale, the purpose …)."""
    from evaluations.ballots import services as ballots

    return ballots.ballot_open(
        actor=hr, organisation=hr.organisation, title=title, year=2026, subjects=subjects, raters=raters, **options
    )
