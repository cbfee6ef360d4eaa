"""Signing in, the role-aware home page, the menu, lockout and the phone layout, in a real browser."""

import pytest
from playwright.sync_api import expect

from appraisal_site.demo.organisation import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def test_staff_signs_in_and_sees_name_and_role(ui, demo):
    ui.login("demo_staff", DEMO_PASSWORD)

    assert ui.page.url == ui.base_url + "/"
    expect(ui.page.locator("h1")).to_contain_text("就业促进科科员")
    expect(ui.page.get_by_test_id("current-user")).to_contain_text("就业促进科科员")
    expect(ui.page.get_by_test_id("role").first).to_have_text("工作人员")
    # The stylesheet and scripts load (CSP 'self'): Bootstrap styles the navbar.
    assert ui.page.locator("nav.navbar").evaluate("e => getComputedStyle(e).display") == "flex"
    ui.screenshot("home")
    ui.assert_no_csp_errors()


def test_hr_opens_staff_list_from_menu(ui, demo):
    ui.login("demo_hr", DEMO_PASSWORD)
    expect(ui.page.get_by_test_id("role").first).to_be_visible()

    # HR's menu is grouped by area: 人员管理 sits in the 组织与人员 dropdown.
    ui.go_via_menu("人员管理", "/accounts/staff/")
    expect(ui.page.locator("h1")).to_have_text("人员管理")
    rows = ui.page.get_by_test_id("staff-row")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 20
    expect(ui.page.locator("table")).to_contain_text("就业促进科科员")
    ui.screenshot("staff")
    ui.assert_no_csp_errors()


def test_five_wrong_passwords_lock_the_account(ui, demo):
    for _ in range(5):
        ui.login("demo_staff", "wrong-Password-1")

    expect(ui.page.get_by_test_id("locked-out")).to_contain_text("账号已锁定")
    ui.screenshot("locked")
    # Even the right password is refused while locked.
    ui.login("demo_staff", DEMO_PASSWORD)
    expect(ui.page.get_by_test_id("locked-out")).to_contain_text("账号已锁定")
    ui.assert_no_csp_errors()


def test_phone_navbar_collapses_and_toggler_opens_it(phone_ui, demo):
    ui = phone_ui
    ui.login("demo_staff", DEMO_PASSWORD)
    menu = ui.page.locator("#mainNav")
    toggler = ui.page.locator(".navbar-toggler")

    expect(toggler).to_be_visible()
    expect(menu).to_be_hidden()
    ui.screenshot("collapsed")

    toggler.click()
    expect(menu).to_be_visible()
    expect(menu).to_have_class("navbar-collapse collapse show")
    expect(menu.get_by_role("link", name="首页")).to_be_visible()
    ui.screenshot("open")
    # Nothing wider than the screen.
    assert ui.page.evaluate("document.documentElement.scrollWidth") <= 390
    ui.assert_no_csp_errors()
