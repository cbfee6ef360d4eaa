"""The session ended while a form was being filled (a user test on a phone: the idle timeout passed
while a feedback talk was typed; 保存 led to the sign-in page with no word of why, and after signing
in the form was empty). The sign-in page says why, and the page comes back with what was typed,
marked as not yet saved; saving it then records the talk."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from appraisal_site.demo.organisation import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

# locked_grade (tests/e2e/conftest.py): demo_staff's 一般 of 2026 Q3, its talk demo_leader's to record.


def test_what_was_typed_when_the_session_ended_comes_back_after_signing_in(phone_ui, locked_grade):
    from django.contrib.sessions.models import Session

    from publicity.feedback.models import FeedbackTalk

    ui, page = phone_ui, phone_ui.page
    ui.sign_in_as("demo_leader", to=f"/publicity/feedback/grade/{locked_grade.pk}/")
    typed = {
        "content": "结合三季度目标逐项回顾了完成情况。",
        "shortcomings": "两项季度目标未按期完成。",
        "improvements": "细化计划，每周对照检查进度。",
    }
    for name, text in typed.items():
        page.fill(f"textarea[name={name}]", text)
    Session.objects.all().delete()  # the idle timeout, on the server
    with page.expect_navigation():
        page.get_by_test_id("feedback-save").click()
    expect(page.get_by_test_id("session-ended")).to_contain_text("您刚才填写的内容已保留")
    assert FeedbackTalk.objects.count() == 0

    page.fill("input[name=username]", "demo_leader")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/publicity/feedback/grade/{locked_grade.pk}/")
    expect(page.get_by_test_id("restored-form")).to_contain_text("尚未保存")
    for name, text in typed.items():
        expect(page.locator(f"textarea[name={name}]")).to_have_value(text)
    with page.expect_navigation():
        page.get_by_test_id("feedback-save").click()
    expect(page.get_by_test_id("feedback-waiting")).to_be_visible()
    assert FeedbackTalk.objects.get().shortcomings == typed["shortcomings"]


def test_a_return_reason_comes_back_to_its_own_form_beside_the_approval(ui, demo):
    """A re-test: a summary's 审核通过 and 退回 forms post to one address; the reason was filled into
    the first (审核通过, no such field) and lost. The form that held it takes it back."""
    from django.contrib.sessions.models import Session

    from accounts.models import User
    from summaries.models import MonthlySummary
    from tests.factories import MonthlySummaryFactory

    summary = MonthlySummaryFactory(owner=User.objects.get(username="demo_staff"), submitted=True)
    page = ui.page
    ui.sign_in_as("demo_head", to=f"/summaries/{summary.pk}/")
    page.fill("textarea[name=reason]", "请补充本月重点工作的完成数据。")
    Session.objects.all().delete()
    with page.expect_navigation():
        page.get_by_role("button", name="退回修改").click()
    page.fill("input[name=username]", "demo_head")
    page.fill("input[name=password]", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="登录").click()
    expect(page.locator("textarea[name=reason]")).to_have_value("请补充本月重点工作的完成数据。")
    expect(page.get_by_test_id("restored-form")).to_be_visible()
    with ui.answering_questions(), page.expect_navigation():
        page.get_by_role("button", name="退回修改").click()
    assert MonthlySummary.objects.get(pk=summary.pk).return_reason == "请补充本月重点工作的完成数据。"
