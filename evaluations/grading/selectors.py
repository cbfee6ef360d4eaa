"""Reads of the evaluations app: whose grades a person gives, confirms, or approves."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet

from accounts.models import Organisation, User

from .models import AppraisalQuarter, QuarterGrade, QuarterState


def current_appraisal_quarter(*, organisation: Organisation) -> AppraisalQuarter | None:
    """The latest quarter still open for grading, or None."""
    return (
        AppraisalQuarter.objects.filter(organisation=organisation, state=QuarterState.OPEN)
        .order_by("-year", "-quarter")
        .first()
    )


def grades_to_give(*, evaluator: User, appraisal_quarter: AppraisalQuarter) -> QuerySet[QuarterGrade]:
    """Rows ``evaluator`` grades (谁管理谁认定): the staff of the department they head, and the
    heads of the departments they supervise — the line of accounts.selectors.evaluatees_of."""
    is_head_of_own_department = Q(person_id=F("department__head_id"))
    return (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
        .filter(
            (Q(department__head=evaluator) & ~is_head_of_own_department)
            | (Q(department__supervising_leader=evaluator) & is_head_of_own_department)
        )
        .exclude(person=evaluator)
        .select_related("person", "department")
        .order_by("department__sort_order", "department__code", "person__employee_number", "pk")
    )


def grades_to_confirm(*, leader: User, appraisal_quarter: AppraisalQuarter) -> QuerySet[QuarterGrade]:
    """Staff grades of the departments ``leader`` supervises (heads' grades they give themselves)."""
    return (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, department__supervising_leader=leader)
        .exclude(person_id=F("department__head_id"))
        .exclude(person=leader)
        .select_related("person", "department", "evaluator")
        .order_by("department__sort_order", "department__code", "person__employee_number", "pk")
    )
