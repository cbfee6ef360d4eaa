"""The demo's inspections, veto flags, sanction, previous years and year-end suggestions
(appraisal_site.demo.discipline), built on the demo as of 23 November 2026; and the quarters the demo graded,
approved and rolled up (appraisal_site.demo.appraisals), read from the same build; and the feedback talks
(appraisal_site.demo.feedback) recorded on it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import StaffStatus, StaffStatusKind, User
from accounts.periods import CHINA_TZ
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.discipline import build_demo_discipline
from appraisal_site.demo.feedback import build_demo_feedback
from appraisal_site.demo.organisation import build_demo_organisation
from appraisal_site.demo.year import build_demo_year
from evaluations.annual.services import annual_use_lists, excellent_quota
from evaluations.grading.services import quota
from evaluations.models import (
    AnnualGrade,
    AnnualResult,
    AppraisalQuarter,
    ComplianceAlert,
    Finding,
    Grade,
    GradeState,
    Inspection,
    QuarterGrade,
    QuarterState,
    Sanction,
    SanctionKind,
    Severity,
    VetoFlag,
)
from publicity.feedback import selectors as feedback_selectors
from publicity.feedback.models import FeedbackTalk
from tests.support.shared_rows import shared_rows

TODAY = date(2026, 11, 23)  # January–October are past months; Q1–Q3 graded and approved
YEAR = 2026


pytestmark = [pytest.mark.django_db, pytest.mark.one_database]


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    # Built once for the module (the demo takes long to build): the tests only read it.
    with shared_rows(django_db_blocker):
        organisation = build_demo_organisation(staff=24, seed=7)
        build_demo_year(organisation, year=YEAR, seed=7, today=TODAY)
        appraisals = build_demo_appraisals(organisation, year=YEAR, seed=7, today=TODAY)
        discipline = build_demo_discipline(organisation, year=YEAR, seed=7, today=TODAY)
        yield organisation, appraisals, discipline


@pytest.fixture(scope="module")
def demo(built):
    """The organisation and the discipline builder's report."""
    organisation, _appraisals, discipline = built
    return organisation, discipline


@pytest.fixture(scope="module")
def quarters(built):
    """The organisation and the appraisals builder's report."""
    organisation, appraisals, _discipline = built
    return organisation, appraisals


def test_about_two_inspections_a_month_and_one_short_month_with_its_alert(demo):
    organisation, report = demo
    inspector = User.objects.get(username="demo_inspector")
    inspections = Inspection.objects.filter(organisation=organisation)
    assert inspections.count() == report.inspections
    assert set(inspections.values_list("inspector", flat=True)) == {inspector.pk}
    assert all(day < TODAY and day.year == YEAR for day in inspections.values_list("date", flat=True))
    assert len(set(inspections.values_list("kind", flat=True))) >= 3
    assert not inspections.filter(departments__isnull=True).exists()
    assert not inspections.filter(note="").exists()
    per_month = {month: inspections.filter(date__month=month).count() for month in range(1, 11)}
    short = [month for month, count in per_month.items() if count < 2]
    assert len(short) == 1 and per_month[short[0]] == 1
    assert not inspections.filter(date__month__in=[11, 12]).exists()

    alerts = ComplianceAlert.objects.filter(organisation=organisation)
    assert list(alerts.values_list("year", "month", "inspections", "required", "resolved_at")) == [
        (YEAR, short[0], 1, 2, None)
    ]
    assert report.short_months == short


def test_findings_about_people_lie_in_the_inspected_departments(demo):
    organisation, _report = demo
    findings = Finding.objects.filter(inspection__organisation=organisation).select_related("person")
    assert findings.filter(severity__in=[Severity.MINOR, Severity.MODERATE]).count() >= 3
    assert findings.filter(severity=Severity.SERIOUS).count() == 1
    for finding in findings:
        covered = set(finding.inspection.departments.values_list("pk", flat=True))
        assert (finding.person.department_id if finding.person else finding.department_id) in covered
        assert finding.description and finding.evidence


def test_the_serious_finding_raises_a_veto_flag_and_costs_the_person_excellent(demo):
    organisation, report = demo
    serious = Finding.objects.get(inspection__organisation=organisation, severity=Severity.SERIOUS)
    person = serious.person
    assert person is not None and person.username != "demo_staff"
    assert report.veto_person == person.full_name
    flag = VetoFlag.objects.get(finding=serious)
    assert (flag.person, flag.year, flag.is_active) == (person, YEAR, True)

    result = AnnualResult.objects.get(person=person, year=YEAR)
    assert result.suggested_grade != AnnualGrade.EXCELLENT and not result.eligible_excellent
    assert f"存在一票否决事项：{flag.reason}" in result.suggestion_reasons
    assert any("有一票否决事项" in reason for reason in result.suggestion_reasons)
    # Without the veto their quarters would have made them 优秀: the veto is what decided it.
    assert result.good_quarters * 2 > result.graded_quarters and result.average_or_below_quarters == 0


def test_one_warning_is_recorded_by_hr_for_another_person_with_its_flag(demo):
    organisation, report = demo
    sanction = Sanction.objects.get(organisation=organisation)
    serious = Finding.objects.get(inspection__organisation=organisation, severity=Severity.SERIOUS)
    assert sanction.kind == SanctionKind.WARNING
    assert sanction.entered_by.username == "demo_hr" and sanction.decided_on < TODAY and sanction.note
    assert sanction.person not in (serious.person, User.objects.get(username="demo_staff"))
    assert report.sanctioned_person == sanction.person.full_name
    flag = VetoFlag.objects.get(sanction=sanction)
    assert (flag.person, flag.year, flag.is_active) == (sanction.person, YEAR, True)
    result = AnnualResult.objects.get(person=sanction.person, year=YEAR)
    assert result.suggested_grade != AnnualGrade.EXCELLENT
    assert any(reason.startswith("处分影响：") and "警告" in reason for reason in result.suggestion_reasons)


def test_previous_years_are_decided_within_the_quota(demo):
    organisation, _report = demo
    newcomers = set(
        StaffStatus.objects.filter(kind=StaffStatusKind.PROBATION, start_date__year=YEAR).values_list(
            "user_id", flat=True
        )
    )
    assert newcomers
    current = set(AnnualResult.objects.filter(year=YEAR).values_list("person_id", flat=True))
    for year in (YEAR - 2, YEAR - 1):
        rows = AnnualResult.objects.filter(organisation=organisation, year=year)
        people = set(rows.values_list("person_id", flat=True))
        assert people == current - newcomers  # everyone appraised then; this year's recruits were not
        assert not rows.filter(decided_grade="").exists()
        assert not rows.filter(decided_by__isnull=True).exists()
        graded = rows.exclude(decided_grade=AnnualGrade.NOT_GRADED).count()
        excellent = rows.filter(decided_grade=AnnualGrade.EXCELLENT).count()
        assert 0 < excellent <= excellent_quota(graded_people=graded, policy=organisation.policy)
        assert rows.filter(decided_grade=AnnualGrade.COMPETENT).count() > graded // 2
    last_year = AnnualResult.objects.filter(year=YEAR - 1)
    assert last_year.filter(decided_grade=AnnualGrade.BASICALLY_COMPETENT).exists()
    assert last_year.filter(decided_grade=AnnualGrade.INCOMPETENT).exists()


def test_the_result_use_lists_have_people(demo):
    organisation, _report = demo
    lists = annual_use_lists(organisation=organisation, year=YEAR)
    assert lists.excellent and lists.three_years_excellent
    for row in lists.three_years_excellent:
        assert not VetoFlag.objects.filter(person=row.person, year=YEAR, lifted_at__isnull=True).exists()
    last_year = annual_use_lists(organisation=organisation, year=YEAR - 1)
    assert last_year.admonition and last_year.dismissal_review


def test_the_annual_page_shows_the_years_suggestions(demo, client):
    organisation, report = demo
    client.force_login(User.objects.get(username="demo_hr"))
    response = client.get(reverse("evaluations:annual", args=[YEAR]))
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows and all(row.suggested_grade and row.suggestion_reasons for row in rows)
    assert report.annual_people == AnnualResult.objects.filter(year=YEAR).count()
    status = response.context["status"]
    assert 0 < status.used == report.suggested_excellent <= status.quota
    # On 23 November the fourth quarter is under way: its grading cannot open before it ends, so the
    # year cannot be decided yet, and the page says so instead of offering the decisions.
    assert response.context["unapproved_quarters"] == [4]
    assert 'data-testid="decide"' not in response.content.decode()

    # The person with the serious finding, found by name: suggested below 优秀, the veto named.
    serious = Finding.objects.get(inspection__organisation=organisation, severity=Severity.SERIOUS)
    response = client.get(reverse("evaluations:annual", args=[YEAR]), {"q": serious.person.employee_number})
    (row,) = response.context["page"]
    assert row.person == serious.person and row.suggested_grade == AnnualGrade.COMPETENT
    body = response.content.decode()
    assert "存在一票否决事项" in body and "纪律作风检查发现严重问题" in body


# --- The quarters the demo graded (the roll-up's demo story) -------------------------------------------


class TestTheDemosQuarters:
    """The demo's quarters as of 23 November 2026 (moved here from test_rollup.py to share the build)."""

    def test_the_demos_past_quarters_are_graded_within_the_quota_approved_and_rolled_up(self, quarters):
        organisation, report = quarters
        chief = User.objects.get(username="demo_chief")
        assert report.approved_quarters == [1, 2, 3]
        for quarter in AppraisalQuarter.objects.filter(organisation=organisation, quarter__in=[1, 2, 3]):
            assert (quarter.state, quarter.approved_by) == (QuarterState.APPROVED, chief)
            assert quarter.approved_at.date() <= date(2026, 10, 15) and quarter.rolled_up_at is not None
            grades = quarter.grades.all()
            assert not grades.exclude(state=GradeState.CONFIRMED).exists()
            assert not grades.filter(grade="").exists() and not grades.filter(comment="").exists()
            assert not grades.filter(grade__in=[Grade.AVERAGE, Grade.POOR], reason="").exists()
            participants = grades.exclude(grade=Grade.UNCERTAIN).count()
            good = grades.filter(grade=Grade.GOOD).count()
            assert 0 < good <= quota.good_quota(participants=participants, percent=40)
            assert quarter.results.count() == grades.count()
            assert quarter.department_stats.exists()
        q2 = AppraisalQuarter.objects.get(organisation=organisation, quarter=2)
        assert q2.grades.filter(grade=Grade.UNCERTAIN, uncertain_reason="long_leave").count() == 1

    def test_the_demos_grades_follow_the_scores_but_one_department_takes_turns_and_is_flagged(self, quarters):
        from appraisal_site.dashboards import Scope, rotation_check

        organisation, _report = quarters
        graded = QuarterGrade.objects.filter(
            appraisal_quarter__organisation=organisation,
            grade__in=[Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR],
        )
        assert not graded.filter(composite_score__isnull=True).exists()
        departments = list(organisation.departments.order_by("sort_order").values_list("pk", "name"))
        rows = {
            row.department: row
            for row in rotation_check(scope=Scope(organisation_id=organisation.pk), year=YEAR, departments=departments)
        }
        assert [name for name, row in rows.items() if row.flagged] == ["政策法规科"], rows
        flagged = rows["政策法规科"]
        assert flagged.turns >= 2 and len(flagged.evidence) == flagged.turns
        assert "首次得“好”" in flagged.evidence[0]
        assert all(row.rho is None or row.rho >= Decimal("0.30") for name, row in rows.items() if name != "政策法规科")

    def test_the_demos_current_quarter_is_not_opened_before_it_ends(self, quarters):
        organisation, report = quarters
        assert report.open_quarter is None
        assert not AppraisalQuarter.objects.filter(organisation=organisation, year=YEAR, quarter=4).exists()


# --- The demo's feedback talks (appraisal_site.demo.feedback) on the same build ---------------------------


def _lock(organisation, quarter: int, day: date) -> None:
    moment = datetime(day.year, day.month, day.day, 17, 0, tzinfo=CHINA_TZ)
    appraisal_quarter = AppraisalQuarter.objects.get(organisation=organisation, year=YEAR, quarter=quarter)
    AppraisalQuarter.objects.filter(pk=appraisal_quarter.pk).update(locked_at=moment)
    QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter).exclude(grade="").update(locked_at=moment)


def test_the_demo_records_talks_for_locked_grades_only_some_confirmed(quarters, settings):
    """Talks for the locked grades only, some confirmed, each with what its grade requires; demo_staff's
    latest locked grade left for demo_leader (moved here from tests/publicity/test_feedback_demo.py to
    share the build). Nothing in this build locks a quarter (the publication step does), so the test
    locks the demo's first two quarters itself; what it writes goes with its savepoint."""
    organisation, _report = quarters
    settings.APPRAISAL_TODAY = TODAY
    assert build_demo_feedback(organisation, year=YEAR, seed=5, today=TODAY).talks == 0
    assert not FeedbackTalk.objects.exists()

    _lock(organisation, 1, date(2026, 4, 24))
    _lock(organisation, 2, date(2026, 7, 24))
    report = build_demo_feedback(organisation, year=YEAR, seed=5, today=TODAY)

    locked = QuarterGrade.objects.filter(department__organisation=organisation, locked_at__isnull=False).exclude(
        grade=""
    )
    assert report.talks == FeedbackTalk.objects.count() == locked.count() - 1
    assert 0 < report.confirmed < report.talks
    assert not FeedbackTalk.objects.filter(quarter_grade__appraisal_quarter__quarter=3).exists()
    for talk in FeedbackTalk.objects.select_related("quarter_grade"):
        assert talk.talked_on >= talk.quarter_grade.locked_at.astimezone(CHINA_TZ).date()
        assert talk.grade != Grade.GOOD or talk.reasons
        assert talk.grade not in (Grade.AVERAGE, Grade.POOR) or (talk.shortcomings and talk.improvements)

    # demo_staff's Q2 talk is demo_leader's to record; the Q1 one is there to read.
    staff, leader = User.objects.get(username="demo_staff"), User.objects.get(username="demo_leader")
    waiting = feedback_selectors.locked_grades_for_talker(talker=leader).filter(feedback_talk__isnull=True)
    assert [(g.person, g.appraisal_quarter.quarter) for g in waiting] == [(staff, 2)]
    assert FeedbackTalk.objects.filter(person=staff, quarter_grade__appraisal_quarter__quarter=1).exists()


def test_an_approved_quarters_lock_bears_its_approval_day(quarters):
    """A re-test read 本季度考核结果已于2026-12-07审批 (the seed day) on a quarter approved in April."""
    from accounts.models import PeriodLock
    from evaluations.grading.models import AppraisalQuarter, QuarterState

    organisation, _report = quarters
    approved = AppraisalQuarter.objects.filter(organisation=organisation, state=QuarterState.APPROVED)
    assert approved.count() == 3
    for quarter in approved:
        lock = PeriodLock.objects.get(organisation=organisation, year=quarter.year, quarter=quarter.quarter)
        assert lock.locked_at == quarter.approved_at and lock.locked_at.date() < TODAY


def test_the_demo_heads_headed_their_departments_all_year(quarters):
    """A re-test: the heads' history began on the seed day, so a past quarter read no head."""
    from accounts import periods
    from accounts.models import DepartmentHeadship
    from accounts.selectors import heads_in_period

    organisation, _report = quarters
    headships = DepartmentHeadship.objects.filter(department__organisation=organisation)
    assert headships.exists() and set(headships.values_list("start_date", flat=True)) == {date(YEAR, 1, 1)}
    first = periods.Quarter(YEAR, 1)
    heads = heads_in_period(organisation_id=organisation.pk, first_day=first.first_day, last_day=first.last_day)
    assert heads
