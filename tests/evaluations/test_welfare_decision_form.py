"""The 集体研究 form of a public-welfare worker's page (DOMAIN.md §8): a refusal, the form's or the
service's, shows the page again with what was typed and the message at its field, never a
redirect that would lose the text."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.ballots import services as ballot_services
from evaluations.ballots.models import BallotSubject
from evaluations.welfare import services
from evaluations.welfare.models import WelfareAssessment, WelfareStage
from tests.factories import WelfareAssessmentFactory, WelfarePostFactory

NOTES = "经单位集体研究，该同志全年出勤不足。"


@pytest.fixture
def rated(today, department, head, hr):
    """A worker's assessment whose 民主测评 is closed: the unit may record its decision."""
    worker = WelfarePostFactory(person__department=department, person__full_name="保洁员甲").person
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    services.welfare_interview_record(actor=hr, assessment=assessment, notes="谈话")
    ballot = services.welfare_ballot_open(actor=hr, assessments=[assessment], service_users=2)
    subject = BallotSubject.objects.get(ballot=ballot)
    for rater in ballot.raters.filter(code__isnull=False):
        ballot_services.paper_cast(rater=rater, answers={subject.pk: {"choice": "satisfied"}}, code=rater.code)
    ballot_services.ballot_close(actor=hr, ballot=ballot)
    return WelfareAssessment.objects.get(pk=assessment.pk)


def _decide(client, assessment, data):
    return client.post(reverse("evaluations:welfare_decide", args=[assessment.pk]), data)


def _field_error(html: str, field: str) -> str:
    """The message under a field: the text of the element Django's aria-describedby points at."""
    found = re.search(rf'id="id_{field}_error"[^>]*>(.*?)</div>', html, re.DOTALL)
    return re.sub(r"<[^>]+>|\s+", "", found.group(1)) if found else ""


def test_a_decision_the_service_refuses_comes_back_with_what_was_typed(client_for, hr, rated):
    response = _decide(client_for(hr), rated, {"grade": "unqualified", "renew": "1", "notes": NOTES})
    assert response.status_code == 400
    html = response.content.decode()
    # What was typed and chosen is still there …
    assert NOTES in html
    assert re.search(r'<input[^>]*value="unqualified"[^>]*checked', html)
    assert re.search(r'<input[^>]*name="renew"[^>]*value="1"[^>]*checked', html)
    # … and the service's message stands at the field it is about.
    assert _field_error(html, "renew") == "考核不合格的，不予续签上岗协议。"
    rated.refresh_from_db()
    assert (rated.stage, rated.grade, rated.decision_notes) == (WelfareStage.RATING, "", "")


def test_an_incomplete_decision_comes_back_with_what_was_typed(client_for, hr, rated):
    response = _decide(client_for(hr), rated, {"renew": "0", "notes": NOTES})
    assert response.status_code == 400
    html = response.content.decode()
    assert NOTES in html
    assert re.search(r'<input[^>]*name="renew"[^>]*value="0"[^>]*checked', html)
    assert _field_error(html, "grade")
    assert response.context["decision_form"].errors["grade"]
    rated.refresh_from_db()
    assert rated.grade == ""


def test_a_decision_that_goes_through_moves_on_to_the_workers_page(client_for, hr, rated):
    response = _decide(client_for(hr), rated, {"grade": "unqualified", "renew": "0", "notes": NOTES})
    assert response.status_code == 302 and response.url == rated.get_absolute_url()
    rated.refresh_from_db()
    assert (rated.stage, rated.grade, rated.renew) == (WelfareStage.DECISION, "unqualified", False)
    # Shown again for a correction, the form holds the decision recorded.
    html = client_for(hr).get(rated.get_absolute_url()).content.decode()
    assert NOTES in html and re.search(r'<input[^>]*value="unqualified"[^>]*checked', html)


def test_someone_who_may_not_decide_is_refused_without_a_page(client_for, staff, rated):
    response = _decide(client_for(staff), rated, {"grade": "qualified", "renew": "1", "notes": NOTES})
    assert response.status_code == 404
    rated.refresh_from_db()
    assert rated.grade == ""


@pytest.fixture
def to_interview(today, department, head):
    """A worker's assessment whose 述职 is approved: the unit may record the interview."""
    worker = WelfarePostFactory(person__department=department, person__full_name="保洁员乙").person
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="述职")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    services.welfare_report_approve(actor=head, assessment=assessment)
    return WelfareAssessment.objects.get(pk=assessment.pk)


def test_an_interview_record_that_is_refused_comes_back_with_what_was_typed(client_for, hr, to_interview):
    too_long = "谈话内容" * 501
    url = reverse("evaluations:welfare_interview", args=[to_interview.pk])
    response = client_for(hr).post(url, {"notes": too_long})
    assert response.status_code == 400
    html = response.content.decode()
    assert too_long in html and _field_error(html, "notes")
    to_interview.refresh_from_db()
    assert to_interview.stage == WelfareStage.INTERVIEW and not to_interview.interview_notes


def test_the_renewal_question_starts_unanswered(client_for, hr, rated):
    html = client_for(hr).get(rated.get_absolute_url()).content.decode()
    assert re.search(r'<input[^>]*name="renew"', html)
    assert not re.search(r'<input[^>]*name="renew"[^>]*checked', html)


def test_a_qualified_decision_without_the_renewal_answered_is_refused_at_the_field(client_for, hr, rated):
    response = _decide(client_for(hr), rated, {"grade": "qualified", "notes": NOTES})
    assert response.status_code == 400
    html = response.content.decode()
    assert NOTES in html
    assert _field_error(html, "renew") == "请选择是否续签上岗协议。"
    rated.refresh_from_db()
    assert (rated.stage, rated.grade, rated.renew) == (WelfareStage.RATING, "", None)


def test_the_service_refuses_an_unanswered_renewal_unless_the_worker_is_unqualified(hr, rated):
    for grade in ("qualified", "basically_qualified"):
        with pytest.raises(ValidationError) as refused:
            services.welfare_decision_record(actor=hr, assessment=rated, grade=grade, renew=None, notes=NOTES)
        assert refused.value.message_dict == {"renew": ["请选择是否续签上岗协议。"]}
    decided = services.welfare_decision_record(actor=hr, assessment=rated, grade="unqualified", renew=None, notes=NOTES)
    assert (decided.grade, decided.renew) == ("unqualified", False)


def test_an_unqualified_decision_needs_no_renewal_answer(client_for, hr, rated):
    response = _decide(client_for(hr), rated, {"grade": "unqualified", "notes": NOTES})
    assert response.status_code == 302
    rated.refresh_from_db()
    assert (rated.grade, rated.renew) == ("unqualified", False)
