"""The 民主测评's suggestion (基本合格, with the share that reached the threshold) is shown where the
unit decides: on the worker's page at 集体研究, with a link to the ballot's tally for HR, and on the
year's tally page — not only on the ballot's own tally."""

from django.urls import reverse

from evaluations.ballots import services as ballot_services
from evaluations.ballots.models import BallotSubject
from evaluations.welfare import services
from evaluations.welfare.models import WelfareAssessment
from tests.factories import WelfareAssessmentFactory, WelfarePostFactory


def _rated(hr, head, department, name, choices):
    """A worker whose 民主测评 (one service user per choice) is closed: at 集体研究."""
    worker = WelfarePostFactory(person__department=department, person__full_name=name).person
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    services.welfare_interview_record(actor=hr, assessment=assessment, notes="谈话")
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=len(choices))
    subject = BallotSubject.objects.get(ballot=ballot)
    for rater, choice in zip(ballot.raters.filter(code__isnull=False).order_by("pk"), choices, strict=True):
        ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": choice}}, code=rater.code)
    ballot_services.ballot_close(actor=hr, ballot=ballot)
    return WelfareAssessment.objects.get(pk=assessment.pk)


UNHAPPY = ("dissatisfied", "dissatisfied", "satisfied")


def test_the_workers_page_at_the_decision_shows_the_ballots_suggestion_and_links_its_tally(
    today, client_for, hr, head, department
):
    assessment = _rated(hr, head, department, "保洁员甲", UNHAPPY)
    html = client_for(hr).get(assessment.get_absolute_url()).content.decode()
    section = html.split('data-testid="welfare-ballot-suggestion"')[1].split("</div></div>")[0]
    assert "建议基本合格" in section and "服务对象“不满意”占66.7%" in section
    assert reverse("evaluations:ballot_tally", args=[assessment.ballot_subject.ballot_id]) in html


def test_a_worker_no_threshold_caught_has_no_suggestion(today, client_for, hr, head, department):
    assessment = _rated(hr, head, department, "保洁员乙", ("satisfied", "satisfied"))
    html = client_for(hr).get(assessment.get_absolute_url()).content.decode()
    assert "民主测评结果未达到建议基本合格的比例。" in html and "民主测评结果提示" not in html


def test_the_years_tally_page_shows_each_workers_suggestion(today, client_for, hr, head, department):
    _rated(hr, head, department, "保洁员甲", UNHAPPY)
    _rated(hr, head, department, "保洁员乙", ("satisfied", "satisfied"))
    html = client_for(hr).get(reverse("evaluations:welfare_tally", args=[2026])).content.decode()
    cells = html.split('data-testid="welfare-tally-suggestion">')[1:]
    said = {cell.split("</td>")[0] for cell in cells}
    assert len(cells) == 2 and "—" in said
    assert any("基本合格" in cell and "66.7%" in cell for cell in said)
