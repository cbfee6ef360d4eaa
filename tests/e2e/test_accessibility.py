"""Issue 15, accessibility measured. First axe-core (bundled by axe-playwright-python) in Debian's Chromium
on every page of every role's menu, at desktop (1280) and phone (390) sizes with the phone menu
open, must find no violation of the WCAG 2.0 A/AA and 2.1 AA rules (GB/T 37668-2019 asks for the
same level). Then the two forms people fill most, by keyboard alone: the monthly summary (on a
phone, where the sticky save bar is) and the grading form. Every control is reached with Tab, each
shows where the focus is, a refused submit puts the focus on the first invalid field, and that field
says why (aria-invalid, its message tied by aria-describedby).

Fast on purpose: the demo organisation is built once for the module (not once per test), each
role signs in once and its cookies are reused, and one test checks all of a role's pages at one
size. The module's rows are rolled back at the end.
"""

from __future__ import annotations

from datetime import date

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import expect

from tests.e2e.conftest import DESKTOP, PHONE, UI, _ui
from tests.support.shared_rows import shared_rows

# Each test in a savepoint of the module's transaction (see demo_server).
pytestmark = [pytest.mark.e2e, pytest.mark.django_db]

# A day inside the third quarter's grading window: Q1/Q2 published and locked, Q3 being graded,
# so the grading, quarters, publication and feedback pages all have rows.
TODAY = date(2026, 10, 12)
RULES = {
    # wcag21a too: a control's visible text in its spoken name (2.5.3; a user test found "View"
    # links named "Open …" in English).
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    # Not tagged WCAG by axe (best practice), but the audit found it and it stays fixed.
    "rules": {"empty-table-header": {"enabled": True}},
    "resultTypes": ["violations"],
}
# On a phone, a touch screen: every target a finger can hit is at least 24 px or spaced so
# (WCAG 2.2's 2.5.8, tagged wcag22aa by axe; static/css/app.css grows them for pointer: coarse).
PHONE_RULES = {**RULES, "rules": {**RULES["rules"], "target-size": {"enabled": True}}}
ROLES = [
    "demo_staff",
    "demo_head",
    "demo_leader",
    "demo_chief",
    "demo_hr",
    "demo_inspector",
    "demo_auditor",
    "demo_sysadmin",
    "demo_secadmin",
    "demo_bureau",
]
# Pages every signed-in person has besides the menu's (the bell, the user menu's).
COMMON = ["/accounts/notifications/", "/accounts/password/"]
# Pages checked at once in a role's test: one loads while axe checks another.
TABS = 2
# Every menu link, the bell and the user menu's links, as the navbar offers them.
MENU_LINKS = """() => Array.from(document.querySelectorAll('#mainNav a[href^="/"]'))
    .map(a => a.getAttribute('href'))"""


@pytest.fixture(scope="module")
def demo_server(browser, django_db_setup, django_db_blocker):
    """A live server on the demo organisation as of TODAY, built once for every test here and rolled
    back after the last. Its own server, not pytest-django's ``live_server``: that one puts every
    test in a transactional database, flushed after each test. The server thread shares the tests'
    in-memory SQLite connection, so it sees the rows of the open transaction.

    After the browser: Playwright's loop makes Django keep connections per context rather than
    per thread, and the rows must be built on the connection the tests will use."""
    from django.test import override_settings
    from pytest_django.live_server_helper import LiveServer

    from appraisal_site.demo.organisation import build_demo_organisation
    from appraisal_site.demo.oversight import build_demo_bureau
    from appraisal_site.demo.story import STORY

    # The tests' fast hasher (tests/conftest.py) for the demo's passwords too, and the moved clock.
    changed = override_settings(
        APPRAISAL_TODAY=TODAY, PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]
    )
    with shared_rows(django_db_blocker):
        changed.enable()
        server = None
        try:
            organisation = build_demo_organisation(staff=8)
            for build in STORY:
                build(organisation, year=2026, seed=2026, today=TODAY)
            build_demo_bureau(organisation)
            server = LiveServer("localhost")
            server._live_server_modified_settings.enable()
            server.cookies = session_cookies(server, ROLES)
            yield server
        finally:
            if server is not None:
                server._live_server_modified_settings.disable()
                server.stop()
            changed.disable()


def session_cookies(server, usernames: list[str]) -> dict[str, list[dict]]:
    """A signed-in session for each person, made once for the module outside the tests' savepoints
    (a sign-in inside a test would be rolled back with it); the sign-in page has its own test."""
    from urllib.parse import urlparse

    from django.conf import settings
    from django.test import Client

    from accounts.models import User

    host = urlparse(server.url).hostname
    cookies = {}
    for username in usernames:
        client = Client()
        client.force_login(User.objects.get(username=username))
        value = client.cookies[settings.SESSION_COOKIE_NAME].value
        cookies[username] = [{"name": settings.SESSION_COOKIE_NAME, "value": value, "domain": host, "path": "/"}]
    return cookies


def axe_ui(browser, server, request, viewport: dict) -> tuple[UI, object]:
    """A tab whose every page has axe-core loaded before its own scripts (added once, not per page);
    at the phone's size, a touch screen."""
    ui, context = _ui(browser, server, request, viewport, touch=viewport is PHONE)
    context.add_init_script(AXE_SCRIPT)
    return ui, context


START_AXE = "options => { window.__axeViolations = axe.run(document, options).then(r => r.violations); }"


def start_axe(ui: UI, path: str) -> None:
    """Open ``path`` (the phone menu open) and start axe on it; its violations are collected later
    (``violations_of``), while the next page loads in another tab."""
    response = ui.goto(path)
    assert response.ok, f"{path} answered {response.status}"
    if ui.page.locator(".navbar-toggler").is_visible():
        ui.open_menu()
    ui.page.evaluate(START_AXE, PHONE_RULES if ui.page.viewport_size == PHONE else RULES)


def violations_of(ui: UI, path: str) -> list[str]:
    """What axe, started on ``path`` by ``start_axe``, found there, and whether the page is wider
    than the screen (it would scroll sideways: on a phone, a page must not)."""
    results = ui.page.evaluate("() => window.__axeViolations")
    found = []
    width, screen = ui.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if width > screen + 1:
        found.append(f"{path} is {width}px wide on a {screen}px screen")
    for violation in results:
        for node in violation["nodes"]:
            found.append(f"{path} {violation['id']} ({violation['impact']}): {node['target']} {node['html'][:160]}")
    return found


def violations_on(ui: UI, path: str) -> list[str]:
    start_axe(ui, path)
    return violations_of(ui, path)


def violations_on_every(tabs: list[UI], paths: list[str]) -> list[str]:
    """axe on every one of ``paths``, taking the tabs in turn: while axe checks one page in its tab,
    the next page loads in the next tab (the checks are the same as one page after the other)."""
    found: list[str] = []
    running: list[tuple[UI, str]] = []
    for number, path in enumerate(paths):
        tab = tabs[number % len(tabs)]
        if len(running) == len(tabs):
            found += violations_of(*running.pop(0))
        start_axe(tab, path)
        running.append((tab, path))
    for tab, path in running:
        found += violations_of(tab, path)
    return found


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_the_menu_passes_axe(demo_server, browser, request, username, viewport):
    ui, context = axe_ui(browser, demo_server, request, viewport)
    context.add_cookies(demo_server.cookies[username])
    try:
        # The home page first: its menu lists the role's pages.
        found = violations_on(ui, "/")
        links = ui.page.evaluate(MENU_LINKS)
        if viewport is PHONE:
            # The open menu at 200 % text (the browser's font size setting) still fits the screen.
            ui.open_menu()
            ui.page.evaluate("document.documentElement.style.fontSize = '200%'")
            ui.assert_fits_screen()
        pages = ["/", *dict.fromkeys(links), *COMMON]
        assert len(pages) > len(COMMON) + 1, f"{username} is not signed in"
        tabs = [ui] + [UI(page=context.new_page(), base_url=ui.base_url, name=ui.name) for _ in range(TABS - 1)]
        found += violations_on_every(tabs, [path for path in dict.fromkeys(pages) if path != "/"])
        assert found == [], f"{len(found)} violations:\n" + "\n".join(found)
    finally:
        context.close()


@pytest.mark.parametrize("username", ["demo_head", "demo_hr"])
def test_the_menu_pages_pass_axe_in_english(demo_server, browser, request, username):
    """The same checks in the English interface (a user test: names and labels differ there)."""
    from urllib.parse import urlparse

    from django.conf import settings

    ui, context = axe_ui(browser, demo_server, request, DESKTOP)
    english = {"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "domain": urlparse(demo_server.url).hostname}
    context.add_cookies([*demo_server.cookies[username], {**english, "path": "/"}])
    try:
        found = violations_on(ui, "/")
        assert ui.page.evaluate("document.documentElement.lang") == "en"
        pages = [path for path in dict.fromkeys([*ui.page.evaluate(MENU_LINKS), *COMMON]) if path != "/"]
        tabs = [ui] + [UI(page=context.new_page(), base_url=ui.base_url, name=ui.name) for _ in range(TABS - 1)]
        found += violations_on_every(tabs, pages)
        assert found == [], f"{len(found)} violations:\n" + "\n".join(found)
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_sign_in_page_passes_axe(demo_server, browser, request, viewport):
    ui, context = axe_ui(browser, demo_server, request, viewport)
    try:
        assert violations_on(ui, "/accounts/login/") == []
    finally:
        context.close()


# --- By finger ------------------------------------------------------------------------------

# Buttons anywhere in the content and the links of tables, lists and cards (not a link inside a
# sentence) at least FINGER px tall; check boxes and radio buttons at least BOX px square (a radio
# drawn as a button, .btn-check, is measured as its button), as shown on a touch screen.
SMALL_TARGETS = """([finger, box]) => Array.from(document.querySelectorAll(
    'main .btn, main .table a, main .list-group-item a, main .card-body a, main .breadcrumb-item a,'
    + ' main a.back-link, main input[type=checkbox], main input[type=radio]'))
  .filter(e => e.offsetParent !== null && !e.closest('.visually-hidden') && !e.matches('.btn-check'))
  .map(e => { const r = e.getBoundingClientRect();
              return {what: e.tagName + ' ' + (e.innerText || e.name || '').trim().slice(0, 16),
                      h: Math.round(r.height), least: e.matches('input') ? box : finger}; })
  .filter(t => t.h < t.least)"""
FINGER, BOX = 32, 24
TOUCH_PAGES = {
    # A summary of the list's (its 返回 link) and the publication's page (its breadcrumb).
    "demo_staff": [
        "/",
        "/targets/",
        "/accounts/notifications/",
        "/summaries/",
        "a[href^='/summaries/'].btn",
        "/publicity/",
        ".card-title-cell a",
    ],
    "demo_head": ["/", "/review/", "/review/roster/", "/targets/goals/", "/evaluations/grading/"],
    "demo_hr": ["/accounts/staff/", "/publicity/"],
}


@pytest.mark.parametrize("username", list(TOUCH_PAGES))
def test_on_a_touch_screen_buttons_boxes_and_list_links_are_big_enough_for_a_finger(
    demo_server, browser, request, username
):
    ui, context = _ui(browser, demo_server, request, PHONE, touch=True)
    context.add_cookies(demo_server.cookies[username])
    try:
        small = {}
        for path in TOUCH_PAGES[username]:
            if not path.startswith("/"):
                # A page reached from the one before: the first link the selector finds.
                path = ui.page.locator(path).first.get_attribute("href")
            assert ui.goto(path).ok
            if found := ui.page.evaluate(SMALL_TARGETS, [FINGER, BOX]):
                small[path] = found
        assert small == {}, f"targets under {FINGER} px: {small}"
    finally:
        context.close()


# --- By keyboard ------------------------------------------------------------------------------

# What the focused element is and whether its focus can be seen: a solid outline or a ring. Read
# after two animation frames, when the page has finished scrolling the field into view.
FOCUSED = """async () => {
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const e = document.activeElement;
  const label = e.matches('.btn-check') ? document.querySelector('label[for="' + e.id + '"]') : null;
  const shown = getComputedStyle(label || e);
  const ring = (shown.outlineStyle !== 'none' && parseFloat(shown.outlineWidth) >= 2)
               || (shown.boxShadow !== 'none' && shown.boxShadow !== '');
  const bar = document.querySelector('.sticky-save-bar');
  const box = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(), id: e.id, name: e.getAttribute('name') || '', type: e.type || '',
    text: (e.innerText || '').trim().slice(0, 30), ring: ring,
    hidden_by_bar: !!bar && bar !== e && !bar.contains(e) && box.bottom > bar.getBoundingClientRect().top + 1,
  };
}"""
ERROR_OF_FOCUSED = """() => {
  const e = document.activeElement;
  const owner = e.closest('fieldset[aria-describedby]') || e;
  const ids = (owner.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  return {invalid: e.getAttribute('aria-invalid'),
          message: ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim()};
}"""


def signed_in(browser, server, request, username: str, viewport: dict):
    ui, context = _ui(browser, server, request, viewport)
    context.add_cookies(server.cookies[username])
    return ui, context


def tab_through(ui, until, limit: int = 80) -> list[dict]:
    """Press Tab from the top of the main content until ``until(focused)``; every stop on the way."""
    ui.page.locator("#main").focus()
    stops = []
    for _ in range(limit):
        ui.page.keyboard.press("Tab")
        stops.append(ui.page.evaluate(FOCUSED))
        if until(stops[-1]):
            return stops
    raise AssertionError(f"not reached in {limit} stops: {stops[-5:]}")


def test_the_skip_link_is_the_first_stop_and_jumps_to_the_content(demo_server, browser, request):
    ui, context = signed_in(browser, demo_server, request, "demo_hr", DESKTOP)
    try:
        ui.goto("/")
        ui.page.keyboard.press("Tab")
        skip = ui.page.get_by_role("link", name="跳到主要内容")
        expect(skip).to_be_focused()
        expect(skip).to_be_visible()
        ui.page.keyboard.press("Enter")
        expect(ui.page.locator("#main")).to_be_focused()
        # The next stop is in the page, not the twenty stops of HR's menu.
        ui.page.keyboard.press("Tab")
        assert ui.page.evaluate("document.activeElement.closest('main') !== null")
        ui.assert_no_csp_errors()
    finally:
        context.close()


def test_the_summary_form_by_keyboard_on_a_phone(demo_server, browser, request):
    from accounts.models import User
    from summaries import services

    staff = User.objects.get(username="demo_staff")
    summary = services.summary_get_or_create(owner=staff, year=TODAY.year, month=TODAY.month)
    ui, context = signed_in(browser, demo_server, request, "demo_staff", PHONE)
    try:
        ui.goto(f"/summaries/{summary.pk}/")
        fields = ui.page.locator("form[data-autosave-form] textarea")
        names = [fields.nth(i).get_attribute("name") for i in range(fields.count())]
        assert "other_work" in names
        for i in range(fields.count()):
            fields.nth(i).fill("")
        stops = tab_through(ui, lambda stop: stop["text"] == "提交审核")
        reached = [stop["name"] for stop in stops if stop["tag"] == "textarea"]
        assert reached == names
        assert [stop for stop in stops if not stop["ring"]] == [], "focus not visible"
        assert [stop for stop in stops if stop["hidden_by_bar"]] == [], "focused field under the save bar"

        with ui.page.expect_navigation():
            ui.page.keyboard.press("Enter")
        first = ui.page.locator("form[data-autosave-form] textarea").first
        expect(first).to_be_focused()
        error = ui.page.evaluate(ERROR_OF_FOCUSED)
        assert error["invalid"] == "true"
        assert "小结内容为空" in error["message"]
        assert not ui.page.evaluate(FOCUSED)["hidden_by_bar"]
        ui.screenshot("refused")
        ui.assert_no_csp_errors()
    finally:
        context.close()


def test_the_grading_form_by_keyboard(demo_server, browser, request):
    ui, context = signed_in(browser, demo_server, request, "demo_head", DESKTOP)
    try:
        ui.goto("/evaluations/grading/")
        form = ui.page.get_by_test_id("grade-form").first
        expect(form).to_be_visible()
        prefix = form.locator("input[data-grade-choice]").first.get_attribute("name").removesuffix("-grade")
        # 评语 is required, and says so before anyone submits.
        comment = form.locator(f"#id_{prefix}-comment")
        expect(comment).to_have_attribute("required", "")
        expect(form.locator(f"label[for='id_{prefix}-comment']")).to_contain_text("*")

        form.locator("input[data-grade-choice]").first.focus()
        stops = [ui.page.evaluate(FOCUSED)]
        save = form.get_by_test_id("save-grade")
        while stops[-1]["text"] != save.inner_text():
            ui.page.keyboard.press("Tab")
            stops.append(ui.page.evaluate(FOCUSED))
            assert len(stops) < 10, stops
        assert [stop["type"] for stop in stops[:2]] == ["radio", "textarea"]
        assert [stop for stop in stops if not stop["ring"]] == [], "focus not visible"

        # Nothing picked, nothing written: refused, and the focus lands on the grade group.
        save.focus()
        with ui.page.expect_navigation():
            ui.page.keyboard.press("Enter")
        focused = ui.page.evaluate(FOCUSED)
        assert focused["type"] == "radio", focused
        error = ui.page.evaluate(ERROR_OF_FOCUSED)
        assert error["invalid"] == "true"
        assert error["message"], "the grade's error is tied to its group"
        refused = ui.page.locator("form[data-refused]")
        comment_error = refused.locator("textarea[name$='-comment']")
        expect(comment_error).to_have_attribute("aria-invalid", "true")
        described = comment_error.get_attribute("aria-describedby")
        expect(ui.page.locator(f"[id='{described.split()[-1]}']")).to_contain_text("请填写评语")
        ui.screenshot("refused")
        ui.assert_no_csp_errors()
    finally:
        context.close()
