"""定等: locking the grades of an approved quarter after their publication, sending one back for
regrading while it is published, and the recorded review that alone changes a locked grade.

The publicity app decides *when* (its publication window, its objections) and calls these
services; the grade state stays here, and nothing here asks publicity.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import periods
from accounts.audit import audit_reason, record_event
from accounts.models import User
from accounts.selectors import policy_for_organisation, recused
from accounts.services import notify
from accounts.text import in_site_language
from accounts.textlimits import too_long_message
from evaluations.year_rollup import year_rollup_request_once

from ..models import (
    GRADES_NEEDING_REASON,
    AppraisalQuarter,
    Grade,
    GradeReview,
    GradeState,
    QuarterGrade,
    QuarterState,
)
from ..selectors import grade_evaluator
from . import quota, scores, suggestions
from .rollup import rollup_request_once


def _grade_label(value: str) -> str:
    return str(Grade(value).label) if value in Grade.values else "—"


def check_reason(reason: str, *, limit: int, label) -> str:
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请说明理由。")})
    if len(reason) > limit:
        raise ValidationError({"reason": too_long_message(label, limit, len(reason))})
    return reason


def review_after_lock_check(
    *, row, actor: User, perm: str, grades: list[str], current: str, new_grade: str, reason: str, review_model, refusals
) -> str:
    """What a recorded review (复核) of a locked row asks, a quarter's grade or a year's result: the
    actor's right (``perm``), a locked row, a valid grade (one of ``grades``) other than ``current``,
    and a reason that fits ``review_model``'s. ``refusals`` words the first two refusals for the row's
    kind: {"not_locked": …, "invalid": …}. Returns the reason, stripped."""
    if not actor.has_perm(perm, row):
        raise PermissionDenied(_("只有本单位人事干部可以记录定等后复核。"))
    if recused(user=actor, person_id=row.person_id):
        raise PermissionDenied(_("这是您本人的等次，您须回避，请由其他人事干部复核。"))
    if row.locked_at is None:
        raise ValidationError(refusals["not_locked"])
    if new_grade not in grades:
        raise ValidationError({"new_grade": refusals["invalid"]})
    if new_grade == current:
        raise ValidationError({"new_grade": _("复核后等次与原等次相同。")})
    return check_reason(reason, limit=review_model._meta.get_field("reason").max_length, label=_("复核理由"))


@transaction.atomic
def grades_lock(
    *, appraisal_quarter: AppraisalQuarter, grade_ids: Iterable[int] | None = None, source: str = ""
) -> int:
    """Lock (定等) the confirmed grades of an approved quarter, or those among ``grade_ids``.

    A grade sent back for regrading, or not confirmed again yet, stays unlocked. Safe to run
    twice: a locked grade is left as it is. Each row is saved on its own so the audit trail holds
    every lock, with ``source`` (e.g. the publication) as its reason. Returns how many were locked.
    """
    if appraisal_quarter.state != QuarterState.APPROVED:
        raise ValidationError(_("季度结果尚未审批，不能定等。"))
    rows = QuarterGrade.objects.select_for_update(of=("self",)).filter(
        appraisal_quarter=appraisal_quarter,
        locked_at__isnull=True,
        reopened_at__isnull=True,
        state=GradeState.CONFIRMED,
    )
    if grade_ids is not None:
        rows = rows.filter(pk__in=list(grade_ids))
    now = periods.now()
    locked = 0
    with audit_reason(source or _("公示期满定等")):
        for row in rows.order_by("pk"):
            row.locked_at = now
            row.save(update_fields=["locked_at"])
            locked += 1
    return locked


@transaction.atomic
def appraisal_quarter_lock(*, appraisal_quarter: AppraisalQuarter, source: str = "") -> bool:
    """Mark the quarter locked (定等) once every one of its grades is; True when it is (now or before)."""
    quarter = AppraisalQuarter.objects.select_for_update(of=("self",)).get(pk=appraisal_quarter.pk)
    if quarter.locked_at is not None:
        return True
    if quarter.state != QuarterState.APPROVED:
        return False
    if QuarterGrade.objects.filter(appraisal_quarter=quarter, locked_at__isnull=True).exists():
        return False
    quarter.locked_at = periods.now()
    with audit_reason(source or _("公示期满定等")):
        quarter.save(update_fields=["locked_at"])
    appraisal_quarter.locked_at = quarter.locked_at
    return True


@transaction.atomic
def grade_reopen_for_regrading(*, grade: QuarterGrade, actor: User, reason: str) -> QuarterGrade:
    """HR sends an approved, not yet locked grade back to its evaluator (an objection upheld).

    The evaluator grades it again (the 好 quota still holds) and the supervising leader confirms
    it again; until then it cannot be locked. The evaluator hears of it with the reason.
    """
    row = (
        QuarterGrade.objects.select_for_update(of=("self",))
        .select_related("appraisal_quarter", "person__department", "department")
        .get(pk=grade.pk)
    )
    if not actor.has_perm("evaluations.reopen_grade", row):
        raise PermissionDenied(_("只有本单位人事干部可以退回重评。"))
    reason = check_reason(
        reason, limit=QuarterGrade._meta.get_field("reopen_reason").max_length, label=_("退回重评理由")
    )
    if row.locked_at is not None:
        raise ValidationError(_("该等次已定等，只能通过定等后复核更改。"))
    if row.appraisal_quarter.state != QuarterState.APPROVED:
        raise ValidationError(_("季度结果尚未审批，评鉴人可直接修改，无需退回。"))
    if row.reopened_at is not None:
        raise ValidationError(_("该等次已退回重评，正在等待评鉴人重评。"))
    row.reopened_at = periods.now()
    row.reopen_reason = reason
    # No longer confirmed: the leader confirms the regraded grade anew (the audit trail keeps who did before).
    row.state, row.confirmed_by, row.confirmed_at = GradeState.PENDING, None, None
    row.version += 1
    with audit_reason(reason):
        row.save()
    evaluator = grade_evaluator(row)
    if evaluator is not None:
        with in_site_language():
            notify(
                recipient=evaluator,
                message=_("%(person)s的%(quarter)s等次因异议被退回重评，理由：%(reason)s")
                % {"person": row.person, "quarter": row.appraisal_quarter.period.label, "reason": reason},
                url=reverse("evaluations:grade_detail", args=[row.pk]),
            )
    return row


def grade_regrading_done(row: QuarterGrade) -> None:
    """Called by the confirmation of a reopened grade (within its transaction): the regrading is
    over, and the quarter's roll-up is recomputed with the new grade."""
    row.reopened_at = None
    _rollup_again(row, requested_by=None)


def _rollup_again(row: QuarterGrade, *, requested_by: User | None) -> None:
    """A published grade changed (regraded after an objection, or reviewed after 定等): the
    quarter's roll-up runs again, and so do the year's suggestions drawn from it, each once however
    many of its grades change before it starts; the quarter records when (the year's suggestions
    are stale until recomputed, ``annual.services.suggestions_freshness``)."""
    quarter = row.appraisal_quarter
    AppraisalQuarter.objects.filter(pk=quarter.pk).update(results_changed_at=timezone.now())
    rollup_request_once(appraisal_quarter=quarter, requested_by=requested_by)
    year_rollup_request_once(organisation=quarter.organisation, year=quarter.year, requested_by=requested_by)


@transaction.atomic
def grade_review_after_lock(*, grade: QuarterGrade, actor: User, new_grade: str, reason: str) -> GradeReview:
    """The recorded review (复核) of a locked grade: the only change a locked grade accepts.

    HR records who, why, and old → new; the grade row changes with the reason in the audit trail,
    the review is listed on the person's history, and the person is told.
    """
    row = (
        QuarterGrade.objects.select_for_update(of=("self",))
        .select_related("appraisal_quarter", "person", "department")
        .get(pk=grade.pk)
    )
    reason = review_after_lock_check(
        row=row,
        actor=actor,
        perm="evaluations.review_locked_grade",
        grades=Grade.values,
        current=row.grade,
        new_grade=new_grade,
        reason=reason,
        review_model=GradeReview,
        refusals={"not_locked": _("该等次尚未定等，不需要复核。"), "invalid": _("请选择有效的等次。")},
    )
    # The score line binds a review as it binds grading (DOMAIN.md §4: below it, 较差).
    policy = policy_for_organisation(organisation_id=row.appraisal_quarter.organisation_id)
    if refusal := scores.band_refusal(row=row, grade=new_grade, policy=policy):
        raise ValidationError(refusal)
    # And the 好 quota binds a review as it binds grading (a security test reviewed ten locked grades
    # to 好 past it, one POST each).
    quota.check_good_quota(grade_row=row, new_grade=new_grade)
    # And the staff register (不确定等次 only for recorded long leave or 立案审查, and then only it).
    uncertain_reason = suggestions.uncertain_rule(row=row, grade=new_grade)
    old = row.grade
    row.grade = new_grade
    if new_grade in GRADES_NEEDING_REASON:
        row.reason = reason[: QuarterGrade._meta.get_field("reason").max_length]
    row.uncertain_reason = uncertain_reason
    row.version += 1
    with audit_reason(reason):
        row.save()
    review = GradeReview.objects.create(
        quarter_grade=row,
        old_grade=old,
        new_grade=new_grade,
        reason=reason,
        reviewed_by=actor,
        reviewed_at=periods.now(),
    )
    record_event(
        event="grade_reviewed_after_lock",
        obj=row,
        actor=actor,
        detail={"old": _grade_label(old), "new": _grade_label(new_grade), "reason": reason},
        organisation_id=row.department.organisation_id,
    )
    _rollup_again(row, requested_by=actor)
    with in_site_language():
        notify(
            recipient=row.person,
            message=_("您的%(quarter)s等次经复核由“%(old)s”改为“%(new)s”，理由：%(reason)s")
            % {
                "quarter": row.appraisal_quarter.period.label,
                "old": _grade_label(old),
                "new": _grade_label(new_grade),
                "reason": reason,
            },
            url=reverse("evaluations:my_history"),
        )
    return review
