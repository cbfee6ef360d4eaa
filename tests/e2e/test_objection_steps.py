"""Objections in a real browser: HR's step buttons pressed twice send one request, and an empty
objection is refused by the page, not the browser.

A user test: 受理 double-clicked reached the server twice; the second request was refused and
its page (HTTP 400) said 已受理 beside the stale badge 已提出 and the 受理 button. A form that is
being sent is not sent again (static/js/app.js); a step refused all the same shows the objection as
it is now (tests/publicity/test_publication.py)."""

from __future__ import annotations

import threading
import time
from datetime import date

import pytest
from playwright.sync_api import expect

from accounts.models import Notification, User
from evaluations.grading.models import Grade, GradeState, QuarterState
from publicity.publication import services
from publicity.publication.models import Objection, ObjectionState
from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

pytestmark = pytest.mark.e2e

PUBLISH_DAY = date(2026, 10, 20)  # a Tuesday: the window runs 20–26 October


@pytest.fixture
def lodged(demo, clock) -> Objection:
    """demo_staff's objection to a colleague's 好 of 2026 Q3, published today by demo_hr."""
    clock.move_to(PUBLISH_DAY)
    hr = User.objects.get(username="demo_hr")
    staff = User.objects.get(username="demo_staff")
    colleague = (
        User.objects.filter(department=staff.department, is_active=True)
        .exclude(pk__in=[staff.pk, staff.department.head_id])
        .order_by("pk")
        .first()
    )
    quarter = AppraisalQuarterFactory(organisation=demo, year=2026, quarter=3, state=QuarterState.APPROVED)
    QuarterGradeFactory(
        appraisal_quarter=quarter, person=colleague, grade=Grade.GOOD, comment="评语", state=GradeState.CONFIRMED
    )
    publication = services.publication_open_quarter(actor=hr, appraisal_quarter=quarter)
    return services.objection_lodge(actor=staff, entry=publication.entries.get(), text="请核实重点工作完成情况。")


# A human double click: two clicks about 120 ms apart (60 ms between each press and release); the
# test then waits for the page the clicks lead to, whichever request's answer it is.
DOUBLE_CLICK = {"delay": 60, "no_wait_after": True}


@pytest.fixture
def slow_steps(monkeypatch) -> list[str]:
    """Each of HR's objection steps takes half a second on the server (the live server runs in this
    process), so a second click surely comes while the first request is on its way. Returns the
    steps the server was asked for, in order."""
    asked: list[str] = []
    for name in ("objection_accept", "objection_verify", "objection_answer"):
        real = getattr(services, name)

        def slow(*, _real=real, _name=name, **kwargs):
            asked.append(_name)
            time.sleep(0.5)
            return _real(**kwargs)

        monkeypatch.setattr(services, name, slow)
    return asked


def _posts(ui, path: str) -> list[int]:
    """The statuses of the answers to the POSTs this tab sends to ``path`` from now on (a live list)."""
    statuses: list[int] = []

    def seen(response):
        if response.request.method == "POST" and response.url.endswith(path):
            statuses.append(response.status)

    ui.page.on("response", seen)
    return statuses


def test_accept_double_clicked_is_sent_once_and_the_page_shows_it_accepted(ui, lodged, slow_steps):
    path = lodged.get_absolute_url()
    ui.sign_in_as("demo_hr", to=path)
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已提出")
    posts = _posts(ui, path)
    ui.page.get_by_test_id("accept").dblclick(**DOUBLE_CLICK)
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已受理")
    expect(ui.page.get_by_test_id("accept")).to_have_count(0)
    expect(ui.page.locator(".alert-success")).to_contain_text("已受理异议。")
    expect(ui.page.locator(".alert-danger")).to_have_count(0)
    ui.page.wait_for_load_state("networkidle")
    assert slow_steps == ["objection_accept"]
    assert posts == [302]
    lodged.refresh_from_db()
    assert lodged.state == ObjectionState.ACCEPTED
    # One state change: the objector is told once.
    assert Notification.objects.filter(recipient=lodged.objector, message__contains="已受理").count() == 1


def test_a_step_pressed_again_while_a_slow_answer_is_on_its_way_is_not_sent_again(ui, lodged, monkeypatch):
    """The buttons stay disabled however long the answer takes (they were given back after 5 s):
    pressed again 6 s on, while the server holds its answer until that press is done."""
    asked: list[str] = []
    pressed_again = threading.Event()
    real = services.objection_accept

    def slow(**kwargs):
        asked.append("objection_accept")
        pressed_again.wait(timeout=30)
        return real(**kwargs)

    monkeypatch.setattr(services, "objection_accept", slow)
    path = lodged.get_absolute_url()
    ui.sign_in_as("demo_hr", to=path)
    box = ui.page.get_by_test_id("accept").bounding_box()
    ui.page.get_by_test_id("accept").click(no_wait_after=True)
    ui.page.wait_for_timeout(6000)
    # Pressed again where the button is (a locator would wait for the navigation under way): nothing is sent.
    ui.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    pressed_again.set()
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已受理", timeout=15000)
    expect(ui.page.locator(".alert-danger")).to_have_count(0)
    ui.page.wait_for_load_state("networkidle")
    assert asked == ["objection_accept"]


def test_verify_and_answer_double_clicked_are_each_sent_once(ui, lodged, slow_steps):
    services.objection_accept(actor=User.objects.get(username="demo_hr"), objection=lodged)
    slow_steps.clear()
    path = lodged.get_absolute_url()
    ui.sign_in_as("demo_hr", to=path)
    posts = _posts(ui, path)
    ui.page.fill("#verify-text", "已调阅季度目标，情况属实。")
    ui.page.get_by_test_id("verify").dblclick(**DOUBLE_CLICK)
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已核实")
    ui.page.fill("#answer-text", "经核实，等次无误。")
    # 答复并办结 asks first, once: the second click finds the form already being sent.
    asked: list[str] = []
    ui.page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    ui.page.get_by_test_id("answer-submit").dblclick(**DOUBLE_CLICK)
    expect(ui.page.get_by_test_id("objection-state")).to_have_text("已答复")
    expect(ui.page.locator(".alert-danger")).to_have_count(0)
    ui.page.wait_for_load_state("networkidle")
    assert slow_steps == ["objection_verify", "objection_answer"]
    assert posts == [302, 302]
    assert len(asked) == 1
    lodged.refresh_from_db()
    assert lodged.state == ObjectionState.ANSWERED


def test_an_empty_objection_is_answered_by_the_page_not_the_browser(ui, lodged):
    """A user test: 提交异议 with nothing typed showed the browser's "Please fill out this field."
    bubble (in the browser's language), not the message under the box every other form gives."""
    entry = lodged.entry
    # Not demo_staff: their objection to this entry waits for its answer, so their page offers no form.
    ui.sign_in_as("demo_head", to=f"/publicity/entries/{entry.pk}/object/")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("objection-submit").click()
    box = ui.page.locator("textarea[name=text]")
    expect(box).to_have_attribute("aria-invalid", "true")
    expect(ui.page.locator("#id_text_error")).to_contain_text("请填写异议内容。")
    ui.assert_no_csp_errors()
