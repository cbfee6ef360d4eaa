"""The summary's edit page on a phone: what the quarter's targets hold never widens the page."""

from datetime import datetime

import pytest
from playwright.sync_api import expect

from accounts.workflow import ReviewStatus
from summaries import services
from tests.factories import TargetItemFactory, TargetSetFactory

pytestmark = pytest.mark.e2e

LONG_LINK = "参考 https://www.example.gov.cn/" + "abcdefghij" * 20


@pytest.fixture
def summary(transactional_db, staff):
    """staff's October 2026 draft, the quarter's one approved item a link of 200 letters."""
    target_set = TargetSetFactory(owner=staff, status=ReviewStatus.APPROVED)
    TargetItemFactory(target_set=target_set, sort_order=1, content=LONG_LINK)
    october = datetime(2026, 10, 20, 10, 0, tzinfo=services.CHINA)
    return services.summary_get_or_create(owner=staff, year=2026, month=10, now=october)


def test_a_long_unbroken_target_item_wraps_on_the_summary_form(phone_ui, staff, password, summary):
    """A user test: an item holding a 200-letter link made the draft's page 2170 px wide on a 390 px
    phone, the item's label ran off the edge and 上传 could not be tapped. The label wraps."""
    phone_ui.sign_in_as(staff.username, password)
    phone_ui.goto(f"/summaries/{summary.pk}/")
    expect(phone_ui.page.get_by_test_id("progress-item")).to_contain_text("abcdefghij")
    width, screen = phone_ui.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= screen, f"the page is {width}px wide on a {screen}px screen"
    phone_ui.assert_scrolls_not_sideways()
    upload = phone_ui.page.get_by_role("button", name="上传", exact=True)
    upload.scroll_into_view_if_needed()
    expect(upload).to_be_in_viewport(ratio=1)
