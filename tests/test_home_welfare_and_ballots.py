"""The home page's to-dos of a public-welfare worker (DOMAIN.md §8: their 个人述职, not a civil
servant's targets and monthly summaries) and of a rater with a 民主测评 paper to fill (civil-servant
ballots and the welfare room's alike), each one count query whatever the number of rows."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.workflow import ReviewStatus
from evaluations.ballots import services as ballot_services
from evaluations.welfare import services as welfare_services
from tests.factories import UserFactory, WelfareAssessmentFactory, WelfarePostFactory
from tests.support.clock import movable_today
from tests.support.home import todo

HOME = "/"


@pytest.fixture
def today(monkeypatch):
    """1 December 2026: the first day of the default welfare window (1–15 December)."""
    return movable_today(monkeypatch, date(2026, 12, 1))


@pytest.fixture
def worker(department, head):
    """A public-welfare worker of the unit: staff type 公益性岗位, in a 科室, role 工作人员 (the
    role that gives a civil servant targets and summaries to write)."""
    return WelfarePostFactory(person__department=department, person__full_name="保洁员甲").person


def page(client):
    return client.get(HOME).content.decode()


def _home_queries(client) -> int:
    client.get(HOME)
    with CaptureQueriesContext(connection) as captured:
        client.get(HOME)
    return len(captured.captured_queries)


# --- A public-welfare worker ----------------------------------------------------------------------


def test_a_welfare_worker_has_no_civil_servant_targets_or_summaries_to_write(client_for, worker, today):
    html = page(client_for(worker))
    assert todo(html, "targets") is None and todo(html, "summary") is None
    assert 'data-testid="my-period"' not in html


def test_a_welfare_worker_is_offered_no_targets_or_summaries_pages_and_is_refused_them(client_for, worker, today):
    client = client_for(worker)
    html = page(client)
    assert reverse("targets:my_targets") not in html and reverse("summaries:list") not in html
    assert client.get(reverse("targets:my_targets")).status_code == 403
    assert client.get(reverse("summaries:list")).status_code == 403


def test_a_civil_servant_still_has_targets_and_summaries_and_no_welfare_report(client_for, staff, today):
    html = page(client_for(staff))
    assert todo(html, "targets") == 1 and todo(html, "summary") == 1
    assert todo(html, "welfare-report") is None


def test_a_welfare_worker_sees_the_report_to_hand_in_once_the_year_is_opened(
    client_for, hr, organisation, worker, today
):
    client = client_for(worker)
    assert todo(page(client), "welfare-report") is None  # the unit has not opened the year yet
    welfare_services.welfare_assessments_open(actor=hr, organisation=organisation, year=2026)
    assessment = worker.welfare_assessments.get()
    html = page(client)
    assert todo(html, "welfare-report") == 1
    assert "2026年度个人述职待提交（12月15日截止）" in html
    assert reverse("evaluations:welfare_report", args=[assessment.pk]) in html
    welfare_services.welfare_report_save(actor=worker, assessment=assessment, text="一年来认真保洁。")
    welfare_services.welfare_report_submit(actor=worker, assessment=assessment)
    assert todo(page(client), "welfare-report") is None


def test_a_report_not_handed_in_by_the_last_day_is_shown_as_overdue(client_for, worker, today):
    WelfareAssessmentFactory(post=worker.welfare_post)
    today["value"] = date(2026, 12, 16)
    html = page(client_for(worker))
    assert todo(html, "welfare-report") == 1 and "2026年度个人述职已逾期未提交（12月15日截止）" in html


def test_a_returned_report_is_shown_as_returned_to_rework(client_for, worker, today):
    WelfareAssessmentFactory(post=worker.welfare_post, status=ReviewStatus.RETURNED)
    html = page(client_for(worker))
    assert todo(html, "welfare-report") == 1 and "2026年度个人述职已退回，请修改后重新提交" in html


def test_a_welfare_workers_home_page_costs_the_same_with_one_or_many_years(client_for, worker, today):
    WelfareAssessmentFactory(post=worker.welfare_post, year=2026)
    client = client_for(worker)
    few = _home_queries(client)
    for year in (2023, 2024, 2025):
        WelfareAssessmentFactory(post=worker.welfare_post, year=year)
    assert _home_queries(client) == few
    html = page(client)
    assert todo(html, "welfare-report") == 4 and reverse("evaluations:welfare_mine") in html


# --- A rater's open papers ------------------------------------------------------------------------


def _cadre_ballot(hr, organisation, *, raters, title="2026年度民主测评"):
    subject = UserFactory(organisation=organisation, department=None, full_name="被测评人")
    return ballot_services.ballot_open(
        actor=hr, organisation=organisation, title=title, year=2026, subjects=[subject], raters=raters
    )


def test_a_rater_sees_the_paper_to_fill_until_it_is_cast(client_for, hr, organisation, colleague, today):
    client = client_for(colleague)
    assert todo(page(client), "ballots") is None
    ballot = _cadre_ballot(hr, organisation, raters=[colleague])
    html = page(client)
    assert todo(html, "ballots") == 1 and "待填写的测评票" in html
    # One paper: the to-do opens it.
    assert reverse("evaluations:ballot_paper", args=[ballot.pk]) in html
    rater = ballot.raters.get(user=colleague)
    subject = ballot.subjects.get()
    ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": "competent"}}, actor=colleague)
    assert todo(page(client), "ballots") is None


def test_a_closed_ballot_is_no_longer_a_to_do(client_for, hr, organisation, colleague, today):
    ballot = _cadre_ballot(hr, organisation, raters=[colleague])
    ballot_services.ballot_close(actor=hr, ballot=ballot)
    assert todo(page(client_for(colleague)), "ballots") is None


def test_a_welfare_ballot_counts_with_the_cadres_ballots_for_the_units_head(
    client_for, hr, head, organisation, worker, today
):
    _cadre_ballot(hr, organisation, raters=[head])
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    welfare_services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    welfare_services.welfare_report_submit(actor=worker, assessment=assessment)
    welfare_services.welfare_report_approve(actor=head, assessment=assessment)
    welfare_services.welfare_interview_record(actor=hr, assessment=assessment, notes="谈话")
    welfare_services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=2)
    html = page(client_for(head))
    # Two papers: the to-do opens the list of the head's ballots.
    assert todo(html, "ballots") == 2 and reverse("evaluations:my_ballots") in html
    # The worker rated is not a rater: nothing to fill.
    assert todo(page(client_for(worker)), "ballots") is None


def test_a_raters_home_page_costs_the_same_with_few_and_many_ballots(client_for, hr, organisation, colleague, today):
    client = client_for(colleague)
    _cadre_ballot(hr, organisation, raters=[colleague])
    few = _home_queries(client)
    for n in range(4):
        _cadre_ballot(hr, organisation, raters=[colleague], title=f"测评{n}")
    assert _home_queries(client) == few
    assert todo(page(client), "ballots") == 5


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SYSADMIN])
def test_the_separated_roles_still_have_no_to_dos(client_for, organisation, role, today):
    person = UserFactory(organisation=organisation, department=None, roles=[role])
    assert 'data-testid="no-todos"' in page(client_for(person))
