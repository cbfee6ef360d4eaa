"""Issue 11, feedback talks in a real browser, on a desktop and a phone: after a quarter is locked,
demo_leader finds the overdue talk on the home page, is told what a 一般 needs, records it;
demo_staff finds it to confirm and confirms it with an opinion."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.periods import CHINA_TZ
from evaluations.grading.models import Grade, GradeState, QuarterState
from publicity.feedback.models import FeedbackTalk
from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

pytestmark = pytest.mark.e2e

# Locked on 30 September; ten working days later (国庆 and its make-up Saturday counted) it is overdue.
TODAY = date(2026, 10, 21)
LOCKED_AT = datetime(2026, 9, 30, 17, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def locked_grade(demo, clock):
    clock.move_to(TODAY)
    staff = User.objects.get(username="demo_staff")
    # On this branch nothing locks a quarter (publication does): set the lock as the test's given.
    quarter = AppraisalQuarterFactory(
        organisation=demo, year=2026, quarter=3, state=QuarterState.APPROVED, locked_at=LOCKED_AT
    )
    return QuarterGradeFactory(
        person=staff, appraisal_quarter=quarter, grade=Grade.AVERAGE, state=GradeState.CONFIRMED, locked_at=LOCKED_AT
    )


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
    confirm = ui.page.get_by_test_id("todo-feedback-confirm")
    expect(confirm.get_by_test_id("todo-count")).to_have_text("1")
    confirm.get_by_role("link").click()
    ui.page.wait_for_url("**/publicity/feedback/mine/")
    talk = FeedbackTalk.objects.get(quarter_grade=locked_grade)
    ui.page.get_by_test_id(f"feedback-mine-{talk.pk}").click()
    expect(ui.page.get_by_test_id("feedback-talk")).to_contain_text("两项季度目标未按期完成。")
    ui.page.fill("textarea[name=opinion]", "同意，下季度改进。")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("feedback-confirm").click()
    expect(ui.page.get_by_test_id("feedback-confirmed")).to_contain_text("同意，下季度改进。")
    ui.assert_scrolls_not_sideways()
    ui.assert_no_csp_errors()
    talk.refresh_from_db()
    assert talk.is_confirmed
