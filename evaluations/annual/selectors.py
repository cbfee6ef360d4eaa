"""Reads of the annual room: a person's own history of quarters and years."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Department, Organisation, User

from ..grading.models import GradeReview, QuarterGrade, QuarterState
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
