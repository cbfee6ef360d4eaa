"""A public-welfare worker's 述职 page (DOMAIN.md §8) once handed in: shown read-only with its
status (a page come back to offers no save the service would refuse), and the unit's page says
why a returned report came back."""

import pytest
from django.urls import reverse

from accounts.workflow import ReviewStatus
from evaluations.welfare import services
from evaluations.welfare.models import WelfareAssessment
from tests.factories import WelfareAssessmentFactory
from tests.support.forms import refused_return


@pytest.fixture
def handed_in(today, worker):
    assessment = WelfareAssessmentFactory(post=worker.welfare_post)
    services.welfare_report_save(actor=worker, assessment=assessment, text="一年来认真保洁。")
    services.welfare_report_submit(actor=worker, assessment=assessment)
    return WelfareAssessment.objects.get(pk=assessment.pk)


def test_a_handed_in_report_is_shown_read_only_with_its_status(client_for, worker, handed_in):
    response = client_for(worker).get(reverse("evaluations:welfare_report", args=[handed_in.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="welfare-report-form"' not in html and "提交述职" not in html
    assert 'data-testid="welfare-report-readonly"' in html and "已提交" in html
    assert "一年来认真保洁。" in html


def test_saving_a_handed_in_report_from_a_page_left_open_says_why_and_changes_nothing(client_for, worker, handed_in):
    client = client_for(worker)
    url = reverse("evaluations:welfare_report", args=[handed_in.pk])
    response = client.post(url, {"report_text": "改过的述职", "version": handed_in.version, "save": "1"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'data-testid="welfare-report-readonly"' in html and "提交述职" not in html
    assert "不能修改" in html
    handed_in.refresh_from_db()
    assert handed_in.report_text == "一年来认真保洁。" and handed_in.status == ReviewStatus.SUBMITTED


def test_an_approved_report_is_read_only_too(client_for, worker, head, handed_in):
    services.welfare_report_approve(actor=head, assessment=handed_in)
    html = client_for(worker).get(reverse("evaluations:welfare_report", args=[handed_in.pk])).content.decode()
    assert 'data-testid="welfare-report-readonly"' in html and "提交述职" not in html


def test_the_units_page_shows_why_a_report_was_returned(client_for, head, hr, worker, handed_in):
    services.welfare_report_return(actor=head, assessment=handed_in, reason="请补充服务对象评价。")
    html = client_for(hr).get(handed_in.get_absolute_url()).content.decode()
    assert 'data-testid="welfare-return-reason"' in html and "请补充服务对象评价。" in html
    # The worker may edit again: the form is back.
    page = client_for(worker).get(reverse("evaluations:welfare_report", args=[handed_in.pk])).content.decode()
    assert 'data-testid="welfare-report-form"' in page and "请补充服务对象评价。" in page


def test_returning_without_a_reason_is_refused_under_the_box_and_approving_needs_none(client_for, head, handed_in):
    client = client_for(head)
    url = reverse("evaluations:welfare_report_decide", args=[handed_in.pk])
    refused_return(client, url, reason="  ")
    handed_in.refresh_from_db()
    assert handed_in.status == ReviewStatus.SUBMITTED
    # The reason's box is no obstacle to 通过 in the same form, and does not read as needed for it:
    # no label marked * beside 通过 (a user test); its placeholder says 退回时必填.
    page = client.get(handed_in.get_absolute_url()).content.decode()
    review = page.split(f'action="{url}"', 1)[1].split("</form>", 1)[0]
    assert "退回时必填" in review and "asteriskField" not in review and "<label" not in review
    assert client.post(url, {"action": "approve", "reason": ""}).status_code == 302
    handed_in.refresh_from_db()
    assert handed_in.status == ReviewStatus.APPROVED
