"""Issue 11, publication in a real browser: demo_hr publishes the approved quarter; demo_staff (on a
phone) sees it on the board and objects to a colleague's grade; demo_hr accepts and sends it back;
demo_head regrades, demo_leader confirms; demo_hr publishes the entry again; after the window (the
clock moved) ``lock_publications`` locks it; demo_leader records the feedback talk with demo_staff,
who confirms it on the phone; HR reads the talks' overview. The whole "Done when" of issue 11, with
screenshots of the key steps on a desktop (1280) and a phone (390) in ``test-results/``."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from accounts.models import User
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.organisation import DEMO_HEAD_DEPARTMENT
from appraisal_site.demo.year import build_demo_year
from evaluations.grading.models import Grade, QuarterGrade
from publicity.publication.models import EntryState, PublicationEntry
from tests.e2e.conftest import demo_built

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 1)  # a Tuesday: the window is 1–7 December
REPUBLISHED_ON = date(2026, 12, 3)  # the entry's own window runs 3–9 December
AFTER = date(2026, 12, 10)


@pytest.fixture
def demo_quarters(demo, clock):
    clock.move_to(TODAY)
    return demo_built(demo, TODAY, build_demo_year, build_demo_appraisals)


def _objected_grade() -> QuarterGrade:
    """A 好 (or else a 较好) of demo_head's department, not demo_staff's nor the head's own."""
    rows = (
        QuarterGrade.objects.filter(appraisal_quarter__year=2026, appraisal_quarter__quarter=3)
        .filter(department__code=DEMO_HEAD_DEPARTMENT)
        .exclude(person__username__in=["demo_staff", "demo_head"])
        .select_related("person")
        .order_by("pk")
    )
    return rows.filter(grade=Grade.GOOD).first() or rows.filter(grade=Grade.FAIRLY_GOOD).first()


def test_publish_object_send_back_regrade_confirm_republish_and_lock(ui, phone_ui, demo_quarters, clock):
    grade = _objected_grade()
    name = grade.person.get_full_name()
    new_grade, new_label = (Grade.FAIRLY_GOOD, "较好") if grade.grade == Grade.GOOD else (Grade.AVERAGE, "一般")

    # HR publishes the latest approved quarter from the board.
    ui.sign_in_as("demo_hr")
    ui.go_via_menu("结果公示", "/publicity/")
    # Nothing chosen yet: no warning that publishing cannot be undone, the page says to choose.
    unexpected = []

    def refuse(dialog):
        unexpected.append(dialog.message)
        dialog.dismiss()

    ui.page.on("dialog", refuse)
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("publish-submit").click()
    expect(ui.page.get_by_text("请选择要公示的内容。")).to_be_visible()
    ui.page.remove_listener("dialog", refuse)
    assert unexpected == []
    asked = ui.publish("2026年第3季度")
    expect(ui.page.get_by_test_id("publication-title")).to_contain_text("2026年第3季度")
    assert "不能撤回" in asked  # published to everyone at once: asked first
    expect(ui.page.get_by_test_id("ends-on")).to_have_text("2026-12-07")
    publication_url = ui.page.url
    ui.screenshot("1-published")

    # demo_staff, on a phone, sees it and objects to the colleague's grade.
    phone_ui.sign_in_as("demo_staff", to="/publicity/")
    phone_ui.page.get_by_test_id("publication-row").first.get_by_role("link").click()
    phone_ui.page.wait_for_url("**/publicity/*/")
    expect(phone_ui.page.get_by_test_id("time-left")).to_contain_text("5个工作日")
    row = phone_ui.page.get_by_test_id("entry").filter(has_text=name)
    row.get_by_test_id("object-link").click()
    phone_ui.page.fill("textarea[name=text]", "该同志本季度重点工作有延期，请核实。")
    with phone_ui.page.expect_navigation():
        phone_ui.page.get_by_test_id("objection-submit").click()
    expect(phone_ui.page.get_by_test_id("objection-state")).to_have_text("已提出")
    objection_url = phone_ui.page.url
    phone_ui.screenshot("2-objection-phone")
    phone_ui.assert_scrolls_not_sideways()
    phone_ui.assert_no_csp_errors()

    # HR's home page has the objection to handle.
    ui.goto("/")
    objections = ui.page.get_by_test_id("todo-objections")
    expect(objections.get_by_test_id("todo-count")).to_have_text("1")

    # HR accepts it and sends the grade back to its evaluator.
    ui.goto(objection_url.replace(phone_ui.base_url, ""))
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("accept").click()
    asked: list[str] = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    # Not answered before it is verified (受理 → 核实 → 答复): the page says so instead of the box.
    expect(ui.page.get_by_test_id("answer-after-verify")).to_be_visible()
    expect(ui.page.locator("#answer-text")).to_have_count(0)
    # Text typed in one box is not sent by another box's button: the page asks first.
    ui.page.fill("#send-back-text", "草拟的退回理由")
    ui.page.fill("#verify-text", "已调阅季度目标")
    ui.page.once("dialog", dismiss)
    ui.page.get_by_test_id("verify").click()
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已受理")
    expect(ui.page.locator("#send-back-text")).to_have_value("草拟的退回理由")
    assert asked and "其他输入框中已输入的内容不会随本次操作提交" in asked.pop()
    ui.page.fill("#verify-text", "")
    ui.page.fill("#send-back-text", "经核实，重点工作确有延期。")
    # The browser asks first (the grade leaves the publication); dismissed, nothing is sent.
    ui.page.once("dialog", dismiss)
    ui.page.get_by_test_id("send-back").click()
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已受理")
    expect(ui.page.get_by_test_id("sent-back")).to_have_count(0)
    assert asked and name in asked[0] and "确定退回重评" in asked[0]
    ui.page.once("dialog", lambda dialog: dialog.accept())
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("send-back").click()
    expect(ui.page.get_by_test_id("sent-back")).to_be_visible()
    ui.screenshot("3-sent-back")

    # demo_head regrades; demo_leader confirms.
    ui.sign_in_as("demo_head", to=f"/evaluations/grading/{grade.pk}/")
    expect(ui.page.get_by_test_id("reopened")).to_be_visible()
    form = ui.page.get_by_test_id("grade-form")
    form.locator(f"input[data-grade-choice][value='{new_grade}'] + label").click()
    form.locator("textarea[name$='comment']").fill("重点工作有延期，重新评定。")
    if new_grade == Grade.AVERAGE:
        form.locator("textarea[name$='reason']").fill("重点工作延期完成。")
    with ui.page.expect_navigation():
        form.get_by_test_id("save-grade").click()

    ui.sign_in_as("demo_leader", to=f"/evaluations/grading/{grade.pk}/")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("confirm-one").click()
    grade.refresh_from_db()
    assert grade.grade == new_grade and grade.reopened_at is None

    # HR answers and, two days later, publishes the entry again for its own window.
    clock.move_to(REPUBLISHED_ON)
    ui.sign_in_as("demo_hr", to=objection_url.replace(phone_ui.base_url, ""))
    ui.page.fill("#verify-text", "经核实，重点工作确有延期，已重新评定。")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("verify").click()
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已核实")
    ui.page.fill("#answer-text", "异议属实，已重新评定并重新公示。")
    # Reply and close ends the objection for good: the page asks first.
    ui.page.once("dialog", lambda dialog: dialog.accept())
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("answer-submit").click()
    ui.goto(publication_url.replace(ui.base_url, ""))
    row = ui.page.get_by_test_id("entry").filter(has_text=name)
    # Publishing again notifies everyone: the page asks first.
    ui.page.once("dialog", lambda dialog: dialog.accept())
    with ui.page.expect_navigation():
        row.get_by_test_id("republish").click()
    row = ui.page.get_by_test_id("entry").filter(has_text=name)
    expect(row.get_by_test_id("entry-grade")).to_have_text(new_label)
    expect(row.get_by_test_id("entry-state")).to_contain_text("2026-12-09")
    ui.assert_no_csp_errors()

    # The objector reads the answer.
    phone_ui.goto(objection_url.replace(phone_ui.base_url, ""))
    expect(phone_ui.page.get_by_test_id("answer")).to_contain_text("异议属实")

    # After the window the locking job locks it (定等).
    clock.move_to(AFTER)
    call_command("lock_publications")
    entry = PublicationEntry.objects.get(quarter_grade=grade)
    assert entry.state == EntryState.LOCKED
    grade.refresh_from_db()
    assert grade.locked_at is not None
    ui.goto(publication_url.replace(ui.base_url, ""))
    expect(ui.page.get_by_test_id("time-left")).to_have_text("已定等")
    ui.screenshot("4-locked")

    # demo_leader records the feedback talk with demo_staff, whose grade the same run locked.
    staff_grade = QuarterGrade.objects.get(person__username="demo_staff", appraisal_quarter=grade.appraisal_quarter)
    assert staff_grade.locked_at is not None
    ui.sign_in_as("demo_leader", to="/publicity/feedback/?show=pending")
    ui.page.get_by_test_id(f"feedback-record-{staff_grade.pk}").click()
    ui.page.wait_for_url(f"**/publicity/feedback/grade/{staff_grade.pk}/")
    ui.page.fill("textarea[name=content]", "结合三季度目标逐项回顾了完成情况。")
    # The texts of the demo grade only: the reasons (好), the shortcomings with the improvement
    # (一般/较差), none for 较好; the others are not asked.
    from publicity.feedback.selectors import GRADE_TEXTS, talk_texts_for

    texts = {"reasons": "重点工作按期完成。", "shortcomings": "个别材料报送偏晚。", "improvements": "提前安排。"}
    for name in GRADE_TEXTS:
        box = ui.page.locator(f"textarea[name={name}]")
        if name in talk_texts_for(staff_grade.grade):
            box.fill(texts[name])
        else:
            expect(box).to_have_count(0)
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("feedback-save").click()
    expect(ui.page.get_by_test_id("feedback-waiting")).to_be_visible()
    ui.screenshot("5-feedback-recorded")

    # demo_staff, still on the phone, finds it on the home page and confirms it.
    phone_ui.goto("/")
    talk = phone_ui.confirm_feedback_talk(staff_grade, reads="结合三季度目标", opinion="同意，下季度改进。")
    phone_ui.screenshot("6-feedback-confirmed-phone")
    phone_ui.assert_scrolls_not_sideways()
    phone_ui.assert_no_csp_errors()
    talk.refresh_from_db()
    assert talk.is_confirmed

    # HR's overview counts the recorded and confirmed talk in the department.
    ui.sign_in_as("demo_hr")
    ui.go_via_menu("反馈谈话情况", "/publicity/feedback/overview/")
    row = ui.page.get_by_test_id(f"overview-row-{staff_grade.department_id}")
    expect(row.get_by_test_id("overview-confirmed")).to_have_text("1")
    ui.screenshot("7-feedback-overview")
    ui.assert_no_csp_errors()
    assert User.objects.filter(username="demo_staff").exists()
