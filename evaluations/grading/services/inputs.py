"""The grading inputs HR enters each quarter: satisfaction scores (满意度测评) and praise and
complaint events (表扬 / 投诉), entered one by one or imported from Excel; and the read the
grading pages use, :func:`inputs_for_people`.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import periods
from accounts.audit import audit_reason
from accounts.models import Department, Organisation, User
from accounts.selectors import person_is_choosable, policy_for_organisation
from accounts.sent_again import refuse_sent_again
from accounts.textlimits import too_long_message

from ..models import SatisfactionScore, ServiceEvent, ServiceEventKind

SCORE_MIN, SCORE_MAX = Decimal("0"), Decimal("100")

InputT = TypeVar("InputT", SatisfactionScore, ServiceEvent)


@dataclass
class SatisfactionRow:
    """One parsed and checked row of a satisfaction-score workbook, ready to write."""

    row_number: int
    year: int
    quarter: int
    department: Department | None
    person: User | None
    score: Decimal

    # What an import writes: the fields that name the score (re-importing never duplicates) and its value.
    key_fields: ClassVar = ("year", "quarter", "department", "person")
    value_field: ClassVar = "score"

    @property
    def period(self) -> periods.Quarter:
        return periods.Quarter(self.year, self.quarter)


@dataclass
class ServiceEventRow:
    """One parsed and checked row of a praise/complaint workbook, ready to write."""

    row_number: int
    date: datetime.date
    person: User
    kind: str
    description: str
    handled: bool | None

    # The same date, person, kind and description is the same event: re-importing sets its handled state.
    key_fields: ClassVar = ("person", "date", "kind", "description")
    value_field: ClassVar = "handled"

    @property
    def period(self) -> periods.Quarter:
        return periods.Quarter.of(self.date)


# --- Selectors ------------------------------------------------------------------------------


def satisfaction_scores_for_list(*, organisation_id: int) -> QuerySet[SatisfactionScore]:
    return (
        SatisfactionScore.objects.filter(organisation_id=organisation_id)
        .select_related("department", "person", "person__department", "entered_by")
        .order_by("-year", "-quarter", "department__sort_order", "department__code", "person__employee_number", "pk")
    )


def service_events_for_list(*, organisation_id: int) -> QuerySet[ServiceEvent]:
    return ServiceEvent.objects.filter(organisation_id=organisation_id).select_related(
        "person", "person__department", "entered_by"
    )


@dataclass
class PersonInputs:
    """What HR entered about one person for one quarter, as the grading pages show it."""

    satisfaction: Decimal | None = None
    # "person" when the person was surveyed, "department" when their department's score applies.
    satisfaction_source: str | None = None
    praise_count: int = 0
    complaint_count: int = 0
    unhandled_complaint_count: int = 0
    events: list[ServiceEvent] = field(default_factory=list)


def inputs_for_people(
    *, organisation: Organisation, year: int, quarter: int, person_ids: list[int]
) -> dict[int, PersonInputs]:
    """Each person's satisfaction score (their own, else their department's), praise and complaint
    counts and events for the quarter. Three queries, whatever the number of people.

    The department is the person's current one: inputs are entered for the quarter being graded.
    Unknown ids and people of other organisations are left out.
    """
    if not person_ids:
        return {}
    departments = dict(
        User.objects.filter(organisation=organisation, pk__in=person_ids).values_list("pk", "department_id")
    )
    result = {pk: PersonInputs() for pk in departments}
    if not result:
        return {}

    by_person: dict[int, Decimal] = {}
    by_department: dict[int, Decimal] = {}
    department_ids = {d for d in departments.values() if d is not None}
    for person_id, department_id, score in SatisfactionScore.objects.filter(
        Q(person_id__in=result.keys()) | Q(department_id__in=department_ids),
        organisation=organisation,
        year=year,
        quarter=quarter,
    ).values_list("person_id", "department_id", "score"):
        if person_id is not None:
            by_person[person_id] = score
        else:
            by_department[department_id] = score
    for pk, inputs in result.items():
        if pk in by_person:
            inputs.satisfaction, inputs.satisfaction_source = by_person[pk], "person"
        elif departments[pk] in by_department:
            inputs.satisfaction, inputs.satisfaction_source = by_department[departments[pk]], "department"

    period = periods.Quarter(year, quarter)
    first, last = period.first_day, period.last_day
    events = ServiceEvent.objects.filter(
        organisation=organisation, person_id__in=result.keys(), date__range=(first, last)
    ).order_by("date", "pk")
    for event in events:
        inputs = result[event.person_id]
        inputs.events.append(event)
        if event.kind == ServiceEventKind.PRAISE:
            inputs.praise_count += 1
        else:
            inputs.complaint_count += 1
            if not event.handled:
                inputs.unhandled_complaint_count += 1
    return result


# --- Closed quarters ------------------------------------------------------------------------


def closed_message(quarter: periods.Quarter) -> str:
    """The refusal of a change to an approved quarter's inputs (an import says it once per quarter)."""
    return _("%(quarter)s的考核结果已审批，满意度测评和表扬投诉不能再修改。") % {"quarter": quarter.label}


def _quarter_of(year: int | None, quarter: int | None) -> periods.Quarter | None:
    try:
        return periods.Quarter(year, quarter) if year and quarter else None
    except ValueError:
        return None


def _refuse_closed(organisation_id: int, quarters: list[periods.Quarter]) -> None:
    """An approved quarter's inputs are read-only for everyone (accounts.PeriodLock)."""
    closed = periods.locked_quarters(organisation_id, quarters)
    if closed:
        raise ValidationError(closed_message(min(closed)), code="period_locked")


# --- Satisfaction scores --------------------------------------------------------------------


def satisfaction_label(score: SatisfactionScore) -> str:
    """A score as the pages name it: whose, the quarter as the calendar writes it, the score
    (付凯 2026年第4季度 96)."""
    return f"{score.person or score.department} {periods.Quarter(score.year, score.quarter).label} {score.score}"


def satisfaction_exists(
    *,
    organisation_id: int,
    year: int,
    quarter: int,
    department_id: int | None,
    person_id: int | None,
    exclude_pk: int | None = None,
) -> bool:
    """Whether the department or person already has a score for the quarter (one per quarter)."""
    return (
        SatisfactionScore.objects.filter(
            organisation_id=organisation_id,
            year=year,
            quarter=quarter,
            department_id=department_id,
            person_id=person_id,
        )
        .exclude(pk=exclude_pk)
        .exists()
    )


def _takes_part(person: User, organisation_id: int) -> bool:
    return person_is_choosable(person=person, organisation=Organisation(pk=organisation_id))


def _names_already(pk: int | None, department: Department) -> bool:
    """Whether the stored score ``pk`` is already the department's (kept through a correction)."""
    return pk is not None and SatisfactionScore.objects.filter(pk=pk, department=department).exists()


def satisfaction_check(
    *,
    organisation_id: int,
    year: int | None,
    quarter: int | None,
    department: Department | None,
    person: User | None,
    score: Decimal | None,
    exclude_pk: int | None = None,
    existing: bool = True,
    check_closed: bool = True,
) -> None:
    """The rules of a satisfaction score, for the web form, the Excel rows and the save alike.

    Exactly one of department and person, of the organisation; a department still active (a
    score stored before it was deactivated may be corrected); a score of 0–100; a quarter that
    has begun (the current one included) and is not approved (unless ``check_closed`` is False: an
    import says so once for all the rows of the quarter); once per quarter (checked against the
    stored scores unless ``existing`` is False, as an import that updates a quarter's score does).
    Raises one ValidationError naming each field at fault; a rule whose inputs are missing
    (another check already refused them) is skipped.
    """
    errors: dict[str, list[str]] = {}
    if department is not None and person is not None:
        errors.setdefault("person", []).append(_("科室和人员只能选择一项。"))
    elif department is None and person is None:
        errors.setdefault("department", []).append(_("请选择科室或人员中的一项。"))
    if department is not None and department.organisation_id != organisation_id:
        errors.setdefault("department", []).append(_("科室不属于本单位。"))
    elif department is not None and not department.is_active and not _names_already(exclude_pk, department):
        errors.setdefault("department", []).append(
            _("科室“%(name)s”已停用，不能录入满意度得分。") % {"name": department.name}
        )
    if person is not None and person.organisation_id != organisation_id:
        errors.setdefault("person", []).append(_("人员不属于本单位。"))
    elif person is not None and not _takes_part(person, organisation_id):
        errors.setdefault("person", []).append(_("只能选择参加考核的人员。"))
    if score is not None and not SCORE_MIN <= score <= SCORE_MAX:
        errors.setdefault("score", []).append(_("得分须在0到100之间。"))
    period = _quarter_of(year, quarter)
    if period is not None and periods.today() < period.first_day:
        # The survey is usually taken as a quarter draws to its end, so the current quarter's score
        # may be entered before its last day; a quarter that has not begun has had no survey.
        errors.setdefault("quarter", []).append(
            _("%(quarter)s尚未开始，不能录入满意度得分。") % {"quarter": period.label}
        )
    elif period is not None and not periods.is_due(policy_for_organisation(organisation_id=organisation_id), period):
        # Before the organisation began in the system: nothing is graded there, so no score is read
        # (a user test entered one the quarters page calls 无需在系统中评鉴).
        started_on = policy_for_organisation(organisation_id=organisation_id).started_on
        errors.setdefault("quarter", []).append(
            _("%(quarter)s在本单位系统启用日期（%(date)s）之前结束，无需录入满意度得分。")
            % {"quarter": period.label, "date": started_on.isoformat()}
        )
    elif check_closed and period is not None and periods.locked_quarters(organisation_id, [period]):
        errors.setdefault("quarter", []).append(closed_message(period))
    if (
        existing
        and not errors
        and year
        and quarter
        and satisfaction_exists(
            organisation_id=organisation_id,
            year=year,
            quarter=quarter,
            department_id=department.pk if department else None,
            person_id=person.pk if person else None,
            exclude_pk=exclude_pk,
        )
    ):
        errors["department" if department else "person"] = [_("该科室或人员本季度已有满意度得分，请编辑原记录。")]
    if errors:
        raise ValidationError(errors)


def _check_satisfaction(score: SatisfactionScore) -> None:
    if score.score is None:
        raise ValidationError({"score": _("得分须在0到100之间。")})
    satisfaction_check(
        organisation_id=score.organisation_id,
        year=score.year,
        quarter=score.quarter,
        department=score.department,
        person=score.person,
        score=score.score,
        exclude_pk=score.pk,
    )


def _input_quarter(item: SatisfactionScore | ServiceEvent) -> periods.Quarter:
    if isinstance(item, ServiceEvent):
        return periods.Quarter.of(item.date)
    return periods.Quarter(item.year, item.quarter)


def _input_delete(item: SatisfactionScore | ServiceEvent) -> None:
    _refuse_closed(item.organisation_id, [_input_quarter(item)])
    item.delete()


def _input_save(item: InputT, *, entered_by: User, check: Callable[[InputT], None]) -> InputT:
    """Create or update one input (a score or an event) of ``entered_by``'s organisation once ``check`` passes."""
    item.organisation_id = entered_by.organisation_id
    if item.pk is not None:
        # Moving an input out of a closed quarter would change that quarter too.
        stored = type(item).objects.filter(pk=item.pk).first()
        if stored:
            _refuse_closed(item.organisation_id, [_input_quarter(stored)])
    check(item)
    item.entered_by = entered_by
    item.save()
    return item


@transaction.atomic
def satisfaction_save(*, score: SatisfactionScore, entered_by: User) -> SatisfactionScore:
    """Create or update one satisfaction score of ``entered_by``'s organisation."""
    return _input_save(score, entered_by=entered_by, check=_check_satisfaction)


@transaction.atomic
def satisfaction_delete(*, score: SatisfactionScore) -> None:
    """Delete a score, unless its quarter has been approved."""
    _input_delete(score)


@dataclass
class InputImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The quarters of the imported rows, so the page after an import can show what it wrote.
    quarters: frozenset[periods.Quarter] = frozenset()

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


def _import_rows(
    model, rows: list[SatisfactionRow] | list[ServiceEventRow], *, organisation: Organisation, entered_by: User
) -> InputImportResult:
    """Create the record of each row, or update its value when it changed; counts what happened.
    All or nothing, refused when a row's quarter has been approved.

    The row's ``key_fields`` identify its record within the organisation (re-importing a file never
    duplicates); the existing record is locked, so two imports of the same file do not both create it.
    """
    # Checked again at the write: the quarter may have been approved since the rows were checked.
    quarters = frozenset(row.period for row in rows)
    _refuse_closed(organisation.pk, list(quarters))
    result = InputImportResult(quarters=quarters)
    for row in rows:
        key = {name: getattr(row, name) for name in row.key_fields}
        value_field, value = row.value_field, getattr(row, row.value_field)
        existing = (
            model.objects.select_for_update(of=("self",))
            .filter(organisation=organisation, **key)
            .order_by("pk")
            .first()
        )
        if existing is None:
            model.objects.create(organisation=organisation, entered_by=entered_by, **key, **{value_field: value})
            result.created += 1
        elif getattr(existing, value_field) != value:
            setattr(existing, value_field, value)
            existing.entered_by = entered_by
            existing.save()
            result.updated += 1
        else:
            result.unchanged += 1
    return result


@transaction.atomic
def satisfaction_import(
    *, organisation: Organisation, rows: list[SatisfactionRow], entered_by: User
) -> InputImportResult:
    """Write validated rows; all or nothing. A quarter's score of a department or person that
    already exists is updated, never duplicated."""
    with audit_reason(_("批量导入满意度测评")):
        return _import_rows(SatisfactionScore, rows, organisation=organisation, entered_by=entered_by)


# --- Service events -------------------------------------------------------------------------


def service_event_check(
    *,
    organisation_id: int,
    date: datetime.date | None,
    person: User | None,
    kind: str | None,
    handled: bool | None,
    description: str | None,
    check_closed: bool = True,
) -> None:
    """The rules of a praise or complaint, for the web form, the Excel rows and the save alike.

    Not in the future, nor in an approved quarter (unless ``check_closed`` is False: an import
    says so once for all the rows of the quarter); a person of the organisation; a complaint says
    whether it was handled, a praise does not; a description within the model's limit. Raises one
    ValidationError naming each field at fault; a rule whose inputs are missing (another check
    already refused them) is skipped.
    """
    errors: dict[str, list[str]] = {}
    if date is not None and date > periods.today():
        errors["date"] = [_("日期不能晚于今天。")]
    elif date is not None:
        try:
            periods.check_plausible_date(date, not_future=True, label=_("日期"))
        except ValidationError as exc:
            errors["date"] = exc.messages
        else:
            # Only a plausible date has a quarter the calendar knows.
            if check_closed and periods.locked_quarters(organisation_id, [periods.Quarter.of(date)]):
                errors["date"] = [closed_message(periods.Quarter.of(date))]
    if person is not None and person.organisation_id != organisation_id:
        errors["person"] = [_("人员不属于本单位。")]
    elif person is not None and not _takes_part(person, organisation_id):
        errors["person"] = [_("只能选择参加考核的人员。")]
    if kind == ServiceEventKind.COMPLAINT and handled is None:
        errors["handled"] = [_("投诉须注明是否已处理。")]
    elif kind == ServiceEventKind.PRAISE and handled is not None:
        errors["handled"] = [_("表扬不填写是否已处理。")]
    if description is not None and not description.strip():
        errors["description"] = [_("请填写事由。")]
    elif description is not None:
        limit = ServiceEvent._meta.get_field("description").max_length
        if len(description) > limit:
            errors["description"] = [too_long_message(_("事由"), limit, len(description))]
    if errors:
        raise ValidationError(errors)


def _check_service_event(event: ServiceEvent) -> None:
    service_event_check(
        organisation_id=event.organisation_id,
        date=event.date,
        person=event.person,
        kind=event.kind,
        handled=event.handled,
        description=event.description or "",
    )


@transaction.atomic
def service_event_save(*, event: ServiceEvent, entered_by: User) -> ServiceEvent:
    """Create or update one praise or complaint of ``entered_by``'s organisation (a new one not twice
    from the same form sent again: :mod:`accounts.sent_again`)."""
    if event.pk is None:
        event.organisation_id = entered_by.organisation_id
        refuse_sent_again(
            event,
            fields=("organisation", "person", "date", "kind", "description", "handled"),
            by="entered_by",
            actor=entered_by,
            made_at="entered_at",
            what=pgettext("the record a form sent again would make", "表扬或投诉记录"),
        )
    return _input_save(event, entered_by=entered_by, check=_check_service_event)


@transaction.atomic
def service_event_delete(*, event: ServiceEvent) -> None:
    """Delete a praise or complaint, unless its quarter has been approved."""
    _input_delete(event)


@transaction.atomic
def service_event_import(
    *, organisation: Organisation, rows: list[ServiceEventRow], entered_by: User
) -> InputImportResult:
    """Write validated rows; all or nothing. An event with the same date, person, kind and
    description is the same event: re-importing the file updates its handled state only."""
    with audit_reason(_("批量导入表扬与投诉")):
        return _import_rows(ServiceEvent, rows, organisation=organisation, entered_by=entered_by)
