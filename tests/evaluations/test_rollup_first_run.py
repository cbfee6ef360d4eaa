"""The quarterly roll-up's first run (no result row of the quarter yet) takes a plain insert
instead of the compare-and-upsert: the same rows as the general path, and concurrent first runs of
one quarter still both succeed (an advisory lock per quarter on PostgreSQL, BEGIN IMMEDIATE on
SQLite, taken before the roll-up looks for stored rows)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.grading.services.rollup import RESULT_COLUMNS, STATS_COLUMNS, rollup_quarter, rollup_quarters
from evaluations.models import DepartmentQuarterStats, Grade, QuarterResult
from tests.evaluations import test_rollup
from tests.evaluations.test_rollup import TODAY, _quarter_with_staff
from tests.factories import DepartmentFactory, save_fields
from tests.support.concurrency import connected, file_copy_of_the_test_database, run_at_once

# test_rollup's quarter with every source (targets, summaries, events) for one person.
q3 = test_rollup.q3
staff_quarter = test_rollup.staff_quarter


def _rows(quarter):
    return (
        list(
            QuarterResult.objects.filter(appraisal_quarter=quarter)
            .order_by("person_id")
            .values_list("person_id", *RESULT_COLUMNS)
        ),
        list(
            DepartmentQuarterStats.objects.filter(appraisal_quarter=quarter)
            .order_by("department_id")
            .values_list("department_id", *STATS_COLUMNS)
        ),
    )


def _upserts(queries) -> int:
    """Statements that upsert result rows (a first run's statement on PostgreSQL upserts department
    stats in the same statement: their conflict target is (quarter, department))."""
    return sum(
        "INSERT INTO evaluations_quarterresult" in query["sql"]
        and "ON CONFLICT (appraisal_quarter_id, person_id)" in query["sql"]
        for query in queries
    )


def test_a_first_run_writes_with_a_plain_insert_the_rows_the_general_path_writes(staff_quarter, staff, colleague):
    with CaptureQueriesContext(connection) as first_queries:
        first = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    fresh = _rows(staff_quarter)
    assert _upserts(first_queries) == 0
    assert (first.people, first.rewritten) == (8, 8)
    assert any(row[-1] for row in fresh[0])  # flags (the last column) set on someone

    # The general path from a wrong and incomplete table: every stored figure spoilt, some rows gone.
    save_fields(
        QuarterResult.objects.filter(appraisal_quarter=staff_quarter),
        final_grade=Grade.POOR,
        composite_score=Decimal("1.00"),
        completion_rate=None,
        summaries_missing=3,
        praise_count=9,
        flags=["not_graded"],
    )
    QuarterResult.objects.filter(appraisal_quarter=staff_quarter).exclude(person=staff).exclude(
        person=colleague
    ).delete()
    DepartmentQuarterStats.objects.filter(appraisal_quarter=staff_quarter).delete()
    with CaptureQueriesContext(connection) as general_queries:
        general = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)

    assert _upserts(general_queries) == 1
    assert general.rewritten == 8
    assert _rows(staff_quarter) == fresh


def test_a_first_run_over_department_stats_left_without_results_keeps_the_same_and_drops_the_stale(
    staff_quarter, organisation
):
    """Stats rows a quarter holds without any result row (its results deleted by hand): a first run
    still, which writes the same stats as before, leaves an unchanged department's row as it was
    (the upsert's condition) and deletes the row of a department nobody of the quarter is in."""
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    expected = _rows(staff_quarter)
    kept = DepartmentQuarterStats.objects.filter(appraisal_quarter=staff_quarter).order_by("pk").first()
    QuarterResult.objects.filter(appraisal_quarter=staff_quarter).delete()
    DepartmentQuarterStats.objects.create(
        appraisal_quarter=staff_quarter,
        department=DepartmentFactory(organisation=organisation),
        participants=3,
        good=3,
        computed_at=kept.computed_at,
    )

    with CaptureQueriesContext(connection) as queries:
        stats = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)

    assert _upserts(queries) == 0
    assert _rows(staff_quarter) == expected
    assert (stats.people, stats.rewritten, stats.departments) == (8, 8, len(expected[1]))
    assert DepartmentQuarterStats.objects.get(pk=kept.pk).computed_at == kept.computed_at


def test_quarters_with_and_without_results_rolled_up_together_write_what_each_writes_alone(
    organisation, other_organisation, leader
):
    done, new = _quarter_with_staff(organisation, leader, 3), _quarter_with_staff(other_organisation, None, 4)
    rollup_quarter(appraisal_quarter=done, today=TODAY)
    rollup_quarter(appraisal_quarter=new, today=TODAY)
    expected = [_rows(done), _rows(new)]
    QuarterResult.objects.filter(appraisal_quarter=new).delete()
    DepartmentQuarterStats.objects.filter(appraisal_quarter=new).delete()

    stats = rollup_quarters(appraisal_quarters=[done, new], today=TODAY)

    assert [_rows(done), _rows(new)] == expected
    assert (stats[done.pk].rewritten, stats[new.pk].rewritten) == (0, 4)


RUNS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_runs_of_a_quarter_all_succeed_and_write_one_set_of_rows(organisation, leader, tmp_path):
    quarter = _quarter_with_staff(organisation, leader, 6)
    database = file_copy_of_the_test_database(tmp_path)
    answers = run_at_once(database, RUNS, lambda n: rollup_quarter(appraisal_quarter=quarter, today=TODAY).rewritten)

    # One run wrote the six rows; the others, after it, found them stored and unchanged.
    assert sorted(answers, key=str) == [0] * (RUNS - 1) + [6], answers
    with connected(database):
        assert QuarterResult.objects.filter(appraisal_quarter=quarter).count() == 6
