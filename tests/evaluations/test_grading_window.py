"""The calendar governs grading (DOMAIN.md §3): a quarter is opened, graded and approved only in its
grading window — after the quarter ends, or after its satisfaction survey is entered where the policy
says so — and HR cannot open one that has not begun or lies further back than the policy allows.
Approval closes the quarter and asks for the year's suggestions to be recomputed."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import periods
from accounts.models import GradingOpens, Job, PeriodLock
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    appraisal_quarter_open,
    grade_assign,
    grade_confirm,
    grades_confirm_all,
)
from evaluations.models import AppraisalQuarter, Grade
from tests.factories import SatisfactionScoreFactory, hand_in_quarter_inputs, policy_with

Q4 = periods.Quarter(2026, 4)


def set_clock(settings, day: date) -> None:
    settings.APPRAISAL_TODAY = day


def give(row, actor, grade=Grade.FAIRLY_GOOD):
    return grade_assign(grade_row=row, actor=actor, grade=grade, comment="工作认真负责")


# --- The calendar --------------------------------------------------------------------------------


def test_the_window_opens_the_day_after_the_quarter_ends_by_default(organisation):
    assert periods.grading_window_opens(Q4, policy_with(organisation)) == date(2027, 1, 1)


def test_with_the_survey_policy_the_window_waits_for_the_survey(organisation):
    survey = policy_with(organisation, grading_opens=GradingOpens.SURVEY_ENTERED)
    assert periods.grading_window_opens(Q4, survey) is None
    assert periods.grading_window_opens(Q4, survey, survey_entered_on=date(2027, 1, 9)) == date(2027, 1, 9)
    # A survey entered early does not open grading before the quarter ends.
    assert periods.grading_window_opens(Q4, survey, survey_entered_on=date(2026, 12, 20)) == date(2027, 1, 1)


def test_the_moved_clock_moves_today_and_the_current_quarter(settings):
    settings.APPRAISAL_TODAY = "2027-02-03"
    assert periods.today() == date(2027, 2, 3)
    assert periods.Quarter.current() == periods.Quarter(2027, 1)
    settings.APPRAISAL_TODAY = ""
    assert periods.today() == periods.today(timezone.now())


# --- Opening -------------------------------------------------------------------------------------


def test_it_refuses_to_open_a_quarter_that_has_not_begun(settings, organisation, team):
    set_clock(settings, date(2026, 12, 1))
    with pytest.raises(ValidationError, match="尚未开始"):
        appraisal_quarter_open(organisation=organisation, year=2027, quarter=1)
    assert not AppraisalQuarter.objects.exists()


def test_it_refuses_to_open_the_current_quarter_before_it_ends(settings, organisation, team):
    set_clock(settings, date(2026, 12, 1))
    with pytest.raises(ValidationError, match="2027-01-01"):
        appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert not AppraisalQuarter.objects.exists()


def test_it_opens_the_quarter_once_it_has_ended(settings, organisation, team):
    set_clock(settings, date(2027, 1, 1))
    opened = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert opened.grades.count() == 8


def test_it_refuses_a_quarter_further_back_than_the_policy_allows(settings, organisation, team):
    set_clock(settings, date(2027, 1, 4))
    with pytest.raises(ValidationError, match="补开评鉴的期限"):
        appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    policy_with(organisation, grading_open_past_quarters=2)
    assert appraisal_quarter_open(organisation=organisation, year=2026, quarter=3).grades.count() == 8


def test_with_the_survey_policy_it_refuses_until_the_survey_is_entered(settings, organisation, team, staff):
    policy_with(organisation, grading_opens=GradingOpens.SURVEY_ENTERED)
    set_clock(settings, date(2027, 1, 4))
    with pytest.raises(ValidationError, match="满意度测评结果尚未录入"):
        appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    SatisfactionScoreFactory(person=staff, year=2026, quarter=4)
    assert appraisal_quarter_open(organisation=organisation, year=2026, quarter=4).grades.count() == 8


def test_an_open_quarter_is_refreshed_whatever_the_day(settings, organisation, quarter, team, department):
    from tests.factories import UserFactory

    set_clock(settings, date(2027, 9, 1))  # three quarters later: opening afresh would be refused
    UserFactory(department=department)
    assert appraisal_quarter_open(organisation=organisation, year=2026, quarter=4).grades.count() == 9


# --- Grading and approval before the window --------------------------------------------------


@pytest.fixture
def survey_quarter(organisation, team, staff):
    """2026 Q4 opened under the survey policy, then its survey deleted (as if entered by mistake)."""
    policy_with(organisation, grading_opens=GradingOpens.SURVEY_ENTERED)
    score = SatisfactionScoreFactory(person=staff, year=2026, quarter=4)
    opened = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    score.delete()
    return opened


def test_grading_is_refused_before_the_window_opens(settings, quarter, head, staff, grade_of):
    set_clock(settings, date(2026, 12, 31))
    with pytest.raises(ValidationError, match="评鉴期尚未开始"):
        give(grade_of(staff), head)
    assert grade_of(staff).grade == ""
    set_clock(settings, date(2027, 1, 1))
    assert give(grade_of(staff), head).grade == Grade.FAIRLY_GOOD


def test_grading_waits_for_the_survey_when_the_policy_says_so(survey_quarter, head, staff):
    row = survey_quarter.grades.get(person=staff)
    with pytest.raises(ValidationError, match="满意度测评结果尚未录入"):
        give(row, head)
    SatisfactionScoreFactory(person=staff, year=2026, quarter=4)
    assert give(row, head).grade == Grade.FAIRLY_GOOD


def test_confirmation_is_refused_before_the_window_opens(settings, quarter, head, leader, staff, grade_of):
    give(grade_of(staff), head)
    set_clock(settings, date(2026, 12, 31))
    with pytest.raises(ValidationError, match="评鉴期尚未开始"):
        grade_confirm(grade_row=grade_of(staff), actor=leader)


def _grade_everyone(quarter, head, leader, team):
    for person in team:
        give(quarter.grades.get(person=person), head)
    give(quarter.grades.get(person=head), leader)
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)


def test_the_agency_head_cannot_approve_before_the_window_opens(settings, quarter, head, leader, chief, team):
    _grade_everyone(quarter, head, leader, team)
    set_clock(settings, date(2026, 12, 1))
    with pytest.raises(ValidationError, match="评鉴期尚未开始"):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    quarter.refresh_from_db()
    assert quarter.is_open and not PeriodLock.objects.exists()


def test_approval_closes_the_quarter_and_recomputes_the_year_after_commit(
    quarter, head, leader, chief, team, django_capture_on_commit_callbacks
):
    _grade_everyone(quarter, head, leader, team)
    hand_in_quarter_inputs(quarter)  # approval waits for targets and summaries
    with django_capture_on_commit_callbacks(execute=True):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    lock = PeriodLock.objects.get()
    assert (lock.organisation, lock.year, lock.quarter, lock.locked_by) == (quarter.organisation, 2026, 4, chief)
    job = Job.objects.get(kind="evaluations.rollup_year")
    assert (job.params, job.state, job.requested_by) == ({"year": 2026}, Job.State.DONE, chief)


# --- The quarters page ---------------------------------------------------------------------------


def test_the_quarters_page_offers_only_the_quarters_that_may_be_opened(settings, client_for, hr, organisation, team):
    set_clock(settings, date(2027, 1, 4))
    html = client_for(hr).get(reverse("evaluations:quarters")).content.decode()
    # 2027 Q1 is under way (opens 2027-04-01); 2026 Q4 may be opened now.
    assert html.count('data-testid="open-quarter"') == 1
    assert 'value="2026"><input type="hidden" name="quarter" value="4"' in html
    assert "2027-04-01" in html and "2027-01-01" in html


def test_before_the_quarter_ends_the_page_offers_only_its_predecessor(settings, client_for, hr, organisation, team):
    set_clock(settings, date(2026, 12, 1))
    html = client_for(hr).get(reverse("evaluations:quarters")).content.decode()
    # Q3 was never opened and is the predecessor: it may still be opened; Q4 may not.
    assert html.count('data-testid="open-quarter"') == 1
    assert "2027-01-01" in html and 'data-testid="open-refusal"' in html
    # The day is said once for the quarter not yet open, in the refusal (a user test read it twice).
    assert html.count("2027-01-01起") == 1


def test_an_open_refused_by_the_server_says_why(settings, client_for, hr, organisation, team):
    set_clock(settings, date(2026, 12, 1))
    response = client_for(hr).post(reverse("evaluations:quarter_open"), {"year": 2026, "quarter": 4}, follow=True)
    assert "2027-01-01" in response.content.decode()
    assert not AppraisalQuarter.objects.exists()


def test_the_quarters_page_shows_when_each_quarters_grading_opens_and_hides_approval_before(
    settings, client_for, chief, quarter
):
    set_clock(settings, date(2026, 12, 31))
    html = client_for(chief).get(reverse("evaluations:quarters")).content.decode()
    assert 'data-testid="window-not-open"' in html
    assert 'data-testid="approve"' not in html
    set_clock(settings, date(2027, 1, 4))
    html = client_for(chief).get(reverse("evaluations:quarters")).content.decode()
    assert 'data-testid="window-not-open"' not in html and 'data-testid="approve"' in html
