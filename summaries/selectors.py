"""Reads about monthly summaries: a person's year, and the reviewer's inbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, F, Q, QuerySet
from django.utils.translation import gettext as _

from accounts import periods
from accounts.models import Policy, User
from accounts.selectors import Secondments, policy_for_organisation, secondments_of
from accounts.workflow import HANDED_IN_STATUSES, awaiting_review_by
from targets.models import TargetItem, TargetSet

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
    # Ended before the organisation began appraising in the system (or the person, a newcomer): nothing was due.
    before_start: bool = False
    # Its quarter's results are approved: nothing of it is written or handed in any more.
    closed: bool = False
    # The person was seconded out (挂职/援派) for the whole month: the host appraises them, nothing asked.
    seconded: bool = False

    @property
    def month_last_day(self) -> date:
        return periods.Month(self.year, self.month).last_day


@dataclass
class DueMonth:
    """The month whose summary a person should write first, with its deadline and summary (if any)."""

    year: int
    month: int
    deadline: date
    summary: MonthlySummary | None
    is_current: bool
    # This month asks a summary of the person (not a newcomer's month before a start still to come).
    owed: bool = True

    @property
    def handed_in(self) -> bool:
        """Its summary is handed in already (the page offers to read it, not to go on writing it)."""
        return self.summary is not None and self.summary.status in HANDED_IN_STATUSES


# How far back the home page looks for summaries still owed: the quarter being graded and this one.
OWED_MONTHS = 6


def recent_summaries(*, owner: User, today: date) -> dict[tuple[int, int], MonthlySummary | None]:
    """The person's summaries of this month and the :data:`OWED_MONTHS` + 1 before it, by (year,
    month), None where there is none: what the home page asks of them, read in one query."""
    month = periods.Month.of(today)
    months = [month]
    for _n in range(OWED_MONTHS + 1):
        month = month.previous()
        months.append(month)
    known: dict[tuple[int, int], MonthlySummary | None] = {(m.year, m.month): None for m in months}
    first = months[-1]
    for summary in MonthlySummary.objects.filter(owner=owner).filter(
        Q(year__gt=first.year) | Q(year=first.year, month__gte=first.month)
    ):
        if (summary.year, summary.month) in known:
            known[(summary.year, summary.month)] = summary
    return known


def summaries_owed(
    *,
    known: dict[tuple[int, int], MonthlySummary | None],
    today: date,
    policy: Policy,
    before: tuple[int, int],
    organisation_id: int | None = None,
) -> list[periods.Month]:
    """The months before ``before`` (the month due now, :func:`summary_month_due`) whose summary is
    not handed in — never written, a draft, or returned — though its deadline has passed, newest
    first, within :data:`OWED_MONTHS` and from the organisation's go-live (``Policy.started_on``).
    A late summary is still taken (recorded late), so it stays owed until it is handed in.
    ``known``: :func:`recent_summaries`. ``organisation_id``: leave out the months of its approved
    quarters, which nobody hands in any more (read only when some month is owed)."""
    month = periods.Month(*before)
    owed = []
    for _n in range(OWED_MONTHS):
        month = month.previous()
        if not periods.is_due(policy, month) or today <= periods.summary_deadline(policy, month):
            continue
        summary = known.get((month.year, month.month))
        if summary is None or summary.status not in HANDED_IN_STATUSES:
            owed.append(month)
    if owed and organisation_id is not None:
        closed = periods.locked_quarters(organisation_id, [month.quarter for month in owed])
        owed = [month for month in owed if month.quarter not in closed]
    return owed


def early_submission_question(*, summary: MonthlySummary, today: date) -> str:
    """The question the 提交 button asks before a summary of a month not yet over is handed in
    ("" once it is over): allowed, but a user test handed October's in on the 12th and the
    head had to return it."""
    if today > summary.period.last_day:
        return ""
    return _("%(month)s月尚未结束，月小结通常在月末后提交。确定现在提交？") % {"month": summary.month}


def month_not_owed(*, owner: User, period: periods.Month) -> str:
    """Why ``period`` asks no summary of ``owner`` ("" when it does): it ended before they began
    (a newcomer's 参加考核日期, :func:`accounts.periods.person_policy`) or before the organisation
    began appraising in the system — the summaries page's 无需填写. No summary of such a month is
    started or handed in (:func:`summaries.services.refuse_if_not_owed`), and a draft of one is
    offered no form (``summaries.change_summary``)."""
    policy = periods.person_policy(policy_for_organisation(organisation_id=owner.organisation_id), owner)
    if periods.is_due(policy, period):
        return ""
    said = {"year": period.year, "month": period.month, "start": policy.started_on.isoformat()}
    if owner.appraisal_start is not None and owner.appraisal_start == policy.started_on:
        return _("%(year)s年%(month)s月在您参加考核（%(start)s）之前结束，无需填写月小结。") % said
    return _("%(year)s年%(month)s月在本单位系统启用（%(start)s）之前结束，无需填写月小结。") % said


def summary_month_due(
    *,
    owner: User,
    today: date,
    policy,
    known: dict[tuple[int, int], MonthlySummary | None] | None = None,
    away: Secondments | None = None,
) -> DueMonth:
    """The period actually due first: last month while its summary is not handed in and its deadline
    (policy: day N of this month) has not passed, else this month. On 1 December a November summary
    still a draft (due 5 December) comes before December's. Two months, one query; none where
    ``known`` ((year, month) → the person's summary or None, as a page listed them) has both. A
    month the person is seconded out for the whole of is not owed (``away``: their
    :func:`~accounts.selectors.secondments_of`, read here when not given)."""
    policy = periods.person_policy(policy, owner)
    away = secondments_of(person=owner) if away is None else away
    current = periods.Month.of(today)
    previous = current.previous()
    months = [(previous.year, previous.month), (current.year, current.month)]
    if known is not None and all(month in known for month in months):
        by_month = {month: known[month] for month in months if known[month] is not None}
    else:
        by_month = {
            (s.year, s.month): s
            for s in MonthlySummary.objects.filter(owner=owner).filter(
                Q(year=previous.year, month=previous.month) | Q(year=current.year, month=current.month)
            )
        }
    before = by_month.get((previous.year, previous.month))
    deadline = periods.summary_deadline(policy, previous)
    pending = before is None or before.status not in HANDED_IN_STATUSES
    # Not once its quarter is approved (the agency head may approve before the month's deadline):
    # nothing of it is handed in any more (a re-test read 12月小结待提交 the service then refused).
    if (
        today <= deadline
        and pending
        and periods.is_due(policy, previous)
        and not away.through(previous)
        and not periods.is_period_locked(owner.organisation_id, previous.quarter)
    ):
        return DueMonth(previous.year, previous.month, deadline, before, is_current=False)
    return DueMonth(
        current.year,
        current.month,
        periods.summary_deadline(policy, current),
        by_month.get((current.year, current.month)),
        is_current=True,
        owed=periods.is_due(policy, current) and not away.through(current),
    )


def summary_missing_target_items(*, summary: MonthlySummary) -> int:
    """How many target items of the summary's quarter have no progress row in it yet (added since it
    was started). Counted, not created: a GET never writes; the owner adds them with a POST."""
    return (
        TargetItem.objects.filter(
            target_set__owner_id=summary.owner_id, target_set__year=summary.year, target_set__quarter=summary.quarter
        )
        .exclude(pk__in=summary.progress_notes.exclude(target_item=None).values("target_item_id"))
        .count()
    )


def quarter_targets_exist(*, summary: MonthlySummary) -> bool:
    """Whether the summary's owner has a target set of its quarter (handed in or not)."""
    return TargetSet.objects.filter(owner_id=summary.owner_id, year=summary.year, quarter=summary.quarter).exists()


def summaries_of_owner(*, owner: User, year: int) -> QuerySet[MonthlySummary]:
    return MonthlySummary.objects.filter(owner=owner, year=year).annotate(
        attachment_count=Count("attachments", distinct=True)
    )


def summary_months(*, owner: User, year: int, today: date, policy: Policy) -> list[MonthRow]:
    """The twelve months of ``year`` with the person's summary for each (one query)."""
    policy = periods.person_policy(policy, owner)
    by_month = {s.month: s for s in summaries_of_owner(owner=owner, year=year)}
    # A month of an approved quarter is not overdue nor offered 补写: the service refuses it (a user
    # test moved a newcomer's 参加考核日期 earlier after the approval: October became 已逾期 for ever).
    closed = periods.locked_quarters(owner.organisation_id, [periods.Quarter(year, q) for q in range(1, 5)])
    away = secondments_of(person=owner)
    rows = []
    for month in range(1, 13):
        summary = by_month.get(month)
        period = periods.Month(year, month)
        deadline = periods.summary_deadline(policy, period)
        is_future = not period.has_begun(today)
        unsubmitted = summary is None or summary.submitted_at is None
        seconded = away.through(period)
        due = periods.is_due(policy, period) and period.quarter not in closed and not seconded
        rows.append(
            MonthRow(
                year=year,
                month=month,
                summary=summary,
                deadline=deadline,
                is_current=(year, month) == (today.year, today.month),
                is_future=is_future,
                is_overdue=due and not is_future and unsubmitted and today > deadline,
                before_start=not periods.is_due(policy, period),
                closed=period.quarter in closed,
                seconded=seconded,
            )
        )
    return rows


def months_before_start(rows: list[MonthRow]) -> list[MonthRow]:
    """The leading rows of :func:`summary_months` that asked nothing and hold no summary (the months
    before a newcomer's 参加考核日期 or the organisation's start): the page says them in one line,
    not one row each (eleven rows of 参加考核前，无需填写 before a newcomer's December)."""
    folded = []
    for row in rows:
        if not row.before_start or row.summary is not None:
            break
        folded.append(row)
    return folded


def summaries_awaiting_review(*, reviewer: User) -> QuerySet[MonthlySummary]:
    """Submitted summaries whose owner ``reviewer`` evaluates today (the department head for staff,
    the supervising leader for heads; :func:`accounts.workflow.awaiting_review_by`), oldest
    submission first."""
    return (
        MonthlySummary.objects.filter(awaiting_review_by(reviewer))
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
