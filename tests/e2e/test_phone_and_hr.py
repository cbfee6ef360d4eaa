"""Issue 9 §4, "on a phone and for HR every day", in a real browser on desktop (1280) and phone
(390) viewports: target items as cards, the head's view of a person's targets, the review
inbox's select-all and confirmation, person pickers, HR's grouped menu and policy sections,
password slips and the one-time download, the chosen language, and the personal history."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import User
from accounts.workflow import ReviewStatus
from evaluations.models import Grade, QuarterState
from summaries.models import MonthlySummary
from tests.accounts.test_import import workbook_bytes
from tests.factories import (
    AppraisalQuarterFactory,
    MonthlySummaryFactory,
    NotificationFactory,
    QuarterGradeFactory,
    TargetItemFactory,
    TargetSetFactory,
    UserFactory,
    WorkingDayOverrideFactory,
    audited,
)

pytestmark = pytest.mark.e2e

LONG = "完成高校毕业生就业帮扶专项行动，走访重点企业不少于二十家，举办两场专场招聘会并形成书面总结报告"


def person(username: str) -> User:
    return User.objects.get(username=username)


def is_phone(ui) -> bool:
    return ui.page.viewport_size["width"] < 768


def submitted_targets():
    target_set = TargetSetFactory(owner=person("demo_staff"), year=2026, quarter=4, submitted=True)
    for number in range(3):
        TargetItemFactory(target_set=target_set, content=f"{LONG}（{number + 1}）", measures="每周推进，按月通报进展")
    return target_set


def style_of(ui, selector: str, prop: str, pseudo: str | None = None) -> str:
    return ui.page.evaluate(
        "([s, p, pseudo]) => getComputedStyle(document.querySelector(s), pseudo).getPropertyValue(p)",
        [selector, prop, pseudo],
    )


def expect_item_layout(ui) -> None:
    table = "[data-testid=item-table]"
    expect(ui.page.get_by_test_id("item-row")).to_have_count(3)
    if is_phone(ui):
        # Cards: no column headings, each row a block with each field labelled.
        expect(ui.page.locator(f"{table} thead")).to_be_hidden()
        assert style_of(ui, f"{table} tbody tr", "display") == "block"
        assert style_of(ui, f"{table} td[data-label]", "content", "::before") == '"目标内容"'
    else:
        expect(ui.page.locator(f"{table} thead")).to_be_visible()
        assert style_of(ui, f"{table} tbody tr", "display") == "table-row"
    ui.assert_scrolls_not_sideways()


# --- 1 and 2: target items as cards; the head's view of a person's targets ---------------------


def test_staff_see_their_target_items_as_cards_on_a_phone(demo, any_ui):
    target_set = submitted_targets()
    any_ui.sign_in_as("demo_staff", to=f"/targets/{target_set.pk}/")
    expect_item_layout(any_ui)
    expect(any_ui.page.get_by_role("link", name="返回我的季度目标")).to_be_visible()
    any_ui.screenshot("staff-targets")
    any_ui.assert_no_csp_errors()


def test_the_head_reads_a_persons_targets_as_cards_without_my_targets(demo, any_ui):
    target_set = submitted_targets()
    any_ui.sign_in_as("demo_head", to=f"/targets/{target_set.pk}/")
    expect_item_layout(any_ui)
    expect(any_ui.page.get_by_text("返回我的季度目标")).to_have_count(0)
    expect(any_ui.page.get_by_role("link", name="返回待我审核")).to_be_visible()
    expect(any_ui.page.locator("#mainNav .nav-link.active")).to_have_text("待我审核")
    any_ui.screenshot("head-targets")
    any_ui.assert_no_csp_errors()


# --- 3: the review inbox ---------------------------------------------------------------------


def test_the_head_selects_all_and_confirms_a_bulk_approval(demo, any_ui):
    department = person("demo_staff").department
    waiting = [
        MonthlySummaryFactory(owner=UserFactory(department=department, full_name=f"待审科员{i}"), submitted=True)
        for i in range(3)
    ]
    any_ui.sign_in_as("demo_head", to="/review/?kind=summaries")
    page = any_ui.page
    expect(page.get_by_test_id("inbox-row")).to_have_count(3)
    page.get_by_test_id("select-all").check()
    expect(page.locator("#bulk-form input[name=items]:checked")).to_have_count(3)
    expect(page.locator("[data-selected-count]")).to_have_text("3")
    any_ui.assert_scrolls_not_sideways()
    with page.expect_navigation():
        page.get_by_test_id("bulk-approve").click()
    expect(page.get_by_test_id("confirm-message")).to_contain_text("确定通过所选的3项吗")
    for summary in waiting:
        summary.refresh_from_db()
        assert summary.status == ReviewStatus.SUBMITTED
    any_ui.screenshot("bulk-confirm")
    any_ui.assert_no_csp_errors()
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="确认通过").click()
    expect(page.locator(".alert-success")).to_contain_text("已审核通过3项")
    for summary in waiting:
        summary.refresh_from_db()
        assert summary.status == ReviewStatus.APPROVED


def test_the_head_sorts_the_inbox_by_person(demo, ui):
    department = person("demo_staff").department
    for name in ("乙科员", "甲科员"):
        MonthlySummaryFactory(owner=UserFactory(department=department, full_name=name), submitted=True)
    ui.sign_in_as("demo_head", to="/review/?kind=summaries")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("sort-person").click()
    names = ui.page.get_by_test_id("inbox-row").locator("td:nth-child(3)").all_inner_texts()
    assert names == sorted(names)
    assert "sort=person" in ui.page.url


# --- 4: person pickers -------------------------------------------------------------------------


def test_hr_picks_a_person_for_a_satisfaction_score_by_searching(demo, any_ui):
    any_ui.sign_in_as("demo_hr", to="/evaluations/inputs/satisfaction/new/")
    page = any_ui.page
    select = page.locator("select[name=person]")
    options = select.locator("option")
    texts = options.all_inner_texts()
    # The separated and back-office accounts are not participants (the HR cadre is: they are staff too).
    assert not any(name in text for text in texts for name in ("系统管理员", "审计员", "纪检干部"))
    assert any("就业促进科科员" in text for text in texts)
    page.locator("[data-person-search]").first.fill("就业促进科科员")
    expect(options).to_have_count(2)  # the empty choice and the one match
    select.select_option(label=[t for t in texts if "就业促进科科员" in t][0])
    any_ui.assert_scrolls_not_sideways()
    any_ui.screenshot("picker")
    any_ui.assert_no_csp_errors()


def test_hr_is_asked_before_a_save_empties_the_department_heads_post(demo, any_ui):
    department = person("demo_head").department
    any_ui.sign_in_as("demo_hr", to=f"/accounts/departments/{department.pk}/edit/")
    page = any_ui.page
    asked = []

    def answer(dialog, accept):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, False))
    page.locator("select[name=head]").select_option(value="")
    page.locator("main form[novalidate] button[type=submit]").click()
    expect(page.locator("select[name=head]")).to_have_value("")  # still on the form: nothing sent
    assert len(asked) == 1 and "立即不再是科室“就业促进科”的负责人" in asked[0]
    department.refresh_from_db()
    assert department.head is not None

    page.once("dialog", lambda dialog: answer(dialog, True))
    with page.expect_navigation():
        page.locator("main form[novalidate] button[type=submit]").click()
    expect(page.locator(".alert-warning").first).to_contain_text("无人审核")
    department.refresh_from_db()
    assert department.head is None
    any_ui.assert_scrolls_not_sideways()
    any_ui.assert_no_csp_errors()


# --- 5: HR's menu and the policy page ----------------------------------------------------------


def test_hr_finds_every_page_in_a_menu_grouped_by_area(demo, any_ui):
    any_ui.sign_in_as("demo_hr")
    menu = any_ui.open_menu()
    # 首页, 我的工作 (demo_hr is staff too) and five areas instead of some twenty items side by side.
    expect(menu.locator(":scope > ul.me-auto > li")).to_have_count(7)
    any_ui.go_via_menu("人员管理", "/accounts/staff/")
    expect(any_ui.page.locator("#mainNav .nav-link.active.dropdown-toggle")).to_have_text("组织与人员")
    any_ui.go_via_menu("考核政策", "/accounts/policy/")
    sections = any_ui.page.get_by_test_id("policy-section")
    assert sections.count() >= 5
    expect(sections.first.locator("legend")).to_have_text("考核周期与截止时间")
    expect(sections.first.locator(".form-text").first).to_be_visible()
    any_ui.assert_scrolls_not_sideways()
    any_ui.screenshot("policy")
    any_ui.assert_no_csp_errors()


# --- 6: one-time passwords -----------------------------------------------------------------------


def test_hr_prints_password_slips_and_downloads_the_passwords_once(demo, any_ui, tmp_path):
    rows = [
        ["N901", "新人甲", "", "就业促进科", "", "", "", "", ""],
        ["N902", "新人乙", "", "就业促进科", "", "", "", "", ""],
    ]
    upload = tmp_path / "staff.xlsx"
    upload.write_bytes(workbook_bytes(rows))
    any_ui.sign_in_as("demo_hr", to="/accounts/staff/import/")
    page = any_ui.page
    page.set_input_files("input[type=file]", str(upload))
    with page.expect_navigation():
        page.locator("main form").get_by_role("button").last.click()
    expect(page.get_by_test_id("created-row")).to_have_count(2)
    passwords = page.get_by_test_id("initial-password").all_inner_texts()

    page.emulate_media(media="print")
    expect(page.get_by_test_id("password-slip")).to_have_count(2)
    expect(page.get_by_test_id("password-slips")).to_be_visible()
    expect(page.get_by_test_id("created-table")).to_be_hidden()
    expect(page.locator("nav.navbar")).to_be_hidden()
    any_ui.screenshot("slips-print")
    any_ui.assert_no_csp_errors()
    page.emulate_media(media="screen")
    expect(page.get_by_test_id("password-slips")).to_be_hidden()

    with page.expect_download() as download:
        page.get_by_test_id("download-passwords").click()
    with open(download.value.path(), "rb") as saved:
        sheet = load_workbook(io.BytesIO(saved.read())).active
    assert sorted(row[4] for row in sheet.iter_rows(min_row=2, values_only=True)) == sorted(passwords)
    # Once only: the button says so and cannot be pressed again (a second request would leave the
    # page for the refusal, test_import.py, and the passwords shown here would be gone).
    expect(page.get_by_test_id("download-passwords")).to_be_disabled()
    expect(page.get_by_test_id("download-passwords")).to_have_text("已下载（只能下载一次）")
    expect(page.get_by_test_id("initial-password")).to_have_count(2)


# --- 7: the language is the person's choice ----------------------------------------------------


def test_an_english_browser_gets_chinese_until_the_person_switches(demo, english_browser_ui):
    ui = english_browser_ui
    ui.goto("/accounts/login/")
    expect(ui.page.locator("html")).to_have_attribute("lang", "zh-CN")
    ui.sign_in_as("demo_staff")
    expect(ui.page.locator("html")).to_have_attribute("lang", "zh-CN")
    menu = ui.open_menu()
    with ui.page.expect_navigation():
        menu.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    expect(ui.page.locator("html")).to_have_attribute("lang", "en")
    expect(ui.page.locator(".navbar-brand")).not_to_have_text("平时考核系统")
    ui.goto("/targets/")
    expect(ui.page.locator("html")).to_have_attribute("lang", "en")
    expect(ui.open_menu().get_by_role("link", name="Home")).to_be_visible()
    ui.assert_scrolls_not_sideways()
    ui.screenshot("english")
    ui.assert_no_csp_errors()


@pytest.mark.parametrize("username", ["demo_head", "demo_leader"])
def test_the_english_menu_of_a_head_or_leader_stays_on_one_line_on_a_desktop(demo, ui, username):
    """A user test: in English the head's nine menu items wrapped onto a second line at 1366 px;
    the menu's labels are short in English (context "menu") and the brand is "Appraisal"."""
    ui.sign_in_as(username)
    ui.page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": ui.page.url}])
    ui.goto("/")
    expect(ui.page.locator("html")).to_have_attribute("lang", "en")
    expect(ui.page.locator(".navbar-brand")).to_have_text("Appraisal")
    height = ui.page.evaluate("document.querySelector('nav.navbar').getBoundingClientRect().height")
    assert height < 70, f"the menu takes {height} px: it wraps"


def test_the_english_review_inbox_keeps_its_approve_button_on_a_phone_s_screen(demo, phone_ui):
    """A walk of the English pages: "Quarterly targets" beside a name pushed 通过 (Approve) past the
    phone's edge, to be reached by scrolling the table sideways; the two buttons stack instead."""
    ui = phone_ui
    submitted_targets()
    MonthlySummaryFactory(owner=person("demo_staff"), year=2026, month=11, submitted=True)
    ui.sign_in_as("demo_head")
    ui.page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": ui.page.url}])
    ui.goto("/review/")
    buttons = ui.page.get_by_test_id("approve-one")
    expect(buttons.first).to_have_text("Approve")
    expect(ui.page.get_by_test_id("inbox-row").first).to_contain_text("Targets")
    width = ui.page.viewport_size["width"]
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert box["x"] + box["width"] <= width, (index, box, width)
    ui.screenshot("review-english-phone")


def test_a_long_link_typed_into_a_summary_wraps_instead_of_widening_the_page(demo, any_ui):
    """A user test: a 260-character link in 其他工作 and in the 退回原因 made the summary 1 477 px
    wide on a phone and the notifications page scroll sideways on a desktop."""
    ui = any_ui
    link = "https://www.example.gov.cn/jiuye/zhengce/2026/11/" + "abcdefghij" * 21
    staff = person("demo_staff")
    MonthlySummaryFactory(owner=staff, year=2026, month=10, submitted=True, other_work=f"政策原文见{link}")
    returned = MonthlySummaryFactory(
        owner=staff, year=2026, month=9, status=ReviewStatus.RETURNED, return_reason=f"链接打不开：{link}"
    )
    NotificationFactory(recipient=staff, message=f"您的月小结被退回：链接打不开：{link}")
    ui.sign_in_as("demo_staff")
    for path in (f"/summaries/{returned.pk}/", "/accounts/notifications/"):
        ui.goto(path)
        expect(ui.page.get_by_text(link[-30:], exact=False).first).to_be_visible()
        ui.assert_scrolls_not_sideways()
    ui.sign_in_as("demo_head")
    ui.goto(f"/summaries/{MonthlySummary.objects.get(owner=staff, month=10).pk}/")
    expect(ui.page.get_by_text(link[-30:], exact=False).first).to_be_visible()
    ui.assert_scrolls_not_sideways()


def test_the_unread_count_is_in_sight_on_a_phone_without_opening_the_menu(demo, any_ui):
    """A user test: on a phone the bar showed only ☰; the bell and its 22 were inside the menu."""
    ui = any_ui
    staff = person("demo_staff")
    for number in range(3):
        NotificationFactory(recipient=staff, message=f"通知{number}")
    ui.sign_in_as("demo_staff")
    compact = ui.page.get_by_test_id("bell-compact")
    if is_phone(ui):
        expect(compact).to_be_visible()
        expect(compact).to_contain_text("3")
        with ui.page.expect_navigation():
            compact.click()
        assert ui.page.url.endswith("/accounts/notifications/")
    else:
        expect(compact).to_be_hidden()
        expect(ui.page.get_by_test_id("bell-count")).to_have_text("3")


def test_the_calendar_s_overrides_are_cards_on_an_english_phone(demo, phone_ui):
    """A walk of the English pages: the seven columns of the organisation's overrides ran off a
    phone's screen; each override is a labelled card, its 删除 within the screen."""
    ui = phone_ui
    hr = person("demo_hr")
    WorkingDayOverrideFactory(organisation=hr.organisation, created_by=hr, note="单位调休")
    ui.sign_in_as("demo_hr")
    ui.page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": ui.page.url}])
    ui.goto("/accounts/calendar/")
    row = ui.page.get_by_test_id("override-row")
    delete = row.get_by_role("link", name="Delete")
    expect(delete).to_be_visible()
    box = delete.bounding_box()
    assert box["x"] + box["width"] <= ui.page.viewport_size["width"], box
    ui.assert_scrolls_not_sideways()


# --- 8: my own history -----------------------------------------------------------------------------


def test_staff_open_their_own_history_from_the_user_menu(demo, any_ui):
    staff = person("demo_staff")
    approved = AppraisalQuarterFactory(
        organisation=staff.organisation, year=2026, quarter=3, state=QuarterState.APPROVED
    )
    QuarterGradeFactory(person=staff, appraisal_quarter=approved, grade=Grade.GOOD, comment="攻坚任务完成出色")
    colleague = UserFactory(department=staff.department, full_name="同科室同事")
    QuarterGradeFactory(person=colleague, appraisal_quarter=approved, grade=Grade.POOR, comment="别人的评语")
    any_ui.sign_in_as("demo_staff")
    with any_ui.page.expect_navigation():
        any_ui.open_user_menu().get_by_role("link", name="我的考核记录").click()
    page = any_ui.page
    expect(page.get_by_test_id("history-quarter")).to_have_count(1)
    expect(page.get_by_test_id("history-quarter")).to_contain_text("攻坚任务完成出色")
    expect(page.locator("main")).not_to_contain_text("别人的评语")
    any_ui.assert_scrolls_not_sideways()
    any_ui.screenshot("history")
    any_ui.assert_no_csp_errors()


# --- 2: the quota banner counts what is saved, in one quotation style ------------------------------


def test_after_a_failed_save_the_quota_banner_shows_what_the_database_holds(demo, any_ui, clock):
    from tests.e2e.test_grading import grade_other_departments, open_quarter, pick

    quarter = open_quarter(demo, clock)
    grade_other_departments(quarter, leave_good_places=1)
    any_ui.sign_in_as("demo_head", to="/evaluations/grading/")
    page = any_ui.page
    banner = page.get_by_test_id("quota-all")
    expect(banner).to_contain_text("本季度可评“好”")
    expect(banner).not_to_contain_text("'好'")
    remaining = banner.locator("[data-quota-remaining]")
    expect(remaining).to_have_text("1")
    row = page.get_by_test_id("grade-row").first
    pick(row, "good")
    expect(remaining).to_have_text("0")
    # Saved without the comment a grade needs: refused, nothing saved, one place still free.
    with page.expect_navigation():
        row.get_by_test_id("save-grade").click()
    expect(page.locator(".alert-danger").first).to_be_visible()
    expect(page.get_by_test_id("quota-all").locator("[data-quota-remaining]")).to_have_text("1")
    expect(page.get_by_test_id("quota-warning")).to_be_hidden()
    any_ui.screenshot("quota-after-refusal")
    any_ui.assert_no_csp_errors()
    # Picking again counts live again.
    pick(page.get_by_test_id("grade-row").first, "fairly_good")
    pick(page.get_by_test_id("grade-row").first, "good")
    expect(page.get_by_test_id("quota-all").locator("[data-quota-remaining]")).to_have_text("0")


# --- the audit trail on a phone ---------------------------------------------------------------------


def test_the_auditor_reads_a_new_persons_entry_as_a_card_on_a_phone(demo, any_ui):
    from accounts.audit import acting_as

    hr = person("demo_hr")
    with acting_as(hr), audited():
        UserFactory(organisation=hr.organisation, department=hr.department, full_name="审计新人")
    any_ui.sign_in_as("demo_auditor")
    any_ui.goto("/accounts/audit/")
    entry = any_ui.page.get_by_test_id("audit-row").filter(
        has=any_ui.page.get_by_test_id("audit-object").filter(has_text="人员：审计新人")
    )
    expect(entry).to_have_count(1)
    changes = entry.get_by_test_id("audit-changes")
    expect(changes).to_contain_text("姓名：审计新人")
    # Only the person's own fields: none of the records that could later point at them.
    expect(changes).not_to_contain_text("None")
    # On the screen; on a phone across it, to be read line by line (the table's seven columns
    # squeezed this one into 50 px there, a character or two per line).
    box = changes.bounding_box()
    width = any_ui.page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1, box
    if width < 768:
        assert box["width"] >= width / 2, box
        # A sign-in has no changes and no reason: its card shows neither label over nothing.
        sign_in = any_ui.page.get_by_test_id("audit-row").filter(
            has=any_ui.page.locator("td[data-label='操作']", has_text="登录").filter(has_not_text="退出")
        )
        expect(sign_in.first).to_be_visible()
        expect(sign_in.first.get_by_test_id("audit-changes")).to_be_hidden()
        expect(sign_in.first.locator("td[data-label='原因']")).to_be_hidden()
    any_ui.assert_scrolls_not_sideways()
    any_ui.screenshot("audit")
    any_ui.assert_no_csp_errors()
