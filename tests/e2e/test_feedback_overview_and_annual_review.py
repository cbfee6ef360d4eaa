"""Issue 11 in a real browser, desktop and phone: HR reads the feedback talks' overview per
department, and records the review (复核) of a locked annual result, which the person then reads
on their history."""

from __future__ import annotations

from decimal import Decimal

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
    ui.page.once("dialog", lambda dialog: dialog.accept())  # 确定记录复核？
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


def test_the_annual_list_is_a_labelled_card_per_person_on_a_phone_and_the_page_fits(phone_ui, locked_grade):
    """The year's nine columns are wider than a phone: each person's row is a card whose fields are
    labelled (static/css/app.css .table-cards), and the page does not scroll sideways. As a table
    it squeezed a department to one character per line; before that, the decision column's visually
    hidden heading (操作), absolutely placed against the page, made the page 20 px wider."""
    from evaluations.grading.models import Grade, GradeState, QuarterState
    from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

    ui = phone_ui
    # The 季度等次 column, kept on one line, is what makes the table wide: 较好/不确定等次/一般/较好
    # (the second quarter on long leave).
    for number, grade in ((1, Grade.FAIRLY_GOOD), (2, Grade.UNCERTAIN), (4, Grade.FAIRLY_GOOD)):
        quarter = AppraisalQuarterFactory(
            organisation=locked_grade.appraisal_quarter.organisation,
            year=2026,
            quarter=number,
            state=QuarterState.APPROVED,
        )
        QuarterGradeFactory(
            person=locked_grade.person,
            appraisal_quarter=quarter,
            grade=grade,
            uncertain_reason="病假超过半年" if grade == Grade.UNCERTAIN else "",
            state=GradeState.CONFIRMED,
        )
    AnnualResultFactory(
        person=locked_grade.person,
        year=2026,
        composite_score=Decimal("95.12"),
        rank=2,
        suggested_grade=AnnualGrade.EXCELLENT,
        suggestion_reasons=["3个季度中3个“好”，无一般以下等次", "具备优秀资格，排第2（名额11人）"],
    )
    ui.sign_in_as("demo_chief", to="/evaluations/annual/2026/")
    expect(ui.page.get_by_test_id("decide")).to_be_visible()
    row = ui.page.get_by_test_id("annual-row")
    expect(ui.page.locator("table.table-cards thead")).to_be_hidden()
    assert row.evaluate("r => getComputedStyle(r).display") == "block"
    record = row.locator("td[data-label='季度等次']")
    assert record.evaluate("c => getComputedStyle(c, '::before').content") == '"季度等次"'
    # A label is in the body's size also beside a value in small print (the reasons).
    label_size = "c => getComputedStyle(c, '::before').fontSize"
    assert row.locator("td[data-label='建议理由']").evaluate(label_size) == record.evaluate(label_size)
    expect(record).to_have_text("较好/不确定等次/一般/较好")
    box = ui.page.evaluate(
        "() => { const b = document.querySelector('.table-responsive'); return [b.scrollWidth, b.clientWidth]; }"
    )
    assert box[0] <= box[1], f"the cards are wider than the phone ({box})"
    ui.assert_fits_screen()
