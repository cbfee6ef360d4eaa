"""定等 of the year's results after the 优秀 list's publication (called by publicity), and the
recorded review (复核) that alone changes a locked result."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_reason, record_event
from accounts.models import User
from accounts.services import notify

from ..grading.services.locking import review_after_lock_check
from .models import AnnualGrade, AnnualResult, AnnualReview


@transaction.atomic
def annual_results_lock(*, result_ids: Iterable[int], source: str = "") -> int:
    """Lock the decided annual results among ``result_ids``; undecided ones are refused, locked
    ones left as they are (safe to run twice). Each row is saved alone, so each lock is audited."""
    rows = list(
        AnnualResult.objects.select_for_update(of=("self",))
        .filter(pk__in=list(result_ids), locked_at__isnull=True)
        .order_by("pk")
    )
    if any(not row.decided_grade for row in rows):
        raise ValidationError(_("年度等次尚未确定，不能定等。"))
    now = timezone.now()
    with audit_reason(source or _("公示期满定等")):
        for row in rows:
            row.locked_at = now
            row.save(update_fields=["locked_at"])
    return len(rows)


def _annual_label(value: str) -> str:
    return str(AnnualGrade(value).label) if value in AnnualGrade.values else "—"


@transaction.atomic
def annual_review_after_lock(*, result: AnnualResult, actor: User, new_grade: str, reason: str) -> AnnualReview:
    """The recorded review (复核) of a locked annual result, the only change it accepts.

    HR records who, why, and old → new: the result's decided grade changes with the reason in the
    audit trail, the review is kept (the person's history lists it), and the person is told. The
    committee's decision (``annual_decide``) keeps refusing a locked result.
    """
    row = AnnualResult.objects.select_for_update(of=("self",)).select_related("person").get(pk=result.pk)
    reason = review_after_lock_check(
        row=row,
        actor=actor,
        perm="evaluations.review_locked_annual",
        grades=AnnualGrade.values,
        current=row.decided_grade,
        new_grade=new_grade,
        reason=reason,
        review_model=AnnualReview,
        refusals={"not_locked": _("该年度结果尚未定等，不需要复核。"), "invalid": _("请选择有效的年度等次。")},
    )
    old = row.decided_grade
    now = timezone.now()
    row.decided_grade = new_grade
    row.decision_reason = reason[: AnnualResult._meta.get_field("decision_reason").max_length]
    row.decided_by = actor
    row.decided_at = now
    with audit_reason(reason):
        row.save(update_fields=["decided_grade", "decision_reason", "decided_by", "decided_at"])
    review = AnnualReview.objects.create(
        annual_result=row, old_grade=old, new_grade=new_grade, reason=reason, reviewed_by=actor, reviewed_at=now
    )
    record_event(
        event="annual_reviewed_after_lock",
        obj=row,
        actor=actor,
        detail={"old": _annual_label(old), "new": _annual_label(new_grade), "reason": reason},
        organisation_id=row.organisation_id,
    )
    notify(
        recipient=row.person,
        message=_("您的%(year)s年度考核等次经复核由“%(old)s”改为“%(new)s”，理由：%(reason)s")
        % {"year": row.year, "old": _annual_label(old), "new": _annual_label(new_grade), "reason": reason},
        url=reverse("evaluations:my_history"),
    )
    return review
