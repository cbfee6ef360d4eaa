"""The quarterly roll-up: result rows, department stats, idempotency, set-based queries, the task,
the command, the HR pages and the demo's open quarter (its graded quarters: test_demo_discipline.py)."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import jobs
from accounts.models import Job, Organisation
from accounts.tasks import run_job
from accounts.workflow import ReviewStatus
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.organisation import build_demo_organisation
from appraisal_site.demo.year import build_demo_year
from evaluations.grading import tasks
from evaluations.grading.services import rollup as rollup_services
from evaluations.grading.services.grading import appraisal_quarter_open
from evaluations.grading.services.rollup import ROLLUP_QUARTER, quarters_due_for_rollup, rollup_quarter
from evaluations.models import (
    AppraisalQuarter,
    DepartmentQuarterStats,
    Grade,
    GradeState,
    QuarterGrade,
    QuarterResult,
    QuarterState,
)
from targets.models import Completion
from tests.evaluations.conftest import Q3_GRADING_DAY
from tests.factories import (
    DepartmentFactory,
    JobFactory,
    MonthlySummaryFactory,
    OrganisationFactory,
    ServiceEventFactory,
    TargetItemFactory,
    TargetSetFactory,
    UserFactory,
    save_fields,
)
from tests.support.cards import card_labels

TODAY = date(2026, 11, 23)  # Q3 is over and its grading deadline (15 October) has passed


def _targets(person, completions):
    target_set = TargetSetFactory(owner=person, quarter=3, status=ReviewStatus.APPROVED)
    for completion in completions:
        TargetItemFactory(target_set=target_set, completion=completion)


def _grade(quarter, person, grade, **extra):
    save_fields(
        QuarterGrade.objects.filter(appraisal_quarter=quarter, person=person),
        grade=grade,
        state=GradeState.CONFIRMED,
        **extra,
    )


@pytest.fixture
def q3(organisation, team, leader):
    return appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)


@pytest.fixture
def staff_quarter(q3, staff):
    """staff: 4 target items (3 done), July on time, August late, September only a draft,
    two praises and an unhandled complaint in the quarter, a praise in June (outside)."""
    _grade(q3, staff, Grade.FAIRLY_GOOD, composite_score=Decimal("86.50"))
    _targets(staff, [Completion.DONE, Completion.DONE, Completion.DONE, Completion.PARTIAL])
    MonthlySummaryFactory(owner=staff, month=7, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=staff, month=8, status=ReviewStatus.APPROVED, is_late=True)
    MonthlySummaryFactory(owner=staff, month=9)
    ServiceEventFactory(person=staff, date=date(2026, 7, 3), kind="praise")
    ServiceEventFactory(person=staff, date=date(2026, 9, 30), kind="praise")
    ServiceEventFactory(person=staff, date=date(2026, 8, 15), kind="complaint", handled=False)
    ServiceEventFactory(person=staff, date=date(2026, 6, 30), kind="praise")
    return q3


def _result(quarter, person):
    return QuarterResult.objects.get(appraisal_quarter=quarter, person=person)


# --- Rows --------------------------------------------------------------------------------


def test_a_result_row_has_the_grade_completion_rate_summaries_and_events(staff_quarter, staff):
    stats = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    row = _result(staff_quarter, staff)
    assert stats.people == 8
    assert (row.final_grade, row.composite_score) == (Grade.FAIRLY_GOOD, Decimal("86.50"))
    assert (row.target_items, row.target_items_done, row.completion_rate) == (4, 3, Decimal("75.00"))
    assert (row.summaries_on_time, row.summaries_late, row.summaries_missing) == (1, 1, 1)
    assert (row.praise_count, row.complaint_count) == (2, 1)
    assert row.flags == ["summary_missing", "late_summaries", "unhandled_complaint"]
    assert row.department_id == staff.department_id


def test_each_result_cell_carries_its_column_label_for_the_phone_cards(staff_quarter, staff, hr, client_for):
    """On a phone each person's result is a labelled card (static/css/app.css .table-cards): eight
    columns squeezed into 390 px put one character of a name per line."""
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    html = client_for(hr).get(reverse("evaluations:rollup_results", args=[staff_quarter.pk])).content.decode()
    labels = card_labels(html, r'<tr data-testid="person-result">')
    assert labels == ["科室", "姓名", "等次", "综合得分", "目标完成率", "月小结 按时/迟交/未交", "表扬/投诉", "提示"]


def test_the_department_statistics_scroll_sideways_in_a_named_region_the_keyboard_reaches(
    staff_quarter, hr, client_for
):
    """Nine figures a department, side by side to compare (as the grading page's distribution): on a
    phone the box scrolls, so it takes the focus (tabindex) and is named by its heading."""
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    html = client_for(hr).get(reverse("evaluations:rollup_results", args=[staff_quarter.pk])).content.decode()
    region, table = re.search(
        r'<div ([^>]*)>\s*<table class="([^"]*)" data-testid="department-stats-table">', html
    ).groups()
    assert {'class="table-responsive"', 'tabindex="0"', 'role="region"'} <= set(region.split())
    assert 'aria-labelledby="department-stats-heading"' in region
    assert re.search(r'<h2 [^>]*id="department-stats-heading"[^>]*>科室统计</h2>', html)
    assert "text-nowrap" in table.split()


def test_a_returned_summary_counts_as_missing_and_a_handled_complaint_is_not_flagged(q3, staff):
    _grade(q3, staff, Grade.GOOD)
    _targets(staff, [Completion.DONE])
    for month in (7, 8):
        MonthlySummaryFactory(owner=staff, month=month, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=staff, month=9, status=ReviewStatus.RETURNED)
    ServiceEventFactory(person=staff, date=date(2026, 8, 1), kind="complaint", handled=True)
    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    row = _result(q3, staff)
    assert (row.summaries_on_time, row.summaries_missing, row.complaint_count) == (2, 1, 1)
    assert row.completion_rate == Decimal("100.00")
    assert row.flags == ["summary_missing"]


def test_an_ungraded_person_without_targets_or_summaries_is_flagged(q3, colleague):
    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    row = _result(q3, colleague)
    assert row.final_grade == ""
    assert (row.target_items, row.completion_rate) == (0, None)
    assert row.summaries_missing == 3
    assert row.flags == ["not_graded", "no_targets", "summary_missing"]


def test_months_whose_deadline_has_not_come_are_not_counted_missing(organisation, team, staff):
    q4 = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    stats = rollup_quarter(appraisal_quarter=q4, today=TODAY)  # October due on 5 November; not Nov, Dec
    assert stats.months_due == 1
    assert _result(q4, staff).summaries_missing == 1


def test_months_before_the_organisation_began_in_the_system_are_not_counted_missing(organisation, team, staff):
    """An agency that went live on 20 August: the roll-up of Q3 on 23 November counts August and
    September, not July, which ended before the start; a quarter wholly before it is not opened."""
    from django.core.exceptions import ValidationError

    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 8, 20))
    q3 = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    assert rollup_quarter(appraisal_quarter=q3, today=TODAY).months_due == 2
    assert _result(q3, staff).summaries_missing == 2
    with pytest.raises(ValidationError, match="系统启用日期"):
        appraisal_quarter_open(organisation=organisation, year=2026, quarter=2, today=Q3_GRADING_DAY)


def test_department_stats_count_grades_participants_and_on_time_rate(q3, team, head, staff, colleague, department):
    grades = [Grade.GOOD, Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR, Grade.UNCERTAIN]
    for person, grade in zip(team, grades, strict=False):  # team[6] stays ungraded, and the head
        _grade(q3, person, grade, uncertain_reason="long_leave" if grade == Grade.UNCERTAIN else "")
    MonthlySummaryFactory(owner=staff, month=7, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=staff, month=8, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=colleague, month=7, status=ReviewStatus.APPROVED, is_late=True)
    other = DepartmentFactory(organisation=q3.organisation, supervising_leader=head.department.supervising_leader)
    outsider_in_org = UserFactory(department=other)
    appraisal_quarter_open(organisation=q3.organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)

    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    stats = DepartmentQuarterStats.objects.get(appraisal_quarter=q3, department=department)
    assert (stats.good, stats.fairly_good, stats.average, stats.poor, stats.uncertain) == (2, 1, 1, 1, 1)
    assert stats.ungraded == 2
    assert stats.participants == 7  # 8 people less the one 不确定等次
    assert stats.summaries_on_time_rate == Decimal("8.33")  # 2 on time of 8 people × 3 months
    other_stats = DepartmentQuarterStats.objects.get(appraisal_quarter=q3, department=other)
    assert (other_stats.participants, other_stats.ungraded, other_stats.summaries_on_time_rate) == (1, 1, Decimal(0))
    assert _result(q3, outsider_in_org).department_id == other.pk


def test_running_twice_gives_the_same_rows_and_follows_changes(staff_quarter, staff):
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    first = list(QuarterResult.objects.order_by("person_id").values("pk", "person_id", "final_grade", "flags"))
    first_stats = list(DepartmentQuarterStats.objects.values("pk", "good", "fairly_good", "ungraded"))
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    assert list(QuarterResult.objects.order_by("person_id").values("pk", "person_id", "final_grade", "flags")) == first
    assert list(DepartmentQuarterStats.objects.values("pk", "good", "fairly_good", "ungraded")) == first_stats
    assert QuarterResult.objects.count() == 8

    _grade(staff_quarter, staff, Grade.GOOD)
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    assert _result(staff_quarter, staff).final_grade == Grade.GOOD
    assert QuarterResult.objects.count() == 8
    staff_quarter.refresh_from_db()
    assert staff_quarter.rolled_up_at is not None


def test_a_rerun_over_unchanged_sources_rewrites_no_row_and_a_change_rewrites_only_its_row(
    staff_quarter, staff, colleague
):
    first = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    assert (first.people, first.rewritten) == (8, 8)
    computed = dict(QuarterResult.objects.values_list("person_id", "computed_at"))
    stats_computed = list(DepartmentQuarterStats.objects.values_list("computed_at", flat=True))

    again = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    assert (again.people, again.departments, again.rewritten) == (8, first.departments, 0)
    assert dict(QuarterResult.objects.values_list("person_id", "computed_at")) == computed
    assert list(DepartmentQuarterStats.objects.values_list("computed_at", flat=True)) == stats_computed

    _grade(staff_quarter, staff, Grade.GOOD)
    changed = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    assert changed.rewritten == 1
    assert _result(staff_quarter, staff).computed_at == changed.computed_at
    assert _result(staff_quarter, colleague).computed_at == computed[colleague.pk]
    assert DepartmentQuarterStats.objects.get(department=staff.department).computed_at == changed.computed_at


# A stored figure that differs from the sources, column by column (NULL on either side included):
# the rerun's comparison before the upsert must see each one, or the row would never be corrected.
@pytest.mark.parametrize(
    ("person", "column", "stored"),
    [
        ("staff", "final_grade", Grade.POOR),
        ("staff", "composite_score", Decimal("12.00")),
        ("staff", "composite_score", None),
        ("staff", "completion_rate", None),
        ("colleague", "completion_rate", Decimal("50.00")),
        ("staff", "summaries_missing", 0),
        ("staff", "praise_count", 7),
        ("staff", "flags", []),
        ("staff", "department", "other_department"),
    ],
)
def test_a_rerun_rewrites_a_stored_row_whose_figure_differs_from_its_sources(
    request, staff_quarter, staff, colleague, person, column, stored
):
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    person = request.getfixturevalue(person)
    expected = list(QuarterResult.objects.order_by("person_id").values())
    if column == "department":
        stored = request.getfixturevalue(stored)
    save_fields(QuarterResult.objects.filter(appraisal_quarter=staff_quarter, person=person), **{column: stored})

    again = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)

    assert again.rewritten == 1
    rows = list(QuarterResult.objects.order_by("person_id").values())
    assert [{**row, "computed_at": None} for row in rows] == [{**row, "computed_at": None} for row in expected]


@pytest.mark.postgres
def test_a_rerun_over_unchanged_sources_does_not_even_lock_a_result_row(staff_quarter, staff):
    """The unchanged rows are left out before the upsert, so its ON CONFLICT never meets them: on
    PostgreSQL a DO UPDATE whose WHERE is false still locks the row it met (the row's xmax names
    the locker), which at 100 000 people was about 3 s of a rerun writing nothing."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are PostgreSQL's")

    def versions():
        with connection.cursor() as cursor:
            cursor.execute("SELECT person_id, ctid::text, xmax::text FROM evaluations_quarterresult ORDER BY person_id")
            return {person: (ctid, xmax) for person, ctid, xmax in cursor.fetchall()}

    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    before = versions()
    assert {xmax for _, xmax in before.values()} == {"0"}

    assert rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY).rewritten == 0
    assert versions() == before

    _grade(staff_quarter, staff, Grade.GOOD)
    assert rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY).rewritten == 1
    after = versions()
    assert after[staff.pk][0] != before[staff.pk][0]
    assert {person: version for person, version in after.items() if person != staff.pk} == {
        person: version for person, version in before.items() if person != staff.pk
    }


def test_a_result_does_not_outlive_its_grade_row(staff_quarter, staff, colleague):
    rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    QuarterGrade.objects.filter(appraisal_quarter=staff_quarter, person=staff).delete()
    stats = rollup_quarter(appraisal_quarter=staff_quarter, today=TODAY)
    assert stats.people == 7
    assert not QuarterResult.objects.filter(appraisal_quarter=staff_quarter, person=staff).exists()
    assert QuarterResult.objects.filter(appraisal_quarter=staff_quarter, person=colleague).exists()


def _quarter_with_staff(organisation, leader, n):
    department = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    people = [UserFactory(department=department) for _ in range(n)]
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    for person in people:
        _targets(person, [Completion.DONE, Completion.NOT_DONE])
        MonthlySummaryFactory(owner=person, month=7, status=ReviewStatus.APPROVED)
        ServiceEventFactory(person=person, date=date(2026, 8, 1))
    save_fields(QuarterGrade.objects.filter(appraisal_quarter=quarter), grade=Grade.FAIRLY_GOOD)
    return quarter


def test_the_number_of_queries_does_not_grow_with_the_staff(
    organisation, other_organisation, leader, django_assert_max_num_queries
):
    small = _quarter_with_staff(organisation, leader, 5)
    large = _quarter_with_staff(other_organisation, None, 50)
    counts = []
    for quarter in (small, large):
        with django_assert_max_num_queries(16), CaptureQueriesContext(connection) as queries:
            rollup_quarter(appraisal_quarter=quarter, today=TODAY)
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert QuarterResult.objects.filter(appraisal_quarter=large).count() == 50


# --- Task, command, schedule ---------------------------------------------------------------


def rollup_job(appraisal_quarter, **fields):
    return Job.objects.create(
        kind=ROLLUP_QUARTER,
        organisation=appraisal_quarter.organisation,
        params={"appraisal_quarter": appraisal_quarter.pk},
        **fields,
    )


def test_a_requested_roll_up_job_reaches_100_and_done_and_is_not_run_twice(staff_quarter, hr):
    job = rollup_job(staff_quarter, requested_by=hr)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.progress, job.attempts) == (Job.State.DONE, 100, 1)
    assert "8人" in job.message and job.started_at and job.finished_at
    assert (job.summary["people"], job.summary["departments"]) == (8, 1)
    assert jobs.job_run(job.pk) is None  # redelivered: already done, not claimed again
    assert QuarterResult.objects.filter(appraisal_quarter=staff_quarter).count() == 8


def test_the_scheduled_task_records_its_run_as_a_roll_up_job(staff_quarter, organisation):
    result = tasks.rollup_quarter.delay(organisation.pk, 2026, 3).get()
    job = Job.objects.get()
    assert (result["state"], result["job"], result["people"], result["departments"]) == ("done", job.pk, 8, 1)
    assert (job.kind, job.requested_by, job.progress) == (ROLLUP_QUARTER, None, 100)
    # A message queued before the roll-up's own job table went still rolls the quarter up.
    assert tasks.rollup_quarter.apply(args=(organisation.pk, 2026, 3), kwargs={"job_id": 41}).get()["state"] == "done"
    assert tasks.rollup_quarter.apply(args=(organisation.pk, 2025, 3)).get() == {"state": "missing"}


def test_a_failing_roll_up_is_retried_then_failed_with_the_error_shown(
    staff_quarter, organisation, hr, client_for, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(rollup_services, "rollup_quarter", broken)
    job = rollup_job(staff_quarter, requested_by=hr)
    jobs.job_run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == (Job.State.PENDING, 1)  # left for the sweeper's retry
    client = client_for(hr)
    assert "自动重试" in client.get(reverse("evaluations:rollup")).content.decode()
    for _attempt in range(jobs.MAX_ATTEMPTS - 1):
        jobs.job_run(job.pk)
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and "磁盘已满" in job.error
    html = client.get(reverse("evaluations:rollup")).content.decode()
    assert "失败" in html and "磁盘已满" in html
    data = client.get(reverse("evaluations:rollup_job", args=[job.pk])).json()
    assert (data["state"], data["finished"]) == ("failed", True) and "磁盘已满" in data["error"]


def test_the_command_rolls_up_without_a_broker(staff_quarter, staff, capsys):
    call_command("rollup_quarter", "2026", "3", "--organisation", "testorg")
    assert "8 people" in capsys.readouterr().out
    assert _result(staff_quarter, staff).target_items == 4
    assert Job.objects.get(kind=ROLLUP_QUARTER).state == Job.State.DONE


def test_the_command_covers_every_organisation_and_refuses_an_unknown_one(staff_quarter, outsider, capsys):
    call_command("rollup_quarter", "2026", "3")
    out = capsys.readouterr().out
    assert "testorg: 2026 Q3 rolled up" in out and "otherorg: 2026 Q3 has not been opened" in out
    with pytest.raises(CommandError):
        call_command("rollup_quarter", "2026", "3", "--organisation", "nope")


def test_the_just_ended_quarter_is_due_after_its_grading_deadline_and_after_each_change(q3, organisation, staff):
    assert quarters_due_for_rollup(organisation=organisation, today=date(2026, 10, 15)) == []
    assert quarters_due_for_rollup(organisation=organisation, today=date(2026, 10, 16)) == [q3]
    tasks.rollup_due_quarters.apply()  # uses the real date; roll up explicitly below
    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    assert quarters_due_for_rollup(organisation=organisation, today=date(2026, 10, 16)) == []
    save_fields(
        QuarterGrade.objects.filter(appraisal_quarter=q3, person=staff),
        grade=Grade.GOOD,
        graded_at=q3.rolled_up_at + timedelta(minutes=1),
    )
    assert quarters_due_for_rollup(organisation=organisation, today=date(2026, 10, 16)) == [q3]


def test_the_daily_task_fans_out_one_roll_up_job_per_organisation(
    q3, organisation, other_organisation, settings, django_capture_on_commit_callbacks
):
    other = _quarter_with_staff(other_organisation, None, 3)
    settings.APPRAISAL_TODAY = date(2026, 10, 16)
    with django_capture_on_commit_callbacks(execute=True):
        result = tasks.rollup_due_quarters.apply().get()
    assert sorted(result["rolled_up"]) == sorted([q3.pk, other.pk])
    requested = Job.objects.filter(kind=ROLLUP_QUARTER).order_by("organisation_id")
    assert [job.organisation_id for job in requested] == sorted([organisation.pk, other_organisation.pk])
    assert sorted(result["jobs"]) == sorted(job.pk for job in requested)
    assert {job.state for job in requested} == {Job.State.DONE}  # no broker: each ran on commit
    assert QuarterResult.objects.filter(appraisal_quarter=other).count() == 3
    assert quarters_due_for_rollup(organisation=other_organisation, today=date(2026, 10, 16)) == []


def test_the_daily_task_finds_every_organisations_due_quarter_in_as_many_queries_for_one_as_for_four(
    q3, organisation, settings
):
    """Set-based: the due quarters of a province are found in a fixed number of queries (not two
    per organisation), and an organisation no longer active is left out."""
    settings.APPRAISAL_TODAY = date(2026, 10, 16)
    others = [OrganisationFactory() for _ in range(4)]
    due = {other.pk: _quarter_with_staff(other, None, 1).pk for other in others}
    counts = []
    for active in ([], others[:3]):
        Organisation.objects.filter(pk__in=due).update(is_active=False)
        Organisation.objects.filter(pk__in=[other.pk for other in active]).update(is_active=True)
        Job.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            result = tasks.rollup_due_quarters.apply().get()
        counts.append(len(queries))
        assert sorted(result["rolled_up"]) == sorted([q3.pk, *(due[other.pk] for other in active)])
    assert counts[0] == counts[1]


def test_beat_runs_the_roll_up_daily():
    entries = [
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "evaluations.tasks.rollup_due_quarters"
    ]
    assert len(entries) == 1


# --- Pages ------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff", "head", "leader", "chief"])
def test_only_hr_sees_the_roll_up_pages(request, q3, hr, client_for, who):
    job = rollup_job(q3, requested_by=hr)
    client = client_for(request.getfixturevalue(who))
    assert client.get(reverse("evaluations:rollup")).status_code == 403
    assert client.get(reverse("evaluations:rollup_results", args=[q3.pk])).status_code == 403
    assert client.get(reverse("evaluations:rollup_job", args=[job.pk])).status_code == 403
    assert client.post(reverse("evaluations:rollup_run", args=[q3.pk])).status_code == 403
    assert client.get(reverse("accounts:job_status", args=[job.pk])).status_code == 404
    assert not Job.objects.exclude(pk=job.pk).exists()


def test_another_organisations_quarter_and_job_are_not_found(outsider, other_organisation, hr, client_for):
    theirs = appraisal_quarter_open(organisation=other_organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    job = rollup_job(theirs)
    client = client_for(hr)
    assert client.get(reverse("evaluations:rollup_results", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("evaluations:rollup_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("accounts:job_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("evaluations:rollup_run", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("evaluations:rollup")).context["quarters"] == []


def test_the_roll_up_job_url_serves_only_roll_up_jobs(q3, hr, client_for):
    other_kind = JobFactory(kind="evaluations.rollup_year", requested_by=hr)
    assert client_for(hr).get(reverse("evaluations:rollup_job", args=[other_kind.pk])).status_code == 404


def test_hr_runs_a_roll_up_from_the_page(staff_quarter, hr, client_for, django_capture_on_commit_callbacks):
    client = client_for(hr)
    page = client.get(reverse("evaluations:rollup"))
    assert "运行汇总" in page.content.decode() and "尚未汇总" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("evaluations:rollup_run", args=[staff_quarter.pk]), follow=True)
    assert len(callbacks) == 1
    job = Job.objects.get()
    assert (job.kind, job.state, job.progress, job.requested_by) == (ROLLUP_QUARTER, Job.State.DONE, 100, hr)
    assert "已提交汇总任务" in response.content.decode()
    html = client.get(reverse("evaluations:rollup")).content.decode()
    assert "已汇总8人" in html and "已完成" in html
    assert f'data-job-status-url="{reverse("evaluations:rollup_job", args=[job.pk])}"' in html
    assert "js/jobs.js" in html and "<script>" not in html


def test_the_page_shows_each_quarters_latest_job(q3, organisation, hr, client_for):
    rollup_job(q3, requested_by=hr, state=Job.State.DONE, progress=100, message="旧的一次")
    latest = rollup_job(q3, requested_by=hr, state=Job.State.RUNNING, progress=60)
    q4 = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    rows = {row.pk: row for row in client_for(hr).get(reverse("evaluations:rollup")).context["quarters"]}
    assert (rows[q3.pk].job_id, rows[q3.pk].job_progress, rows[q3.pk].job_active) == (latest.pk, 60, True)
    assert rows[q4.pk].job_id is None


def test_a_failed_enqueue_leaves_the_job_pending_and_says_so(
    q3, hr, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(run_job, "apply_async", unreachable)
    client = client_for(hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("evaluations:rollup_run", args=[q3.pk]))
    job = Job.objects.get()
    assert (job.state, job.enqueued_at) == (Job.State.PENDING, None)
    assert "未能提交到任务队列" in job.message
    html = client.get(reverse("evaluations:rollup")).content.decode()
    assert "排队中" in html and "未能提交到任务队列" in html


def test_the_job_url_returns_the_background_jobs_status(q3, hr, client_for):
    job = rollup_job(q3, requested_by=hr, state=Job.State.RUNNING, progress=40)
    data = client_for(hr).get(reverse("evaluations:rollup_job", args=[job.pk])).json()
    assert data == client_for(hr).get(reverse("accounts:job_status", args=[job.pk])).json()
    assert {k: data[k] for k in ("id", "state", "state_label", "progress", "message", "finished")} == {
        "id": job.pk,
        "state": "running",
        "state_label": "进行中",
        "progress": 40,
        "message": "",
        "finished": False,
    }


def test_the_results_page_is_paginated_with_bounded_queries(
    organisation, leader, hr, client_for, django_assert_max_num_queries
):
    quarter = _quarter_with_staff(organisation, leader, 60)
    rollup_quarter(appraisal_quarter=quarter, today=TODAY)
    client = client_for(hr)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("evaluations:rollup_results", args=[quarter.pk]))
    assert len(response.context["page"]) == 50
    assert response.context["page"].paginator.count == 60
    assert "50.00%" in response.content.decode()
    second = client.get(reverse("evaluations:rollup_results", args=[quarter.pk]) + "?page=2")
    assert len(second.context["page"]) == 10


# --- Demo --------------------------------------------------------------------------------------


@pytest.mark.one_database
def test_the_demo_leaves_the_last_quarter_open_while_its_grading_period_runs(db):
    organisation = build_demo_organisation(staff=12, seed=7)
    build_demo_year(organisation, year=2026, seed=7, today=date(2026, 10, 9))
    report = build_demo_appraisals(organisation, year=2026, seed=7, today=date(2026, 10, 9))
    assert report.approved_quarters == [1, 2] and report.open_quarter == 3
    q3 = AppraisalQuarter.objects.get(organisation=organisation, year=2026, quarter=3)
    assert q3.state == QuarterState.OPEN
    assert set(q3.grades.values_list("state", flat=True)) == {GradeState.PENDING}
    staff_row = q3.grades.get(person__username="demo_staff")
    head_row = q3.grades.get(person__username="demo_head")
    assert staff_row.department.head.username == "demo_head"
    assert head_row.department.supervising_leader.username == "demo_leader"


def test_the_department_figures_add_up_and_an_open_quarter_is_said_to_be_provisional(q3, staff, hr, client_for):
    """A user adds the grade columns and compares them with the number of people: 不确定等次 is a
    column of its own, so it is counted in (the quota's participants leave it out, as a note says)."""
    _grade(q3, staff, Grade.UNCERTAIN, uncertain_reason="other")
    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    page = client_for(hr).get(reverse("evaluations:rollup_results", args=[q3.pk]))
    html = page.content.decode()
    stats = next(s for s in page.context["department_stats"] if s.department_id == staff.department_id)
    cells = [int(c) for c in re.findall(r"<td>(\d+)</td>", html.split('data-testid="department-stats">')[1])[:7]]
    assert cells[0] == stats.participants + 1 == sum(cells[1:7])
    assert 'data-testid="provisional"' in html
    q3.state = QuarterState.APPROVED
    q3.save(update_fields=["state"])
    assert 'data-testid="provisional"' not in client_for(hr).get(page.wsgi_request.path).content.decode()


def test_months_before_a_newcomer_began_are_not_counted_missing_nor_flagged(organisation, team, staff):
    """A user test: twelve people added on 5 December counted missing October and November in the
    roll-up, and so in the year workbook and the bureau's figures."""
    newcomer = UserFactory(department=staff.department, full_name="张三", appraisal_start=date(2026, 12, 5))
    q4 = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4, today=date(2027, 1, 6))
    MonthlySummaryFactory(owner=newcomer, year=2026, month=12, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=12, submitted=True)

    stats = rollup_quarter(appraisal_quarter=q4, today=date(2027, 1, 20))  # all three months past their deadline

    assert stats.months_due == 3
    assert _result(q4, newcomer).summaries_missing == 0
    assert "summary_missing" not in _result(q4, newcomer).flags
    assert _result(q4, staff).summaries_missing == 2
    # Moved earlier by HR, October and November are his to hand in again.
    newcomer.appraisal_start = date(2026, 10, 1)
    newcomer.save()
    rollup_quarter(appraisal_quarter=q4, today=date(2027, 1, 20))
    assert _result(q4, newcomer).summaries_missing == 2


def test_an_open_quarter_rolled_up_early_shows_its_grading_progress_on_the_quarters_page(
    q3, team, staff, hr, client_for, settings
):
    """A user test: Q4 rolled up before grading, then graded and confirmed by everyone, read 0/62
    on the quarters page until it was approved (the early roll-up's statistics stood in)."""
    settings.APPRAISAL_TODAY = TODAY.isoformat()
    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    from evaluations.grading.services.grading import grade_assign

    grade_assign(
        grade_row=QuarterGrade.objects.get(appraisal_quarter=q3, person=staff),
        grade=Grade.FAIRLY_GOOD,
        comment="评语",
        actor=staff.department.head,
    )

    page = client_for(hr).get(reverse("evaluations:quarters")).content.decode()

    people = QuarterGrade.objects.filter(appraisal_quarter=q3).count()
    assert f"<td>1/{people}</td>" in page


def test_a_roll_up_run_in_chinese_says_its_outcome_in_english_to_an_english_reader(
    staff_quarter, hr, client_for, django_capture_on_commit_callbacks
):
    """A user test read "Completed 已汇总60人、8个科室。": the message is stored as the run wrote it
    (a worker's, in Chinese); the page says it from the job's numbers in the reader's language."""
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hr).post(reverse("evaluations:rollup_run", args=[staff_quarter.pk]))
    job = Job.objects.get()
    assert job.message.startswith("已汇总8人")
    client = client_for(hr)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = client.get(reverse("evaluations:rollup")).content.decode()
    status = client.get(reverse("evaluations:rollup_job", args=[job.pk])).json()

    assert "Rolled up 8 staff and" in html and "已汇总" not in html
    assert status["message"].startswith("Rolled up 8 staff and")
    assert "Rolled up 8 staff and" in client.get(reverse("accounts:job_detail", args=[job.pk])).content.decode()
