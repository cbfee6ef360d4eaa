"""The target form's rows: 上移/下移 by keyboard keep the keyboard on the button pressed and say the
row's new place (a user test: the focus fell to the page, the next Tab went to 添加一项); rows added
with 添加一项 come back after the session ended, not only the two the page starts with (a user
test: rows 3 and 4 of four were dropped under a banner saying what was typed was restored)."""

import pytest
from playwright.sync_api import expect

from accounts.workflow import ReviewStatus
from tests.factories import TargetSetFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def target_set(transactional_db, staff):
    return TargetSetFactory(owner=staff, status=ReviewStatus.DRAFT)


def test_moving_a_row_by_keyboard_keeps_the_focus_on_the_button_and_says_its_place(ui, staff, password, target_set):
    ui.sign_in_as(staff.username, password)
    page = ui.page
    ui.goto(f"/targets/{target_set.pk}/")
    page.fill("textarea[name='items-0-content']", "第一项工作")
    page.fill("textarea[name='items-1-content']", "第二项工作")
    up = page.locator("[data-formset-form]").nth(1).locator("[data-formset-up]")
    up.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-formset-form]").first.locator("textarea[name$='-content']")).to_have_value("第二项工作")
    assert page.evaluate("document.activeElement.hasAttribute('data-formset-up')")
    expect(page.locator("[data-formset-status]")).to_have_text("第1项")
    page.keyboard.press("Space")  # already first: stays, keeps the focus
    assert page.evaluate("document.activeElement.hasAttribute('data-formset-up')")


def test_rows_added_before_the_session_ended_come_back_after_signing_in(ui, staff, password, target_set):
    """Also (a re-test): the rows come back in the order they were arranged, and the buttons keep
    what they do — the one pressed before the session ended had been written into both, so 保存草稿
    handed the set in."""
    from django.contrib.sessions.models import Session

    from targets.models import TargetSet

    ui.sign_in_as(staff.username, password)
    page = ui.page
    ui.goto(f"/targets/{target_set.pk}/")
    add = page.locator("[data-formset-add]")
    add.click()
    add.click()
    typed = ["窗口服务规范化", "就业补贴审核", "档案数字化", "政策宣传进社区"]
    for index, text in enumerate(typed):
        page.fill(f"textarea[name='items-{index}-content']", text)
    page.locator("[data-formset-form]").nth(3).locator("[data-formset-up]").click()  # 4th before the 3rd
    arranged = ["窗口服务规范化", "就业补贴审核", "政策宣传进社区", "档案数字化"]
    Session.objects.all().delete()  # the idle timeout, on the server
    with ui.answering_questions(), page.expect_navigation():
        page.get_by_role("button", name="提交审核").click()
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.locator("main").get_by_role("button", name="登录").click()
    expect(page.get_by_test_id("restored-form")).to_be_visible()
    shown = page.locator("[data-formset-form] textarea[name$='-content']")
    expect(shown).to_have_count(4)
    assert [shown.nth(n).input_value() for n in range(4)] == arranged
    assert page.get_by_role("button", name="保存草稿").get_attribute("value") == "draft"
    assert page.get_by_role("button", name="提交审核").get_attribute("value") == "submit"
    with ui.answering_questions(), page.expect_navigation():
        page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("草稿已保存")
    assert TargetSet.objects.get(pk=target_set.pk).status == "draft"
    assert (
        list(TargetSet.objects.get(pk=target_set.pk).items.order_by("sort_order").values_list("content", flat=True))
        == arranged
    )
