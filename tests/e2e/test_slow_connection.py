"""A slow connection (a user test on a throttled phone): a tap on a button that asks before an
irreversible step, while the page's scripts at the end of <body> are still on their way, sent the
step without its question (the review inbox's 通过, the leader's 全部确认, the annual signature).
static/js/early.js, loaded in <head>, holds such a form back until the page has loaded and says so."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from evaluations.ballots.models import Ballot
from tests.e2e.conftest import a_unit, leaders_ballot
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e


def _app_js_held(page) -> tuple[list, list]:
    """Hold static/js/app.js on its way (the page is drawn up to its scripts, which have not run):
    the routes held, to let them go with ``route.continue_()``, and the POSTs sent meanwhile."""
    held, posted = [], []
    page.route("**/js/app.js", lambda route: held.append(route))
    page.on("request", lambda request: posted.append(request.url) if request.method == "POST" else None)
    return held, posted


def test_a_tap_before_the_scripts_arrive_sends_nothing_unasked(phone_ui, transactional_db, clock):
    clock.move_to(date(2026, 12, 1))
    unit = a_unit(prefix="s", code="slow", name="慢速单位", department_name="综合科")
    ballot = leaders_ballot(unit, 3)
    page = phone_ui.page
    phone_ui.sign_in_as("s_hr", PASSWORD)
    held, posted = _app_js_held(page)
    with phone_ui.answering_questions(accept=False) as asked:
        page.goto(f"{phone_ui.base_url}/evaluations/ballots/{ballot.pk}/", wait_until="commit")
        withdraw = page.get_by_test_id("ballot-withdraw")
        withdraw.click()
        expect(page.locator("[data-still-loading]")).to_have_text("页面还在加载，尚未提交，请稍候再点一次。")
        assert posted == [] and asked == []
        # The scripts arrive: the note goes, and the same tap asks first; answered no, nothing is sent.
        for route in held:
            route.continue_()
        page.wait_for_load_state("load")
        expect(page.locator("[data-still-loading]")).to_have_count(0)
        withdraw.click()
        assert len(asked) == 1 and "确定撤销" in asked[0]
    assert posted == [] and Ballot.objects.filter(pk=ballot.pk).exists()


def test_an_inbox_rows_approval_tapped_early_says_so_beside_the_button(ui, transactional_db, clock):
    """A re-test: a row's 通过 sends a hidden form of its own (form="…"); the note went into that
    hidden form, so the tap did nothing visible. It stands beside the button."""
    from tests.factories import MonthlySummaryFactory, UserFactory

    clock.move_to(date(2026, 12, 1))
    unit = a_unit(prefix="r", code="rows", name="审核单位", department_name="综合科")
    MonthlySummaryFactory(owner=UserFactory(department=unit["department"], full_name="科员甲"), submitted=True)
    page = ui.page
    ui.sign_in_as("r_head", PASSWORD)
    held, posted = _app_js_held(page)
    page.goto(f"{ui.base_url}/review/", wait_until="commit")
    page.get_by_test_id("approve-one").click()
    expect(page.locator("[data-still-loading]")).to_be_visible()
    assert posted == []
    for route in held:
        route.continue_()
