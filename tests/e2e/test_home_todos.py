"""The home page's to-dos and the period actually due first, in a real browser on a moved clock.

On 1 December demo_staff's November summary is still a draft (due 5 December): the home page and
/summaries/ offer November first, and the to-dos count what is due. demo_head sees what waits for
review. Desktop and phone.
"""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import MonthlySummaryFactory, TargetSetFactory

pytestmark = pytest.mark.e2e

FIRST_OF_DECEMBER = date(2026, 12, 1)


@pytest.fixture
def december(monkeypatch, demo):
    # The live server runs in this process: the calendar's clock moves for it too.
    monkeypatch.setattr("accounts.periods.today", lambda now=None: FIRST_OF_DECEMBER)
    staff = User.objects.get(username="demo_staff")
    MonthlySummaryFactory(owner=staff, year=2026, month=11)  # a draft
    TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    return staff


def check_november_first(ui):
    page = ui.page
    ui.sign_in_as("demo_staff")
    expect(page.get_by_test_id("my-summary")).to_have_attribute("data-month", "11")
    expect(page.get_by_test_id("todo-summary")).to_contain_text("11月小结待提交（12月5日截止）")
    expect(page.get_by_test_id("todo-targets")).to_have_count(0)  # handed in
    ui.screenshot("01-home")
    ui.go_via_menu("月小结", "/summaries/")
    write = page.get_by_test_id("write-this-month")
    expect(write).to_have_attribute("data-month", "11")
    expect(write).to_contain_text("继续填写11月小结")
    ui.screenshot("02-summaries")
    with page.expect_navigation():
        write.click()
    expect(page.locator("h1")).to_contain_text("11月")


def test_on_1_december_november_is_offered_first(ui, december):
    check_november_first(ui)
    # demo_head's to-dos: the targets waiting for review.
    ui.sign_in_as("demo_head")
    expect(ui.page.get_by_test_id("todo-review").get_by_test_id("todo-count")).to_have_text("1")
    ui.assert_no_csp_errors()


def test_on_a_phone_november_is_offered_first(phone_ui, december):
    check_november_first(phone_ui)
    phone_ui.assert_fits_screen()
    phone_ui.assert_no_csp_errors()
