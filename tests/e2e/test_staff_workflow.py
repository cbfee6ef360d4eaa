"""The staff workflow end to end, in a real browser, on the demo organisation.

Desktop: demo_staff writes this quarter's targets and submits them; demo_head returns them with a
reason; demo_staff reworks and resubmits; demo_head approves. Then demo_staff writes this month's
summary (the progress list shows the target items, typing is autosaved and survives a reload),
submits; demo_head returns it; demo_staff resubmits; demo_head approves from the review inbox.

Phone: the staff part (targets and summary written and submitted) on 390×844, reaching the pages
through the navbar toggler, without the content running wider than the screen.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts import periods
from accounts.models import User
from accounts.workflow import ReviewStatus
from tests.factories import MonthlySummaryFactory

pytestmark = pytest.mark.e2e

FULL_NAMES = {"demo_staff": "就业促进科科员", "demo_head": "就业促进科科长"}
TARGET_SET_URL = re.compile(r"/targets/\d+/$")
SUMMARY_URL = re.compile(r"/summaries/\d+/$")


def quarter_end(today: date) -> date:
    return periods.Quarter.of(today).last_day


def target_items() -> list[dict]:
    end = quarter_end(timezone.localdate())
    return [
        {
            "content": "完成高校毕业生就业帮扶专项行动",
            "kind": "重点工作",
            "measures": "走访重点企业，举办两场专场招聘会",
            "deadline": end - timedelta(days=20),
        },
        {
            "content": "整理就业补贴申领台账",
            "kind": "日常工作",
            "measures": "逐月核对申领材料并归档",
            "deadline": end,
        },
    ]


# --- Helpers -----------------------------------------------------------------------------


def fill_items(ui, items: list[dict]):
    """Fill the targets formset's first rows, adding rows with 添加一项 when needed."""
    page = ui.page
    for i, item in enumerate(items):
        if page.locator("[data-formset-form]").count() <= i:
            page.get_by_role("button", name="添加一项").click()
        page.fill(f"textarea[name='items-{i}-content']", item["content"])
        page.select_option(f"select[name='items-{i}-kind']", label=item["kind"])
        page.fill(f"textarea[name='items-{i}-measures']", item["measures"])
        page.fill(f"input[name='items-{i}-deadline']", item["deadline"].isoformat())


def submit_form(ui, button_name: str) -> list[str]:
    """Press the button and follow the page it leads to, saying yes to what the browser asks first;
    returns what it asked."""
    with ui.answering_questions() as asked, ui.page.expect_navigation():
        ui.page.locator("main").get_by_role("button", name=button_name, exact=True).click()
    return asked


def month_not_over_question() -> str:
    """What handing in this month's summary asks first: the month is not over."""
    return f"{timezone.localdate().month}月尚未结束，月小结通常在月末后提交。确定现在提交？"


def expect_status(ui, text: str):
    expect(ui.page.locator("main").get_by_test_id("status").first).to_have_text(re.compile(rf"^\s*{text}"))


def start_targets(ui, items: list[dict]) -> str:
    """From /targets/, start this quarter's set and fill it in; returns the set's path."""
    expect(ui.page.locator("h1")).to_have_text("我的季度目标")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("current-quarter").click()
    ui.page.wait_for_url(TARGET_SET_URL)
    expect_status(ui, "草稿")
    fill_items(ui, items)
    return ui.page.url.removeprefix(ui.base_url)


def last_month_handed_in() -> None:
    """demo_staff handed last month's summary in, so /summaries/ offers this month's first (early in a
    month it would otherwise offer last month's, still due)."""
    last = periods.Month.of(timezone.localdate()).previous()
    MonthlySummaryFactory(
        owner=User.objects.get(username="demo_staff"),
        year=last.year,
        month=last.month,
        submitted=True,
        status=ReviewStatus.APPROVED,
    )


def start_summary(ui) -> str:
    """From /summaries/, open this month's summary; returns its path."""
    write = ui.page.get_by_test_id("write-this-month")
    expect(write).to_have_attribute("data-month", str(timezone.localdate().month))
    with ui.page.expect_navigation():
        write.click()
    ui.page.wait_for_url(SUMMARY_URL)
    expect_status(ui, "草稿")
    return ui.page.url.removeprefix(ui.base_url)


def return_with_reason(ui, reason: str, button_name: str = "退回修改"):
    ui.page.locator("main textarea[name=reason]").fill(reason)
    submit_form(ui, button_name)
    expect(ui.page.locator(".alert-success")).to_contain_text("已退回")
    expect_status(ui, "已退回")


def open_from_inbox(ui, kind_label: str):
    ui.go_via_menu("待我审核", "/review/")
    row = ui.page.get_by_test_id("inbox-row").filter(has_text=kind_label)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(FULL_NAMES["demo_staff"])
    with ui.page.expect_navigation():
        row.get_by_role("link", name="查看").click()


# --- Desktop: the whole loop --------------------------------------------------------------


def test_staff_and_head_run_the_whole_loop(ui, demo):
    items = target_items()
    page = ui.page
    last_month_handed_in()

    # 1. demo_staff writes this quarter's targets and submits them.
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    targets_path = start_targets(ui, items)
    ui.screenshot("01-targets-filled")
    submit_form(ui, "提交审核")
    expect(page.locator(".alert-success")).to_contain_text("目标已提交")
    expect_status(ui, "已提交")
    rows = page.get_by_test_id("item-row")
    expect(rows).to_have_count(2)
    for row, item in zip((rows.nth(0), rows.nth(1)), items, strict=True):
        expect(row).to_contain_text(item["content"])
        expect(row).to_contain_text(item["kind"])
        expect(row).to_contain_text(item["measures"])
        expect(row).to_contain_text(item["deadline"].isoformat())
        # On a desktop the short values keep to one line (重点工/作 broke in two).
        for label in ("类别", "时间节点"):
            cell = row.locator(f'td[data-label="{label}"]')
            assert cell.evaluate("c => getComputedStyle(c).whiteSpace") == "nowrap", label
    ui.screenshot("02-targets-submitted")

    # 2. demo_head finds it in the review inbox and returns it with a reason.
    ui.sign_in_as("demo_head")
    open_from_inbox(ui, "季度目标")
    assert page.url == ui.base_url + targets_path
    expect_status(ui, "已提交")
    return_with_reason(ui, "第一项请写明帮扶人数目标。")
    ui.screenshot("03-targets-returned")

    # 3. demo_staff sees the reason, edits and resubmits.
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    expect(page.get_by_test_id("target-set-row")).to_contain_text("已退回")
    with page.expect_navigation():
        page.get_by_test_id("current-quarter").click()
    assert page.url == ui.base_url + targets_path
    expect_status(ui, "已退回")
    expect(page.get_by_test_id("return-reason")).to_contain_text("第一项请写明帮扶人数目标。")
    ui.screenshot("04-targets-reason")
    items[0]["content"] = "完成高校毕业生就业帮扶专项行动，帮扶不少于200人"
    expect(page.locator("textarea[name='items-0-content']")).to_have_value(re.compile("就业帮扶专项行动"))
    page.fill("textarea[name='items-0-content']", items[0]["content"])
    submit_form(ui, "提交审核")
    expect_status(ui, "已提交")
    expect(page.get_by_test_id("item-row").first).to_contain_text("帮扶不少于200人")
    expect(page.get_by_test_id("revision")).to_have_count(2)

    # 4. demo_head approves on the set's page.
    ui.sign_in_as("demo_head", to=targets_path)
    expect_status(ui, "已提交")
    submit_form(ui, "审核通过")
    expect(page.locator(".alert-success")).to_contain_text("已通过审核")
    expect_status(ui, "已通过")
    ui.screenshot("05-targets-approved")

    # 5. demo_staff starts this month's summary: the progress list shows the targets.
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    expect(page.get_by_test_id("target-set-row")).to_contain_text("已通过")
    ui.go_via_menu("月小结", "/summaries/")
    summary_path = start_summary(ui)
    progress = page.get_by_test_id("progress-item")
    expect(progress).to_have_count(2)
    expect(progress.nth(0)).to_contain_text(items[0]["content"])
    expect(progress.nth(1)).to_contain_text(items[1]["content"])

    # Typing is autosaved and is still there after a reload.
    note = "本月走访企业12家，举办专场招聘会1场。"
    progress.nth(0).locator("textarea").fill(note)
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    ui.screenshot("06-summary-autosaved")
    page.reload()
    expect(page.get_by_test_id("progress-item").nth(0).locator("textarea")).to_have_value(note)
    page.fill("#id_other_work", "配合完成稳岗返还审核。")
    assert submit_form(ui, "提交审核") == [month_not_over_question()]
    expect(page.locator(".alert-success")).to_contain_text("小结已提交")
    expect_status(ui, "已提交")
    expect(page.get_by_test_id("progress-item").nth(0)).to_contain_text(note)
    ui.screenshot("07-summary-submitted")

    # 6. demo_head returns the summary with a reason.
    ui.sign_in_as("demo_head")
    open_from_inbox(ui, "月小结")
    assert page.url == ui.base_url + summary_path
    expect_status(ui, "已提交")
    return_with_reason(ui, "请补充招聘会达成就业意向人数。")

    # 7. demo_staff sees the reason and resubmits.
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("月小结", "/summaries/")
    month_row = page.get_by_test_id(f"month-{timezone.localdate().month}")
    expect(month_row.get_by_test_id("status")).to_have_text("已退回")
    # Returned: the list offers 修改 (it offered 填写, as if nothing had been written).
    with page.expect_navigation():
        month_row.get_by_role("link", name="修改").click()
    assert page.url == ui.base_url + summary_path
    expect_status(ui, "已退回")
    expect(page.get_by_test_id("return-reason")).to_contain_text("请补充招聘会达成就业意向人数。")
    first_note = page.get_by_test_id("progress-item").nth(0).locator("textarea")
    expect(first_note).to_have_value(note)
    first_note.fill(note + "达成就业意向86人。")
    ui.screenshot("08-summary-returned")
    assert submit_form(ui, "重新提交") == [month_not_over_question()]
    expect_status(ui, "已提交")
    expect(page.get_by_test_id("progress-item").nth(0)).to_contain_text("达成就业意向86人。")

    # 8. demo_head approves it from the review inbox's 通过 button.
    ui.sign_in_as("demo_head")
    ui.go_via_menu("待我审核", "/review/")
    expect(page.get_by_test_id("inbox-count")).to_have_text("1")
    row = page.get_by_test_id("inbox-row")
    expect(row).to_contain_text("月小结")
    # One tap approves for good: the browser asks first, naming whose document.
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    with page.expect_navigation():
        row.get_by_test_id("approve-one").click()
    assert asked and asked[0].startswith("确定通过") and "月小结" in asked[0], asked
    expect(page.locator(".alert-success")).to_contain_text("已审核通过1项")
    expect(page.get_by_test_id("inbox-empty")).to_be_visible()
    ui.screenshot("09-inbox-empty")
    ui.goto(summary_path)
    expect_status(ui, "已通过")

    # 9. demo_staff sees both approved.
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("月小结", "/summaries/")
    expect(page.get_by_test_id(f"month-{timezone.localdate().month}").get_by_test_id("status")).to_have_text("已通过")
    ui.goto(summary_path)
    expect_status(ui, "已通过")
    expect(page.locator("main textarea")).to_have_count(0)
    ui.screenshot("10-summary-approved")
    ui.assert_no_csp_errors()


# --- Phone: the staff part ----------------------------------------------------------------


def test_staff_writes_targets_and_summary_on_a_phone(phone_ui, demo):
    ui = phone_ui
    page = ui.page
    items = target_items()
    last_month_handed_in()
    ui.sign_in_as("demo_staff")
    expect(page.locator("#mainNav")).to_be_hidden()

    # Targets, through the toggler.
    ui.go_via_menu("季度目标", "/targets/")
    ui.assert_fits_screen()
    start_targets(ui, items)
    ui.assert_fits_screen()
    ui.screenshot("01-targets-edit")
    submit_form(ui, "提交审核")
    expect_status(ui, "已提交")
    expect(page.get_by_test_id("item-row")).to_have_count(2)
    ui.assert_fits_screen()
    ui.screenshot("02-targets-submitted")

    # This month's summary, through the toggler again.
    expect(page.locator("#mainNav")).to_be_hidden()
    ui.go_via_menu("月小结", "/summaries/")
    ui.assert_fits_screen()
    start_summary(ui)
    progress = page.get_by_test_id("progress-item")
    expect(progress).to_have_count(2)
    expect(progress.nth(0)).to_contain_text(items[0]["content"])
    expect(progress.nth(1)).to_contain_text(items[1]["content"])
    ui.assert_fits_screen()
    note = "手机上填写：走访企业5家。"
    progress.nth(0).locator("textarea").fill(note)
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    ui.screenshot("03-summary-edit")
    assert submit_form(ui, "提交审核") == [month_not_over_question()]
    expect_status(ui, "已提交")
    expect(page.get_by_test_id("progress-item").nth(0)).to_contain_text(note)
    ui.assert_fits_screen()
    ui.screenshot("04-summary-submitted")
    ui.assert_no_csp_errors()


def leave_declined(page) -> list[str]:
    """Tap 返回我的季度目标 and decline whatever the browser asks; the dialogs' types."""
    asked: list[str] = []

    def stay(dialog) -> None:
        asked.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", stay)
    page.get_by_role("link", name="返回我的季度目标").click()
    page.wait_for_timeout(500)
    return asked


def test_leaving_typed_targets_unsaved_asks_first(ui, demo):
    page = ui.page
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    path = start_targets(ui, target_items())
    # The browser asked (beforeunload) and, declined, the page and what was typed stay.
    assert leave_declined(page) == ["beforeunload"] and page.url.endswith(path)
    submit_form(ui, "保存草稿")
    expect_status(ui, "草稿")
    # Saved: leaving asks nothing.
    with page.expect_navigation():
        page.get_by_role("link", name="返回我的季度目标").click()
    assert page.url.endswith("/targets/")


def test_a_refused_save_still_asks_before_the_typed_targets_are_left(ui, demo):
    """A user test: after a refused 提交审核 the page showed the typed items, and 返回 left without
    asking; they were gone. Weights wrong: kept as a draft. A date the server cannot read: not saved,
    so leaving asks first, as before the refusal."""
    page = ui.page
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    path = start_targets(ui, target_items())
    page.fill("input[name='items-0-weight']", "70")
    submit_form(ui, "提交审核")
    expect(page.locator(".alert-danger").first).to_contain_text("已保存为草稿，尚未提交")
    with page.expect_navigation():
        page.get_by_role("link", name="返回我的季度目标").click()
    with page.expect_navigation():
        page.goto(ui.base_url + path)
    expect(page.locator("textarea[name='items-0-content']")).to_have_value(target_items()[0]["content"])
    # A date the server refuses: the page comes back holding it, not saved.
    page.locator("input[name='items-0-deadline']").evaluate("e => { e.type = 'text'; e.value = '2026-13-45'; }")
    submit_form(ui, "保存草稿")
    expect(page.locator(".alert-danger").first).to_contain_text("请按提示修改后再保存")
    assert leave_declined(page) == ["beforeunload"] and page.url.endswith(path)


# --- Dates survive a second save (the picker needs ISO dates in value) ----------------------


def test_saved_deadline_survives_editing_again(ui, demo):
    items = target_items()
    page = ui.page
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    start_targets(ui, items)
    submit_form(ui, "保存草稿")
    expect_status(ui, "草稿")
    # Saving the draft again without touching anything must keep the deadlines.
    submit_form(ui, "保存草稿")
    submit_form(ui, "提交审核")
    expect_status(ui, "已提交")
    expect(page.get_by_test_id("item-row").first).to_contain_text(items[0]["deadline"].isoformat(), timeout=2_000)


def test_switching_language_on_typed_targets_asks_once(ui, demo):
    """The language switch asks about the typed targets itself; answered yes, the browser's own
    leave-page question (data-warn-unsaved) does not follow it (a review: asked twice)."""
    page = ui.page
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    start_targets(ui, target_items())
    asked: list[str] = []

    def answer(dialog) -> None:
        asked.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    with page.expect_navigation():
        page.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    page.wait_for_timeout(300)
    assert asked == ["confirm"]
