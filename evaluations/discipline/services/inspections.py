"""Discipline inspections (纪律作风检查) and the monthly check of their number. DOMAIN.md §5.

Recording an inspection is one transaction; a serious finding about a person asks, in that
transaction, for the background job that raises its veto flag once it commits
(:func:`evaluations.discipline.services.veto.finding_recorded`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import jobs, periods
from accounts.audit import audit_reason
from accounts.models import Department, Job, Organisation, User
from accounts.selectors import participants_of, person_is_choosable, policy_for_organisation
from accounts.textlimits import check_length

from ..models import ComplianceAlert, Finding, Inspection, InspectionKind, Severity, VetoFlag
from . import veto


def _check_findings(
    findings: list[Mapping], *, organisation: Organisation, department_ids: set[int], inspector: User
) -> list[str]:
    errors: list[str] = []
    for number, row in enumerate(findings, start=1):
        person: User | None = row.get("person")
        department: Department | None = row.get("department")

        def refuse(message: str, number: int = number) -> None:
            errors.append(_("第%(n)d项发现：%(message)s") % {"n": number, "message": message})

        if person is None and department is None:
            refuse(_("须指明涉及的人员或科室。"))
        elif person is not None and department is not None:
            refuse(_("人员和科室只能选择一项。"))
        elif person is not None:
            if person.pk == inspector.pk:
                refuse(_("不能记录关于本人的检查发现，请回避，由其他纪检督查人员记录。"))
            elif person.organisation_id != organisation.pk:
                refuse(_("“%(name)s”不是本单位人员。") % {"name": person.get_full_name()})
            elif not person_is_choosable(person=person, organisation=organisation, include_leaders=True):
                refuse(_("“%(name)s”不是参加考核的人员。") % {"name": person.get_full_name()})
            # People without a department (agency leaders) can be found in any inspection.
            elif person.department_id and person.department_id not in department_ids:
                refuse(
                    _("“%(name)s”所在科室不在本次检查范围内，请勾选其科室或更正人员。")
                    % {"name": person.get_full_name()}
                )
        elif department.organisation_id != organisation.pk:
            refuse(_("“%(name)s”不是本单位科室。") % {"name": department.name})
        elif department.pk not in department_ids:
            refuse(_("“%(name)s”不在本次检查范围内，请勾选该科室。") % {"name": department.name})
        if row.get("severity") not in Severity.values:
            refuse(_("请选择严重程度。"))
        if not (row.get("description") or "").strip():
            refuse(_("请填写问题描述。"))
        for name in ("description", "evidence"):
            try:
                check_length(
                    (row.get(name) or "").strip(),
                    limit=Finding._meta.get_field(name).max_length,
                    label=Finding._meta.get_field(name).verbose_name,
                )
            except ValidationError as exc:
                refuse(exc.messages[0])
    return errors


def _field_errors(*, date, note: str, kind: str) -> list[str]:
    """What is wrong with an inspection's date, note and kind: the same rule when it is recorded
    and when its inspector corrects it."""
    errors: list[str] = []
    if date > periods.today():
        errors.append(_("检查日期不能晚于今天。"))
    else:
        try:
            periods.check_plausible_date(date, not_future=True, label=_("检查日期"))
        except ValidationError as exc:
            errors.append(exc.messages[0])
    try:
        check_length(note.strip(), limit=Inspection._meta.get_field("note").max_length, label=_("检查情况"))
    except ValidationError as exc:
        errors.append(exc.messages[0])
    if kind not in InspectionKind.values:
        errors.append(_("请选择检查类别。"))
    return errors


SENT_AGAIN_WITHIN = datetime.timedelta(minutes=30)


def _same_inspection(
    *, organisation, inspector, date, kind, departments, note: str, findings: list[Mapping]
) -> Inspection | None:
    """The inspection ``inspector`` recorded in the last half hour with every one of these values, if any."""

    def key(person, department, severity, description, evidence) -> tuple:
        return (
            getattr(person, "pk", person) or 0,
            getattr(department, "pk", department) or 0,
            severity,
            (description or "").strip(),
            (evidence or "").strip(),
        )

    wanted_findings = sorted(
        key(row.get("person"), row.get("department"), row.get("severity"), row.get("description"), row.get("evidence"))
        for row in findings
    )
    wanted_departments = sorted(d.pk for d in departments)
    # The inspector's row locked: a form sent twice at once waits here for the first to commit.
    list(User.objects.select_for_update(of=("self",)).filter(pk=inspector.pk).values_list("pk", flat=True))
    # Only one recorded in the last half hour: the same form sent again, not a second inspection
    # that happens to read alike (a morning and an afternoon 考勤 check with nothing found).
    candidates = Inspection.objects.filter(
        organisation=organisation,
        inspector=inspector,
        date=date,
        kind=kind,
        note=note.strip(),
        created_at__gte=timezone.now() - SENT_AGAIN_WITHIN,
    ).prefetch_related("departments", "findings")
    for inspection in candidates.order_by("-pk")[:20]:
        if sorted(d.pk for d in inspection.departments.all()) != wanted_departments:
            continue
        recorded = sorted(
            key(f.person_id, f.department_id, f.severity, f.description, f.evidence) for f in inspection.findings.all()
        )
        if recorded == wanted_findings:
            return inspection
    return None


@transaction.atomic
def inspection_record(
    *,
    organisation: Organisation,
    inspector: User,
    date: datetime.date,
    kind: str,
    departments: Iterable[Department],
    note: str,
    findings: Iterable[Mapping],
) -> Inspection:
    """Record an inspection and its findings.

    ``findings`` are mappings with ``person`` or ``department`` (exactly one), ``severity``,
    ``description`` and ``evidence``. Only a discipline inspector of the organisation may record.
    Raises ``ValidationError`` listing every problem; nothing is saved unless all are fixed.
    """
    if inspector.organisation_id != organisation.pk or not inspector.has_perm("evaluations.record_inspection"):
        raise PermissionDenied(_("只有本单位纪检督查人员可以记录检查。"))
    departments = list(departments)
    findings = list(findings)
    errors = _field_errors(date=date, note=note, kind=kind)
    if not departments:
        errors.append(_("请至少选择一个检查科室。"))
    elif any(d.organisation_id != organisation.pk for d in departments):
        errors.append(_("只能选择本单位的科室。"))
    errors += _check_findings(
        findings, organisation=organisation, department_ids={d.pk for d in departments}, inspector=inspector
    )
    if errors:
        raise ValidationError(errors)
    if twin := _same_inspection(
        organisation=organisation,
        inspector=inspector,
        date=date,
        kind=kind,
        departments=departments,
        note=note,
        findings=findings,
    ):
        # The form sent again (the browser's back button, then 保存): one inspection, not two that
        # both count towards the month's required number.
        raise ValidationError(
            _("这条检查记录已于%(time)s保存（同一日期、类别、科室、情况和发现），未重复保存。")
            % {"time": timezone.localtime(twin.created_at).strftime("%Y-%m-%d %H:%M")}
        )

    inspection = Inspection.objects.create(
        organisation=organisation, date=date, kind=kind, note=note.strip(), inspector=inspector
    )
    inspection.departments.set(departments)
    for row in findings:
        finding = Finding.objects.create(
            inspection=inspection,
            person=row.get("person"),
            department=row.get("department"),
            severity=row["severity"],
            description=row["description"].strip(),
            evidence=(row.get("evidence") or "").strip(),
        )
        veto.finding_recorded(finding=finding)
    # A late inspection may make up a month already flagged as short.
    if ComplianceAlert.objects.filter(
        organisation=organisation, year=date.year, month=date.month, resolved_at__isnull=True
    ).exists():
        discipline_check(organisation=organisation, year=date.year, month=date.month)
    return inspection


@transaction.atomic
def inspection_correct(
    *,
    inspection: Inspection,
    actor: User,
    reason: str,
    date: datetime.date,
    kind: str,
    note: str,
    findings: Mapping[int, Mapping],
) -> Inspection:
    """Correct a recorded inspection: its date, kind and note, and each finding's severity,
    description and evidence (``findings``: finding id → those fields). Only its own inspector
    may, with a reason; every change is audited old → new with that reason.

    A severity changed to or from 严重, or a date moved to another year, re-derives the veto flags
    (:func:`veto.veto_reconcile`, in this transaction, as a sanction's correction does); the flags
    of corrected findings take the new wording.
    """
    locked = Inspection.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=inspection.pk)
    if (
        locked.inspector_id != actor.pk
        or actor.organisation_id != locked.organisation_id
        or not actor.has_perm("evaluations.record_inspection")
    ):
        raise PermissionDenied(_("只有记录该检查的纪检督查人员可以更正。"))
    reason = (reason or "").strip()
    errors: list[str] = []
    if not reason:
        errors.append(_("更正检查记录须说明理由。"))
    errors.extend(_field_errors(date=date, note=note, kind=kind))
    existing = {finding.pk: finding for finding in locked.findings.order_by("pk")}
    if set(findings) - set(existing):
        errors.append(_("只能更正本次检查的发现。"))
    for number, pk in enumerate(existing, start=1):
        row = findings.get(pk)
        if row is None:
            continue
        if row.get("severity") not in Severity.values:
            errors.append(_("第%(n)d项发现：%(message)s") % {"n": number, "message": _("请选择严重程度。")})
        if not (row.get("description") or "").strip():
            errors.append(_("第%(n)d项发现：%(message)s") % {"n": number, "message": _("请填写问题描述。")})
    if errors:
        raise ValidationError(errors)
    unchanged = (date, kind, note.strip()) == (locked.date, locked.kind, locked.note) and all(
        (row["severity"], row["description"].strip(), (row.get("evidence") or "").strip())
        == (existing[pk].severity, existing[pk].description, existing[pk].evidence)
        for pk, row in findings.items()
    )
    if unchanged:
        raise ValidationError(_("没有改动，检查记录未更正。"))

    old_date, rederive = locked.date, False
    with audit_reason(reason):
        locked.date, locked.kind, locked.note = date, kind, note.strip()
        locked.save()
        for pk, row in findings.items():
            finding = existing[pk]
            new = (row["severity"], row["description"].strip(), (row.get("evidence") or "").strip())
            if new == (finding.severity, finding.description, finding.evidence):
                continue
            rederive |= (finding.severity == Severity.SERIOUS) != (new[0] == Severity.SERIOUS)
            finding.severity, finding.description, finding.evidence = new
            finding.inspection = locked
            finding.save()
            VetoFlag.objects.filter(finding=finding).update(reason=veto.finding_reason(finding))
    if date != old_date:
        for finding in existing.values():
            finding.inspection = locked
            VetoFlag.objects.filter(finding=finding).update(reason=veto.finding_reason(finding))
    if rederive or date.year != old_date.year:
        # A flag the correction takes away (严重 no more) is deleted with the correction's reason.
        with audit_reason(reason):
            veto.veto_reconcile(organisation=locked.organisation)
    if (date.year, date.month) != (old_date.year, old_date.month):
        # The count of inspections of both months changed: an alert may open or resolve.
        for month in {(old_date.year, old_date.month), (date.year, date.month)}:
            discipline_check(organisation=locked.organisation, year=month[0], month=month[1])
    return locked


def month_has_ended(*, year: int, month: int, today: datetime.date | None = None) -> bool:
    return periods.Month(year, month) < periods.Month.of(today or periods.today())


def previous_month(today: datetime.date | None = None) -> tuple[int, int]:
    previous = periods.Month.of(today or periods.today()).previous()
    return previous.year, previous.month


# The daily check of the previous month, one job per organisation (accounts.jobs).
DISCIPLINE_CHECK = "evaluations.discipline_check"


def run_discipline_check(job: Job, report: jobs.Report) -> dict:
    """The runner of :data:`DISCIPLINE_CHECK`: the month in its parameters (idempotent)."""
    year, month = int(job.params["year"]), int(job.params["month"])
    return {"short": discipline_check(organisation=job.organisation, year=year, month=month) is not None}


@transaction.atomic
def discipline_check(
    *, organisation: Organisation, year: int, month: int, today: datetime.date | None = None
) -> ComplianceAlert | None:
    """Judge one ended month: the open alert when it had fewer inspections than the policy
    requires, else ``None``.

    One alert per organisation-month (a unique constraint), so running it twice changes
    nothing; when inspections recorded later make up the number, the alert is resolved.
    A month that has not ended is not judged, and one before ``Policy.started_on`` requires none,
    nor does any month of an organisation where nobody takes part in the appraisal.
    """
    if not month_has_ended(year=year, month=month, today=today):
        return None
    policy = policy_for_organisation(organisation_id=organisation.pk)
    # Nor one that ended before the organisation began in the system: nobody inspected in it here;
    # nor in an organisation where nobody takes part in the appraisal (a bureau that only oversees).
    due = periods.is_due(policy, periods.Month(year, month)) and participants_of(organisation=organisation).exists()
    required = policy.inspections_per_month if due else 0
    count = Inspection.objects.filter(organisation=organisation, date__year=year, date__month=month).count()
    alert = (
        ComplianceAlert.objects.select_for_update(of=("self",))
        .filter(organisation=organisation, year=year, month=month)
        .first()
    )
    if count >= required:
        if alert is not None and alert.resolved_at is None:
            alert.inspections, alert.required, alert.resolved_at = count, required, timezone.now()
            alert.save(update_fields=["inspections", "required", "resolved_at"])
        return None
    if alert is None:
        # get_or_create: a concurrent run that created it first is found, not duplicated.
        alert, _created = ComplianceAlert.objects.get_or_create(
            organisation=organisation, year=year, month=month, defaults={"inspections": count, "required": required}
        )
    if (alert.inspections, alert.required, alert.resolved_at) != (count, required, None):
        # Short again (an inspection removed, or the policy raised): the alert reopens.
        alert.inspections, alert.required, alert.resolved_at = count, required, None
        alert.save(update_fields=["inspections", "required", "resolved_at"])
    return alert
