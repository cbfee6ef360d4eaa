"""Browser tests: Playwright's sync API driving Debian's Chromium against pytest-django's live server.

Never ``playwright install``: the browser is the system one, Debian's Chromium in its headless
build (apt-get install chromium-headless-shell: the same Blink and V8 as ``chromium``, without the
desktop browser's window and user interface, the build Playwright itself runs headless). The whole
run in it took 387–391 s and as many busy core-seconds, against 511–515 s and 709–722 in
``/usr/bin/chromium`` (bench/RESULTS.md, 2026-12-06 10:27). ``CHROMIUM=/usr/bin/chromium`` runs
them in the full browser.
Every test here is marked ``e2e`` automatically. Screenshots go to ``test-results/`` (the tests'
own, and a last one of each failed test).
"""

from __future__ import annotations

import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.support.built_once import built_once

# Playwright's sync API runs an event loop in this thread; Django's ORM, used by the test
# and the live server in the same process, would otherwise refuse to run.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
RESULTS = Path(__file__).resolve().parents[2] / "test-results"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
HERE = Path(__file__).resolve().parent

# Reports CSP violations to the console even where Chromium would say nothing more.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error("CSP violation: " + e.violatedDirective + " blocked " + e.blockedURI);
});
"""
CSP_PATTERN = re.compile(r"content[- ]security[- ]policy|refused to|csp violation", re.IGNORECASE)


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Note a failed test (its setup or call) for ``_tab``'s last screenshot."""
    outcome = yield
    if outcome.get_result().failed:
        item.stash[FAILED] = True


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.e2e)


# Package scope (this directory), not session: only one sync Playwright can run at a time in a
# thread, and its loop must not outlive the browser tests (the tests after them, in a run of the
# whole suite, use Django's connections per thread again). One browser for every module here: a
# test's state lives in its own context (cookies, storage), closed after it.
@pytest.fixture(scope="package")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        message = f"{CHROMIUM} not found (apt-get install chromium-headless-shell)"
        if os.environ.get("E2E_REQUIRED"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class UI:
    """One browser tab on the live server, with what its console said."""

    page: object
    base_url: str
    name: str
    console: list[str] = field(default_factory=list)

    def goto(self, path: str):
        return self.page.goto(self.base_url + path)

    def login(self, username: str, password: str):
        self.goto("/accounts/login/")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("main form button[type=submit]")

    def screenshot(self, label: str = "") -> Path:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / f"{self.name}{'-' + label if label else ''}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def choose_file(self, selector: str, name: str, content: bytes, mime: str = "application/pdf") -> None:
        """Pick a file made in memory in a file input (nothing is sent until the form is submitted)."""
        self.page.set_input_files(selector, files=[{"name": name, "mimeType": mime, "buffer": content}])

    def requests_to(self, path_part: str) -> list[str]:
        """Start recording the requests whose URL contains ``path_part``; returns the live list."""
        seen: list[str] = []
        self.page.on("request", lambda request: seen.append(request.url) if path_part in request.url else None)
        return seen

    def csp_messages(self) -> list[str]:
        return [m for m in self.console if CSP_PATTERN.search(m)]

    def assert_no_csp_errors(self) -> None:
        assert self.csp_messages() == [], "\n".join(self.console)

    def assert_fits_screen(self) -> None:
        width = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1] + 1, f"page is {width[0]}px wide on a {width[1]}px screen ({self.page.url})"

    @contextmanager
    def answering_questions(self, *, accept: bool = True):
        """Answer every question the page asks (``window.confirm``, a ``data-confirm``) while inside,
        yes or (``accept=False``) no; yields the list of what was asked, in order."""
        asked: list[str] = []

        def answer(dialog) -> None:
            asked.append(dialog.message)
            if accept:
                dialog.accept()
            else:
                dialog.dismiss()

        self.page.on("dialog", answer)
        try:
            yield asked
        finally:
            self.page.remove_listener("dialog", answer)

    def open_menu(self):
        """On a narrow screen the menu is collapsed behind the toggler; open it."""
        from playwright.sync_api import expect

        menu = self.page.locator("#mainNav")
        toggler = self.page.locator(".navbar-toggler")
        if toggler.is_visible() and not menu.is_visible():
            toggler.click()
            # Visible from the first frame of Bootstrap's opening transition ("collapsing"); a click
            # on a button inside it then could land before the menu stopped moving and submit
            # nothing (sign-out and the language switch on a phone timed out so). "show" is set
            # when the transition has ended.
            expect(menu).to_have_class(re.compile(r"\bshow\b"))
        return menu

    def go_via_menu(self, label: str, url: str) -> None:
        """Click a menu item, opening its area's dropdown first where the menu is grouped (HR)."""
        menu = self.open_menu()
        link = menu.get_by_role("link", name=label, exact=True)
        if not link.is_visible():
            # Role queries skip hidden elements, so find the closed dropdown by its item's text.
            menu.locator(f".dropdown:has(.dropdown-item:text-is('{label}'))").locator(".dropdown-toggle").click()
        link.click()
        self.page.wait_for_url("**" + url + "**")

    def open_user_menu(self):
        """The dropdown under the person's name (my record, password)."""
        self.open_menu().get_by_test_id("current-user").click()
        return self.page.get_by_test_id("user-menu").locator(".dropdown-menu")

    def assert_scrolls_not_sideways(self) -> None:
        """No horizontal scroll: neither the page nor any element wider than the screen."""
        self.assert_fits_screen()
        wide = self.page.evaluate(
            """() => Array.from(document.querySelectorAll('main *'))
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                              && getComputedStyle(e).display !== 'none')
                 .map(e => e.tagName + '.' + e.className).slice(0, 5)"""
        )
        assert wide == [], f"wider than the screen: {wide}"

    def sign_in_as(self, username: str, password: str | None = None, *, to: str = "") -> None:
        """Sign whoever is signed in out, then sign ``username`` in (a demo account, with the demo
        password unless another is given) and open the page the sign-in leads to: the home page, or
        ``to`` (the sign-in form's ``next``, as after following a link to it signed out).

        The same requests the navbar's 退出 button and the sign-in form send (POST /accounts/logout/,
        POST /accounts/login/ with the password), sent from this tab's cookies without drawing
        the sign-in page in between: a story switches people a dozen times. The sign-in form is
        tested in test_login, the menu's 退出 and the form together in ``sign_in_through_the_menu``
        (test_two_factor, desktop and phone)."""
        from playwright.sync_api import expect

        from appraisal_site.demo.organisation import DEMO_ACCOUNTS, DEMO_PASSWORD

        request = self.page.context.request
        login = self.base_url + "/accounts/login/"
        cookies = {c["name"]: c["value"] for c in self.page.context.cookies(self.base_url)}
        if "sessionid" in cookies:
            response = request.post(
                self.base_url + "/accounts/logout/",
                form={"csrfmiddlewaretoken": cookies.get("csrftoken", "")},
                max_redirects=0,
            )
            assert response.status == 302, f"sign-out answered {response.status}"
        form = request.get(login)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text()).group(1)
        response = request.post(
            login,
            form={
                "username": username,
                "password": password or DEMO_PASSWORD,
                "next": to,
                "csrfmiddlewaretoken": token,
            },
            max_redirects=0,
        )
        assert response.status == 302, f"{username} was not signed in (the sign-in answered {response.status})"
        self.goto(response.headers["location"])
        full_name = {a.username: a.full_name for a in DEMO_ACCOUNTS}.get(username)
        # Asked for a second factor, the page names nobody yet: it offers only sign-out.
        if full_name and not self.page.get_by_test_id("pending-logout").count():
            expect(self.page.get_by_test_id("current-user")).to_contain_text(full_name)

    def sign_in_through_the_menu(self, username: str, password: str | None = None) -> None:
        """As ``sign_in_as``, by hand: 退出 in the navbar (the phone menu opened first), then the
        sign-in form."""
        from playwright.sync_api import expect

        from appraisal_site.demo.organisation import DEMO_ACCOUNTS, DEMO_PASSWORD

        if self.page.locator("#mainNav").count():
            menu = self.open_menu()
            with self.page.expect_navigation():
                menu.get_by_role("button", name="退出").click()
            self.page.wait_for_url("**/accounts/login/**")
        self.login(username, password or DEMO_PASSWORD)
        full_name = {a.username: a.full_name for a in DEMO_ACCOUNTS}.get(username)
        # Asked for a second factor, the page names nobody yet: it offers only sign-out.
        if full_name and not self.page.get_by_test_id("pending-logout").count():
            expect(self.page.get_by_test_id("current-user")).to_contain_text(full_name)

    # --- the weekly progress board (publicity.boards) ---------------------------------------------

    def post_weekly_progress(self, *texts: str) -> None:
        """As a department head: open 每周进展 from the menu, post this week's items, see it saved."""
        from playwright.sync_api import expect

        self.go_via_menu("每周进展", "/publicity/weekly/")
        self.page.get_by_test_id("weekly-post-link").click()
        self.page.wait_for_url("**/publicity/weekly/post/**")
        items = self.page.get_by_test_id("progress-item")
        for number, text in enumerate(texts):
            items.nth(number).locator("textarea").fill(text)
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="提交本周进展").click()
        expect(self.page.get_by_test_id("weekly-posted")).to_be_visible()

    def compile_and_publish_week(self, rewording: dict[str, str] | None = None) -> None:
        """As HR: compile the week chosen by default (this week) from 每周进展, reword some
        departments' text ({department name: text}), and publish it."""
        from playwright.sync_api import expect

        self.go_via_menu("每周进展", "/publicity/weekly/")
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="汇编该周进展").click()
        for department, text in (rewording or {}).items():
            row = self.page.locator(f"[data-testid=compile-row][data-department='{department}']")
            row.locator("textarea").fill(text)
        # Publishing tells everyone and cannot be undone: the browser asks first.
        asked: list[str] = []
        self.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        with self.page.expect_navigation():
            self.page.get_by_test_id("weekly-publish").click()
        assert asked and "确定发布" in asked[0], asked
        expect(self.page.get_by_test_id("weekly-digest")).to_be_visible()

    # --- 结果公示 (publicity.publication) -----------------------------------------------------------

    def publish(self, label: str) -> str:
        """As HR on the board: choose ``label`` on the publish card and publish it, accepting the
        browser's question (publishing reaches everyone at once and cannot be undone). The question."""
        self.page.get_by_test_id("publish-card").locator("select").select_option(label=label)
        asked: list[str] = []
        self.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        with self.page.expect_navigation():
            self.page.get_by_test_id("publish-submit").click()
        assert asked, "publishing asked nothing first"
        return asked[0]

    # --- feedback talks (publicity.feedback) ------------------------------------------------------

    def confirm_feedback_talk(self, grade, *, reads: str, opinion: str):
        """As the person talked to, on the home page: follow the to-do to the talk about ``grade``,
        see that it ``reads`` what was recorded, and confirm it with ``opinion``. Returns the talk."""
        from playwright.sync_api import expect

        from publicity.feedback.models import FeedbackTalk

        confirm = self.page.get_by_test_id("todo-feedback-confirm")
        expect(confirm.get_by_test_id("todo-count")).to_have_text("1")
        confirm.get_by_role("link").click()
        self.page.wait_for_url("**/publicity/feedback/mine/")
        talk = FeedbackTalk.objects.get(quarter_grade=grade)
        self.page.get_by_test_id(f"feedback-mine-{talk.pk}").click()
        expect(self.page.get_by_test_id("feedback-talk")).to_contain_text(reads)
        self.page.fill("textarea[name=opinion]", opinion)
        with self.page.expect_navigation():
            self.page.get_by_test_id("feedback-confirm").click()
        expect(self.page.get_by_test_id("feedback-confirmed")).to_contain_text(opinion)
        return talk


def _ui(browser, live_server, request, viewport, locale: str = "zh-CN", touch: bool = False) -> UI:
    # Reduced motion (the setting a person can choose in the system): Bootstrap then opens the phone
    # menu and dropdowns without their transitions, so a test does not wait ~0.35 s per opening (the
    # accessibility tests open the menu on every page) nor click into a menu still moving. ``touch``:
    # a touch screen (the CSS's pointer: coarse, where targets grow for fingers).
    context = browser.new_context(viewport=viewport, locale=locale, reduced_motion="reduce", has_touch=touch)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    # Generous: `make test` runs these beside the broker tests, the stack check and the restore
    # drill on 2 cores, where a page load has been seen to take over 15 s (a failure is still a
    # failure; only a slow answer waits longer).
    page.set_default_timeout(30_000)
    ui = UI(page=page, base_url=live_server.url, name=re.sub(r"[^\w.-]+", "_", request.node.name))
    page.on("console", lambda message: ui.console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: ui.console.append(f"pageerror: {error}"))
    return ui, context


def _tab(browser, live_server, request, viewport, locale: str = "zh-CN"):
    """A tab of that size for one test; if the test failed, a last screenshot is saved after it
    (a passed test keeps only the screenshots it took itself)."""
    ui, context = _ui(browser, live_server, request, viewport, locale)
    yield ui
    if request.node.stash.get(FAILED, False):
        ui.screenshot("end")
    context.close()


@pytest.fixture
def ui(browser, live_server, request):
    """A desktop-sized tab."""
    yield from _tab(browser, live_server, request, DESKTOP)


@pytest.fixture
def phone_ui(browser, live_server, request):
    """A phone-sized tab (390×844)."""
    yield from _tab(browser, live_server, request, PHONE)


@pytest.fixture
def demo(transactional_db):
    """The demo organisation (appraisal_site.demo.organisation) with 20 staff, in the live server's database.

    Built once per run and copied into the database of each later test (``built_once``)."""
    from appraisal_site.demo.organisation import build_demo_organisation

    return built_once(DEMO_ROWS, lambda: build_demo_organisation(staff=20))


DEMO_ROWS = "demo organisation, 20 staff"


def a_unit(*, prefix: str, code: str, name: str, department_name: str) -> dict:
    """An organisation of one department, as the public-welfare tests build it: the department's head
    ``{prefix}_head``, HR ``{prefix}_hr`` and the agency head ``{prefix}_leader`` (each signs in with
    PASSWORD). Returns the organisation, department, hr and leader by name."""
    from accounts.models import Role
    from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory

    organisation = OrganisationFactory(code=code, name=name)
    leader = UserFactory(
        organisation=organisation, department=None, username=f"{prefix}_leader", roles=[Role.AGENCY_HEAD]
    )
    department = DepartmentFactory(organisation=organisation, name=department_name)
    head = UserFactory(department=department, username=f"{prefix}_head", roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
    department.head = head
    department.save()
    hr = UserFactory(
        organisation=organisation, department=None, username=f"{prefix}_hr", full_name="人事干部", roles=[Role.HR_ADMIN]
    )
    return {"organisation": organisation, "department": department, "hr": hr, "leader": leader}


def leaders_ballot(unit: dict, people: int):
    """A 民主测评 of 2026 opened by the unit's HR (``a_unit``): ``people`` new people of its department
    rated, by the unit's leader only."""
    from evaluations.ballots import services as ballot_services
    from tests.factories import UserFactory

    subjects = [UserFactory(department=unit["department"], full_name=f"被测评人{n}") for n in range(people)]
    return ballot_services.ballot_open(
        actor=unit["hr"],
        organisation=unit["organisation"],
        title="2026年度民主测评",
        year=2026,
        subjects=subjects,
        raters=[],
        leaders=[unit["leader"]],
    )


def demo_built(demo, today, *steps, year: int = 2026, seed: int = 2026):
    """Run the demo builders ``steps`` (build_demo_year, then build_demo_appraisals, ...) on ``demo``
    in order, each as ``step(demo, year=year, seed=seed, today=today)``. Each step is built once per
    run and restored for later tests that ask for the same steps (``built_once``); move the clock
    first if the test does. Returns ``demo``."""
    key = DEMO_ROWS
    for step in steps:
        name = f"{key} + {step.__module__}.{step.__name__}(year={year}, seed={seed}, today={today})"
        built_once(name, lambda step=step: step(demo, year=year, seed=seed, today=today), on=key)
        key = name
    return demo


@dataclass
class Clock:
    """The application's clock (accounts.periods.today), moved through ``settings.APPRAISAL_TODAY``:
    the live server runs in this process, so the pages see the moved day at once."""

    settings: object

    def move_to(self, day) -> None:
        self.settings.APPRAISAL_TODAY = day

    def reset(self) -> None:
        self.settings.APPRAISAL_TODAY = ""

    @property
    def today(self):
        from accounts import periods

        return periods.today()


@pytest.fixture
def clock(settings):
    """Move the application's clock for a test (reset afterwards by the ``settings`` fixture)."""
    return Clock(settings)


@pytest.fixture(params=["desktop", "phone"])
def any_ui(browser, live_server, request):
    """The same test on a desktop tab (1280) and a phone tab (390)."""
    yield from _tab(browser, live_server, request, DESKTOP if request.param == "desktop" else PHONE)


@pytest.fixture(params=["desktop", "phone"])
def english_browser_ui(browser, live_server, request):
    """A tab whose browser asks for English (Accept-Language: en-US), desktop and phone."""
    yield from _tab(browser, live_server, request, DESKTOP if request.param == "desktop" else PHONE, "en-US")


# The feedback pages' given: demo_staff's 一般 of 2026 Q3, locked on 30 September; on 21 October,
# ten working days later (国庆 and its make-up Saturday counted), its talk is overdue.
FEEDBACK_TODAY = date(2026, 10, 21)


@pytest.fixture
def locked_grade(demo, clock):
    from accounts.models import User
    from accounts.periods import CHINA_TZ
    from evaluations.grading.models import Grade, GradeState, QuarterState
    from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

    clock.move_to(FEEDBACK_TODAY)
    locked_at = datetime(2026, 9, 30, 17, 0, tzinfo=CHINA_TZ)
    staff = User.objects.get(username="demo_staff")
    # Nothing here locks a quarter (publication does): the lock is the test's given.
    quarter = AppraisalQuarterFactory(
        organisation=demo, year=2026, quarter=3, state=QuarterState.APPROVED, locked_at=locked_at
    )
    return QuarterGradeFactory(
        person=staff, appraisal_quarter=quarter, grade=Grade.AVERAGE, state=GradeState.CONFIRMED, locked_at=locked_at
    )
