"""Reads about monthly summaries: a person's year, and the reviewer's inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet

from accounts import periods
from accounts.models import User
from accounts.workflow import ReviewStatus

from .models import MonthlySummary, SummaryProgress


@dataclass
class MonthRow:
    year: int
    month: int
    summary: MonthlySummary | None
    deadline: date
    is_current: bool
    is_future: bool
    # Not submitted and past the deadline: a warning on the list, never a block.
    is_overdue: bool


def summaries_of_owner(*, owner: User, year: int) -> QuerySet[MonthlySummary]:
    return MonthlySummary.objects.filter(owner=owner, year=year).annotate(
        attachment_count=Count("attachments", distinct=True)
    )


def summary_months(*, owner: User, year: int, today: date, deadline_day: int) -> list[MonthRow]:
    """The twelve months of ``year`` with the person's summary for each (one query)."""
    by_month = {s.month: s for s in summaries_of_owner(owner=owner, year=year)}
    rows = []
    for month in range(1, 13):
        summary = by_month.get(month)
        deadline = periods.summary_deadline(deadline_day, periods.Month(year, month))
        is_future = (year, month) > (today.year, today.month)
        unsubmitted = summary is None or summary.submitted_at is None
        rows.append(
            MonthRow(
                year=year,
                month=month,
                summary=summary,
                deadline=deadline,
                is_current=(year, month) == (today.year, today.month),
                is_future=is_future,
                is_overdue=not is_future and unsubmitted and today > deadline,
            )
        )
    return rows


def summaries_awaiting_review(*, reviewer: User) -> QuerySet[MonthlySummary]:
    """Submitted summaries whose owner ``reviewer`` evaluates today (the department head for staff,
    the supervising leader for heads), oldest submission first."""
    of_my_staff = Q(owner__department__head=reviewer) & ~Q(owner=reviewer)
    of_heads_i_supervise = Q(owner__department__supervising_leader=reviewer) & Q(
        owner__department__head_id=F("owner_id")
    )
    return (
        MonthlySummary.objects.filter(
            organisation_id=reviewer.organisation_id,
            status=ReviewStatus.SUBMITTED,
        )
        .filter(of_my_staff | of_heads_i_supervise)
        .select_related("owner", "owner__department", "department")
        .order_by("submitted_at", "pk")
    )


def progress_rows(*, summary: MonthlySummary) -> list[SummaryProgress]:
    """The summary's progress rows with their target items, so each shows the item's current
    wording (:attr:`SummaryProgress.wording`) and place in one query."""
    # In the targets' current order; rows whose item was removed from the targets come last.
    return list(
        summary.progress_notes.select_related("target_item").order_by(
            F("target_item__sort_order").asc(nulls_last=True), "sort_order", "pk"
        )
    )
