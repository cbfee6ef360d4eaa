"""The committee page's 优秀 quota and undecided count come from the annual results' counters
(evaluations.annual.counts), kept by the grade counters' mechanism: a handful of rows per
organisation and year whatever its size, always equal to counting the results themselves."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.annual import services as annual
from evaluations.annual.counts import annual_counts_refresh, annual_counts_rewrite, year_counts
from evaluations.models import AnnualGrade, AnnualResult, AnnualResultCount
from tests.evaluations.test_annual import YEAR, record, result_of, rollup
from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory, save_fields


def counted_from_results(organisation) -> dict[str, int]:
    results = AnnualResult.objects.filter(organisation=organisation, year=YEAR)
    exact = annual.excellent_status_counted(organisation=organisation, year=YEAR)
    return {
        "graded": exact.graded_people,
        "excellent": exact.used,
        "undecided": results.filter(decided_grade="").count(),
        "total": results.count(),
    }


@pytest.fixture
def year_rolled_up(organisation, department, head):
    people = [UserFactory(department=department) for _ in range(6)]
    for i, person in enumerate(people):
        record(person, "好/好/好/好" if i < 3 else "较好/较好/较好/较好", score=str(90 + i))
    rollup(organisation)
    return people


def test_the_roll_up_counts_its_results(organisation, year_rolled_up):
    counted = year_counts(organisation_id=organisation.pk, year=YEAR)
    assert counted == counted_from_results(organisation)
    assert counted["total"] == len(year_rolled_up) and counted["undecided"] == counted["total"]
    assert counted["excellent"] >= 1


def test_decisions_adoption_and_deletion_keep_the_counts(organisation, chief, year_rolled_up):
    annual.annual_decide(
        result=result_of(year_rolled_up[0]), actor=chief, grade=AnnualGrade.COMPETENT, reason="本人谦让"
    )
    assert year_counts(organisation_id=organisation.pk, year=YEAR) == counted_from_results(organisation)
    annual.annual_adopt_suggestions(organisation=organisation, year=YEAR, actor=chief)
    assert year_counts(organisation_id=organisation.pk, year=YEAR) == counted_from_results(organisation)
    assert year_counts(organisation_id=organisation.pk, year=YEAR)["undecided"] == 0
    result_of(year_rolled_up[5]).delete()
    assert year_counts(organisation_id=organisation.pk, year=YEAR) == counted_from_results(organisation)


def test_a_result_moved_to_another_department_is_counted_out_of_the_one_it_was_saved_with(
    organisation, chief, year_rolled_up
):
    later = DepartmentFactory(organisation=organisation)
    result = result_of(year_rolled_up[0])
    save_fields([result], decided_grade=AnnualGrade.COMPETENT)
    save_fields([result], department=later)  # nothing moves results but the roll-up (which recounts)
    by_department = dict(
        AnnualResultCount.objects.filter(organisation=organisation, year=YEAR).values_list("department_key", "total")
    )
    assert by_department[later.pk] == 1 and sum(by_department.values()) == len(year_rolled_up)
    assert year_counts(organisation_id=organisation.pk, year=YEAR) == counted_from_results(organisation)


def test_a_refused_decision_leaves_the_counts_as_they_were(organisation, department, head, chief):
    people = [UserFactory(department=department) for _ in range(10)]
    for i, person in enumerate(people):
        record(person, "好/好/好/好", score=str(90 + i))
    rollup(organisation)
    before = year_counts(organisation_id=organisation.pk, year=YEAR)
    with pytest.raises(Exception, match="名额"):
        annual.annual_decide(result=result_of(people[7]), actor=chief, grade=AnnualGrade.EXCELLENT, reason="贡献突出")
    assert year_counts(organisation_id=organisation.pk, year=YEAR) == before == counted_from_results(organisation)


def test_a_recount_rewrites_counters_that_drifted(organisation, year_rolled_up):
    AnnualResultCount.objects.filter(organisation=organisation).update(excellent=99, total=0)
    annual_counts_refresh(organisation_id=organisation.pk, year=YEAR)
    assert year_counts(organisation_id=organisation.pk, year=YEAR) == counted_from_results(organisation)


def test_the_committee_page_reads_the_counters_not_the_results(client_for, organisation, hr, year_rolled_up):
    url = reverse("evaluations:annual", args=[YEAR])
    client = client_for(hr)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"department": year_rolled_up[0].department_id})
    status = response.context["status"]
    exact = annual.excellent_status_counted(organisation=organisation, year=YEAR)
    assert (status.graded_people, status.used, status.quota) == (exact.graded_people, exact.used, exact.quota)
    assert response.context["undecided"] == counted_from_results(organisation)["undecided"]
    # Only the chosen department's page is counted (its paginator), never the organisation's year.
    counting_results = [
        q["sql"]
        for q in queries
        if "COUNT(" in q["sql"] and 'FROM "evaluations_annualresult"' in q["sql"] and "department_id" not in q["sql"]
    ]
    assert counting_results == []


# --- The roll-up's rewrite of many organisations' counters ----------------------------------------


def _province(count: int, *, seed: int) -> list:
    """``count`` organisations, each of two departments of a few people graded in two quarters."""
    organisations = []
    for n in range(count):
        organisation = OrganisationFactory(code=f"prov{seed}{n}", name=f"省直单位{seed}{n}")
        for d in range(2):
            department = DepartmentFactory(organisation=organisation, code=f"P{seed}{n}{d}", name=f"科室{n}{d}")
            for i in range(2 + d):
                person = UserFactory(department=department, employee_number=f"P{seed}{n}{d}{i:02d}")
                record(person, "好/好" if i % 3 == 0 else "较好/一般", score=str(85 + i))
        organisations.append(organisation)
    return organisations


def counted_by_department(organisation) -> dict[int, tuple]:
    rows = AnnualResult.objects.filter(organisation=organisation, year=YEAR)
    counted: dict[int, list[int]] = {}
    for result in rows:
        final = result.decided_grade or result.suggested_grade
        row = counted.setdefault(result.department_id or 0, [0, 0, 0, 0])
        row[0] += final not in ("", AnnualGrade.NOT_GRADED)
        row[1] += final == AnnualGrade.EXCELLENT
        row[2] += result.decided_grade == ""
        row[3] += 1
    return {key: tuple(row) for key, row in counted.items()}


def test_a_province_wide_pass_leaves_every_organisation_s_counters_right(db):
    organisations = _province(3, seed=1)
    annual.rollup_years(organisations=organisations, year=YEAR)  # the first run: a plain insert
    decided = AnnualResult.objects.filter(organisation=organisations[1], year=YEAR).order_by("pk").first()
    save_fields([decided], decided_grade=AnnualGrade.COMPETENT)
    AnnualResultCount.objects.filter(organisation=organisations[2]).update(excellent=99, total=0)  # drifted
    AnnualResultCount.objects.create(organisation=organisations[0], year=YEAR, department_key=0, total=7)  # stale

    annual.rollup_years(organisations=organisations, year=YEAR)  # the general path

    for organisation in organisations:
        stored = {
            row[0]: row[1:]
            for row in AnnualResultCount.objects.filter(organisation=organisation, year=YEAR).values_list(
                "department_key", *AnnualResultCount.COUNTS
            )
        }
        assert stored == counted_by_department(organisation)
        assert len(stored) == 2
        assert year_counts(organisation_id=organisation.pk, year=YEAR) == counted_from_results(organisation)
    assert sum(year_counts(organisation_id=org.pk, year=YEAR)["excellent"] for org in organisations) >= 2
    assert year_counts(organisation_id=organisations[1].pk, year=YEAR)["undecided"] == (
        AnnualResult.objects.filter(organisation=organisations[1]).count() - 1
    )


def test_the_rewrite_takes_the_same_queries_for_one_organisation_and_for_three(db, django_assert_num_queries):
    organisations = _province(3, seed=2)
    annual.rollup_years(organisations=organisations, year=YEAR)
    counted = {org.pk: counted_by_department(org) for org in organisations}
    AnnualResultCount.objects.all().update(total=0)

    with django_assert_num_queries(2):
        annual_counts_rewrite(organisation_ids=[organisations[0].pk], year=YEAR)
    with django_assert_num_queries(2):
        annual_counts_rewrite(organisation_ids=[org.pk for org in organisations], year=YEAR)
    for organisation in organisations:
        assert {
            row[0]: row[1:]
            for row in AnnualResultCount.objects.filter(organisation=organisation, year=YEAR).values_list(
                "department_key", *AnnualResultCount.COUNTS
            )
        } == counted[organisation.pk]
