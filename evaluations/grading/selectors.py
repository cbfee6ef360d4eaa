"""Reads of the evaluations app: whose grades a person gives, confirms, or approves."""

from __future__ import annotations

from django.db.models import F, Q, QuerySet, Sum

from accounts.models import Department, Organisation, User
from accounts.selectors import review_scope

from .models import AppraisalQuarter, DepartmentQuarterStats, QuarterGrade, QuarterGradeCount, QuarterState


def current_appraisal_quarter(*, organisation: Organisation) -> AppraisalQuarter | None:
    """The latest quarter still open for grading, or None."""
    return (
        AppraisalQuarter.objects.filter(organisation=organisation, state=QuarterState.OPEN)
        .order_by("-year", "-quarter")
        .first()
    )


def departments_graded_by(*, user: User) -> QuerySet[Department]:
    """The departments whose people ``user`` grades or confirms (heads or supervises)."""
    return Department.objects.filter(Q(head=user) | Q(supervising_leader=user), organisation_id=user.organisation_id)


def grades_to_give(*, evaluator: User, appraisal_quarter: AppraisalQuarter) -> QuerySet[QuarterGrade]:
    """Rows ``evaluator`` grades (谁管理谁认定): the staff of the department they head, and the
    heads of the departments they supervise — the line of accounts.selectors.evaluatees_of.

    The evaluator's departments are read first (accounts.selectors.review_scope) and filtered
    as id lists, so the database starts from those few departments' rows, not every grade row."""
    scope = review_scope(person=evaluator)
    return (
        QuarterGrade.objects.filter(
            appraisal_quarter=appraisal_quarter, department_id__in=scope.headed + scope.supervised
        )
        # In a department the evaluator heads, everyone but the evaluator (the head); in one they
        # supervise, its head.
        .filter(Q(department_id__in=scope.headed) | Q(person_id=F("department__head_id")))
        .exclude(person=evaluator)
        .select_related("person", "department")
        .order_by(*_list_order(scope.headed + scope.supervised))
    )


def grades_to_confirm(*, leader: User, appraisal_quarter: AppraisalQuarter) -> QuerySet[QuarterGrade]:
    """Staff grades of the departments ``leader`` supervises (heads' grades they give themselves)."""
    scope = review_scope(person=leader)
    return (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, department_id__in=scope.supervised)
        .exclude(person_id=F("department__head_id"))
        .exclude(person=leader)
        .select_related("person", "department", "evaluator")
        .order_by(*_list_order(scope.supervised))
    )


def grading_list_order(*, one_department: bool) -> tuple[str, ...]:
    """The grading lists' order: by department, then by the person's 工号 (the row's copy,
    QuarterGrade.employee_number). Within one department the department's columns are left out,
    so the page is read from quartergrade_list_idx instead of joining and sorting every row."""
    if one_department:
        return ("employee_number", "pk")
    return ("department__sort_order", "department__code", "employee_number", "pk")


def _list_order(department_ids: tuple[int, ...]) -> tuple[str, ...]:
    return grading_list_order(one_department=len(set(department_ids)) <= 1)


def quarter_progress(quarters: list[AppraisalQuarter], *, known: dict[int, dict] | None = None) -> None:
    """Set ``people``, ``graded`` and ``good`` on each quarter, for the quarters page.

    A rolled-up quarter's numbers come from its department statistics (a row per department), the
    others' — the open quarter, one not yet rolled up — from their grade counters (a row per
    department and position). Counting every grade of every quarter would make the page grow with
    the organisation and its years.
    ``known``: numbers the page has already counted, by quarter id (not counted again).
    """
    known = known or {}
    stats = {
        row["appraisal_quarter_id"]: row
        for row in DepartmentQuarterStats.objects.filter(appraisal_quarter__in=[q for q in quarters if q.rolled_up_at])
        .values("appraisal_quarter_id")
        .annotate(
            participants=Sum("participants"), uncertain=Sum("uncertain"), ungraded=Sum("ungraded"), good=Sum("good")
        )
    }
    live_ids = [q.pk for q in quarters if q.pk not in stats and q.pk not in known]
    # The others' from their grade counters (services.counts), a few rows per quarter.
    live = quarter_totals(quarter_ids=live_ids) if live_ids else {}
    live.update(known)
    for quarter in quarters:
        if row := stats.get(quarter.pk):
            quarter.people = row["participants"] + row["uncertain"]
            quarter.graded, quarter.good = quarter.people - row["ungraded"], row["good"]
        else:
            row = live.get(quarter.pk, {})
            quarter.people, quarter.graded, quarter.good = (
                row.get("people", 0),
                row.get("graded", 0),
                row.get("good", 0),
            )


def quarter_distribution(*, appraisal_quarter: AppraisalQuarter) -> list[dict]:
    """The quarter's counts per department and position, in the departments' order: a dict per
    counter with ``department_id``, ``department__name``, ``department__sort_order``,
    ``department__code``, ``is_leader_position`` and the counts. Positions with no rows left (a
    person's row deleted) are left out."""
    return list(
        QuarterGradeCount.objects.filter(appraisal_quarter=appraisal_quarter, total__gt=0)
        .values(
            "department_id",
            "department__name",
            "department__sort_order",
            "department__code",
            "is_leader_position",
            *QuarterGradeCount.COUNTS,
        )
        .order_by("department__sort_order", "department__code", "department_id", "is_leader_position")
    )


def quarter_totals(*, quarter_ids: list[int]) -> dict[int, dict]:
    """{quarter id: {"people", "graded", "good"}} from the counters, for the quarters page's list."""
    return {
        row.pop("appraisal_quarter_id"): {
            "people": row["people"],
            "graded": row["people"] - row["ungraded"],
            "good": row["good"],
        }
        for row in QuarterGradeCount.objects.filter(appraisal_quarter_id__in=quarter_ids)
        .values("appraisal_quarter_id")
        .annotate(people=Sum("total"), ungraded=Sum("ungraded"), good=Sum("good"))
        .order_by()
    }
