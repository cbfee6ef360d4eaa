"""Reads of the annual room: a person's own history of quarters and years."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from accounts.models import User

from ..grading.models import GradeReview, QuarterGrade, QuarterState
from .models import AnnualResult, AnnualReview


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
