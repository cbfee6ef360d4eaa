"""The grade counters (evaluations.grading.services.counts) the quarters and approval pages read
instead of grouping the quarter's grade rows: after every kind of write of a grade row they equal a
fresh GROUP BY of the rows, and the pages no longer group the rows."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.grading.services import counts, grading, locking
from evaluations.grading.services.grading import appraisal_quarter_open
from evaluations.models import (
    Grade,
    GradeState,
    QuarterGrade,
    QuarterGradeCount,
)
from tests.evaluations.helpers import give
from tests.factories import (
    DepartmentFactory,
    QuarterGradeFactory,
    UserFactory,
    save_fields,
)
from tests.support.concurrency import connected, file_copy_of_the_test_database, run_at_once

pytestmark = pytest.mark.django_db


def fresh() -> dict:
    """A GROUP BY of every grade row, as the pages did before the counters."""
    return {
        (row.pop("appraisal_quarter_id"), row.pop("department_id"), row.pop("is_leader_position")): row
        for row in QuarterGrade.objects.values("appraisal_quarter_id", "department_id", "is_leader_position")
        .annotate(**counts.GRADE_COUNTS)
        .order_by()
    }


def stored() -> dict:
    """The counters, without those left at zero (a department whose rows are all gone)."""
    return {
        (c.appraisal_quarter_id, c.department_id, c.is_leader_position): {n: getattr(c, n) for n in c.COUNTS}
        for c in QuarterGradeCount.objects.filter(total__gt=0)
    }


def assert_counted():
    assert stored() == fresh()


def test_the_counters_equal_a_fresh_count_after_every_writer_of_an_open_quarter(
    organisation, department, head, leader, team, grade_of
):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert QuarterGradeCount.objects.filter(appraisal_quarter=quarter).exists()
    assert_counted()
    # A newcomer, and the quarter opened again for them (bulk_create, no signals).
    newcomer = UserFactory(department=department, full_name="新人")
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert_counted()
    staff, colleague, *others = team
    # The evaluator grades (待确认), the leader grades the head (confirmed at once).
    give(grade_of(staff), head, Grade.GOOD)
    give(grade_of(colleague), head, Grade.AVERAGE)
    give(grade_of(others[0]), head, Grade.UNCERTAIN)
    give(grade_of(newcomer), head)
    give(grade_of(head), leader, Grade.GOOD)
    assert_counted()
    # The leader confirms one with a change, then the rest at once (counted once at the end).
    grading.grade_confirm(grade_row=grade_of(colleague), actor=leader, new_grade=Grade.POOR, reason="多次迟报")
    assert_counted()
    for person in others[1:]:
        give(grade_of(person), head)
    assert grading.grades_confirm_all(appraisal_quarter=quarter, actor=leader) == 7
    assert_counted()
    # The evaluator grades again after a confirmation by the leader of the head (a leader's change).
    give(grade_of(head), leader, Grade.FAIRLY_GOOD)
    assert_counted()
    # The test helpers: a factory row and save_fields (never QuerySet.update()).
    save_fields([grade_of(newcomer)], grade=Grade.GOOD, state=GradeState.GRADED)
    QuarterGradeFactory(appraisal_quarter=quarter, person=UserFactory(department=department), grade=Grade.POOR)
    assert_counted()
    # A row moved to another department (nothing moves rows today; the counts would follow).
    second = DepartmentFactory(organisation=organisation, name="第二科", supervising_leader=leader)
    save_fields([grade_of(newcomer)], department=second, is_leader_position=True)
    assert_counted()
    assert stored()[(quarter.pk, second.pk, True)]["good"] == 1
    # A row deleted.
    grade_of(newcomer).delete()
    assert_counted()
    assert (quarter.pk, second.pk, True) not in stored()


def test_a_save_that_writes_no_counted_field_recounts_nothing(quarter, head, staff, grade_of):
    row = grade_of(staff)
    with CaptureQueriesContext(connection) as queries:
        save_fields([row], comment="只改评语")
        save_fields([row], locked_at=None)
    assert not [q["sql"] for q in queries if "evaluations_quartergradecount" in q["sql"]]


def test_a_deferred_recount_that_raises_counts_nothing_and_leaves_the_counters_as_they_were(
    quarter, head, staff, grade_of
):
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic(), counts.deferred():
        give(grade_of(staff), head, Grade.GOOD)
        assert stored() == before  # not yet: counted at the end of the block
        raise RuntimeError
    assert stored() == before == fresh()


@pytest.mark.usefixtures("room_for_one_good")
def test_the_counters_follow_the_approved_quarters_lock_review_and_regrading(
    approved_quarter, confirmed, head, staff, hr
):
    approved, row = approved_quarter, confirmed
    assert_counted()
    locking.grades_lock(appraisal_quarter=approved)
    locking.grade_review_after_lock(grade=row, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    assert_counted()
    other = QuarterGradeFactory(
        appraisal_quarter=approved, person=UserFactory(department=staff.department), grade=Grade.AVERAGE
    )
    save_fields([other], state=GradeState.CONFIRMED, evaluator=head)
    locking.grade_reopen_for_regrading(grade=other, actor=hr, reason="异议成立")
    assert_counted()
    assert stored()[(approved.pk, staff.department_id, False)]["ungraded"] == 0


@pytest.mark.parametrize(
    "page, who",
    [("quarters", "hr"), ("approval", "chief")],
)
def test_the_quarters_and_approval_pages_do_not_group_the_grade_rows(
    request, client_for, quarter, head, staff, grade_of, page, who
):
    give(grade_of(staff), head, Grade.GOOD)
    url = (
        reverse("evaluations:quarters")
        if page == "quarters"
        else reverse("evaluations:quarter_approve", args=[quarter.pk])
    )
    client = client_for(request.getfixturevalue(who))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    grouped = [q["sql"] for q in queries if "GROUP BY" in q["sql"] and '"evaluations_quartergrade"' in q["sql"]]
    assert grouped == []
    # The distribution is the counters': the 好 given shows in the department's row.
    assert (
        QuarterGradeCount.objects.get(
            appraisal_quarter=quarter, department=staff.department, is_leader_position=False
        ).good
        == 1
    )


@pytest.mark.django_db(transaction=True)
def test_evaluators_grading_one_department_at_the_same_moment_leave_the_counters_right(
    quarter, head, team, grade_of, tmp_path
):
    """Each save recounts the department: without the lock on its counters two transactions would
    each count without the other's uncommitted row, and the last to commit would write a stale
    count. Each writer is a thread with its own connection (tests.support.concurrency)."""
    rows = [grade_of(person) for person in team]
    database = file_copy_of_the_test_database(tmp_path)

    def save(n: int) -> str:
        row = rows[n]
        give(row, head, Grade.AVERAGE if row.pk % 2 else Grade.FAIRLY_GOOD)
        return "saved"

    answers = run_at_once(database, len(rows), save)
    assert answers == ["saved"] * len(rows), answers
    with connected(database):
        counted = stored()
        assert counted == fresh()
        assert counted[(quarter.pk, head.department_id, False)]["unconfirmed"] == len(rows)


@pytest.mark.django_db(transaction=True)
def test_a_recount_asked_for_outside_any_transaction_counts_under_its_lock(quarter, team, monkeypatch):
    """As the stack check's seed and the benchmarks do after a ``QuerySet.update()``: in autocommit.
    The counters' SELECT … FOR UPDATE is composed inside the recount's own transaction (Django
    refuses to compose one outside), also when its shape is composed for the first time."""
    from accounts import shapes

    monkeypatch.setattr(shapes, "_shapes", {})
    QuarterGrade.objects.filter(appraisal_quarter=quarter).update(grade=Grade.GOOD, state=GradeState.CONFIRMED)
    assert connection.get_autocommit()
    counts.grade_counts_refresh(appraisal_quarter_id=quarter.pk)
    assert_counted()
    department = QuarterGrade.objects.filter(appraisal_quarter=quarter, department_id=team[0].department_id)
    assert stored()[(quarter.pk, team[0].department_id, False)]["good"] == department.count() > len(team)


def test_the_migration_counts_a_heads_row_graded_before_apart_from_those_to_confirm(organisation, department, head):
    """evaluations 0041: counters written before it counted a head's row graded by someone else
    (awaiting the leader's grade) as 待确认; after it they equal a fresh count."""
    import importlib
    from types import SimpleNamespace

    from django.apps import apps

    migration = importlib.import_module("evaluations.migrations.0041_grade_counts_leader_to_grade")
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    row = QuarterGrade.objects.get(appraisal_quarter=quarter, person=head)
    save_fields([row], grade=Grade.FAIRLY_GOOD, state=GradeState.GRADED, headed=True)
    counter = QuarterGradeCount.objects.get(
        appraisal_quarter=quarter, department=department, is_leader_position=row.is_leader_position
    )
    assert counter.leader_to_grade == 1 and counter.unconfirmed == 0
    # As stored before the migration.
    QuarterGradeCount.objects.filter(pk=counter.pk).update(unconfirmed=counter.unconfirmed + 1, leader_to_grade=0)
    migration.count_heads_apart(apps, SimpleNamespace(connection=connection))
    assert_counted()
    assert QuarterGradeCount.objects.get(pk=counter.pk).leader_to_grade == 1
