"""A handed-in 述职 waits in its reviewer's 待我审核 (/review/) and on their home page, as targets
and summaries do (a user test: the head of 后勤服务中心 found two waiting only in the 17:30 digest)."""

import pytest
from django.urls import reverse

from accounts.workflow import ReviewStatus
from appraisal_site.todos import todos_for
from evaluations.welfare import services
from evaluations.welfare.models import WelfareAssessment
from tests.factories import MonthlySummaryFactory, UserFactory, WelfareAssessmentFactory, WelfarePostFactory


def _handed_in(person, text="一年来认真保洁。"):
    assessment = WelfareAssessmentFactory(post=person.welfare_post)
    services.welfare_report_save(actor=person, assessment=assessment, text=text)
    return services.welfare_report_submit(actor=person, assessment=assessment)


def _worker(department, name):
    return WelfarePostFactory(person__department=department, person__full_name=name).person


@pytest.fixture
def two_handed_in(today, department, head):
    return [_handed_in(_worker(department, "张保洁")), _handed_in(_worker(department, "李绿化"))]


def test_the_head_finds_the_handed_in_reports_in_the_inbox_linked_to_each_assessment(client_for, head, two_handed_in):
    body = client_for(head).get(reverse("review")).content.decode()
    assert body.count('data-testid="inbox-row"') == 2
    assert "张保洁" in body and "李绿化" in body
    assert "公益性岗位述职" in body and "2026年度" in body
    for assessment in two_handed_in:
        assert f'href="{reverse("evaluations:welfare_assessment", args=[assessment.pk])}"' in body


def test_the_head_counts_them_as_a_home_page_todo(head, two_handed_in, today):
    todos = {todo.key: todo for todo in todos_for(head, today=today)}
    assert todos["review-welfare"].count == 2
    assert todos["review-welfare"].label == "待审核的公益性岗位述职"
    # Targets and summaries keep their own to-do, which counts none of them.
    assert "review" not in todos


def test_another_departments_head_sees_none_of_them(client_for, other_head, two_handed_in, today):
    body = client_for(other_head).get(reverse("review")).content.decode()
    assert 'data-testid="inbox-row"' not in body and "张保洁" not in body
    assert "review-welfare" not in {todo.key for todo in todos_for(other_head, today=today)}


def test_a_draft_or_an_approved_report_is_not_waiting(client_for, head, department, today):
    draft = WelfareAssessmentFactory(post=_worker(department, "张保洁").welfare_post)
    services.welfare_report_save(actor=draft.owner, assessment=draft, text="草稿")
    approved = _handed_in(_worker(department, "李绿化"))
    services.welfare_report_approve(actor=head, assessment=approved)
    assert 'data-testid="inbox-row"' not in client_for(head).get(reverse("review")).content.decode()


def _approve_the_first_from_the_inbox(client, two_handed_in) -> tuple[str, WelfareAssessment]:
    """通过 of the first report, posted as the inbox's form posts it: what the page says, and the
    report as it is now."""
    first = two_handed_in[0]
    data = {"items": [f"welfare:{first.pk}"], "action": "approve"}
    body = client.post(reverse("review_decide"), data, follow=True).content.decode()
    first.refresh_from_db()
    return body, first


def test_the_head_approves_a_report_from_the_inbox(client_for, head, two_handed_in):
    body, first = _approve_the_first_from_the_inbox(client_for(head), two_handed_in)
    assert "已审核通过1项" in body
    assert first.status == ReviewStatus.APPROVED and first.stage == "interview"


def test_another_head_cannot_approve_one_by_forging_its_reference(client_for, other_head, two_handed_in):
    body, first = _approve_the_first_from_the_inbox(client_for(other_head), two_handed_in)
    assert "1项不在您的审核范围内或已不存在" in body
    assert first.status == ReviewStatus.SUBMITTED


def test_the_inbox_filters_the_reports_by_kind(client_for, head, staff, two_handed_in):
    MonthlySummaryFactory(owner=staff, submitted=True)
    client = client_for(head)
    assert client.get(reverse("review"), {"kind": "welfare"}).content.decode().count('data-testid="inbox-row"') == 2
    assert client.get(reverse("review"), {"kind": "summaries"}).content.decode().count('data-testid="inbox-row"') == 1


def test_the_inbox_and_the_todos_cost_the_same_for_few_and_many_reports(
    client_for, head, department, today, django_assert_num_queries
):
    client = client_for(head)

    def hand_in(n):
        for i in range(n):
            _handed_in(_worker(department, f"工人{i}"))
            MonthlySummaryFactory(owner=UserFactory(department=department), submitted=True)

    hand_in(1)
    client.get(reverse("review"))  # warm the per-process caches
    todos_for(head, today=today)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few_page:
        client.get(reverse("review"))
    with CaptureQueriesContext(connection) as few_todos:
        todos_for(head, today=today)
    hand_in(12)
    with django_assert_num_queries(len(few_page)):
        assert client.get(reverse("review")).content.decode().count('data-testid="inbox-row"') == 26
    with django_assert_num_queries(len(few_todos)):
        todos_for(head, today=today)


def test_a_report_waiting_too_long_is_in_its_reviewers_daily_reminder(head, two_handed_in):
    """The reminder of items waiting longer than the policy allows counts the 述职 too, as the inbox
    lists them (it counted only targets and summaries)."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from accounts.models import Notification
    from summaries import reminders
    from tests.factories import save_fields

    four_days_ago = datetime(2026, 12, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
    save_fields(WelfareAssessment.objects.filter(pk=two_handed_in[0].pk), submitted_at=four_days_ago)
    save_fields(WelfareAssessment.objects.filter(pk=two_handed_in[1].pk), submitted_at=four_days_ago + timedelta(3))
    run = reminders.send_review_reminders(organisation=head.organisation, today=datetime(2026, 12, 6).date())
    assert run.reviewers == 1
    told = Notification.objects.filter(recipient=head, message__contains="已超过")
    assert list(told.values_list("message", flat=True)) == [
        "您有1项材料（目标、小结或公益性岗位述职）待审核已超过3天。"
    ]
