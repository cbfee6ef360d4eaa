"""Autosave in a real browser: text typed is saved, a stale tab is told so, leaving the page saves."""

import os
import shutil

import pytest

from summaries.models import MonthlySummary, SummaryConflictCopy

pytestmark = pytest.mark.e2e

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="module")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} not found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def signed_in(browser, live_server, transactional_db, staff, password):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    errors: list[str] = []
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Script errors and CSP refusals; "failed to load resource" lines (the 409 itself, the
    # favicon) are not faults of the page.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "Refused" in m.text else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/accounts/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    yield context, page, errors
    context.close()


def test_typing_is_autosaved_and_a_stale_tab_is_warned(signed_in, live_server, summary):
    from playwright.sync_api import expect

    context, page, errors = signed_in
    url = f"{live_server.url}/summaries/{summary.pk}/"
    page.goto(url)
    page.fill("#id_other_work", "手机上写的内容")
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    assert MonthlySummary.objects.get(pk=summary.pk).other_work == "手机上写的内容"

    # A second tab saves newer text; the first, still on the old version, must not overwrite it.
    other = context.new_page()
    other.goto(url)
    other.fill("#id_problems", "另一页面写的")
    expect(other.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    page.fill("#id_problems", "旧页面写的")
    alert = page.locator("[data-conflict-alert]")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text("此小结已在其他页面更新")
    assert MonthlySummary.objects.get(pk=summary.pk).problems == "另一页面写的"
    assert SummaryConflictCopy.objects.get(summary=summary).payload["problems"] == "旧页面写的"
    assert errors == [], errors


def test_leaving_the_page_right_after_typing_saves_the_text(signed_in, live_server, summary):
    context, page, errors = signed_in
    page.goto(f"{live_server.url}/summaries/{summary.pk}/")
    page.fill("#id_next_month_plan", "刚打完就离开")
    page.goto(f"{live_server.url}/summaries/")
    page.wait_for_timeout(1000)
    assert MonthlySummary.objects.get(pk=summary.pk).next_month_plan == "刚打完就离开"
    page.goto(f"{live_server.url}/summaries/{summary.pk}/")
    assert page.input_value("#id_next_month_plan") == "刚打完就离开"
    assert errors == [], errors
