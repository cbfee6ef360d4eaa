"""Autosave in a real browser: text typed is saved, a stale tab is told so, leaving the page saves."""

import time
from datetime import date, datetime

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from accounts.workflow import ReviewStatus
from summaries import services
from summaries.models import MonthlySummary, SummaryConflictCopy
from tests.factories import TargetItemFactory, TargetSetFactory


def stored_summary(pk: int) -> MonthlySummary:
    """The summary as the database holds it, read while the live server may be saving it.

    The server shares the test's in-memory SQLite (one shared cache), whose table locks fail at
    once instead of waiting: a read that meets the server's write is tried again (CI once failed
    with "database table is locked" here)."""
    for _attempt in range(50):
        try:
            return MonthlySummary.objects.get(pk=pk)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    return MonthlySummary.objects.get(pk=pk)


pytestmark = pytest.mark.e2e


@pytest.fixture
def summary(transactional_db, staff):
    """staff's October 2026 summary, with a progress row for each of two approved target items."""
    target_set = TargetSetFactory(owner=staff, status=ReviewStatus.APPROVED)
    for order, content in enumerate(("完成年度预算编制", "整理档案")):
        TargetItemFactory(target_set=target_set, sort_order=order, content=content)
    october = datetime(2026, 10, 20, 10, 0, tzinfo=services.CHINA)
    return services.summary_get_or_create(owner=staff, year=2026, month=10, now=october)


@pytest.fixture
def signed_in(phone_ui, staff, password):
    phone_ui.sign_in_as(staff.username, password)
    return phone_ui


def page_errors(ui) -> list[str]:
    # Script errors and CSP refusals; "failed to load resource" lines (the 409 itself, the
    # favicon) are not faults of the page.
    return ui.csp_messages() + [m for m in ui.console if m.startswith("pageerror:")]


def test_typing_is_autosaved_and_a_stale_tab_is_warned(signed_in, summary):
    ui = signed_in
    page = ui.page
    path = f"/summaries/{summary.pk}/"
    ui.goto(path)
    page.fill("#id_other_work", "手机上写的内容")
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    assert stored_summary(summary.pk).other_work == "手机上写的内容"

    # A second tab saves newer text; the first, still on the old version, must not overwrite it.
    other = page.context.new_page()
    other.on("console", lambda message: ui.console.append(f"{message.type}: {message.text}"))
    other.on("pageerror", lambda error: ui.console.append(f"pageerror: {error}"))
    other.goto(ui.base_url + path)
    other.fill("#id_problems", "另一页面写的")
    expect(other.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    page.fill("#id_problems", "旧页面写的")
    alert = page.locator("[data-conflict-alert]")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text("此小结已在其他页面更新")
    ui.screenshot("conflict")
    assert stored_summary(summary.pk).problems == "另一页面写的"
    assert SummaryConflictCopy.objects.get(summary=summary).payload["problems"] == "旧页面写的"
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_leaving_the_page_right_after_typing_saves_the_text(signed_in, summary):
    ui = signed_in
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    page.fill("#id_next_month_plan", "刚打完就离开")
    ui.goto("/summaries/")
    # Saved within a second of leaving (looked at every 50 ms rather than once after the second).
    for _tick in range(20):
        if stored_summary(summary.pk).next_month_plan == "刚打完就离开":
            break
        page.wait_for_timeout(50)
    assert stored_summary(summary.pk).next_month_plan == "刚打完就离开"
    ui.goto(f"/summaries/{summary.pk}/")
    assert page.input_value("#id_next_month_plan") == "刚打完就离开"
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_a_reload_right_after_typing_shows_the_text_and_the_next_save_is_no_conflict(signed_in, summary):
    """A user test: typed, reloaded within the 2 s: the box came back empty (the page was drawn
    before the last save landed), and typing on gave "此小结已在其他页面更新" with one tab open."""
    ui = signed_in
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    page.fill("#id_other_work", "刷新前输入的内容")
    page.reload()
    expect(page.locator("#id_other_work")).to_have_value("刷新前输入的内容")
    page.fill("#id_problems", "刷新后继续输入")
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    expect(page.locator("[data-conflict-alert]")).to_be_hidden()
    stored = stored_summary(summary.pk)
    assert (stored.other_work, stored.problems) == ("刷新前输入的内容", "刷新后继续输入")
    assert not SummaryConflictCopy.objects.filter(summary=summary).exists()
    assert page_errors(ui) == [], "\n".join(ui.console)


# --- Attaching a file never costs typed text (issue 9 §2) ---------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(params=["desktop", "phone"])
def any_ui(request, staff, password, private_files):
    """Signed in as staff, on a desktop-sized and then a phone-sized tab."""
    tab = request.getfixturevalue("ui" if request.param == "desktop" else "phone_ui")
    tab.sign_in_as(staff.username, password)
    return tab


def test_a_file_attached_while_autosave_is_on_its_way_keeps_the_text_and_the_next_save(any_ui, summary):
    ui = any_ui
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    # A mark on this very page: a reload would wipe it.
    page.evaluate("window.__samePage = true")
    page.fill("#id_other_work", "上传附件前写的内容")
    # The server's limit is shown as a counter under the box.
    expect(page.locator("#id_other_work + [data-length-counter]")).to_have_text("9 / 5000")
    ui.choose_file("input[type=file]", "会议纪要.pdf", PDF)
    page.locator("form[data-attachment-form] button[type=submit]").click()  # well within the 2 s debounce
    expect(page.get_by_test_id("attachments")).to_contain_text("会议纪要.pdf", timeout=10_000)
    expect(page.locator("[data-attachment-status]")).to_contain_text("已上传")
    assert page.evaluate("window.__samePage === true"), "the page was reloaded by the upload"
    assert page.input_value("#id_other_work") == "上传附件前写的内容"
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    assert stored_summary(summary.pk).other_work == "上传附件前写的内容"

    # The next save is accepted: nothing moved the version under the page.
    page.fill("#id_problems", "之后又写的")
    for _tick in range(200):
        page.wait_for_timeout(50)
        stored = stored_summary(summary.pk)
        if stored.problems or page.locator("[data-conflict-alert]").is_visible():
            break
    expect(page.locator("[data-conflict-alert]")).to_be_hidden()
    assert (stored.other_work, stored.problems) == ("上传附件前写的内容", "之后又写的")
    assert not SummaryConflictCopy.objects.exists()
    ui.assert_fits_screen()
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_the_browser_refuses_an_empty_or_oversized_file_before_sending_it(any_ui, summary, organisation):
    organisation.policy.attachment_max_mb = 1
    organisation.policy.save()
    ui = any_ui
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    expect(page.locator("form[data-attachment-form]")).to_contain_text("不超过 1 MB")
    sent = ui.requests_to("/attachments/")
    status = page.locator("[data-attachment-status]")
    button = page.locator("form[data-attachment-form] button[type=submit]")

    ui.choose_file("input[type=file]", "大文件.pdf", PDF + b"0" * (1024 * 1024))
    expect(status).to_contain_text("文件超过 1 MB")
    button.click()
    expect(status).to_contain_text("文件超过 1 MB")

    ui.choose_file("input[type=file]", "空白.pdf", b"")
    expect(status).to_contain_text("是空的（0 字节）")
    button.click()
    expect(status).to_contain_text("是空的（0 字节）")

    page.wait_for_timeout(500)
    assert sent == [], sent
    assert not summary.attachments.exists()

    # The same file twice is recognised by the server.
    ui.choose_file("input[type=file]", "纪要.pdf", PDF)
    button.click()
    expect(page.get_by_test_id("attachments")).to_contain_text("纪要.pdf")
    ui.choose_file("input[type=file]", "纪要-副本.pdf", PDF)
    button.click()
    expect(status).to_contain_text("已经上传过")
    assert summary.attachments.count() == 1
    ui.assert_fits_screen()
    assert page_errors(ui) == [], "\n".join(ui.console)


def _hold_the_first_autosave(ui, summary, text: str) -> list:
    """Open the summary and type ``text``: the first autosave reaches the server (the version moves
    on) but its answer is held back; answers [(route, response)] to fulfil it later."""
    page = ui.page
    held = []

    def hold_the_first_answer(route):
        if held:
            route.continue_()
        else:
            held.append((route, route.fetch()))

    page.route("**/autosave/", hold_the_first_answer)
    ui.goto(f"/summaries/{summary.pk}/")
    page.fill("#id_other_work", text)
    for _tick in range(200):
        page.wait_for_timeout(50)
        if held:
            break
    assert held, "the autosave was not sent"
    return held


def test_submitting_while_an_autosave_is_on_its_way_waits_for_it_instead_of_conflicting(any_ui, summary):
    ui = any_ui
    page = ui.page
    held = _hold_the_first_autosave(ui, summary, "先写的")
    assert stored_summary(summary.pk).other_work == "先写的"
    page.fill("#id_problems", "提交前又写的")
    page.get_by_role("button", name="提交审核").click()
    page.wait_for_timeout(500)
    route, answer = held[0]
    with page.expect_navigation():
        route.fulfill(response=answer)
    expect(page.get_by_test_id("status")).to_contain_text("已提交")
    stored = stored_summary(summary.pk)
    assert (stored.status, stored.other_work, stored.problems) == ("submitted", "先写的", "提交前又写的")
    assert not SummaryConflictCopy.objects.exists()
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_handing_in_before_the_month_is_over_asks_once_even_while_an_autosave_is_on_its_way(
    ui, staff, password, summary, clock
):
    """A user test: October's summary was handed in on the 12th without a word. 提交审核 asks first
    (once, when the form is sent after the autosave it waited for), 保存 does not; no is no."""
    clock.move_to(date(2026, 10, 12))
    ui.sign_in_as(staff.username, password)
    page = ui.page
    question = "10月尚未结束，月小结通常在月末后提交。确定现在提交？"
    held = _hold_the_first_autosave(ui, summary, "十月上旬的工作")
    with ui.answering_questions(accept=False) as asked:
        page.get_by_role("button", name="提交审核").click()
        route, answer = held[0]
        route.fulfill(response=answer)
        expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存")
        page.wait_for_timeout(300)
    assert asked == [question]
    assert stored_summary(summary.pk).status == "draft"
    with ui.answering_questions() as asked, page.expect_navigation():
        page.get_by_role("button", name="保存", exact=True).click()
    assert asked == []
    with ui.answering_questions() as asked, page.expect_navigation():
        page.get_by_role("button", name="提交审核").click()
    assert asked == [question]
    expect(page.get_by_test_id("status")).to_contain_text("已提交")
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_a_phone_locked_while_a_save_is_on_its_way_keeps_the_last_words(any_ui, summary):
    ui = any_ui
    page = ui.page
    held = _hold_the_first_autosave(ui, summary, "先写的")
    page.fill("#id_other_work", "先写的，锁屏前又写的")
    # The screen locks (the page is hidden) before the first answer is back: the page's last save
    # goes out on the old version.
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "hidden", configurable: true});
            document.dispatchEvent(new Event("visibilitychange"));
        }"""
    )
    for _tick in range(200):
        page.wait_for_timeout(50)
        if stored_summary(summary.pk).other_work == "先写的，锁屏前又写的":
            break
    assert stored_summary(summary.pk).other_work == "先写的，锁屏前又写的"
    # The first answer arrives last, with an older version; the next save is still accepted.
    route, answer = held[0]
    route.fulfill(response=answer)
    page.evaluate(
        """() => {
            Object.defineProperty(document, "visibilityState", {value: "visible", configurable: true});
        }"""
    )
    page.fill("#id_problems", "解锁后写的")
    for _tick in range(200):
        page.wait_for_timeout(50)
        if stored_summary(summary.pk).problems:
            break
    stored = stored_summary(summary.pk)
    assert (stored.other_work, stored.problems) == ("先写的，锁屏前又写的", "解锁后写的")
    expect(page.locator("[data-conflict-alert]")).to_be_hidden()
    assert not SummaryConflictCopy.objects.exists()
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_a_paste_over_the_limit_says_what_was_cut(ui, staff, password, summary):
    """The browser keeps 5000 characters of a longer paste: the counter says the rest was not pasted
    (a silent cut loses text the person thinks is in), and the note goes at the next keystroke."""
    ui.sign_in_as(staff.username, password)
    page = ui.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui.base_url)
    ui.goto(f"/summaries/{summary.pk}/")
    page.evaluate("navigator.clipboard.writeText('情况'.repeat(2600))")
    page.click("#id_other_work")
    page.keyboard.press("Control+V")
    counter = page.locator("#id_other_work + [data-length-counter]")
    expect(counter).to_contain_text("5000 / 5000")
    expect(counter).to_contain_text("超出的部分没有粘贴进来")
    assert len(page.input_value("#id_other_work")) == 5000
    page.keyboard.press("Backspace")
    expect(counter).to_have_text("4999 / 5000")
    # What was kept is saved as any typed text is.
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)


def test_the_refusal_of_an_empty_summary_goes_once_a_field_holds_text(signed_in, summary):
    """A user test: "小结内容为空，不能提交" stayed in red under a field already filled in and saved."""
    ui = signed_in
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    with ui.answering_questions(), page.expect_navigation():
        page.get_by_role("button", name="提交审核").click()
    refusal = page.locator("[data-until-filled]")
    expect(refusal).to_contain_text("小结内容为空，不能提交")
    field = page.locator("textarea").first
    assert field.get_attribute("aria-invalid") == "true"
    field.fill("本月完成预算初稿")
    expect(refusal).to_have_count(0)
    assert field.get_attribute("aria-invalid") is None
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存")
    assert stored_summary(summary.pk).status == "draft"
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_autosave_after_the_session_ended_says_so_not_the_network(signed_in, summary):
    """A user test: with the session ended the status read 自动保存失败，请检查网络, the network fine."""
    from django.contrib.sessions.models import Session

    ui = signed_in
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    page.fill("#id_other_work", "第一段")
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    Session.objects.all().delete()  # the idle timeout, on the server
    page.fill("#id_other_work", "第一段，第二段")
    status = page.locator("[data-autosave-status]")
    expect(status).to_contain_text("登录已超时，自动保存暂停", timeout=10_000)
    expect(status).not_to_contain_text("请检查网络")
    assert stored_summary(summary.pk).other_work == "第一段"
