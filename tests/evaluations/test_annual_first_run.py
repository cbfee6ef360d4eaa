"""The year roll-up's first run (nobody of the pass has a result row of the year yet) writes with a
plain insert instead of the compare-and-upsert: the same rows as the general path, and concurrent
first runs of an organisation's year still all succeed (an advisory lock per organisation and year
on PostgreSQL, BEGIN IMMEDIATE on SQLite, taken before the roll-up reads the stored rows)."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.annual import services as annual
from evaluations.models import AnnualGrade, AnnualResult, SanctionEffect, SanctionKind
from tests.evaluations.test_annual import record
from tests.evaluations.test_annual_set_based import CHOICES, SUGGESTION_COLUMNS, YEAR
from tests.factories import (
    SanctionFactory,
    SanctionRuleFactory,
    UserFactory,
    VetoFlagFactory,
    save_fields,
)
from tests.support.concurrency import connected, file_copy_of_the_test_database, run_at_once

COLUMNS = ["organisation_id", *SUGGESTION_COLUMNS, "decided_grade"]


def _rows():
    return list(AnnualResult.objects.filter(year=YEAR).order_by("person_id").values_list("person_id", *COLUMNS))


def _upserts(queries) -> int:
    return sum(
        "INSERT INTO evaluations_annualresult" in query["sql"] and "ON CONFLICT" in query["sql"] for query in queries
    )


@pytest.fixture
def year_of_twenty(organisation, department, head):
    """Twenty people's varied year (every grade, missing scores, a tie at the top), a veto and a
    sanction (the Python rules' exceptions)."""
    rng = random.Random(7)
    people = [UserFactory(department=department, employee_number=f"E{i:02d}") for i in range(20)]
    for i, person in enumerate(people):
        grades = "好/好/好/好" if i < 3 else "/".join(rng.choice(CHOICES) for _ in range(4))
        record(person, grades, score=None if i % 6 == 5 else rng.choice(["85.5", "90", "95"]))
    VetoFlagFactory(person=people[1], year=YEAR)
    SanctionRuleFactory(organisation=organisation, kind=SanctionKind.DEMOTION, effect=SanctionEffect.INCOMPETENT)
    SanctionFactory(person=people[4], kind=SanctionKind.DEMOTION, decided_on=date(YEAR, 4, 1))
    return people


def test_a_first_run_writes_with_a_plain_insert_the_rows_the_general_path_writes(organisation, year_of_twenty):
    with CaptureQueriesContext(connection) as first_queries:
        first = annual.rollup_year(organisation=organisation, year=YEAR)
    fresh = _rows()
    assert _upserts(first_queries) == 0
    assert len(fresh) == first.people == 20
    grades = {row[COLUMNS.index("suggested_grade") + 1] for row in fresh}
    assert {AnnualGrade.EXCELLENT, AnnualGrade.COMPETENT} <= grades

    # The general path from a wrong and incomplete table: every stored suggestion spoilt, rows gone.
    save_fields(
        AnnualResult.objects.filter(year=YEAR),
        graded_quarters=0,
        composite_score=Decimal("1.00"),
        eligible_excellent=True,
        rank=None,
        suggested_grade=AnnualGrade.NOT_GRADED,
        suggestion_reasons=["旧的理由"],
    )
    AnnualResult.objects.filter(person__in=year_of_twenty[10:]).delete()
    with CaptureQueriesContext(connection) as general_queries:
        annual.rollup_year(organisation=organisation, year=YEAR)

    assert _upserts(general_queries) == 1
    assert _rows() == fresh


def test_a_decision_stored_before_the_first_run_keeps_the_general_path(organisation, year_of_twenty, chief):
    annual.rollup_year(organisation=organisation, year=YEAR)
    expected = _rows()
    AnnualResult.objects.filter(year=YEAR).exclude(person=year_of_twenty[7]).delete()
    save_fields(AnnualResult.objects.filter(person=year_of_twenty[7]), decided_grade=AnnualGrade.COMPETENT)

    with CaptureQueriesContext(connection) as queries:
        annual.rollup_year(organisation=organisation, year=YEAR)

    assert _upserts(queries) == 1
    decided = {row[0]: row[-1] for row in _rows()}
    assert decided.pop(year_of_twenty[7].pk) == AnnualGrade.COMPETENT
    assert set(decided.values()) == {""}
    assert len(_rows()) == len(expected)


RUNS = 4


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_runs_of_a_year_all_succeed_and_write_one_row_each(organisation, department, head, tmp_path):
    people = [UserFactory(department=department) for _ in range(6)]
    for person in people:
        record(person, "好/较好/较好/较好", score="88")
    database = file_copy_of_the_test_database(tmp_path)
    answers = run_at_once(database, RUNS, lambda n: annual.rollup_year(organisation=organisation, year=YEAR).people)

    assert answers == [len(people)] * RUNS, answers
    with connected(database):
        assert AnnualResult.objects.filter(year=YEAR, person__in=people).count() == len(people)
