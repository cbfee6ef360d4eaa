"""The counter under a long text box and the browser's limit count characters as the server does."""

import pytest
from playwright.sync_api import expect

from accounts.workflow import ReviewStatus
from targets.models import TargetItem
from tests.factories import TargetSetFactory

pytestmark = pytest.mark.e2e

# 480 characters, 96 of them emoji: 576 UTF-16 units, which the browser's maxlength counts.
WITH_EMOJI = "进展顺利😀" * 96


@pytest.fixture
def target_set(transactional_db, staff):
    return TargetSetFactory(owner=staff, status=ReviewStatus.DRAFT)


def test_emoji_count_one_each_and_the_box_takes_the_server_s_whole_limit(ui, staff, password, target_set):
    """A user test: a 480-character text with emoji showed 483 / 500 and the browser stopped it
    before the server's 500 characters. An emoji is one character, as the server counts it."""
    ui.sign_in_as(staff.username, password)
    page = ui.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=ui.base_url)
    ui.goto(f"/targets/{target_set.pk}/")
    box = page.locator("textarea[name='items-0-content']")
    counter = page.locator("textarea[name='items-0-content'] + [data-length-counter]")
    page.evaluate(f"navigator.clipboard.writeText({WITH_EMOJI!r})")
    box.click()
    page.keyboard.press("Control+V")
    expect(counter).to_have_text("480 / 500")
    assert box.input_value() == WITH_EMOJI
    # Typed up to the limit, emoji and all; the browser stops there, where the server would refuse.
    page.keyboard.type("🎉" * 19 + "好")
    expect(counter).to_have_text("500 / 500")
    page.keyboard.type("🎉")
    expect(counter).to_have_text("500 / 500")
    # A paste beyond the limit says what was cut, counted in characters too.
    page.keyboard.press("Backspace")
    page.keyboard.press("Backspace")
    page.evaluate("navigator.clipboard.writeText('🎈🎈🎈')")
    page.keyboard.press("Control+V")
    expect(counter).to_contain_text("500 / 500")
    expect(counter).to_contain_text("超出的部分没有粘贴进来")
    expected = WITH_EMOJI + "🎉" * 18 + "🎈🎈"
    assert box.input_value() == expected
    with ui.answering_questions() as asked, page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    assert asked == []
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    assert TargetItem.objects.get(target_set=target_set).content == expected
