"""A person picker in a large organisation: the <select> holds only the chosen person and typing asks
the server (/accounts/people/search/); the page stays within its CSP (same-origin fetch)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts import forms as account_forms

pytestmark = pytest.mark.e2e


def test_hr_finds_a_person_through_the_server_search_when_the_organisation_is_large(demo, any_ui, monkeypatch):
    monkeypatch.setattr(account_forms, "PICKER_INLINE_LIMIT", 5)  # the demo's 60 count as "large"
    any_ui.sign_in_as("demo_hr", to="/evaluations/inputs/satisfaction/new/")
    page = any_ui.page
    select = page.locator("select[name=person]")
    assert select.get_attribute("data-search-url") == "/accounts/people/search/"
    options = select.locator("option")
    expect(options).to_have_count(1)  # only the empty choice: nobody is sent ahead
    page.locator("[data-person-search]").first.fill("就业促进科科员")
    expect(options).to_have_count(2)  # the empty choice and the one match, from the server
    label = options.nth(1).inner_text()
    assert "就业促进科科员" in label
    select.select_option(label=label)
    assert select.input_value() != ""
    any_ui.assert_scrolls_not_sideways()
    any_ui.assert_no_csp_errors()
