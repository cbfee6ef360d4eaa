"""Issue 11 in a real browser, desktop and phone: HR reads the feedback talks' overview per
department, and records the review (复核) of a locked annual result, which the person then reads
on their history."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from evaluations.annual.locking import annual_results_lock
from evaluations.annual.models import AnnualGrade
from tests.factories import AnnualResultFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def locked(locked_grade):
    staff = locked_grade.person
    result = AnnualResultFactory(
        person=staff, year=2025, suggested_grade=AnnualGrade.COMPETENT, decided_grade=AnnualGrade.COMPETENT
    )
    annual_results_lock(result_ids=[result.pk])
    return locked_grade, result


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

    ui.sign_in_as("demo_staff", to="/evaluations/history/")
    expect(ui.page.get_by_test_id("history-annual-review")).to_contain_text("基本称职")
    ui.screenshot("history")
    ui.assert_scrolls_not_sideways()
    ui.assert_no_csp_errors()
