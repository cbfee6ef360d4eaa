"""Opening a quarter for grading, grading, the leader's confirmation, the discipline office's opinion
(纪委意见, when the policy asks for one) and the agency head's approval.

Every rule holds here, on the server: who may grade whom (谁管理谁认定), the comment and the
reason a grade needs, and the 好 quota — checked with the pool row locked, so two evaluators
submitting at the same moment cannot both take the last place.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import periods
from accounts.audit import audit_reason, record_event
from accounts.models import (
    AuditEvent,
    Department,
    GradingOpens,
    Notification,
    Organisation,
    Policy,
    Role,
    User,
)
from accounts.selectors import (
    heads_in_period,
    participants_of,
    participants_who_left,
    policy_for_organisation,
    role_holders,
    seconded_through,
)
from accounts.services import notify, notify_many, period_approval_begin, period_lock
from accounts.text import in_site_language, join_list
from accounts.textlimits import check_text_limits, too_long_message
from evaluations.year_rollup import year_rollup_request_once

from ...discipline.selectors import findings_digest
from ..models import (
    GRADES_NEEDING_REASON,
    AppraisalQuarter,
    Grade,
    GradeState,
    QuarterDisciplineOpinion,
    QuarterGrade,
    QuarterState,
    QuotaPool,
    SatisfactionScore,
    UncertainReason,
)
from ..selectors import HEADS_ROWS, grade_evaluator, rows_to_confirm_all, seen_token
from . import counts, documents, locking, quota, scores, suggestions
from .rollup import rollup_request_once

# --- The grading window (DOMAIN.md §3: grading after the quarter, or after its survey) ----------


def survey_entered_on(*, organisation_id: int, quarter: periods.Quarter) -> date | None:
    """The day the quarter's satisfaction-survey results were first entered, or None while missing."""
    first = SatisfactionScore.objects.filter(
        organisation_id=organisation_id, year=quarter.year, quarter=quarter.quarter
    ).aggregate(first=Min("entered_at"))["first"]
    return periods.today(first) if first else None


def grading_window_opens(
    *, organisation_id: int, quarter: periods.Quarter, policy: Policy | None = None
) -> date | None:
    """The first day the organisation may grade ``quarter`` (None: the survey it waits for is missing)."""
    policy = policy or policy_for_organisation(organisation_id=organisation_id)
    entered = _survey_entered_if_awaited(organisation_id=organisation_id, quarter=quarter, policy=policy)
    return periods.grading_window_opens(quarter, policy, survey_entered_on=entered)


def _survey_entered_if_awaited(*, organisation_id: int, quarter: periods.Quarter, policy: Policy) -> date | None:
    """The survey's entry day when the policy makes grading wait for it (otherwise no query)."""
    if policy.grading_opens != GradingOpens.SURVEY_ENTERED:
        return None
    return survey_entered_on(organisation_id=organisation_id, quarter=quarter)


def grading_windows(
    *, organisation_id: int, quarters: list[periods.Quarter], policy: Policy | None = None
) -> dict[periods.Quarter, date | None]:
    """:func:`grading_window_opens` of several quarters at once (at most one query), for the pages."""
    policy = policy or policy_for_organisation(organisation_id=organisation_id)
    entered: dict[tuple[int, int], date] = {}
    if policy.grading_opens == GradingOpens.SURVEY_ENTERED and quarters:
        rows = (
            SatisfactionScore.objects.filter(organisation_id=organisation_id, year__in={q.year for q in quarters})
            .values("year", "quarter")
            .annotate(first=Min("entered_at"))
        )
        entered = {(row["year"], row["quarter"]): periods.today(row["first"]) for row in rows}
    return {
        q: periods.grading_window_opens(q, policy, survey_entered_on=entered.get((q.year, q.quarter))) for q in quarters
    }


def open_refusal(
    *, organisation_id: int, quarter: periods.Quarter, policy: Policy | None = None, today: date | None = None
) -> str | None:
    """Why HR may not open ``quarter`` now (not begun, window not open, too far back); None if it may."""
    policy = policy or policy_for_organisation(organisation_id=organisation_id)
    entered = _survey_entered_if_awaited(organisation_id=organisation_id, quarter=quarter, policy=policy)
    return periods.grading_open_refusal(quarter, policy, on=today, survey_entered_on=entered)


def _check_window(appraisal_quarter: AppraisalQuarter, *, today: date | None = None) -> None:
    opens = grading_window_opens(organisation_id=appraisal_quarter.organisation_id, quarter=appraisal_quarter.period)
    if opens is None:
        raise ValidationError(
            _("%(quarter)s的满意度测评结果尚未录入，按考核政策评鉴尚未开始。") % {"quarter": appraisal_quarter.period}
        )
    if (today or periods.today()) < opens:
        raise ValidationError(
            _("%(quarter)s的评鉴期尚未开始（%(date)s起），现在不能评鉴或审批。")
            % {"quarter": appraisal_quarter.period, "date": opens.isoformat()}
        )


@transaction.atomic
def appraisal_quarter_open(
    *, organisation: Organisation, year: int, quarter: int, today: date | None = None
) -> AppraisalQuarter:
    """Open (or refresh) a quarter: one pending grade row per participant, and the quota pools.

    A quarter is opened only when the calendar allows it (:func:`open_refusal`): it has begun, its
    grading window has opened, and it is not further back than the policy allows. ``today`` is the
    day judged (default: today; the demo builds past quarters as of their own days).
    Safe to run again: people who joined since get their row (not one whose 参加考核日期 is after the
    quarter); existing rows are untouched.
    """
    policy = policy_for_organisation(organisation_id=organisation.pk)
    if not AppraisalQuarter.objects.filter(organisation=organisation, year=year, quarter=quarter).exists():
        refusal = open_refusal(
            organisation_id=organisation.pk, quarter=periods.Quarter(year, quarter), policy=policy, today=today
        )
        if refusal:
            raise ValidationError(refusal, code="grading_window")
    appraisal_quarter, _created = AppraisalQuarter.objects.get_or_create(
        organisation=organisation, year=year, quarter=quarter
    )
    for kind in quota.pool_kinds(policy):
        QuotaPool.objects.get_or_create(appraisal_quarter=appraisal_quarter, kind=kind)
    if policy.score_model_enabled:
        # The evaluators score against these sets; they are created here, never by opening a page.
        scores.indicator_sets_ensure(organisation=organisation)
    if appraisal_quarter.is_open:
        existing = QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter).values("person_id")
        period = appraisal_quarter.period
        # Who headed their department on some day of the quarter (a head replaced before its
        # grading opened too): graded by its supervising leader (QuarterGrade.headed).
        heads = heads_in_period(organisation_id=organisation.pk, first_day=period.first_day, last_day=period.last_day)
        # Someone who headed another department in the quarter and was moved since: their row goes
        # to the department they headed, whose leader grades them, as it would had the quarter
        # opened before the move (a re-test found them graded by a peer) — also when that
        # department has been closed since, merged into another (机构改革: a user test found its
        # former head graded by the head of the department it merged into). Not one left without
        # a supervising leader: nobody would grade the row there.
        led = set(
            Department.objects.filter(organisation=organisation, supervising_leader__isnull=False).values_list(
                "pk", flat=True
            )
        )
        headed_elsewhere: dict[int, int] = {}
        for person_id, department_id in sorted(heads):
            if department_id in led:
                headed_elsewhere.setdefault(person_id, department_id)

        def row_of(pk: int, department_id: int, is_leader: bool, number: str, head_id: int | None) -> QuarterGrade:
            headed = pk == head_id or (pk, department_id) in heads
            if not headed and pk in headed_elsewhere:
                department_id, headed = headed_elsewhere[pk], True
            return QuarterGrade(
                appraisal_quarter=appraisal_quarter,
                person_id=pk,
                department_id=department_id,
                is_leader_position=is_leader,
                employee_number=number,
                headed=headed,
            )

        # The rows made below are those after the last row of any quarter now (ids only grow).
        last_before = QuarterGrade.objects.aggregate(last=Max("pk"))["last"] or 0
        due = periods.due_for_people(periods.Quarter(year, quarter))
        # Someone who served in the quarter and left before it opened is graded in the department
        # they left, as one who leaves after it opened keeps their row (selectors.participants_who_left).
        # Not one whose department has no head left to grade them (closed, emptied into another).
        left = (
            participants_who_left(organisation=organisation, first_day=period.first_day, last_day=period.last_day)
            .filter(due)
            .exclude(left_department_head__isnull=True)
            .exclude(pk__in=existing)
            .values_list("pk", "left_department", "is_leader_position", "employee_number", "left_department_head")
        )
        added = QuarterGrade.objects.bulk_create(
            [
                row_of(*values)
                # Not a newcomer who began after the quarter ended: it was not theirs (periods.person_policy).
                for values in [
                    *participants_of(organisation=organisation)
                    .filter(due)
                    .exclude(pk__in=existing)
                    .values_list("pk", "department_id", "is_leader_position", "employee_number", "department__head_id"),
                    *left,
                ]
            ],
            batch_size=2000,
        )
        # bulk_create sends no signals: the new rows learn their documents in one UPDATE, and the
        # quarter's counters are counted again (services.counts). Chosen by id, not by a column the
        # UPDATE writes: ``targets_approved=False`` left out the newcomers whose targets it had just
        # approved from the second UPDATE, which marks their months before their start as not owed
        # (a user test: a February newcomer's January blocked the approval).
        documents.grade_documents_refresh(
            rows=QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, pk__gt=last_before)
        )
        counts.grade_counts_refresh(appraisal_quarter_id=appraisal_quarter.pk)
        if added and not _created:
            # Opened again for people who joined since (补充列入): the rows made by bulk_create
            # reach the audit trail as one event naming them (opening a quarter is its own entry).
            names = User.objects.filter(pk__in=[row.person_id for row in added]).order_by("pk")
            record_event(
                event=AuditEvent.QUARTER_NEWCOMERS_ADDED,
                obj=appraisal_quarter,
                detail={"people": [person.get_full_name() for person in names.only("full_name", "username")]},
            )
    return appraisal_quarter


def newcomers_not_listed(*, appraisal_quarter: AppraisalQuarter):
    """The participants the open quarter asks for (by their 参加考核日期) who have no grade row in it:
    those who joined or were added after it was opened, until HR adds them (opening it again,
    :func:`appraisal_quarter_open`). None for an approved quarter. In the organisation's order."""
    if not appraisal_quarter.is_open:
        return User.objects.none()
    organisation = Organisation(pk=appraisal_quarter.organisation_id)
    return (
        participants_of(organisation=organisation)
        .filter(periods.due_for_people(appraisal_quarter.period))
        .exclude(pk__in=QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter).values("person_id"))
        .order_by("pk")
    )


def _check_open(appraisal_quarter: AppraisalQuarter) -> None:
    if not appraisal_quarter.is_open:
        raise ValidationError(_("本季度结果已审批，不能再修改等次。"))


def _check_editable(row: QuarterGrade) -> None:
    """A grade changes while its quarter is open, or after approval when it was sent back for
    regrading (an objection upheld); a locked grade (定等) only through the recorded review."""
    if row.locked_at is not None:
        raise ValidationError(_("该等次已定等，只能通过定等后复核更改。"))
    if row.reopened_at is None:
        _check_open(row.appraisal_quarter)


def _check_grade_fields(*, grade: str, comment: str, reason: str, uncertain_reason: str) -> None:
    if grade not in Grade.values:
        raise ValidationError(_("请选择有效的等次。"))
    errors = {}
    if not comment.strip():
        errors["comment"] = _("请填写评语。")
    if grade in GRADES_NEEDING_REASON and not reason.strip():
        errors["reason"] = _("评为“%(grade)s”须说明理由。") % {"grade": Grade(grade).label}
    if grade == Grade.UNCERTAIN and uncertain_reason not in UncertainReason.values:
        errors["uncertain_reason"] = _("定为不确定等次须选择原因。")
    for name, text in (("comment", comment), ("reason", reason)):
        limit = QuarterGrade._meta.get_field(name).max_length
        if name not in errors and len(text.strip()) > limit:
            errors[name] = too_long_message(QuarterGrade._meta.get_field(name).verbose_name, limit, len(text.strip()))
    if errors:
        raise ValidationError(errors)


def _check_band(*, grade_row: QuarterGrade, grade: str, field: str | None) -> None:
    """Refuse a grade the person's composite score rules out (DOMAIN.md §4: below the policy's
    ``band_average`` it must be 较差), at ``field`` of the form when there is one."""
    policy = policy_for_organisation(organisation_id=grade_row.appraisal_quarter.organisation_id)
    if refusal := scores.band_refusal(row=grade_row, grade=grade, policy=policy):
        raise ValidationError({field: refusal} if field else refusal)


def _lock_row(grade_row: QuarterGrade, version: int | None) -> QuarterGrade:
    locked = (
        QuarterGrade.objects.select_for_update(of=("self",))
        # The quarter's organisation too: the audit entry's label (``QuarterGrade.__str__``) names it.
        .select_related("appraisal_quarter__organisation", "person__department", "department")
        .get(pk=grade_row.pk)
    )
    if version is not None and locked.version != version:
        raise ValidationError(_("该等次已被他人修改（可能在另一个窗口），请查看当前等次后再操作。"), code="stale")
    return locked


def _is_supervising_leader_of(*, actor: User, grade_row: QuarterGrade) -> bool:
    return grade_row.department.supervising_leader_id == actor.pk


@transaction.atomic
def grade_assign(
    *,
    grade_row: QuarterGrade,
    actor: User,
    grade: str,
    comment: str,
    reason: str = "",
    uncertain_reason: str = "",
    version: int | None = None,
) -> QuarterGrade:
    """The evaluator grades a person (好/较好/一般/较差/不确定等次) with a comment.

    A supervising leader grading a head they supervise needs no further confirmation.
    """
    row = _lock_row(grade_row, version)
    _check_editable(row)
    _check_window(row.appraisal_quarter)
    if not actor.has_perm("evaluations.grade_person", row):
        raise PermissionDenied(_("您不是此人的评鉴人。"))
    if row.state == GradeState.CONFIRMED and not _is_supervising_leader_of(actor=actor, grade_row=row):
        raise ValidationError(_("分管领导已确认此等次，不能再修改。"))
    _check_grade_fields(grade=grade, comment=comment, reason=reason, uncertain_reason=uncertain_reason)
    uncertain_reason = suggestions.uncertain_rule(
        row=row, grade=grade, uncertain_reason=uncertain_reason, field="grade"
    )
    _check_band(grade_row=row, grade=grade, field="grade")
    quota.check_good_quota(grade_row=row, new_grade=grade)
    now = timezone.now()
    row.grade = grade
    row.comment = comment.strip()
    row.reason = reason.strip()
    row.uncertain_reason = uncertain_reason
    row.evaluator = actor
    row.graded_at = now
    # A new grade from the evaluator is no longer the one the leader changed.
    row.evaluator_grade, row.evaluator_reason, row.change_reason = "", "", ""
    # Who grades a head is the leader who would confirm it: graded by them is confirmed.
    returned = row.returned_at is not None
    if _is_supervising_leader_of(actor=actor, grade_row=row):
        row.state, row.confirmed_by, row.confirmed_at = GradeState.CONFIRMED, actor, now
        row.returned_at, row.return_reason = None, ""
        if row.reopened_at is not None:
            locking.grade_regrading_done(row)
    else:
        # Back to the leader: an earlier confirmation (before a regrade) is no longer the current one.
        row.state, row.confirmed_by, row.confirmed_at = GradeState.GRADED, None, None
    row.version += 1
    with audit_reason(row.reason):
        row.save()
    leader = row.department.supervising_leader if row.department.supervising_leader_id else None
    sent_back = row.reopened_at is not None or row.returned_at is not None
    if sent_back and row.state == GradeState.GRADED and leader is not None and leader.is_active:
        # Regraded after an objection (in an approved quarter: off the leader's current lists) or
        # after the agency head sent it back: the leader is told it waits for them.
        with in_site_language():
            message = (
                _("%(person)s的%(quarter)s等次已因异议重新评鉴为“%(grade)s”，请确认。")
                if row.reopened_at is not None
                else _("%(person)s的%(quarter)s等次已按单位主要负责人的退回意见重新评鉴为“%(grade)s”，请确认。")
            )
            notify(
                recipient=leader,
                message=message
                % {
                    "person": row.person,
                    "quarter": row.appraisal_quarter.period.label,
                    "grade": row.get_grade_display(),
                },
                url=reverse("evaluations:grade_detail", args=[row.pk]),
            )
    elif returned and row.state == GradeState.CONFIRMED:
        _tell_approvers_confirmed_again(row)
    return row


@transaction.atomic
def grade_confirm(
    *,
    grade_row: QuarterGrade,
    actor: User,
    new_grade: str | None = None,
    reason: str = "",
    version: int | None = None,
) -> QuarterGrade:
    """The supervising leader confirms a staff grade, or changes it with a recorded reason."""
    row = _lock_row(grade_row, version)
    _check_editable(row)
    _check_window(row.appraisal_quarter)
    if not _is_supervising_leader_of(actor=actor, grade_row=row) or row.person_id == actor.pk:
        raise PermissionDenied(_("只有分管领导可以确认本科室人员的等次。"))
    if row.headed or row.person_id == row.department.head_id:
        # A head's grade (or of whoever headed the department in the quarter) is the leader's own to
        # give, not a staff grade to confirm: as the confirm page refuses it (a review).
        raise ValidationError(_("该人员本季度担任过科室负责人，其等次由分管领导直接评定，请在评鉴中给出等次。"))
    if row.state == GradeState.PENDING:
        raise ValidationError(_("科室负责人尚未评鉴，不能确认。"))
    changing = new_grade is not None and new_grade != row.grade
    if changing:
        if not reason.strip():
            raise ValidationError({"reason": _("调整等次须说明理由。")})
        uncertain_reason = suggestions.uncertain_rule(row=row, grade=new_grade, field="new_grade")
        _check_grade_fields(
            grade=new_grade,
            comment=row.comment,
            reason=reason if new_grade in GRADES_NEEDING_REASON else row.reason,
            uncertain_reason=uncertain_reason,
        )
        _check_band(grade_row=row, grade=new_grade, field="new_grade")
        quota.check_good_quota(grade_row=row, new_grade=new_grade)
        # Keep the evaluator's own grade and reason (not an earlier change of the leader's) beside the new one.
        if not row.evaluator_grade:
            row.evaluator_grade, row.evaluator_reason = row.grade, row.reason
        row.change_reason = reason.strip()
        row.grade = new_grade
        row.uncertain_reason = uncertain_reason
        if new_grade in GRADES_NEEDING_REASON:
            row.reason = reason.strip()
    else:
        # Confirmed as it stands: the grade must still agree with the score entered since, and with
        # the staff register (a leave or a case recorded after the head graded).
        _check_band(grade_row=row, grade=row.grade, field=None)
        # The grade only, as approval checks it: the leader's form has no reason to correct (a review).
        suggestions.uncertain_rule(row=row, grade=row.grade)
    returned = row.returned_at is not None
    row.state, row.confirmed_by, row.confirmed_at = GradeState.CONFIRMED, actor, timezone.now()
    row.returned_at, row.return_reason = None, ""
    if row.reopened_at is not None:
        locking.grade_regrading_done(row)
    row.version += 1
    with audit_reason(reason.strip()):
        row.save()
    if returned:
        _tell_approvers_confirmed_again(row)
    if changing and row.evaluator_id and row.evaluator_id != actor.pk:
        # The head hears of it in the day's digest, with the reason.
        with in_site_language():
            notify(
                recipient=row.evaluator,
                message=_("%(leader)s将%(person)s的%(quarter)s等次由“%(old)s”调整为“%(new)s”，理由：%(reason)s")
                % {
                    "leader": actor,
                    "person": row.person,
                    "quarter": row.appraisal_quarter.period.label,
                    "old": Grade(row.evaluator_grade).label,
                    "new": row.get_grade_display(),
                    "reason": row.change_reason,
                },
                url=reverse("evaluations:grade_detail", args=[row.pk]),
                digest=True,
            )
    return row


@transaction.atomic
def grade_return(*, grade_row: QuarterGrade, actor: User, reason: str, version: int | None = None) -> QuarterGrade:
    """The agency head, before approving the quarter, sends a confirmed grade they do not agree with
    back to its graders (谁管理谁认定: the head grades again, the supervising leader confirms again;
    a head's grade goes back to the leader who gives it). The grade stays as it was until regraded,
    the reason is shown to them and on the approval page, and the quarter cannot be approved until
    the grade is confirmed again. Both are told."""
    row = _lock_row(grade_row, version)
    if not actor.has_perm("evaluations.return_grade", row) or row.person_id == actor.pk:
        raise PermissionDenied(_("只有本单位主要负责人可以在审批前退回等次。"))
    if row.locked_at is not None or row.reopened_at is not None:
        raise ValidationError(_("该等次已审批，不能在此退回。"))
    # An approval under way finishes first (and this sees it), or waits for this: the only step
    # that takes a grade back out of 已确认 must not let the quarter be approved without it.
    periods.hold_against_approval(row.appraisal_quarter.organisation_id)
    row.appraisal_quarter.refresh_from_db(fields=["state"])
    _check_open(row.appraisal_quarter)
    if row.state != GradeState.CONFIRMED:
        raise ValidationError(_("只能退回已确认的等次：该等次尚待评鉴或分管领导确认。"))
    row.return_reason = locking.check_reason(
        reason, limit=QuarterGrade._meta.get_field("return_reason").max_length, label=_("退回理由")
    )
    row.returned_at = timezone.now()
    # Back to whoever grades the person: the head for staff (the leader confirms afterwards), the
    # leader for a head; the grade is kept for them to change or give again.
    row.state, row.confirmed_by, row.confirmed_at = GradeState.PENDING, None, None
    row.version += 1
    with audit_reason(row.return_reason):
        row.save()
    with in_site_language():
        values = {
            "chief": actor,
            "person": row.person,
            "quarter": row.appraisal_quarter.period.label,
            "grade": row.get_grade_display() or "—",
            "reason": row.return_reason,
        }
        url = reverse("evaluations:grade_detail", args=[row.pk])
        evaluator = grade_evaluator(row)
        leader = row.department.supervising_leader if row.department.supervising_leader_id else None
        if evaluator is not None and evaluator.is_active:
            message = _("%(chief)s退回了%(person)s的%(quarter)s等次“%(grade)s”，请重新评鉴。理由：%(reason)s")
            notify(recipient=evaluator, message=message % values, url=url)
        if leader is not None and leader.is_active and leader != evaluator:
            message = _(
                "%(chief)s退回了%(person)s的%(quarter)s等次“%(grade)s”，待科室负责人重新评鉴后请您再次确认。理由：%(reason)s"
            )
            notify(recipient=leader, message=message % values, url=url)
    return row


def _tell_approvers_confirmed_again(row: QuarterGrade) -> None:
    """A grade the agency head sent back is confirmed again: they hear it is ready for approval."""
    organisation_id = row.appraisal_quarter.organisation_id
    with in_site_language():
        for approver in role_holders(organisation_id=organisation_id, roles=[Role.AGENCY_HEAD]):
            notify(
                recipient=approver,
                message=_("退回的%(person)s的%(quarter)s等次已重新评鉴并确认为“%(grade)s”。")
                % {
                    "person": row.person,
                    "quarter": row.appraisal_quarter.period.label,
                    "grade": row.get_grade_display(),
                },
                url=reverse("evaluations:quarter_approve", args=[row.appraisal_quarter_id]),
            )


@transaction.atomic
def grades_confirm_all(
    *,
    appraisal_quarter: AppraisalQuarter,
    actor: User,
    refused: list[tuple[QuarterGrade, list[str]]] | None = None,
    department_id: int | None = None,
    seen: str | None = None,
) -> int:
    """Confirm, unchanged, every graded staff grade of the departments ``actor`` supervises (of the
    one ``department_id`` only, when given: the page's department filter); returns how many. A grade
    the rules refuse to confirm as it stands (a score below the line, …) refuses the whole step, or,
    given ``refused`` (the leader's page), is left graded and added there with the refusal's words,
    and the others are confirmed (a user test: one contradiction stopped a leader's 全部确认 of thirty).
    ``seen``: the page's ``selectors.confirm_all_figures``; rows changed, added or gone since refuse
    the step (``code="stale"``), as a single stale confirmation is refused."""
    # Not a head's (selectors.HEADS_ROWS): the leader gives it, the card on their list says so —
    # a grade from the head before them, given when the person was staff, is not confirmed unseen.
    rows = rows_to_confirm_all(appraisal_quarter=appraisal_quarter, actor=actor, department_id=department_id)
    if seen is not None:
        # Under the rows' locks: a change committed after this check waits for the step, and a row
        # graded after it is not among those confirmed (a review: the loop read the rows again).
        checked = _refuse_if_changed(rows, seen, _("您打开本页后，待确认的等次有了变化（评鉴人修改或新评了等次）。"))
        rows = rows.filter(pk__in=checked)
    confirmed = 0
    # Each department's counters are counted once at the end, not after every row.
    with counts.deferred():
        for row in rows:
            if refused is None:
                grade_confirm(grade_row=row, actor=actor)
                confirmed += 1
                continue
            try:
                with transaction.atomic():
                    grade_confirm(grade_row=row, actor=actor)
            except ValidationError as refusal:
                refused.append((row, refusal.messages))
            else:
                confirmed += 1
    return confirmed


def _refuse_if_changed(rows, seen: str, what: str) -> list[int]:
    """Refuse a step over all of ``rows`` (locked here) when they changed since the page that offered
    it was read (``seen``: ``selectors.grades_seen`` then), saying what changed and what to do; the
    ids of the rows checked and locked, for the step to act on those only."""
    locked = list(rows.select_for_update(of=("self",)).order_by("pk").values_list("pk", "version"))
    if seen_token(locked) != seen:
        raise ValidationError(what + _("请查看当前的等次后再操作；本次未作任何确认或审批。"), code="stale")
    return [pk for pk, _version in locked]


def opinion_seen_token(opinion: QuarterDisciplineOpinion | None) -> str:
    """What a page that shows ``opinion`` sends back to say which one it showed ("" for none)."""
    return opinion.given_at.isoformat() if opinion is not None else ""


@transaction.atomic
def quarter_discipline_opinion_record(
    *, appraisal_quarter: AppraisalQuarter, actor: User, text: str, seen: str | None = None
) -> QuarterDisciplineOpinion:
    """An inspector records the discipline office's opinion (纪委意见) on the organisation's quarter.

    Only while the policy asks for it (``discipline_review_step``) and the quarter is open; recording
    again replaces the text, and the audit trail keeps the earlier one.
    """
    locked = AppraisalQuarter.objects.select_for_update(of=("self",)).get(pk=appraisal_quarter.pk)
    if not actor.has_perm("evaluations.give_discipline_opinion", locked):
        raise PermissionDenied(_("只有本单位纪检人员可以记录纪委意见。"))
    if not locked.is_open:
        raise ValidationError(_("本季度已审批，不能再记录纪委意见。"))
    if not policy_for_organisation(organisation_id=locked.organisation_id).discipline_review_step:
        raise ValidationError(_("本单位考核政策未设审批前征求纪委意见。"))
    if unfinished := _grades_unfinished(locked):
        raise ValidationError(
            _("评鉴尚未完成：还有%(n)s人未评鉴或等次未经分管领导确认，全部确认后再记录纪委意见。") % {"n": unfinished}
        )
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("请填写纪委意见。")})
    opinion = QuarterDisciplineOpinion.objects.filter(appraisal_quarter=locked).first()
    if seen is not None and seen != opinion_seen_token(opinion):
        raise ValidationError(
            _("纪委意见已由%(who)s于%(when)s记录（在另一窗口或由他人），请刷新页面看过后再修改。")
            % {
                "who": opinion.given_by.get_full_name() if opinion else "—",
                "when": timezone.localtime(opinion.given_at).strftime("%Y-%m-%d %H:%M") if opinion else "—",
            }
        )
    if opinion is None:
        opinion = QuarterDisciplineOpinion(appraisal_quarter=locked)
    opinion.text, opinion.given_by, opinion.given_at = text, actor, timezone.now()
    opinion.grades_version = _grades_version(locked)
    opinion.findings_digest = _findings_digest(locked)
    check_text_limits(opinion, "text")
    opinion.save()
    return opinion


def _grades_unfinished(appraisal_quarter: AppraisalQuarter) -> int:
    """How many of the quarter's people are not graded, or graded and not yet confirmed."""
    return QuarterGrade.objects.filter(
        appraisal_quarter=appraisal_quarter, state__in=[GradeState.PENDING, GradeState.GRADED]
    ).count()


def _grades_version(appraisal_quarter: AppraisalQuarter) -> int:
    """The sum of the quarter's grade rows' versions (each grading, change, confirmation or sending
    back bumps its row's): one aggregate over the quarter's rows."""
    return QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter).aggregate(v=Sum("version"))["v"] or 0


def _findings_digest(appraisal_quarter: AppraisalQuarter) -> str:
    period = appraisal_quarter.period
    return findings_digest(
        organisation_id=appraisal_quarter.organisation_id, first_day=period.first_day, last_day=period.last_day
    )


def discipline_opinion_status(*, appraisal_quarter: AppraisalQuarter, opinion: QuarterDisciplineOpinion | None) -> str:
    """``"opinion"`` when the quarter has no 纪委意见 (``opinion`` is None), ``"stale"`` when its
    grades were given, changed, confirmed or sent back after ``opinion`` was recorded, or the
    quarter's inspections found something more or corrected a finding (a user test recorded a
    严重 finding after the opinion and the quarter was approved on the old one), else "".
    ``opinion`` is the quarter's, as the caller read it (``selectors.quarter_discipline_opinion``)."""
    if opinion is None:
        return "opinion"
    stale = opinion.grades_version is not None and opinion.grades_version != _grades_version(appraisal_quarter)
    stale = stale or bool(opinion.findings_digest) and opinion.findings_digest != _findings_digest(appraisal_quarter)
    return "stale" if stale else ""


def _opinion_status(appraisal_quarter: AppraisalQuarter) -> str:
    opinion = QuarterDisciplineOpinion.objects.filter(appraisal_quarter=appraisal_quarter).first()
    return discipline_opinion_status(appraisal_quarter=appraisal_quarter, opinion=opinion)


def discipline_opinion_wanted(*, appraisal_quarter: AppraisalQuarter, policy, opinion_status: str | None = None) -> str:
    """What the 纪委意见 of an open quarter waits for ("" when nothing): ``"grading"`` while people are
    not graded or confirmed (an opinion on grades not yet given says nothing), ``"opinion"`` when
    every grade is confirmed and there is no opinion, ``"stale"`` when grades moved after it.
    ``opinion_status``: :func:`discipline_opinion_status` as the caller already worked it out."""
    if not policy.discipline_review_step or not appraisal_quarter.is_open:
        return ""
    if _grades_unfinished(appraisal_quarter):
        return "grading"
    return _opinion_status(appraisal_quarter) if opinion_status is None else opinion_status


DISCIPLINE_OPINION = "discipline_opinion"
# What staff still owe (targets approved, summaries handed in), not the graders.
INPUTS = "inputs"
# Grades the agency head sent back (grade_return), waiting for the graders to grade them again.
REGRADE = "regrade"
# People the open quarter asks for who have no grade row in it yet (newcomers_not_listed).
NEWCOMERS = "newcomers"


class ApprovalBlocker(str):
    """One reason the quarter cannot be approved yet, in plain words, and the people it concerns.

    A ``str`` (the message) so that a refusal is an ordinary ``ValidationError`` of messages; the
    approval page also lists ``people`` — (grade row id, name) of the first few — and ``more``.
    """

    people: list[tuple[int, str]]
    more: int | str  # "990+" past BLOCKER_COUNT_CAP
    # Whose step it waits for: "discipline_opinion" for the 纪委意见 (the inspector's), "" otherwise.
    waits_for: str

    # How many it concerns ("1000+" past BLOCKER_COUNT_CAP; 0 for a blocker of no people).
    count: int | str

    def __new__(
        cls, message: str, people=(), more: int | str = 0, waits_for: str = "", count: int | str = 0
    ) -> ApprovalBlocker:
        blocker = super().__new__(cls, message)
        blocker.people, blocker.more, blocker.waits_for, blocker.count = list(people), more, waits_for, count
        return blocker


# How many names a blocker lists; the count covers the rest.
BLOCKER_NAMES = 10
# How far a blocker counts: past it the page says "1000+". Counting every one of 100 000 people who
# lack something took most of the approval and quarters pages' time (2–3 s); "is anyone missing"
# and "about how many" are what the head and HR need, and LIMIT lets the database stop early.
BLOCKER_COUNT_CAP = 1000


def _bounded_rows(
    rows, *, with_names: bool, months: tuple[int, tuple[int, ...]] = (0, ())
) -> tuple[list[tuple[int, str]], int, bool]:
    """The first BLOCKER_NAMES (row id, name) by row id, how many rows (counted up to
    BLOCKER_COUNT_CAP) and whether there are more: one query, one pass over the rows at most.
    ``months`` (the quarter's months owed by now as ``summary_months`` bits, and the quarter's month
    numbers): each name says which of them the person has not handed in, 张三（12月）, read in the
    same query.

    Counting and naming in one query halves the work where nobody or few are missing (the database
    must look at every row to be sure; it did so twice). Without names only the count is read."""
    # The rows' own ordering when they have one (see _missing_inputs), else by row id / none.
    # (Never ``ordered or …``: the truth of a queryset is a query for every row.)
    ordered = bool(rows.query.order_by)
    if with_names:
        rows = rows if ordered else rows.order_by("pk")
        found = list(rows.values_list("pk", "person__full_name", "summary_months")[: BLOCKER_COUNT_CAP + 1])
        people = [(pk, _with_months(name, bits, *months)) for pk, name, bits in found[:BLOCKER_NAMES]]
    else:
        rows = rows if ordered else rows.order_by()
        found, people = list(rows.values_list("pk", flat=True)[: BLOCKER_COUNT_CAP + 1]), []
    n = len(found)
    return people, min(n, BLOCKER_COUNT_CAP), n > BLOCKER_COUNT_CAP


def _with_months(name: str, handed: int, owed: int, numbers: tuple[int, ...]) -> str:
    """张三（11月、12月）: the months owed (``owed``, bits as ``summary_months``) whose bit ``handed``
    lacks, by their ``numbers``."""
    missing = [str(m) for i, m in enumerate(numbers) if owed & 1 << i and not handed & 1 << i]
    return _("%(name)s（%(months)s月）") % {"name": name, "months": join_list(missing)} if missing else name


def _people_blocker(
    message: str, people: list, count: int, capped: bool = False, waits_for: str = ""
) -> ApprovalBlocker:
    # The first few by row id: the database walks the primary key and stops once it has enough
    # matches, where sorting by department first had to find and sort every match (0.7 s when
    # 100 000 people lacked something).
    more = max(count - len(people), 0)
    return ApprovalBlocker(
        message, people, f"{more}+" if capped else more, waits_for=waits_for, count=_shown(count, capped)
    )


def _shown(count: int, capped: bool) -> str:
    return f"{count}+" if capped else str(count)


def _missing_inputs(appraisal_quarter: AppraisalQuarter, policy=None):
    """Grade rows whose quarterly targets are not approved, those with a month's summary not
    handed in (months begun by today), and those months (``summary_months`` bits). People graded
    不确定等次 (long leave and the like) are exempt, and so are people who have left (their account
    deactivated): nobody can hand in what they owe any more, and the quarter would wait for ever —
    and those seconded (挂职/援派) for the whole quarter, whom the host organisation appraises (DOMAIN §2;
    a user test found one blocking the whole agency's approval for want of home summaries).

    Read from the rows' own ``targets_approved`` / ``summary_months`` (kept by
    :mod:`.documents`) through partial indexes: the database visits only the people who lack
    something, however large the organisation."""
    # Ordered as the partial indexes are (quarter, row id): no other index gives that order, so the
    # planner walks them and stops at the cap, whatever it guesses of how many rows match.
    period = appraisal_quarter.period
    rows = (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, person__is_active=True)
        .exclude(grade=Grade.UNCERTAIN)
        .exclude(seconded_through(period, "person_id"))
        .order_by("appraisal_quarter_id", "pk")
    )
    begun = documents.months_begun_mask(appraisal_quarter=appraisal_quarter, policy=policy)
    if not begun:
        return rows.filter(targets_approved=False), rows.none(), begun
    # ``summary_months <> 7`` is the partial index's condition, stated so the planner uses it; the
    # bit test then keeps those missing a month that has begun.
    missing = rows.exclude(summary_months=QuarterGrade.ALL_MONTHS).annotate(
        begun_handed=F("summary_months").bitand(begun)
    )
    return rows.filter(targets_approved=False), missing.exclude(begun_handed=begun), begun


def approval_blockers(
    *,
    appraisal_quarter: AppraisalQuarter,
    with_names: bool = True,
    pools: list[quota.PoolStatus] | None = None,
    opinion_status: str | None = None,
) -> list[ApprovalBlocker]:
    """What stands between the quarter and approval, in plain words with the people concerned:
    targets not approved, monthly summaries not handed in, people not graded, sent back by the agency
    head or not confirmed,
    grades the composite score rules out (scores entered or changed after the grade: below the
    policy's ``band_average`` only 较差 stands), quota overruns, and the discipline office's
    opinion when the policy asks for one.

    A fixed number of queries whatever the size of the organisation; each count stops at
    BLOCKER_COUNT_CAP ("1000+"). ``with_names=False`` leaves the people out (a page that shows only
    the messages); ``pools``, the quota status the caller already read, and ``opinion_status``, the
    :func:`discipline_opinion_status` it already worked out, spare reading them again. The
    participants not yet listed (:func:`newcomers_not_listed`) are one anti-join over the
    organisation's people, the agency head's home label too (a re-test read 待审批 there while the
    approval page named a newcomer not listed).
    """
    grades = QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
    blockers = []
    policy = policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    no_targets, no_summaries, begun = _missing_inputs(appraisal_quarter, policy)
    pending_rows = grades.filter(state=GradeState.PENDING, returned_at__isnull=True, grade="")
    # Graded by the former head and moved with the person before a confirmation
    # (headship.grade_rows_follow_person): the grade stands in the distribution until the new head
    # grades again, so it is not said to be ungraded (a user test read 好1 beside 61人未评鉴 of 61).
    moved_rows = grades.filter(state=GradeState.PENDING, returned_at__isnull=True).exclude(grade="")
    # Sent back by the agency head (grade_return): graded once, to be graded again.
    returned_rows = grades.filter(state=GradeState.PENDING, returned_at__isnull=False)
    # A head's grade given by someone else (the head before them, when they were staff) waits for
    # the leader's own grade, as their grading list says (selectors.HEADS_ROWS), not a confirmation.
    unconfirmed_rows = grades.filter(state=GradeState.GRADED).exclude(HEADS_ROWS)
    heads_rows = grades.filter(HEADS_ROWS, state=GradeState.GRADED)
    kinds = (
        (no_targets, _("还有%(n)s人的季度目标未审核通过。"), INPUTS),
        (no_summaries, _("还有%(n)s人的月度小结未提交。"), INPUTS),
        (pending_rows, _("还有%(n)s人未评鉴。"), ""),
        (moved_rows, _("还有%(n)s人调整了科室，原科室负责人给出的等次待新科室负责人重新评鉴。"), ""),
        (returned_rows, _("还有%(n)s人的等次已退回，待重新评鉴。"), REGRADE),
        (unconfirmed_rows, _("还有%(n)s人的等次未经分管领导确认。"), ""),
        (heads_rows, _("还有%(n)s名本季度担任过科室负责人的人员，等次待分管领导评定（此前由原科室负责人评鉴）。"), ""),
    )
    if policy.score_model_enabled:
        # One more bounded query, through quartergrade_composite_idx (the scored rows only).
        below_band = grades.filter(composite_score__lt=policy.band_average).exclude(
            grade__in=scores.GRADES_BELOW_AVERAGE_BAND
        )
        kinds += (
            (
                below_band,
                _("还有%(n)s人的等次与综合得分不符：综合得分低于“一般”分数线（%(line)s分）的，须评为“较差”。"),
                "",
            ),
        )
    # The staff register's long leave and 立案审查 (two queries): a grade given before one was recorded
    # (or changed since) that the register now rules out, as grading would refuse it.
    bases = suggestions.uncertain_bases(appraisal_quarter=appraisal_quarter, person_ids=None, policy=policy)
    required = [person_id for person_id, basis in bases.items() if basis.required]
    against_register = grades.exclude(state=GradeState.PENDING).filter(
        (Q(grade=Grade.UNCERTAIN) & ~Q(person_id__in=list(bases)))
        | (Q(person_id__in=required) & ~Q(grade=Grade.UNCERTAIN))
    )
    kinds += (
        (
            against_register,
            _(
                "还有%(n)s人的等次与人员管理中登记的长期休假、立案审查不符（休假超过规定比例或立案审查未结案的只能定为"
                "不确定等次，没有此类登记的不能定为不确定等次）：待确认的由分管领导调整，已确认的请退回重新评鉴。"
            ),
            "",
        ),
    )
    for rows, message, waits_for in kinds:
        months = (begun, appraisal_quarter.period.months) if rows is no_summaries else (0, ())
        people, n, capped = _bounded_rows(rows, with_names=with_names, months=months)
        if n:
            text = message % {"n": _shown(n, capped), "line": policy.band_average}
            blockers.append(_people_blocker(text, people, n, capped, waits_for=waits_for))
    newcomers = list(
        newcomers_not_listed(appraisal_quarter=appraisal_quarter).values_list("full_name", "username")[
            : BLOCKER_COUNT_CAP + 1
        ]
    )
    if newcomers:
        n, capped = min(len(newcomers), BLOCKER_COUNT_CAP), len(newcomers) > BLOCKER_COUNT_CAP
        names = join_list([full_name or username for full_name, username in newcomers[:BLOCKER_NAMES]])
        more = _("等%(n)s人") % {"n": _shown(n, capped)} if n > BLOCKER_NAMES else ""
        message = _(
            "%(names)s%(more)s参加平时考核，但尚未列入本季度评鉴（季度开放后加入）：请组织人事部门在季度页面“补充列入”。"
        )
        blockers.append(
            ApprovalBlocker(message % {"names": names, "more": more}, waits_for=NEWCOMERS, count=_shown(n, capped))
        )
    if pools is None:
        pools = quota.quota_status(appraisal_quarter=appraisal_quarter, policy=policy)
    for pool in pools:
        if pool.over:
            blockers.append(
                ApprovalBlocker(
                    # The overrun said as such (a user test read 超出名额3人 as three too many).
                    _("%(pool)s“好”等次%(used)s人，名额%(capacity)s人，超出%(over)s人。")
                    % {
                        "pool": pool.label,
                        "used": pool.used,
                        "capacity": pool.capacity,
                        "over": pool.used - pool.capacity,
                    }
                )
            )
    if policy.discipline_review_step:
        status = _opinion_status(appraisal_quarter) if opinion_status is None else opinion_status
        if status == "opinion":
            blockers.append(
                ApprovalBlocker(_("须先取得纪委意见：请纪检人员在季度结果页记录意见。"), waits_for=DISCIPLINE_OPINION)
            )
        elif status == "stale":
            blockers.append(
                ApprovalBlocker(
                    _("纪委意见记录后又有评鉴、确认或检查发现：请纪检人员重新记录意见。"),
                    waits_for=DISCIPLINE_OPINION,
                )
            )
    return blockers


@transaction.atomic
def appraisal_quarter_approve(
    *, appraisal_quarter: AppraisalQuarter, actor: User, today: date | None = None, seen: str | None = None
) -> AppraisalQuarter:
    """The agency head approves the organisation's quarter; its grades are then final.

    Refused before the quarter's grading window opens (``today``, default today, is the day judged)
    and while :func:`approval_blockers` names anything, the missing 纪委意见 included. Approval closes
    the quarter (:class:`accounts.models.PeriodLock`: targets, completion, satisfaction scores and
    events become read-only) and, once committed, recomputes the year's suggestions as a job (and
    the quarter's roll-up, when HR rolled it up while it was open). ``seen``: the approval page's
    ``selectors.grades_seen`` of the quarter's grades; a grade changed since refuses (``code="stale"``).
    """
    locked = AppraisalQuarter.objects.select_for_update(of=("self",)).get(pk=appraisal_quarter.pk)
    if not actor.has_perm("evaluations.approve_quarter") or actor.organisation_id != locked.organisation_id:
        raise PermissionDenied(_("只有主要负责人可以审批本单位的季度结果。"))
    # Writes that checked the quarter is open finish first; later ones wait and then see the lock.
    period_approval_begin(organisation_id=locked.organisation_id)
    if not locked.is_open:
        raise ValidationError(_("本季度已审批。"))
    _check_window(locked, today=today)
    blockers = approval_blockers(appraisal_quarter=locked)
    if blockers:
        raise ValidationError(blockers)
    if seen is not None:
        grades = QuarterGrade.objects.filter(appraisal_quarter=locked)
        _refuse_if_changed(grades, seen, _("您打开审批页面后，有等次被修改（例如分管领导调整了等次）。"))
    locked.state = QuarterState.APPROVED
    locked.approved_by = actor
    locked.approved_at = timezone.now()
    # The 好 quota it was graded under stays the quarter's (quota.quarter_rules), whatever the policy later says.
    policy = policy_for_organisation(organisation_id=locked.organisation_id)
    locked.good_quota_percent = policy.good_quota_percent
    locked.good_quota_separate_pools = policy.good_quota_separate_pools
    locked.save()
    period_lock(organisation=locked.organisation, quarter=locked.period, actor=actor)
    if locked.rolled_up_at is not None:
        # Rolled up while open (HR may): its department statistics, which the quarters page reads
        # once the quarter is approved, and the results page are brought up to the approved grades.
        rollup_request_once(appraisal_quarter=locked, requested_by=actor)
    year_rollup_request_once(organisation=locked.organisation, year=locked.year, requested_by=actor)
    _notify_approved(locked, actor)
    return locked


def _notify_approved(appraisal_quarter: AppraisalQuarter, actor: User) -> None:
    """Those who graded or confirmed, and HR, hear of the approval in their daily digest."""
    graders = QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
    recipients = (
        User.objects.filter(organisation_id=appraisal_quarter.organisation_id, is_active=True)
        .filter(
            Q(pk__in=graders.values("evaluator_id"))
            | Q(pk__in=graders.values("confirmed_by_id"))
            | Q(role_assignments__role=Role.HR_ADMIN)
        )
        .exclude(pk=actor.pk)
        .distinct()
    )
    with in_site_language():
        message = _("%(quarter)s评鉴结果已由%(chief)s审批。") % {
            "quarter": appraisal_quarter.period.label,
            "chief": actor,
        }
        # The quarters page for those who may open it; a department head, who may not (a user test
        # followed the digest's link to a 403), to their grading page, which lists the grades they
        # gave in the approved quarter (another followed it to a page saying no quarter was open).
        quarters_url = reverse("evaluations:quarters") + f"?q={appraisal_quarter.pk}"
        grading_url = reverse("evaluations:grading") + f"?approved={appraisal_quarter.pk}"
        notify_many(
            [
                Notification(
                    recipient_id=person.pk,
                    message=message,
                    url=quarters_url if person.has_perm("evaluations.view_quarters") else grading_url,
                )
                for person in recipients
            ],
            dedupe_key=f"quarter-approved:{appraisal_quarter.pk}",
            digest=True,
        )
