"""Reads of the annual room: a person's own history of quarters and years; whether a year's
quarters are complete enough to decide it; why a result came back to the committee."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.hooks import Hooks
from accounts.models import Department, Organisation, User

from ..grading.models import AppraisalQuarter, GradeReview, QuarterGrade, QuarterState
from .models import AnnualGrade, AnnualResult, AnnualReview, final_grade_expression


def own_quarter_grades(*, person: User) -> QuerySet[QuarterGrade]:
    """The person's grades of quarters the agency head has approved, newest first. An open
    quarter's grade is still being decided and stays hidden from the person graded."""
    return (
        QuarterGrade.objects.filter(
            person=person,
            appraisal_quarter__organisation_id=person.organisation_id,
            appraisal_quarter__state=QuarterState.APPROVED,
        )
        .select_related("appraisal_quarter", "department")
        # A locked grade changed by a recorded review (复核) shows old → new and why.
        .prefetch_related(Prefetch("reviews", queryset=GradeReview.objects.order_by("reviewed_at", "pk")))
        .order_by("-appraisal_quarter__year", "-appraisal_quarter__quarter", "-pk")
    )


def own_annual_results(*, person: User) -> QuerySet[AnnualResult]:
    """The person's decided year-end grades, newest first; a suggestion not yet decided by the
    committee is not a result."""
    return (
        AnnualResult.objects.filter(person=person, organisation_id=person.organisation_id)
        .exclude(decided_grade="")
        # A locked result changed by a recorded review (复核) shows old → new and why.
        .prefetch_related(Prefetch("reviews", queryset=AnnualReview.objects.order_by("reviewed_at", "pk")))
        .order_by("-year")
    )


# Beyond this many results in the year the committee's list opens on one department.
COMMITTEE_ALL_LIMIT = 2000


def annual_first_department_if_large(*, organisation: Organisation, year: int) -> int | None:
    """The first department (in the organisation's order) with results of ``year``, when the year has
    more than COMMITTEE_ALL_LIMIT results; else None (the list opens on everyone). Two queries
    whatever the size: a count that stops at the limit, and one EXISTS per department."""
    results = AnnualResult.objects.filter(organisation=organisation, year=year)
    large = results.order_by().values("pk")[: COMMITTEE_ALL_LIMIT + 1].count() > COMMITTEE_ALL_LIMIT
    first = (
        Department.objects.filter(organisation=organisation)
        .filter(Exists(results.filter(department_id=OuterRef("pk"))))
        .order_by("sort_order", "code")
        .values_list("pk", flat=True)
        .first()
    )
    return first if large else None


def graded_and_excellent(results: QuerySet[AnnualResult], *, by: str) -> QuerySet:
    """Rows ``(value of by, graded, excellent)`` per department or organisation (``by``:
    "department_id", "organisation_id"): how many of ``results`` have a final grade (decided, else
    suggested) other than 不确定等次, and how many of them are 优秀. One grouped query."""
    return (
        results.annotate(final=final_grade_expression())
        .values_list(by)
        .annotate(
            graded=Count("pk", filter=~Q(final=AnnualGrade.NOT_GRADED) & ~Q(final="")),
            excellent=Count("pk", filter=Q(final=AnnualGrade.EXCELLENT)),
        )
        .values_list(by, "graded", "excellent")
    )


def final_grade_counts(results: QuerySet[AnnualResult], *, by: str) -> QuerySet:
    """Rows ``(value of by, final grade, how many)`` of ``results``: the grade decided, else the
    one suggested (as :func:`graded_and_excellent` counts). One grouped query."""
    return (
        results.annotate(final=final_grade_expression())
        .values_list(by, "final")
        .annotate(n=Count("pk"))
        .values_list(by, "final", "n")
        .order_by()
    )


# --- Whether the year can be decided (DOMAIN §7: the year-end grade is drawn from the quarters) ---


def _regrading() -> Exists:
    """A grade of the quarter sent back for regrading after an objection (until it is confirmed again)."""
    return Exists(QuarterGrade.objects.filter(appraisal_quarter_id=OuterRef("pk"), reopened_at__isnull=False))


def quarters_outstanding(*, organisation: Organisation, year: int) -> list[int]:
    """The quarters of the organisation's year that are not approved yet (a quarter not opened for
    grading included) or hold a grade being regraded. They run to the fourth from the first quarter
    of the year in the system, or from the first when the organisation was appraised in an earlier
    year already; an organisation that started in the middle of its first year has no earlier ones.
    None for a year with no quarter in the system (results brought in from before it). One query."""
    return years_outstanding(organisation_id=organisation.pk, years=[year])[year]


def years_outstanding(*, organisation_id: int, years: list[int]) -> dict[int, list[int]]:
    """:func:`quarters_outstanding` of several years, in one query."""
    if not years:
        return {}
    found: dict[int, dict[int, bool]] = {}  # year → quarter → complete (approved, nothing regraded)
    for year, quarter, state, regrading in (
        AppraisalQuarter.objects.filter(organisation_id=organisation_id, year__lte=max(years))
        .annotate(regrading=_regrading())
        .values_list("year", "quarter", "state", "regrading")
    ):
        found.setdefault(year, {})[quarter] = state == QuarterState.APPROVED and not regrading
    outstanding = {}
    for year in years:
        quarters = found.get(year)
        if not quarters:
            outstanding[year] = []
            continue
        first = 1 if any(earlier < year for earlier in found) else min(quarters)
        outstanding[year] = [q for q in range(first, 5) if not quarters.get(q, False)]
    return outstanding


def people_with_open_quarters_elsewhere(*, organisation: Organisation, year: int, person_ids) -> list[str]:
    """The names of ``person_ids`` (a list, or a query of ``person_id`` values) graded in the year by
    another organisation (before they moved here) in a quarter not approved yet or while that grade
    is regraded. One query."""
    return list(
        User.objects.filter(
            Exists(
                QuarterGrade.objects.filter(person_id=OuterRef("pk"), appraisal_quarter__year=year)
                .exclude(appraisal_quarter__organisation=organisation)
                .filter(~Q(appraisal_quarter__state=QuarterState.APPROVED) | Q(reopened_at__isnull=False))
            ),
            pk__in=person_ids,
        )
        .order_by("full_name", "pk")
        .values_list("full_name", flat=True)
    )


@dataclass(frozen=True)
class SentBack:
    """An objection to a posted 优秀 that HR upheld, sending the result back to the committee: who
    objected, when and what they said; when it was sent back and why, the HR administrator who
    handled it; and the answer, once given."""

    objector: str
    lodged_at: datetime
    text: str
    handled_by: str
    sent_back_at: datetime
    reason: str
    answer: str
    answered_at: datetime | None


# publicity.publication holds the objections and stands above this room (it imports it, never the
# reverse), so it lends the committee's decision page the objections that sent a result back through
# a reader it registers at start-up (PublicityConfig.ready()), as it lends its posted results.
# ``reader(result_id)`` → the upheld objections that sent that result back, newest first.
_sent_back_readers: Hooks[Callable[[int], list[SentBack]]] = Hooks()
register_sent_back_reader = _sent_back_readers.register


def sent_back_for(*, result_id: int) -> list[SentBack]:
    """Why the result came back to the committee to be decided again: each upheld objection."""
    return _sent_back_readers.gather(result_id)
