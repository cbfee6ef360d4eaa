"""The demo year in progress (appraisal_site/demo/year.py): every inbox has work, demo_staff's own loop is left open."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts import periods
from accounts.models import Department, User
from accounts.selectors import evaluator_of, policy_for_organisation
from accounts.workflow import ReviewStatus
from appraisal_site.demo import demo_as_of
from appraisal_site.demo.organisation import build_demo_organisation
from appraisal_site.demo.year import build_demo_year
from summaries.models import MonthlySummary, SummaryProgress
from summaries.selectors import summaries_awaiting_review
from targets.models import Completion, DepartmentGoal, TargetItem, TargetSet, TargetSetRevision
from targets.selectors import target_sets_awaiting_review
from tests.support.shared_rows import shared_rows

# The demo story is the same on every database: run once, on SQLite (make test-postgres skips it).
pytestmark = pytest.mark.one_database

CHINA = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 23)  # Q4 under way; January–October are past months
START_OF_TODAY = datetime(2026, 11, 23, tzinfo=CHINA)


@pytest.fixture(scope="class")
def demo_year(django_db_setup, django_db_blocker):
    # Built once for the class: its tests only read it.
    with shared_rows(django_db_blocker):
        organisation = build_demo_organisation(staff=30, seed=7)
        yield build_demo_year(organisation, year=2026, seed=7, today=TODAY)


def _user(username):
    return User.objects.get(username=username)


@pytest.mark.django_db
class TestTheYearAsOfNovember:
    """Thirty people's year as of 23 November 2026, built once for these tests."""

    def test_demo_head_has_target_sets_and_summaries_of_his_staff_waiting(self, demo_year):
        head = _user("demo_head")
        waiting_sets = list(target_sets_awaiting_review(reviewer=head))
        assert len(waiting_sets) >= 2
        assert {(s.year, s.quarter) for s in waiting_sets} == {(2026, 4)}
        assert all(s.owner.department.code == "JYCJ" and s.owner != head for s in waiting_sets)
        assert all(s.revisions.filter(outcome=ReviewStatus.SUBMITTED).exists() for s in waiting_sets)
        waiting_summaries = list(summaries_awaiting_review(reviewer=head))
        assert len(waiting_summaries) >= 2
        assert all(s.submitted_at is not None and s.reviewer is None for s in waiting_summaries)

    def test_demo_leader_has_heads_summaries_waiting(self, demo_year):
        waiting = list(summaries_awaiting_review(reviewer=_user("demo_leader")))
        assert waiting
        owners = {s.owner.username for s in waiting}
        assert "demo_head" in owners
        assert all(s.owner.department.head_id == s.owner_id for s in waiting)

    def test_demo_staff_current_quarter_and_month_are_left_to_write(self, demo_year):
        staff = _user("demo_staff")
        assert not TargetSet.objects.filter(owner=staff, year=2026, quarter=4).exists()
        assert not MonthlySummary.objects.filter(owner=staff, year=2026, month=11).exists()
        past_sets = TargetSet.objects.filter(owner=staff, year=2026).order_by("quarter")
        assert [(s.quarter, s.status) for s in past_sets] == [(q, ReviewStatus.APPROVED) for q in (1, 2, 3)]
        for target_set in past_sets:
            items = list(target_set.items.all())
            assert 3 <= len(items) <= 5
            assert all(item.completion in Completion.values and item.completion_note for item in items)
            assert target_set.reviewer == _user("demo_head")
        summaries = MonthlySummary.objects.filter(owner=staff, year=2026).order_by("month")
        assert [(s.month, s.status) for s in summaries] == [(m, ReviewStatus.APPROVED) for m in range(1, 11)]
        assert SummaryProgress.objects.filter(summary__owner=staff, summary__month=3).count() == (
            TargetItem.objects.filter(target_set__owner=staff, target_set__quarter=1).count()
        )

    def test_some_summaries_are_late_and_some_returned(self, demo_year):
        assert MonthlySummary.objects.filter(is_late=True, status=ReviewStatus.APPROVED).exists()
        returned = MonthlySummary.objects.filter(status=ReviewStatus.RETURNED)
        assert returned.exists()
        assert all(s.return_reason and s.reviewer_id for s in returned)
        # Targets returned once and approved at the second submission.
        twice = TargetSet.objects.filter(status=ReviewStatus.APPROVED, revisions__number=2).distinct()
        assert twice.exists()
        for target_set in twice:
            first, second = target_set.revisions.order_by("number")
            assert first.outcome == ReviewStatus.RETURNED and first.reason and first.decided_at <= second.submitted_at
            assert second.outcome == ReviewStatus.APPROVED and target_set.return_reason == ""

    def test_dates_follow_the_rules_and_nothing_happens_from_today_on(self, demo_year):
        policy = policy_for_organisation(organisation_id=_user("demo_head").organisation_id)
        for summary in MonthlySummary.objects.exclude(submitted_at=None):
            deadline = periods.summary_deadline(policy, summary.period)
            assert summary.is_late == (periods.today(summary.submitted_at) > deadline)
            assert summary.submitted_at < START_OF_TODAY
            assert summary.reviewed_at is None or summary.submitted_at < summary.reviewed_at < START_OF_TODAY
        for target_set in TargetSet.objects.exclude(submitted_at=None).prefetch_related("revisions"):
            first = min(target_set.revisions.all(), key=lambda r: r.number)
            late = periods.is_late(periods.target_deadline(policy, target_set.period), first.submitted_at)
            assert target_set.is_late == late
            assert target_set.reviewed_at is None or target_set.reviewed_at < START_OF_TODAY
        assert TargetSet.objects.filter(is_late=True).exists()
        # Reviewers are the owners' evaluators.
        for summary in MonthlySummary.objects.exclude(reviewer=None).select_related("owner__department")[:200]:
            assert summary.reviewer_id == evaluator_of(person=summary.owner).pk

    def test_current_quarter_mixes_statuses_and_past_quarters_are_approved(self, demo_year):
        assert set(TargetSet.objects.filter(quarter__lt=4).values_list("status", flat=True)) == {ReviewStatus.APPROVED}
        current = set(TargetSet.objects.filter(quarter=4).values_list("status", flat=True))
        assert {ReviewStatus.APPROVED, ReviewStatus.SUBMITTED, ReviewStatus.DRAFT} <= current
        assert not TargetItem.objects.filter(target_set__quarter=4).exclude(completion="").exists()
        assert not TargetItem.objects.filter(target_set__quarter__lt=4, completion="").exists()
        assert TargetItem.objects.filter(completion=Completion.PARTIAL).exists()
        # The current month: some drafts, nothing submitted.
        november = MonthlySummary.objects.filter(month=11)
        assert november.exists()
        assert set(november.values_list("status", flat=True)) == {ReviewStatus.DRAFT}

    def test_department_goals_and_item_links(self, demo_year):
        for department in Department.objects.filter(organisation__code="demo"):
            goals = DepartmentGoal.objects.filter(department=department, year=2026)
            assert 2 <= goals.filter(quarter=None).count() <= 3
            for quarter in (1, 2, 3, 4):
                assert 1 <= goals.filter(quarter=quarter).count() <= 2
        linked = TargetItem.objects.exclude(goal=None).select_related("goal", "target_set")
        assert linked.exists()
        for item in linked[:300]:
            assert item.goal.department_id == item.target_set.department_id
            assert item.goal.quarter in (None, item.target_set.quarter)

    def test_summaries_carry_progress_on_the_quarter_items(self, demo_year):
        summary = MonthlySummary.objects.filter(owner__username="demo_head", month=5).get()
        notes = list(summary.progress_notes.select_related("target_item__target_set"))
        assert notes and all(n.note and n.target_item.target_set.quarter == 2 for n in notes)
        assert summary.other_work and summary.problems and summary.next_month_plan


def _snapshot():
    return (
        list(
            TargetSet.objects.order_by("owner__username", "quarter").values_list(
                "owner__username", "quarter", "status", "submitted_at", "is_late", "reviewed_at", "return_reason"
            )
        ),
        list(
            TargetItem.objects.order_by("target_set__owner__username", "target_set__quarter", "sort_order").values_list(
                "target_set__owner__username", "content", "kind", "deadline", "weight", "goal__content", "completion"
            )
        ),
        list(
            TargetSetRevision.objects.order_by(
                "target_set__owner__username", "target_set__quarter", "number"
            ).values_list("target_set__owner__username", "outcome", "reason", "submitted_at", "decided_at")
        ),
        list(
            MonthlySummary.objects.order_by("owner__username", "month").values_list(
                "owner__username", "month", "status", "other_work", "problems", "submitted_at", "is_late"
            )
        ),
        list(
            SummaryProgress.objects.order_by("summary__owner__username", "summary__month", "sort_order").values_list(
                "summary__owner__username", "summary__month", "item_content", "note"
            )
        ),
    )


def _build(seed, **options):
    with transaction.atomic():
        organisation = build_demo_organisation(staff=8, seed=seed)
        build_demo_year(organisation, year=2026, seed=seed, today=TODAY, **options)
        snapshot = _snapshot()
        transaction.set_rollback(True)
    return snapshot


def test_the_year_is_deterministic_for_a_seed(db):
    first = _build(5)
    assert first[0] and first[3] and first[4]
    assert _build(5) == first
    assert _build(6) != first


def test_people_beyond_full_detail_get_lighter_data(db):
    organisation = build_demo_organisation(staff=30, seed=7)
    report = build_demo_year(organisation, year=2026, seed=7, today=TODAY, full_detail=10)
    assert (report.full_people, report.light_people) == (10, 20)
    light = User.objects.filter(department__isnull=False).order_by("pk")[10:]
    for person in light:
        assert set(TargetSet.objects.filter(owner=person).values_list("quarter", flat=True)) == {4}
        assert list(MonthlySummary.objects.filter(owner=person).values_list("month", flat=True)) == [10]
    assert not SummaryProgress.objects.filter(summary__owner__in=light).exists()
    # The inboxes still have work.
    assert summaries_awaiting_review(reviewer=_user("demo_head")).count() >= 2
    assert target_sets_awaiting_review(reviewer=_user("demo_head")).count() >= 2
    assert "20 more staff" in report.describe()


@pytest.mark.parametrize(
    ("year", "quarters", "months"),
    [(2025, [1, 2, 3, 4], list(range(1, 13))), (2027, [1], [1])],
)
def test_a_past_year_is_over_and_a_future_year_has_just_begun(db, year, quarters, months):
    assert demo_as_of(2026, TODAY) == TODAY
    organisation = build_demo_organisation(staff=20, seed=3, year=year)
    build_demo_year(organisation, year=year, seed=3, today=TODAY)
    head = _user("demo_head")
    assert sorted(set(TargetSet.objects.filter(owner=head).values_list("quarter", flat=True))) == quarters
    submitted = MonthlySummary.objects.filter(owner=head).exclude(submitted_at=None)
    assert sorted(submitted.values_list("month", flat=True)) == months
    assert summaries_awaiting_review(reviewer=head).exists()


def test_seed_demo_builds_the_year(db, settings, capsys):
    settings.DEBUG = True
    year = timezone.localdate().year
    call_command("seed_demo", "--staff", "10", "--seed", "3", "--year", str(year))
    output = capsys.readouterr().out
    assert f"Year {year} as of" in output and "monthly summaries" in output
    staff = _user("demo_staff")
    quarter = periods.Quarter.current().quarter
    assert not TargetSet.objects.filter(owner=staff, year=year, quarter=quarter).exists()
    assert not MonthlySummary.objects.filter(owner=staff, year=year, month=timezone.localdate().month).exists()
    assert TargetSet.objects.filter(year=year).exists()


def test_a_year_just_over_is_as_of_today_so_its_last_quarter_is_not_approved_in_the_future(db):
    """Seeded in the first days of January, the year before is not told as of 20 January: Q4 stays
    in grading (its deadline still to come) and nothing is dated after today."""
    from appraisal_site.demo.appraisals import build_demo_appraisals
    from evaluations.models import AppraisalQuarter

    early_january = date(2027, 1, 6)
    assert demo_as_of(2026, early_january) == early_january
    assert demo_as_of(2026, date(2027, 3, 1)) == date(2027, 1, 20)
    organisation = build_demo_organisation(staff=10, seed=3, year=2026)
    build_demo_year(organisation, year=2026, seed=3, today=early_january)
    report = build_demo_appraisals(organisation, year=2026, seed=3, today=early_january)
    assert (report.approved_quarters, report.open_quarter) == ([1, 2, 3], 4)
    q4 = AppraisalQuarter.objects.get(organisation=organisation, year=2026, quarter=4)
    assert q4.approved_at is None
    latest = MonthlySummary.objects.filter(organisation=organisation).exclude(submitted_at=None)
    assert timezone.localdate(latest.latest("submitted_at").submitted_at) < early_january
