"""Reads about department goals and quarterly targets."""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet

from accounts.models import User
from accounts.workflow import ReviewStatus, awaiting_review_by

from .models import Completion, DepartmentGoal, TargetSet


def goals_for_quarter(*, department_id: int, year: int, quarter: int) -> QuerySet[DepartmentGoal]:
    """The department goals a target item may serve: the year's annual goals and that quarter's."""
    return DepartmentGoal.objects.filter(department_id=department_id, year=year).filter(
        Q(quarter=quarter) | Q(quarter__isnull=True)
    )


def target_sets_of_owner(*, owner: User) -> QuerySet[TargetSet]:
    return (
        TargetSet.objects.filter(owner=owner)
        .select_related("department", "reviewer")
        .annotate(item_count=Count("items"))
        .order_by("-year", "-quarter")
    )


def target_sets_awaiting_review(*, reviewer: User) -> QuerySet[TargetSet]:
    """Submitted sets whose owner ``reviewer`` evaluates (see ``accounts.selectors.evaluator_of``).

    The one definition is :func:`accounts.workflow.awaiting_review_by`: the owner's current
    department, so a move or a change of head hands the pending sets to the new head.
    """
    return (
        TargetSet.objects.filter(awaiting_review_by(reviewer))
        .select_related("owner", "department")
        .order_by("submitted_at", "pk")
    )


def target_set_for_detail(*, pk: int, organisation_id: int | None) -> TargetSet:
    """One set with everything the detail page and the permission rules read, or DoesNotExist."""
    return TargetSet.objects.select_related("owner", "owner__department", "department", "reviewer", "organisation").get(
        pk=pk, organisation_id=organisation_id
    )


def goals_of_departments(*, department_ids: list[int], year: int | None = None) -> QuerySet[DepartmentGoal]:
    queryset = DepartmentGoal.objects.filter(department_id__in=department_ids).select_related("department")
    if year is not None:
        queryset = queryset.filter(year=year)
    return queryset.order_by("department__sort_order", "-year", F("quarter").asc(nulls_first=True), "sort_order", "pk")


def goals_with_progress(*, organisation_id: int, year: int) -> QuerySet[DepartmentGoal]:
    """The year's goals of the organisation's active departments (annual first, then by quarter),
    each with how far the quarterly target items serving it have got: ``item_count`` linked items,
    ``approved_count`` of them in approved target sets, ``done_count`` of those self-assessed as
    done (完成). One query, whatever the number of goals or items (the goals board)."""
    approved = Q(target_items__target_set__status=ReviewStatus.APPROVED)
    return (
        DepartmentGoal.objects.filter(
            department__organisation_id=organisation_id, department__is_active=True, year=year
        )
        .select_related("department")
        .annotate(
            item_count=Count("target_items"),
            approved_count=Count("target_items", filter=approved),
            done_count=Count("target_items", filter=approved & Q(target_items__completion=Completion.DONE)),
        )
        .order_by("department__sort_order", "department__code", F("quarter").asc(nulls_first=True), "sort_order", "pk")
    )


def own_target_sets(*, owner: User, quarters: list) -> QuerySet[TargetSet]:
    """The owner's sets of the given quarters (``accounts.periods.Quarter``), each with
    ``unassessed``: its items not yet marked 完成 / 部分完成 / 未完成 (the self-assessment the grader
    reads). One query."""
    scope = Q()
    for quarter in quarters:
        scope |= Q(year=quarter.year, quarter=quarter.quarter)
    return TargetSet.objects.filter(scope, owner=owner).annotate(
        unassessed=Count("items", filter=Q(items__completion=""))
    )
