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
from django.utils.translation import gettext_lazy

from accounts import jobs, periods
from accounts.audit import audit_reason
from accounts.models import Department, Job, Organisation, User
from accounts.selectors import participants_of, person_is_choosable, policy_for_organisation
from accounts.sent_again import SENT_AGAIN_WITHIN, hold_the_sender
from accounts.textlimits import check_length, check_text_limits

from ..models import ComplianceAlert, Finding, Inspection, InspectionKind, Severity, VetoFlag
from . import veto


def _subject_errors(
    row: Mapping, *, organisation: Organisation, department_ids: set[int], inspector: User
) -> list[str]:
    """What is wrong with whom a finding is about: the same checks when it is recorded and when
    its inspector corrects the person or department."""
    person: User | None = row.get("person")
    department: Department | None = row.get("department")
    if person is None and department is None:
        return [_("须指明涉及的人员或科室。")]
    if person is not None and department is not None:
        return [_("人员和科室只能选择一项。")]
    if person is not None:
        if person.pk == inspector.pk:
            return [_("不能记录关于本人的检查发现，请回避，由其他纪检督查人员记录。")]
        if person.organisation_id != organisation.pk:
            return [_("“%(name)s”不是本单位人员。") % {"name": person.get_full_name()}]
        if not person_is_choosable(person=person, organisation=organisation, include_leaders=True):
            return [_("“%(name)s”不是参加考核的人员。") % {"name": person.get_full_name()}]
        # People without a department (agency leaders) can be found in any inspection.
        if person.department_id and person.department_id not in department_ids:
            return [
                _("“%(name)s”所在科室不在本次检查范围内，请勾选其科室或更正人员。") % {"name": person.get_full_name()}
            ]
        return []
    if department.organisation_id != organisation.pk:
        return [_("“%(name)s”不是本单位科室。") % {"name": department.name}]
    if department.pk not in department_ids:
        return [_("“%(name)s”不在本次检查范围内，请勾选该科室。") % {"name": department.name}]
    return []


def _check_findings(
    findings: Iterable[tuple[int, Mapping]],
    *,
    organisation: Organisation,
    department_ids: set[int],
    inspector: User,
    subject_of: Iterable[int] | None = None,
) -> list[str]:
    """The errors of numbered finding rows, each prefixed with its number; the person or department
    is checked for every row, or only for the numbers in ``subject_of`` (those a correction changes)."""
    errors: list[str] = []
    for number, row in findings:
        messages: list[str] = []
        if subject_of is None or number in subject_of:
            messages += _subject_errors(
                row, organisation=organisation, department_ids=department_ids, inspector=inspector
            )
        if row.get("severity") not in Severity.values:
            messages.append(_("请选择严重程度。"))
        if not (row.get("description") or "").strip():
            messages.append(_("请填写问题描述。"))
        for name in ("description", "evidence"):
            try:
                check_length(
                    (row.get(name) or "").strip(),
                    limit=Finding._meta.get_field(name).max_length,
                    label=Finding._meta.get_field(name).verbose_name,
                )
            except ValidationError as exc:
                messages.append(exc.messages[0])
        errors += [_("第%(n)d项发现：%(message)s") % {"n": number, "message": message} for message in messages]
    return errors


def _field_errors(*, date, note: str | None, kind: str | None) -> list[str]:
    """What is wrong with an inspection's date, note and kind: the same rule when it is recorded
    and when its inspector corrects it (a value None is not judged: :func:`inspection_errors`)."""
    errors: list[str] = []
    if date is None:
        pass
    elif date > periods.today():
        errors.append(_("检查日期不能晚于今天。"))
    else:
        try:
            periods.check_plausible_date(date, not_future=True, label=_("检查日期"))
        except ValidationError as exc:
            errors.append(exc.messages[0])
    if note is not None:
        try:
            check_length(note.strip(), limit=Inspection._meta.get_field("note").max_length, label=_("检查情况"))
        except ValidationError as exc:
            errors.append(exc.messages[0])
    if kind is not None and kind not in InspectionKind.values:
        errors.append(_("请选择检查类别。"))
    return errors


def inspection_errors(
    *,
    organisation: Organisation,
    inspector: User,
    date: datetime.date | None,
    kind: str | None,
    departments: Iterable[Department] | None,
    note: str | None,
    findings: Iterable[tuple[int, Mapping]],
) -> list[str]:
    """Every problem of an inspection to be recorded (``findings``: numbered rows), the rules
    :func:`inspection_record` enforces. A value given as None is not judged: a form that could not
    parse it says so itself, and the page then shows this check's problems with its own in one round
    (the rows it passes being those it could parse)."""
    errors = _field_errors(date=date, note=note, kind=kind)
    if departments is None:
        # The subjects are checked against no departments when none could be parsed.
        return errors
    departments = list(departments)
    if not departments:
        errors.append(_("请至少选择一个检查科室。"))
    elif any(d.organisation_id != organisation.pk for d in departments):
        errors.append(_("只能选择本单位的科室。"))
    errors += _check_findings(
        findings, organisation=organisation, department_ids={d.pk for d in departments}, inspector=inspector
    )
    return errors


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
    hold_the_sender(inspector)
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
    given = {"organisation": organisation, "inspector": inspector, "date": date, "kind": kind, "note": note}
    errors = inspection_errors(**given, departments=departments, findings=enumerate(findings, start=1))
    if errors:
        raise ValidationError(errors)
    if twin := _same_inspection(**given, departments=departments, findings=findings):
        # The form sent again (the browser's back button, then 保存): one inspection, not two that
        # both count towards the month's required number.
        raise ValidationError(
            _(
                "这条检查记录已于%(time)s保存（同一日期、类别、科室、情况和发现），未重复保存。如确为另一次检查，请在情况中写明区别后再保存。"
            )
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


def _subject(row: Mapping, finding: Finding) -> tuple[int | None, int | None]:
    """The (person id, department id) a corrected row names: the finding's own when the row leaves
    them out (a correction of its wording only)."""
    if "person" not in row and "department" not in row:
        return finding.person_id, finding.department_id
    return getattr(row.get("person"), "pk", None), getattr(row.get("department"), "pk", None)


def _own_inspection(inspection: Inspection, actor: User, *, refusal: str) -> Inspection:
    """The inspection locked for a change that only its own inspector may make (``refusal`` else)."""
    locked = Inspection.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=inspection.pk)
    if (
        locked.inspector_id != actor.pk
        or actor.organisation_id != locked.organisation_id
        or not actor.has_perm("evaluations.record_inspection")
    ):
        raise PermissionDenied(refusal)
    return locked


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
    description and evidence, whom it is about, or its withdrawal (``findings``: finding id → those
    fields; ``person`` and ``department`` when whom it is about may change, ``withdrawn`` true to
    withdraw a finding recorded by mistake). Only its own inspector may, with a reason; every
    change is audited old → new with that reason, a withdrawal as the finding's deletion.

    A finding moved to another person or department is checked as when it is recorded (within the
    departments covered). A severity changed to or from 严重, a serious finding moved to someone
    else, or a date moved to another year, re-derives the veto flags (:func:`veto.veto_reconcile`,
    in this transaction, as a sanction's correction does); a withdrawn finding's flags go with it
    and its year's suggestions are recomputed; the flags of corrected findings take the new wording.
    """
    locked = _own_inspection(inspection, actor, refusal=_("只有记录该检查的纪检督查人员可以更正。"))
    reason = (reason or "").strip()
    errors: list[str] = []
    if not reason:
        errors.append(_("更正检查记录须说明理由。"))
    errors.extend(_field_errors(date=date, note=note, kind=kind))
    existing = {finding.pk: finding for finding in locked.findings.order_by("pk")}
    if set(findings) - set(existing):
        errors.append(_("只能更正本次检查的发现。"))
    numbered = [
        (number, pk, findings[pk])
        for number, pk in enumerate(existing, start=1)
        if pk in findings and not findings[pk].get("withdrawn")
    ]
    moved = {number for number, pk, row in numbered if _subject(row, existing[pk]) != _subject({}, existing[pk])}
    errors += _check_findings(
        [(number, row) for number, _pk, row in numbered],
        organisation=locked.organisation,
        department_ids=set(locked.departments.values_list("pk", flat=True)),
        inspector=actor,
        subject_of=moved,
    )
    if errors:
        raise ValidationError(errors)

    def values(row: Mapping, finding: Finding) -> tuple:
        return (
            *_subject(row, finding),
            row["severity"],
            row["description"].strip(),
            (row.get("evidence") or "").strip(),
        )

    def recorded(finding: Finding) -> tuple:
        return (finding.person_id, finding.department_id, finding.severity, finding.description, finding.evidence)

    withdrawn = [existing[pk] for pk, row in findings.items() if row.get("withdrawn")]
    unchanged = (
        (date, kind, note.strip()) == (locked.date, locked.kind, locked.note)
        and not withdrawn
        and all(values(row, existing[pk]) == recorded(existing[pk]) for pk, row in findings.items())
    )
    if unchanged:
        raise ValidationError(_("没有改动，检查记录未更正。"))

    old_date, rederive = locked.date, False
    withdrawn_years: set[int] = set()
    # Someone who has moved keeps the former organisation's finding on their year (veto_reconcile).
    elsewhere: set[int] = set()
    with audit_reason(reason):
        locked.date, locked.kind, locked.note = date, kind, note.strip()
        locked.save()
        for finding in withdrawn:
            flags = list(
                VetoFlag.objects.select_for_update(of=("self",))
                .filter(finding=finding)
                .select_related("person__organisation")
                .order_by("pk")
            )
            # One by one, so each removal is audited with the reason (the reconciliation below no
            # longer sees these flags, so the years of those in force are asked for here, and the
            # people told here).
            veto.flags_withdrawn(flags)
            for flag in flags:
                if flag.is_active:
                    withdrawn_years.add(flag.year)
                    if flag.person.organisation_id != locked.organisation_id:
                        elsewhere.add(flag.person.organisation_id)
                flag.delete()
            finding.delete()
        for _number, pk, row in numbered:
            finding = existing[pk]
            new = values(row, finding)
            if new == recorded(finding):
                continue
            was_veto = finding.severity == Severity.SERIOUS and finding.person_id is not None
            is_veto = new[2] == Severity.SERIOUS and new[0] is not None
            rederive |= was_veto != is_veto or (is_veto and new[0] != finding.person_id)
            finding.person_id, finding.department_id = new[0], new[1]
            finding.severity, finding.description, finding.evidence = new[2:]
            finding.inspection = locked
            finding.save()
            VetoFlag.objects.filter(finding=finding).update(reason=veto.finding_reason(finding))
    if date != old_date:
        for finding in existing.values():
            if finding in withdrawn:
                continue
            finding.inspection = locked
            VetoFlag.objects.filter(finding=finding).update(reason=veto.finding_reason(finding))
    veto.years_changed(organisation=locked.organisation, years=withdrawn_years, actor=actor)
    for organisation in Organisation.objects.filter(pk__in=elsewhere).order_by("pk"):
        veto.years_changed(organisation=organisation, years=withdrawn_years, actor=actor)
    if rederive or date.year != old_date.year:
        # A flag the correction takes away (严重 no more, or about someone else) is deleted with the
        # correction's reason; the right person's is raised.
        with audit_reason(reason):
            veto.veto_reconcile(organisation=locked.organisation)
    if (date.year, date.month) != (old_date.year, old_date.month):
        # The count of inspections of both months changed: an alert may open or resolve.
        for month in {(old_date.year, old_date.month), (date.year, date.month)}:
            discipline_check(organisation=locked.organisation, year=month[0], month=month[1])
    return locked


def findings_correct(
    *, inspection: Inspection, actor: User, reason: str, findings: Mapping[int, Mapping]
) -> Inspection:
    """:func:`inspection_correct` of the findings only, the inspection's date, kind and note kept."""
    return inspection_correct(
        inspection=inspection,
        actor=actor,
        reason=reason,
        date=inspection.date,
        kind=inspection.kind,
        note=inspection.note,
        findings=findings,
    )


@transaction.atomic
def inspection_delete(*, inspection: Inspection, actor: User, reason: str) -> int:
    """Delete an inspection recorded in error (a duplicate, an inspection that did not take place):
    its own inspector, with a reason. Its findings are withdrawn first, as a correction withdraws
    one (their veto flags removed with the reason, the years recomputed); then the inspection goes,
    audited with the reason, and its month is checked again against the required number (the
    inspection counted towards it). Returns how many findings went with it."""
    locked = _own_inspection(inspection, actor, refusal=_("只有记录该检查的纪检督查人员可以删除。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("删除检查记录须说明理由。")})
    check_length(reason, limit=Finding._meta.get_field("description").max_length, label=_("删除理由"), field="reason")
    findings = list(locked.findings.order_by("pk"))
    if findings:
        findings_correct(
            inspection=locked, actor=actor, reason=reason, findings={f.pk: {"withdrawn": True} for f in findings}
        )
    day = locked.date
    with audit_reason(reason):
        locked.delete()
    discipline_check(organisation=locked.organisation, year=day.year, month=day.month)
    return len(findings)


def month_has_ended(*, year: int, month: int, today: datetime.date | None = None) -> bool:
    return periods.Month(year, month) < periods.Month.of(today or periods.today())


def previous_month(today: datetime.date | None = None) -> tuple[int, int]:
    previous = periods.Month.of(today or periods.today()).previous()
    return previous.year, previous.month


# The daily check of the previous month, one job per organisation (accounts.jobs).
DISCIPLINE_CHECK = "evaluations.discipline_check"


@jobs.kind(DISCIPLINE_CHECK, gettext_lazy("纪律作风检查次数核查"), "evaluations.view_inspections")
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
        # Short again (an inspection removed, or the policy raised): the alert reopens. An
        # explanation stands for the shortfall it explained or a smaller one, not a larger one.
        grew = alert.resolved_at is not None or required - count > alert.required - alert.inspections
        alert.inspections, alert.required, alert.resolved_at = count, required, None
        if grew:
            alert.explanation, alert.explained_by, alert.explained_at = "", None, None
        alert.save(
            update_fields=["inspections", "required", "resolved_at", "explanation", "explained_by", "explained_at"]
        )
    return alert


@transaction.atomic
def compliance_alert_explain(*, alert: ComplianceAlert, actor: User, explanation: str) -> ComplianceAlert:
    """An inspector or HR explains a month's shortfall of inspections (情况说明: the office was
    moving, the inspector on leave) instead of back-dating an inspection to make up the number: the
    alert leaves the home page, the explanation stays with it and in the audit trail. Once only; an
    alert resolved since needs none."""
    locked = ComplianceAlert.objects.select_for_update(of=("self",)).get(pk=alert.pk)
    if locked.organisation_id != actor.organisation_id or not actor.has_perm("evaluations.see_inspection_alerts"):
        raise PermissionDenied(_("只有本单位纪检督查人员或组织人事部门可以说明检查频次情况。"))
    if locked.resolved_at is not None:
        raise ValidationError(_("该月检查次数已补足，无需说明。"))
    if locked.explained_at is not None:
        raise ValidationError(
            _("该提醒已于%(when)s说明。") % {"when": timezone.localtime(locked.explained_at).strftime("%Y-%m-%d %H:%M")}
        )
    explanation = (explanation or "").strip()
    if not explanation:
        raise ValidationError({"explanation": _("请填写情况说明。")})
    locked.explanation, locked.explained_by, locked.explained_at = explanation, actor, timezone.now()
    check_text_limits(locked, "explanation")
    locked.save(update_fields=["explanation", "explained_by", "explained_at"])
    return locked
