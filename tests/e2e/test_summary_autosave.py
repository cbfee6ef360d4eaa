"""Autosave in a real browser: text typed is saved, a stale tab is told so, leaving the page saves."""

from datetime import datetime

import pytest
from playwright.sync_api import expect

from accounts.workflow import ReviewStatus
from summaries import services
from summaries.models import MonthlySummary, SummaryConflictCopy
from targets.models import TargetItem, TargetSet

pytestmark = pytest.mark.e2e


@pytest.fixture
def summary(transactional_db, staff):
    """staff's October 2026 summary, with a progress row for each of two approved target items."""
    target_set = TargetSet.objects.create(
        owner=staff,
        organisation_id=staff.organisation_id,
        department_id=staff.department_id,
        year=2026,
        quarter=4,
        status=ReviewStatus.APPROVED,
    )
    for order, content in enumerate(("完成年度预算编制", "整理档案")):
        TargetItem.objects.create(target_set=target_set, sort_order=order, content=content)
    october = datetime(2026, 10, 20, 10, 0, tzinfo=services.CHINA)
    return services.summary_get_or_create(owner=staff, year=2026, month=10, now=october)


@pytest.fixture
def signed_in(phone_ui, staff, password):
    phone_ui.login(staff.username, password)
    return phone_ui


def page_errors(ui) -> list[str]:
    # Script errors and CSP refusals; "failed to load resource" lines (the 409 itself, the
    # favicon) are not faults of the page.
    return ui.csp_messages() + [m for m in ui.console if m.startswith("pageerror:")]


def test_typing_is_autosaved_and_a_stale_tab_is_warned(signed_in, summary):
    ui = signed_in
    page = ui.page
    path = f"/summaries/{summary.pk}/"
    ui.goto(path)
    page.fill("#id_other_work", "手机上写的内容")
    expect(page.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    assert MonthlySummary.objects.get(pk=summary.pk).other_work == "手机上写的内容"

    # A second tab saves newer text; the first, still on the old version, must not overwrite it.
    other = page.context.new_page()
    other.on("console", lambda message: ui.console.append(f"{message.type}: {message.text}"))
    other.on("pageerror", lambda error: ui.console.append(f"pageerror: {error}"))
    other.goto(ui.base_url + path)
    other.fill("#id_problems", "另一页面写的")
    expect(other.locator("[data-autosave-status]")).to_contain_text("已自动保存", timeout=10_000)
    page.fill("#id_problems", "旧页面写的")
    alert = page.locator("[data-conflict-alert]")
    expect(alert).to_be_visible(timeout=10_000)
    expect(alert).to_contain_text("此小结已在其他页面更新")
    ui.screenshot("conflict")
    assert MonthlySummary.objects.get(pk=summary.pk).problems == "另一页面写的"
    assert SummaryConflictCopy.objects.get(summary=summary).payload["problems"] == "旧页面写的"
    assert page_errors(ui) == [], "\n".join(ui.console)


def test_leaving_the_page_right_after_typing_saves_the_text(signed_in, summary):
    ui = signed_in
    page = ui.page
    ui.goto(f"/summaries/{summary.pk}/")
    page.fill("#id_next_month_plan", "刚打完就离开")
    ui.goto("/summaries/")
    page.wait_for_timeout(1000)
    assert MonthlySummary.objects.get(pk=summary.pk).next_month_plan == "刚打完就离开"
    ui.goto(f"/summaries/{summary.pk}/")
    assert page.input_value("#id_next_month_plan") == "刚打完就离开"
    assert page_errors(ui) == [], "\n".join(ui.console)
