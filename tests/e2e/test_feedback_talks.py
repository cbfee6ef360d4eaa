"""Issue 11, feedback talks in a real browser, on a desktop and a phone: after a quarter is locked,
demo_leader finds the overdue talk on the home page, is told what a 一般 needs, records it;
demo_staff finds it to confirm and confirms it with an opinion."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

# locked_grade (tests/e2e/conftest.py): demo_staff's 一般 of 2026 Q3, its talk overdue today.


def test_the_leader_records_the_talk_and_the_staff_member_confirms_it(any_ui, locked_grade):
    ui = any_ui
    ui.sign_in_as("demo_leader")
    overdue = ui.page.get_by_test_id("todo-feedback-overdue")
    expect(overdue.get_by_test_id("todo-count")).to_have_text("1")
    overdue.get_by_role("link").click()
    ui.page.wait_for_url("**/publicity/feedback/**")
    expect(ui.page.get_by_test_id("feedback-overdue")).to_be_visible()
    ui.page.get_by_test_id(f"feedback-record-{locked_grade.pk}").click()
    ui.page.wait_for_url(f"**/publicity/feedback/grade/{locked_grade.pk}/")
    ui.assert_scrolls_not_sideways()

    # A 一般 without the shortcomings and the improvement is refused, field by field.
    ui.page.fill("textarea[name=content]", "结合三季度目标逐项回顾了完成情况。")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("feedback-save").click()
    expect(ui.page.locator("main")).to_contain_text("请指出存在的不足")
    ui.page.fill("textarea[name=shortcomings]", "两项季度目标未按期完成。")
    ui.page.fill("textarea[name=improvements]", "细化计划，每周对照检查进度。")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("feedback-save").click()
    expect(ui.page.get_by_test_id("feedback-waiting")).to_be_visible()

    ui.sign_in_as("demo_staff")
    talk = ui.confirm_feedback_talk(locked_grade, reads="两项季度目标未按期完成。", opinion="同意，下季度改进。")
    ui.assert_scrolls_not_sideways()
    ui.assert_no_csp_errors()
    talk.refresh_from_db()
    assert talk.is_confirmed
