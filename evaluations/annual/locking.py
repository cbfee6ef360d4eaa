"""定等 of the year's results after the 优秀 list's publication (called by publicity): the 优秀
lines as their windows close, then, when the list is closed, every decided result of the year;
and the recorded review (复核) that alone changes a locked result."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_reason, record_event, record_updates
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


@transaction.atomic
def annual_year_close(*, organisation_id: int, year: int, source: str = "") -> int:
    """The year's close (定等 of the year), when its 优秀 list is wholly locked: every decided result of
    the organisation's year still open is locked, 称职, 基本称职 and 不称职 as the 优秀 lines were, so
    that from then on the committee changes none of them and a change goes only through the recorded
    review (复核, or the decision of a 复核/申诉 case). One UPDATE, each row audited (locked_at,
    empty → the time, with ``source`` as the reason). A result still undecided (a person who came
    after the list was posted) stays open: an undecided grade is never locked (as
    :func:`annual_results_lock` refuses), and the committee decides it still; the decision locks
    it then, with the same reason (``annual_decide``: this runs once). Safe to run twice; returns
    how many were locked."""
    year_rows = AnnualResult.objects.filter(organisation_id=organisation_id, year=year)
    # Every row of the year first, undecided ones too, as a committee decision does
    # (services._lock_year): a decision under way commits first and its result is read decided here,
    # or it waits for the close and then sees it (and locks its result itself). Locking only the
    # decided rows let a decision slip between the two (PostgreSQL; SQLite writes one at a time).
    list(year_rows.select_for_update(of=("self",)).values_list("pk", flat=True))
    rows = year_rows.filter(locked_at__isnull=True).exclude(decided_grade="")
    # Read under a row lock, so the UPDATE below writes exactly the rows whose entries are written.
    before = list(rows.select_for_update(of=("self",)).select_related("person").order_by("pk"))
    if not before:
        return 0
    now = timezone.now()
    # The rows read, by key: one decided meanwhile is not locked without its audit entry.
    AnnualResult.objects.filter(pk__in=[row.pk for row in before]).update(locked_at=now)
    changed = []
    for old in before:
        new = copy.copy(old)
        new.locked_at = now
        changed.append((old, new))
    with audit_reason(source or _("公示期满定等")):
        record_updates(changed, fields=["locked_at"])
    return len(before)


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
    # The committee's rules hold for the review too: no 优秀 for one never on the posted list
    # (services.review_excellent_barred), no grade the rules leave nobody to choose (a probationer,
    # a sanction's 不定等次 or 不称职).
    from .services import grade_fixed, review_excellent_barred  # (services imports this module)

    if new_grade == AnnualGrade.EXCELLENT and (barred := review_excellent_barred(row)):
        raise ValidationError({"new_grade": barred})
    if (fixed := grade_fixed(row)) is not None and new_grade != fixed[0]:
        raise ValidationError({"new_grade": fixed[1]})
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
