"""The quarterly roll-up of many organisations at once (rollup_quarters): the same rows as one at a
time, the same statements whatever the number of organisations, sources matched per organisation."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Policy
from accounts.workflow import ReviewStatus
from evaluations.grading.services.rollup import RESULT_COLUMNS, STATS_COLUMNS, rollup_quarter, rollup_quarters
from evaluations.models import DepartmentQuarterStats, QuarterResult
from tests.evaluations.test_rollup import TODAY, _quarter_with_staff
from tests.factories import MonthlySummaryFactory, OrganisationFactory, ServiceEventFactory


def _rows(quarters):
    ids = [quarter.pk for quarter in quarters]
    results = QuarterResult.objects.filter(appraisal_quarter__in=ids).order_by("appraisal_quarter", "person")
    stats = DepartmentQuarterStats.objects.filter(appraisal_quarter__in=ids).order_by("appraisal_quarter", "department")
    return (
        list(results.values_list("appraisal_quarter", "person", *RESULT_COLUMNS)),
        list(stats.values_list("appraisal_quarter", "department", *STATS_COLUMNS)),
    )


def test_rolling_up_organisations_together_writes_the_rows_and_stats_of_rolling_each_up_alone(
    organisation, other_organisation, leader
):
    quarters = [_quarter_with_staff(organisation, leader, 3), _quarter_with_staff(other_organisation, None, 5)]
    alone = {quarter.pk: rollup_quarter(appraisal_quarter=quarter, today=TODAY) for quarter in quarters}
    expected = _rows(quarters)
    QuarterResult.objects.all().delete()
    DepartmentQuarterStats.objects.all().delete()

    together = rollup_quarters(appraisal_quarters=quarters, today=TODAY)

    assert _rows(quarters) == expected
    for quarter in quarters:
        assert (together[quarter.pk].people, together[quarter.pk].departments, together[quarter.pk].rewritten) == (
            alone[quarter.pk].people,
            alone[quarter.pk].departments,
            alone[quarter.pk].rewritten,
        )
        quarter.refresh_from_db()
        assert quarter.rolled_up_at == together[quarter.pk].computed_at
    again = rollup_quarters(appraisal_quarters=quarters, today=TODAY)
    assert [again[quarter.pk].rewritten for quarter in quarters] == [0, 0]


def test_the_statements_are_the_same_for_one_organisation_and_for_several(organisation, other_organisation, leader):
    quarters = [
        _quarter_with_staff(organisation, leader, 2),
        _quarter_with_staff(other_organisation, None, 2),
        _quarter_with_staff(OrganisationFactory(code="third"), None, 4),
    ]
    # First runs (nothing stored yet) and reruns take different statements: each compared with its own.
    first_runs, reruns = [], []
    for batch in (quarters[:1], quarters):
        QuarterResult.objects.all().delete()
        DepartmentQuarterStats.objects.all().delete()
        for counts in (first_runs, reruns):
            with CaptureQueriesContext(connection) as queries:
                rollup_quarters(appraisal_quarters=batch, today=TODAY)
            counts.append(len(queries))
    assert first_runs[0] == first_runs[1] <= 12
    assert reruns[0] == reruns[1] <= 12
    assert QuarterResult.objects.filter(appraisal_quarter=quarters[2]).count() == 4


def test_a_persons_sources_count_only_in_their_quarters_organisation(organisation, other_organisation, leader):
    """Service events filed under another organisation (before a transfer) are that organisation's,
    even when both organisations are rolled up in the same statement."""
    mine = _quarter_with_staff(organisation, leader, 1)
    theirs = _quarter_with_staff(other_organisation, None, 1)
    person = mine.grades.get().person
    for day in (2, 3, 4):
        ServiceEventFactory(person=person, organisation=other_organisation, date=date(2026, 8, day))

    rollup_quarters(appraisal_quarters=[mine, theirs], today=TODAY)

    result = QuarterResult.objects.get(appraisal_quarter=mine, person=person)
    assert (result.praise_count, result.target_items, result.target_items_done) == (1, 2, 1)
    assert not QuarterResult.objects.filter(appraisal_quarter=theirs, person=person).exists()


def test_each_organisations_policy_decides_its_months_due(organisation, other_organisation, leader):
    """On 7 October September's summary is due in an organisation whose deadline is the 5th, not
    in one whose deadline is the 10th; rolled up together, each keeps its own count."""
    early = _quarter_with_staff(organisation, leader, 1)
    late = _quarter_with_staff(other_organisation, None, 1)
    Policy.objects.update_or_create(organisation=organisation, defaults={"summary_deadline_day": 5})
    Policy.objects.update_or_create(organisation=other_organisation, defaults={"summary_deadline_day": 10})
    for quarter in (early, late):
        MonthlySummaryFactory(owner=quarter.grades.get().person, month=8, status=ReviewStatus.APPROVED)

    stats = rollup_quarters(appraisal_quarters=[early, late], today=date(2026, 10, 7))

    assert (stats[early.pk].months_due, stats[late.pk].months_due) == (3, 2)
    assert QuarterResult.objects.get(appraisal_quarter=early).summaries_missing == 1
    assert QuarterResult.objects.get(appraisal_quarter=late).summaries_missing == 0


def test_no_quarters_roll_up_nothing(db):
    assert rollup_quarters(appraisal_quarters=[], today=TODAY) == {}


def test_a_department_whose_people_left_the_quarter_loses_its_stats_and_results_and_only_it(
    organisation, other_organisation, leader
):
    emptied = _quarter_with_staff(organisation, leader, 2)
    kept = _quarter_with_staff(other_organisation, None, 2)
    rollup_quarters(appraisal_quarters=[emptied, kept], today=TODAY)
    before = _rows([kept])
    emptied.grades.all().delete()

    stats = rollup_quarters(appraisal_quarters=[emptied, kept], today=TODAY)

    assert (stats[emptied.pk].people, stats[emptied.pk].departments) == (0, 0)
    assert not QuarterResult.objects.filter(appraisal_quarter=emptied).exists()
    assert not DepartmentQuarterStats.objects.filter(appraisal_quarter=emptied).exists()
    assert (stats[kept.pk].people, stats[kept.pk].departments) == (2, 1)
    assert _rows([kept]) == before
