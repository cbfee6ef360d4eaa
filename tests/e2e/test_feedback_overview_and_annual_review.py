"""Issue 11 in a real browser, desktop and phone: HR reads the feedback talks' overview per
department, and records the review (复核) of a locked annual result, which the person then reads
on their history."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from playwright.sync_api import expect

from accounts.models import User
from accounts.periods import CHINA_TZ
from evaluations.annual.locking import annual_results_lock
from evaluations.annual.models import AnnualGrade
from evaluations.grading.models import Grade, GradeState, QuarterState
from tests.factories import AnnualResultFactory, AppraisalQuarterFactory, QuarterGradeFactory

pytestmark = pytest.mark.e2e

TODAY = date(2026, 10, 21)
LOCKED_AT = datetime(2026, 9, 30, 17, 0, tzinfo=CHINA_TZ)


@pytest.fixture
def locked(demo, clock):
    clock.move_to(TODAY)
    staff = User.objects.get(username="demo_staff")
    quarter = AppraisalQuarterFactory(
        organisation=demo, year=2026, quarter=3, state=QuarterState.APPROVED, locked_at=LOCKED_AT
    )
    grade = QuarterGradeFactory(
        person=staff, appraisal_quarter=quarter, grade=Grade.AVERAGE, state=GradeState.CONFIRMED, locked_at=LOCKED_AT
    )
    result = AnnualResultFactory(
        person=staff, year=2025, suggested_grade=AnnualGrade.COMPETENT, decided_grade=AnnualGrade.COMPETENT
    )
    annual_results_lock(result_ids=[result.pk])
    return grade, result


def test_hr_reads_the_overview_and_reviews_a_locked_annual_result(any_ui, locked):
    ui = any_ui
    grade, result = locked
    ui.sign_in_as("demo_hr")
    ui.go_via_menu("反馈谈话情况", "/publicity/feedback/overview/")
    row = ui.page.get_by_test_id(f"overview-row-{grade.department_id}")
    expect(row.get_by_test_id("overview-locked")).to_have_text("1")
    expect(row.get_by_test_id("overview-overdue")).to_have_text("1")
    ui.screenshot("overview")
    ui.assert_scrolls_not_sideways()

    ui.goto(f"/evaluations/annual/2025/{result.pk}/review/")
    expect(ui.page.get_by_test_id("current-grade")).to_have_text("称职")
    ui.page.select_option("select[name=new_grade]", AnnualGrade.BASICALLY_COMPETENT)
    ui.page.fill("textarea[name=reason]", "复核查实年底重大失误。")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("review-submit").click()
    expect(ui.page.get_by_test_id("current-grade")).to_have_text("基本称职")
    expect(ui.page.get_by_test_id("reviews")).to_contain_text("复核查实年底重大失误。")
    ui.screenshot("annual-review")
    ui.assert_scrolls_not_sideways()

    ui.sign_in_as("demo_staff")
    ui.goto("/evaluations/history/")
    expect(ui.page.get_by_test_id("history-annual-review")).to_contain_text("基本称职")
    ui.screenshot("history")
    ui.assert_scrolls_not_sideways()
    ui.assert_no_csp_errors()
