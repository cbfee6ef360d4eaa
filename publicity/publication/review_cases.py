"""复核 / 申诉 of an annual 不称职 (DOMAIN §7): a recorded case with its statutory deadlines."""

from __future__ import annotations

from datetime import date, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts import periods
from accounts.audit import audit_reason
from accounts.models import Notification, User
from accounts.selectors import recused
from accounts.services import notify_many
from accounts.text import in_site_language
from accounts.textlimits import check_text_limits, text_length
from evaluations.annual.models import AnnualGrade, AnnualResult, AnnualReview
from evaluations.annual.services import annual_review_after_lock, review_excellent_barred

from .models import ReviewCase, ReviewCaseKind, ReviewCaseState
from .services import hr_of

# 复核: 30 days to ask from being told the result, 30 days for the decision (公务员考核规定).
REVIEW_REQUEST_DAYS = 30
REVIEW_DECISION_DAYS = 30
# Reminders this many days before a case's deadline.
REVIEW_REMINDER_DAYS = 7


def _check_not_own_case(actor: User, person_id: int) -> None:
    """HR recuses themselves from their own case (回避) where another HR administrator can take it."""
    if recused(user=actor, person_id=person_id):
        raise PermissionDenied(_("这是您本人的案件，您须回避，请由其他人事干部办理。"))


@transaction.atomic
def review_case_open(
    *, actor: User, annual_result: AnnualResult, notified_on: date, kind: str = ReviewCaseKind.REVIEW
) -> ReviewCase:
    """Record that the person was told of an annual 不称职 on ``notified_on``: the case starts, with
    30 days to ask for 复核 (or to lodge a 申诉)."""
    if not actor.has_perm("publicity.manage_review_cases") or actor.organisation_id != annual_result.organisation_id:
        raise PermissionDenied(_("只有本单位人事干部可以登记复核申诉。"))
    _check_not_own_case(actor, annual_result.person_id)
    if annual_result.decided_grade != AnnualGrade.INCOMPETENT:
        raise ValidationError(_("只有年度考核确定为不称职的，才登记复核申诉。"))
    if kind not in ReviewCaseKind.values:
        raise ValidationError({"kind": _("请选择复核或申诉。")})
    # A mistyped day (2030 for 2027) would set a deadline nobody can meet, with no way to correct it;
    # a case of an older year is opened when it is opened (no window around the result's year).
    periods.check_plausible_date(notified_on, not_future=True, label=_("结果告知日"), field="notified_on")
    if ReviewCase.objects.filter(annual_result=annual_result, kind=kind).exists():
        raise ValidationError(_("该人员的此类案件已经登记。"))
    review = ReviewCase.objects.filter(annual_result=annual_result, kind=ReviewCaseKind.REVIEW).first()
    if kind == ReviewCaseKind.APPEAL and review is not None and review.state != ReviewCaseState.DECIDED:
        # 对复核决定不服的可以申诉: after the decision, not while the 复核 runs, nor once it lapsed.
        raise ValidationError(_("该人员的复核尚未作出决定（或已逾期未申请），不能登记申诉。"))
    case = ReviewCase.objects.create(
        organisation_id=annual_result.organisation_id,
        annual_result=annual_result,
        person_id=annual_result.person_id,
        kind=kind,
        notified_on=notified_on,
        request_by=notified_on + timedelta(days=REVIEW_REQUEST_DAYS),
        opened_by=actor,
    )
    return case


@transaction.atomic
def review_case_request(*, actor: User, case: ReviewCase, requested_on: date) -> ReviewCase:
    """The person asked for 复核 (or lodged the 申诉) on ``requested_on``: 30 days to decide."""
    case = ReviewCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not actor.has_perm("publicity.manage_review_case", case):
        raise PermissionDenied
    _check_not_own_case(actor, case.person_id)
    if case.state != ReviewCaseState.AWAITING_REQUEST:
        raise ValidationError(_("该案件已登记申请。"))
    periods.check_plausible_date(requested_on, not_future=True, label=_("申请日"), field="requested_on")
    if requested_on < case.notified_on:
        raise ValidationError({"requested_on": _("申请日不能早于结果告知日。")})
    if requested_on > case.request_by:
        raise ValidationError({"requested_on": _("申请期限已于%(date)s届满。") % {"date": case.request_by.isoformat()}})
    case.requested_on = requested_on
    case.decide_by = requested_on + timedelta(days=REVIEW_DECISION_DAYS)
    case.state = ReviewCaseState.REQUESTED
    case.save()
    return case


@transaction.atomic
def review_case_decide(
    *, actor: User, case: ReviewCase, decided_on: date, decision: str, new_grade: str = ""
) -> ReviewCase:
    """The decision on the 复核/申诉, recorded with its date.

    A decision that changes the annual grade (``new_grade`` other than the decided one) changes it
    here, in the same transaction, through the one recorded review of a locked annual result
    (who, why, old → new, the person told): the case and the result cannot disagree.
    """
    case = ReviewCase.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if not actor.has_perm("publicity.manage_review_case", case):
        raise PermissionDenied
    _check_not_own_case(actor, case.person_id)
    if case.state != ReviewCaseState.REQUESTED:
        raise ValidationError(_("须先登记申请，才能记录决定。"))
    decision = (decision or "").strip()
    if not decision:
        raise ValidationError({"decision": _("请填写决定内容。")})
    periods.check_plausible_date(decided_on, not_future=True, label=_("决定日"), field="decided_on")
    if decided_on < case.requested_on:
        raise ValidationError({"decided_on": _("决定日不能早于申请日。")})
    if new_grade and new_grade != case.annual_result.decided_grade:
        # The decision becomes the recorded review's reason, whose limit is shorter: said at the decision.
        limit = AnnualReview._meta.get_field("reason").max_length
        if text_length(decision) > limit:
            raise ValidationError(
                {
                    "decision": _("变更等次时，决定作为复核理由记入年度结果，不能超过%(limit)s字（现为%(length)s字）。")
                    % {"limit": limit, "length": text_length(decision)}
                }
            )
        annual_review_after_lock(result=case.annual_result, actor=actor, new_grade=new_grade, reason=decision)
        case.changed_to = new_grade
    case.decided_on, case.decision, case.state = decided_on, decision, ReviewCaseState.DECIDED
    check_text_limits(case, "decision")
    with audit_reason(decision):
        case.save()
    return case


def review_case_excellent_barred(case: ReviewCase) -> str:
    """Why the decision of a case awaiting it cannot make the grade 优秀 ("" when it can, or when
    no decision is awaited): the recorded review's own rule (``review_excellent_barred``), said
    under the form's choice instead of after it (a user test)."""
    if case.state != ReviewCaseState.REQUESTED:
        return ""
    return review_excellent_barred(case.annual_result)


def review_cases_remind(*, today: date | None = None) -> int:
    """Daily: lapse cases whose request period ran out, and put a reminder in HR's digest for each
    deadline within :data:`REVIEW_REMINDER_DAYS` days (once per case and deadline)."""
    day = today or periods.today()
    # One save per case (a handful a year), not an UPDATE of them all: a change of a case's state
    # is audited old → new like every workflow change, and a queryset update writes no entry.
    with transaction.atomic(), audit_reason(_("申请期限已过，未提出申请")):
        lapsing = ReviewCase.objects.select_for_update().filter(
            state=ReviewCaseState.AWAITING_REQUEST, request_by__lt=day
        )
        for case in lapsing:
            case.state = ReviewCaseState.LAPSED
            case.save(update_fields=["state"])
    soon = day + timedelta(days=REVIEW_REMINDER_DAYS)
    cases = ReviewCase.objects.filter(
        Q(state=ReviewCaseState.AWAITING_REQUEST, request_by__lte=soon)
        | Q(state=ReviewCaseState.REQUESTED, decide_by__lte=soon)
    ).select_related("person")
    sent = 0
    for case in cases:
        deadline = case.request_by if case.state == ReviewCaseState.AWAITING_REQUEST else case.decide_by
        with in_site_language():
            message = _("%(person)s的%(kind)s：%(step)s截止日为%(date)s。") % {
                "person": case.person,
                "kind": case.get_kind_display(),
                "step": _("申请") if case.state == ReviewCaseState.AWAITING_REQUEST else _("决定"),
                "date": deadline.isoformat(),
            }
            sent += notify_many(
                [
                    Notification(
                        recipient_id=pk, message=message, url=reverse("publicity:review_case_detail", args=[case.pk])
                    )
                    for pk in hr_of(case.organisation_id)
                ],
                dedupe_key=f"review-case:{case.pk}:{case.state}",
                digest=True,
            )
    return sent
