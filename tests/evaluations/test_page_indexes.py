"""The main pages' queries are served by indexes on PostgreSQL (EXPLAIN), not by reading every row of
a 100 000-person organisation: the approval blockers' per-state rows, the committee's last
computation and its undecided count."""

from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import connection, transaction

from evaluations.annual.models import AnnualResult
from evaluations.grading.models import Grade, GradeState, QuarterGrade

pytestmark = pytest.mark.postgres


@pytest.fixture(autouse=True)
def _plans_are_postgresqls():
    if connection.vendor != "postgresql":
        pytest.skip("plans are PostgreSQL's")


def plan_of(queryset) -> str:
    with transaction.atomic(), connection.cursor() as cursor:
        # An empty test table is cheapest to scan; forbid that to see which index the query can use.
        cursor.execute("SET LOCAL enable_seqscan = off")
        return queryset.explain()


def of_nobody(model, count: int, fields) -> list:
    """``count`` rows of ``model`` for people who do not exist (person 10 000 000 + number, unless
    ``fields`` says otherwise), ``fields(number)`` each: the foreign keys are checked at commit, and
    the tests roll back before it (:func:`inserted_for_a_while`)."""
    return [model(**({"person_id": 10_000_000 + number} | fields(number))) for number in range(count)]


def quarter_of_6000(quarter, department, fields) -> list[QuarterGrade]:
    """A quarter's real shape for the planner: 6 000 grade rows of people who do not exist,
    ``fields(number)`` each."""
    return of_nobody(
        QuarterGrade, 6000, lambda number: {"appraisal_quarter": quarter, "department": department, **fields(number)}
    )


@contextmanager
def inserted_for_a_while(model, rows: list):
    """``rows`` of ``model`` inserted and the table's statistics refreshed, as a table that has
    lived a while has them (the planner then sees the real shape); undone after the block, before
    the test's end, where Django checks the deferred foreign keys."""
    with transaction.atomic():
        model.objects.bulk_create(rows)
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {model._meta.db_table}")
        yield
        transaction.set_rollback(True)


def test_the_blockers_rows_of_a_state_are_found_through_the_state_index(quarter, department):
    """On a nearly empty table several indexes that begin with the quarter cost the same and the
    planner's pick between them is a tie (a CI run once read the pool index and filtered the state).
    So the quarter here is the real shape: 6 000 rows of which 12 are still 待评鉴, with fresh
    statistics; the state index is then the only cheap way to them. The rows point at people that
    do not exist: the foreign keys are checked at commit, and the rows are rolled back before it."""
    pending = QuarterGrade.objects.filter(appraisal_quarter=quarter, state=GradeState.PENDING)
    already_pending = pending.count()
    rows = quarter_of_6000(
        quarter,
        department,
        lambda number: {
            "state": GradeState.PENDING if number % 500 == 0 else GradeState.CONFIRMED,
            "grade": "" if number % 500 == 0 else Grade.GOOD if number % 5 == 0 else Grade.FAIRLY_GOOD,
        },
    )
    with inserted_for_a_while(QuarterGrade, rows):
        assert pending.count() == already_pending + 12
        plan = pending.order_by().values("pk").explain()
    assert "quartergrade_state_idx" in plan, plan


@pytest.mark.django_db
def test_the_committee_pages_freshness_and_undecided_count_use_indexes(organisation, department):
    """On a nearly empty table the indexes that begin with (organisation, year) cost the same and the
    planner's pick between them depended on what earlier tests had written. So the year here is the
    real shape: 6 000 results, 12 still undecided, with fresh statistics. (AnnualResult's references
    have no database constraint, so the rows need no people; they are rolled back.)"""
    from django.utils import timezone

    results = AnnualResult.objects.filter(organisation=organisation, year=2026).order_by()
    now = timezone.now()
    rows = of_nobody(
        AnnualResult,
        6000,
        lambda number: {
            "organisation": organisation,
            "department": department,
            "year": 2026,
            "computed_at": now,
            "decided_grade": "" if number % 500 == 0 else "competent",
        },
    )
    with inserted_for_a_while(AnnualResult, rows):
        assert results.filter(decided_grade="").count() == 12
        undecided = results.filter(decided_grade="").values("pk").explain()
    assert "annualresult_decided_idx" in undecided, undecided
    # When the year was last computed: its AnnualRollupRun row (the result rows' computed_at has no
    # index since the former evaluations 0026), one row through an index of the runs: the unique (organisation,
    # year) one or the organisation's, whichever the planner prefers for a small table — never a
    # scan of the runs, let alone of the results.
    from evaluations.annual.models import AnnualRollupRun

    run = plan_of(AnnualRollupRun.objects.filter(organisation=organisation, year=2026).values_list("computed_at"))
    assert "Index Scan" in run and "on evaluations_annualrolluprun" in run, run
    assert "Seq Scan" not in run and "annualresult" not in run.replace("annualrolluprun", ""), run


@pytest.mark.django_db
def test_the_dashboards_excellent_chart_reads_a_leaders_results_by_organisation_and_year(
    organisation, department, leader
):
    """The results' department has no index of its own (former evaluations 0027): the dashboard's per-department
    优秀 chart, the one page that reads results by department, finds a supervising leader's through
    the (organisation, year) index and joins their departments — it never scans the results. The
    year has a province's shape: 6 000 results, 1 200 of them this organisation's in 60 departments,
    the rest another's (no database constraint on either reference), fresh statistics; rolled back."""
    from django.utils import timezone

    from appraisal_site.dashboards import Scope
    from tests.factories import DepartmentFactory

    departments = [department] + [
        DepartmentFactory(organisation=organisation, code=f"P{number:03d}") for number in range(59)
    ]
    scope = Scope(organisation_id=organisation.pk, leader_id=leader.pk)
    now = timezone.now()
    results = of_nobody(
        AnnualResult,
        6000,
        lambda number: {
            "organisation_id": organisation.pk if number < 1200 else organisation.pk + 1_000_000,
            "department": departments[number % 60],
            "year": 2026,
            "computed_at": now,
        },
    )
    with inserted_for_a_while(AnnualResult, results):
        rows = AnnualResult.objects.filter(scope.departments(), organisation_id=organisation.pk, year=2026)
        assert rows.count() == 20
        plan = rows.order_by().values("department_id").explain()
    assert "annualresult_decided_idx" in plan, plan
    assert "Seq Scan on evaluations_annualresult" not in plan, plan


@pytest.mark.django_db
def test_the_use_lists_find_a_final_grade_through_its_expression_index(organisation):
    from evaluations.annual.models import AnnualGrade
    from evaluations.annual.services import annual_results_for_year, annual_use_lists

    results = annual_results_for_year(organisation=organisation, year=2026)
    # Each list's grade; the index holds only these (it is partial: 称职 and 不定等次 head no list).
    for grade in (AnnualGrade.EXCELLENT, AnnualGrade.BASICALLY_COMPETENT, AnnualGrade.INCOMPETENT):
        plan = plan_of(results.filter(final=grade).order_by().values("pk"))
        assert "annualresult_final_idx" in plan, (grade, plan)
    # The lists as annual_use_lists builds them (the award list: 优秀, nobody with a 创新突破 here).
    lists = annual_use_lists(organisation=organisation, year=2026)
    for name in ("excellent", "award", "admonition", "dismissal_review"):
        plan = plan_of(getattr(lists, name).order_by().values("pk"))
        assert "annualresult_final_idx" in plan, (name, plan)


def test_the_blockers_people_without_targets_or_a_summary_are_found_through_partial_indexes(quarter):
    """Where 26 of 100 000 lacked targets the database walked every row of the quarter (0.6 s) and
    every person's summaries (3 s); the partial indexes hold only the people who lack something.
    The blockers read the rows in the partial indexes' order (quarter, row id), which no other
    index but the primary key's gives: on a test table of a few rows sorting is cheapest, so it is
    forbidden here too, and the partial index must beat a walk of every row by id."""
    from evaluations.grading.services.grading import _missing_inputs

    no_targets, no_summaries, _begun = _missing_inputs(quarter)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        assert "quartergrade_no_targets_idx" in no_targets.values("pk").explain()
        assert "quartergrade_no_summary_idx" in no_summaries.values("pk").explain()


def test_the_good_suggestions_cut_off_is_found_among_the_scored_rows_only(quarter, organisation, department):
    """The grading page's 好 suggestions ask each pool for its first candidate past the quota
    (scores.suggested_grades_of) through the partial index of scored rows, not the quarter's rows.
    On a nearly empty table the indexes that begin with the quarter cost the same (a CI run read
    another and sorted), so the quarter here is the real shape: 6 000 rows, 300 of them scored,
    with fresh statistics (rolled back before the foreign keys are checked)."""
    from accounts.selectors import policy_for_organisation
    from evaluations.grading.services.scores import good_candidates

    policy = policy_for_organisation(organisation_id=organisation.pk)
    rows = quarter_of_6000(
        quarter,
        department,
        lambda number: {"composite_score": Decimal(70 + number % 31) if number % 20 == 0 else None},
    )
    with inserted_for_a_while(QuarterGrade, rows):
        plan = good_candidates(appraisal_quarter=quarter, kind="all", policy=policy)[3:4].explain()
    assert "quartergrade_composite_idx" in plan, plan


def test_a_grading_list_page_reads_each_departments_share_from_the_list_index(quarter, department, other_department):
    """A leader's list over several departments (selectors.DepartmentPagedGrades): the page's
    rows of each department are a range of quartergrade_list_idx, not every row of the list joined
    and sorted. Realistic rows with fresh statistics, as above (rolled back before the foreign
    keys are checked)."""
    from accounts.paged_by_department import union_of_ids
    from evaluations.grading.selectors import DepartmentPagedGrades, _DepartmentPart

    grades = of_nobody(
        QuarterGrade,
        6000,
        lambda number: {
            "appraisal_quarter": quarter,
            "department": department if number % 2 else other_department,
            "employee_number": f"B{number:07d}",
        },
    )
    with inserted_for_a_while(QuarterGrade, grades):
        rows = DepartmentPagedGrades(
            appraisal_quarter_id=quarter.pk,
            parts=[_DepartmentPart(department.pk, 3000, left_out=(1,)), _DepartmentPart(other_department.pk, 3000)],
            related=("department",),
        )
        # The page of 20 that ends the first department and begins the second.
        shares = [rows._share(rows.parts[0], 2990, 3000), rows._share(rows.parts[1], 0, 10)]
        plan = QuarterGrade.objects.filter(pk__in=union_of_ids(shares)).values("pk").explain()
        page = rows[2990:3010]
    # The first department's end read backwards, the second's beginning forwards.
    assert plan.count("quartergrade_list_idx") == 2, plan
    assert "Backward using quartergrade_list_idx" in plan, plan
    assert [row.department_id for row in page] == [department.pk] * 10 + [other_department.pk] * 10


def test_a_quarters_results_are_read_through_the_unique_quarter_and_person_index(quarter, department):
    """QuarterResult has no index on the person or the department alone (migration evaluations
    0025: each was written for every row a roll-up inserts, and no page read through it). The
    results page (lists.rollup_results, a page of a quarter's rows) and one person's result of a
    quarter (the year's export joins each quarter's result on person and quarter) still go through
    the unique (quarter, person) index. Realistic rows with fresh statistics, as above: 3 000
    results in each of two quarters (no database constraint on the references, so no people are
    needed; rolled back)."""
    from django.http import QueryDict
    from django.utils import timezone

    from evaluations.grading.lists import rollup_results
    from evaluations.grading.models import AppraisalQuarter, QuarterResult

    other_quarter = AppraisalQuarter.objects.create(organisation=quarter.organisation, year=quarter.year - 1, quarter=1)
    now = timezone.now()
    # 3 000 people, each with a result in both quarters.
    rows = of_nobody(
        QuarterResult,
        6000,
        lambda number: {
            "appraisal_quarter": (quarter, other_quarter)[number // 3000],
            "person_id": 10_000_000 + number % 3000,
            "department": department,
            "final_grade": Grade.GOOD,
            "computed_at": now,
        },
    )
    with inserted_for_a_while(QuarterResult, rows):
        page = rollup_results(quarter, QueryDict(""))[0][:20]
        plans = [
            plan_of(page),
            plan_of(QuarterResult.objects.filter(appraisal_quarter=quarter, person_id=10_000_042).values("pk")),
        ]
    for plan in plans:
        assert "one_result_per_person_quarter" in plan, plan
