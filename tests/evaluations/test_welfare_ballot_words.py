"""A 民主测评 of public-welfare workers speaks of their grades (合格/基本合格/不合格, decided by the
unit's 集体研究), never of a civil servant's 基本称职 or of the year-end suggestion: on the ballot's
tally page, its export and the confirmation of closing it."""

import re
from datetime import date

import pytest
from django.http import QueryDict
from django.urls import reverse

from evaluations.ballots import exports
from evaluations.ballots import services as ballot_services
from evaluations.ballots.models import BallotSubject
from evaluations.welfare import services
from evaluations.welfare.models import WelfareStage
from tests.factories import UserFactory, WelfareAssessmentFactory, WelfarePostFactory


@pytest.fixture(autouse=True)
def december(settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 1)


@pytest.fixture
def welfare_ballot(hr, head, department):
    """One worker's 民主测评, both service users 不满意 (100 % of the valid papers)."""
    worker = WelfarePostFactory(person__department=department, person__full_name="保洁员甲").person
    assessment = WelfareAssessmentFactory(post=worker.welfare_post, stage=WelfareStage.RATING)
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=2)
    subject = BallotSubject.objects.get(ballot=ballot)
    for rater in ballot.raters.filter(code__isnull=False):
        ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": "dissatisfied"}}, code=rater.code)
    return ballot


def test_the_tally_of_a_welfare_ballot_suggests_basically_qualified_not_basically_competent(
    client_for, hr, welfare_ballot
):
    ballot_services.ballot_close(actor=hr, ballot=welfare_ballot)
    page = client_for(hr).get(reverse("evaluations:ballot_tally", args=[welfare_ballot.pk])).content.decode()
    suggestion = page.split('data-testid="tally-suggestion"')[1].split("</td>")[0]
    assert ">基本合格</span>" in suggestion
    assert "“不满意”票占有效票100.0%，达到30%，建议基本合格" in suggestion
    assert "服务对象“不满意”占100.0%，达到25%，建议基本合格" in suggestion
    assert "基本称职" not in page and "不称职" not in page


def test_the_tally_export_of_a_welfare_ballot_says_basically_qualified(hr, welfare_ballot):
    ballot_services.ballot_close(actor=hr, ballot=welfare_ballot)
    rows = exports._build(hr, QueryDict(), {"pk": welfare_ballot.pk})
    (line,) = [rows.row(item) for item in rows.items]
    assert "基本合格" in line and not any("基本称职" in str(cell) for cell in line)


def test_closing_a_welfare_ballot_does_not_promise_the_year_end_suggestion(client_for, hr, welfare_ballot):
    page = client_for(hr).get(reverse("evaluations:ballot_detail", args=[welfare_ballot.pk])).content.decode()
    confirm = page.split('action="{}"'.format(reverse("evaluations:ballot_close", args=[welfare_ballot.pk])))[1]
    confirm = confirm.split('data-confirm="')[1].split('"')[0]
    assert "计入年度建议等次" not in confirm
    assert "集体研究" in confirm and "合格/基本合格/不合格" in confirm


def test_a_civil_servants_ballot_still_feeds_and_says_the_year_end_suggestion(client_for, hr, department):
    heads = [UserFactory(department=department, full_name=f"科长{n}") for n in range(2)]
    rater = UserFactory(department=department)
    ballot = ballot_services.ballot_open(
        actor=hr, organisation=hr.organisation, title="科级干部民主测评", year=2026, subjects=heads, raters=[rater]
    )
    page = client_for(hr).get(reverse("evaluations:ballot_detail", args=[ballot.pk])).content.decode()
    assert "计票结果随即计入年度建议等次" in page
    paper = ballot.raters.get()
    subjects = list(ballot.subjects.order_by("sort_order"))
    ballot_services.paper_cast(
        rater=paper,
        answers={subjects[0].pk: {"choice": "incompetent"}, subjects[1].pk: {"choice": "competent"}},
        actor=rater,
    )
    ballot_services.ballot_close(actor=hr, ballot=ballot)
    page = client_for(hr).get(reverse("evaluations:ballot_tally", args=[ballot.pk])).content.decode()
    assert ">基本称职</span>" in page and "建议基本称职" in page and "建议基本合格" not in page


def test_once_the_workers_ballot_is_closed_their_page_and_the_list_say_collective_decision(
    client_for, hr, welfare_ballot
):
    from evaluations.welfare.models import WelfareAssessment

    assessment = WelfareAssessment.objects.get()
    client = client_for(hr)
    assert "当前环节：<strong>民主测评</strong>" in client.get(assessment.get_absolute_url()).content.decode()
    ballot_services.ballot_close(actor=hr, ballot=welfare_ballot)
    # What is left is the unit's 集体研究, whose form the page offers now.
    assert "当前环节：<strong>集体研究</strong>" in client.get(assessment.get_absolute_url()).content.decode()
    listed = client.get(reverse("evaluations:welfare", args=[2026]), {"stage": "decision"}).content.decode()
    assert "保洁员甲" in listed


def test_the_workers_page_warns_of_a_low_turnout_as_the_ballots_page_does(client_for, hr, welfare_ballot):
    """A user test closed a 3-of-13 welfare ballot from the worker's page with no word of the low
    turnout, which the ballot's own page says in its text and in 结束测评's question."""
    assessment = welfare_ballot.subjects.get().person.welfare_post.assessments.get()
    url = reverse("evaluations:welfare_assessment", args=[assessment.pk])
    page = client_for(hr).get(url).content.decode()
    turnout = welfare_ballot.raters.filter(has_voted=True).count(), welfare_ballot.raters.count()
    assert turnout[0] * 3 < turnout[1] * 2  # two service users of many raters
    assert 'data-testid="welfare-low-turnout"' in page
    close = page.split(reverse("evaluations:welfare_ballot_close", args=[assessment.pk]))[1]
    assert close.split('data-confirm="')[1].startswith("投票人数不足测评人的三分之二。")


def test_the_tally_export_says_what_the_tally_page_says_above_its_table(hr, welfare_ballot):
    """A user test: the page gave the raters, papers, void papers and the service users' papers; the
    workbook only the rows per person."""
    ballot_services.ballot_close(actor=hr, ballot=welfare_ballot)
    rows = exports._build(hr, QueryDict(), {"pk": welfare_ballot.pk})
    (sheet,) = rows.extra_sheets()
    said = dict(sheet.row(line) for line in sheet.items if line[0] != "说明")
    raters = welfare_ballot.raters.count()
    assert sheet.title == "计票说明" and said["测评人"] == raters and said["已投票"] == 2 and said["有效票"] == 2
    assert ["说明", "投票人数不足测评人的三分之二。"] in [sheet.row(line) for line in sheet.items]
    header = list(rows.headers)
    (line,) = [rows.row(item) for item in rows.items]
    assert line[header.index("其中服务对象有效票")] == 2


def test_a_welfare_ballots_colleagues_are_named_the_department_heads(client_for, hr, welfare_ballot):
    """A user test read the eight 科室 heads rating a worker listed as 干部职工."""
    page = client_for(hr).get(reverse("evaluations:ballot_detail", args=[welfare_ballot.pk])).content.decode()
    kinds = re.findall(r"data-label=\"类别\">([^<]*)<", page)
    assert "科室负责人" in kinds and "干部职工" not in kinds and "服务对象" in kinds


def test_the_tally_page_says_the_low_turnout_its_workbook_says(client_for, hr, welfare_ballot):
    """A re-test: the workbook's 计票说明 said 投票人数不足测评人的三分之二, the tally page did not."""
    ballot_services.ballot_close(actor=hr, ballot=welfare_ballot)
    page = client_for(hr).get(reverse("evaluations:ballot_tally", args=[welfare_ballot.pk])).content.decode()
    assert 'data-testid="tally-low-turnout">投票人数不足测评人的三分之二。<' in page


def test_the_welfare_years_tally_says_a_low_turnout_beside_the_worker(client_for, hr, welfare_ballot):
    """A re-test: the worker's page and the ballot's tally said the low turnout, the year's list did not."""
    ballot_services.ballot_close(actor=hr, ballot=welfare_ballot)
    page = client_for(hr).get(reverse("evaluations:welfare_tally", args=[2026])).content.decode()
    assert 'data-testid="welfare-tally-low-turnout">投票人数不足测评人的三分之二。<' in page
