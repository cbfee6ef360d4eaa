"""The header's 中文/English switch leaves the page: with a form holding what was typed and not
sent, it asks first (a user test switched half-way through a form and lost it)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_switching_language_asks_before_typed_text_is_lost(demo, ui):
    ui.sign_in_as("demo_hr", to="/accounts/staff/new/")
    page = ui.page
    english = page.get_by_test_id("language-switch").get_by_role("button", name="English")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.fill("input[name=full_name]", "新同事")
    english.click()
    page.wait_for_timeout(300)
    assert asked and "尚未保存" in asked[0]
    assert page.input_value("input[name=full_name]") == "新同事"  # dismissed: still here
    # Nothing typed: it switches at once.
    ui.goto("/accounts/staff/new/")
    asked.clear()
    with page.expect_navigation():
        page.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    assert asked == []
    assert page.locator("html").get_attribute("lang") == "en"


def test_a_refused_form_s_text_is_asked_about_too(demo, ui):
    """What came back refused (the page holds what was sent, not saved) reads as unchanged: the
    switch asked nothing and the text was lost (a review)."""
    ui.sign_in_as("demo_hr", to="/accounts/staff/new/")
    page = ui.page
    page.fill("input[name=full_name]", "新同事")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()  # refused: no user name
    assert page.input_value("input[name=full_name]") == "新同事"
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_test_id("language-switch").get_by_role("button", name="English").click()
    page.wait_for_timeout(300)
    assert asked and "尚未保存" in asked[0]
