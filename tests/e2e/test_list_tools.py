"""Issue 15, the list tools, in a real browser on desktop (1280) and phone (390): HR sorts the staff
register by a column and exports it with the filter and sort applied; a staff member starts the
quarter's targets from last quarter's."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import User
from tests.factories import TargetItemFactory, TargetSetFactory

pytestmark = pytest.mark.e2e


def test_hr_sorts_the_staff_register_and_exports_it_as_shown(demo, any_ui, tmp_path):
    ui, page = any_ui, any_ui.page
    ui.sign_in_as("demo_hr", to="/accounts/staff/")
    with page.expect_navigation():
        page.get_by_test_id("sort-number").click()
    with page.expect_navigation():
        page.get_by_test_id("sort-number").click()
    assert "sort=-number" in page.url
    expect(page.locator("th[aria-sort=descending]")).to_have_count(1)
    numbers = page.get_by_test_id("staff-row").locator("td:first-child").all_inner_texts()
    assert numbers == sorted(numbers, reverse=True)
    ui.assert_scrolls_not_sideways()
    with page.expect_download() as download_info:
        page.get_by_test_id("list-export").click()
    path = tmp_path / "staff.xlsx"
    download_info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    assert rows[0][0] == "工号"
    exported = [row[0] for row in rows[1:]]
    assert exported[: len(numbers)] == numbers
    ui.assert_no_csp_errors()


def test_a_staff_member_starts_the_quarter_from_last_quarters_targets(demo, any_ui, clock):
    clock.move_to(date(2026, 12, 1))
    staff = User.objects.get(username="demo_staff")
    TargetSetFactory._meta.model.objects.filter(owner=staff, year=2026, quarter__in=(3, 4)).delete()
    last = TargetSetFactory(owner=staff, year=2026, quarter=3, submitted=True)
    for content in ("走访重点企业二十家", "举办两场专场招聘会"):
        TargetItemFactory(target_set=last, content=content)
    ui, page = any_ui, any_ui.page
    ui.sign_in_as("demo_staff", to="/targets/")
    with page.expect_navigation():
        page.get_by_test_id("copy-previous").click()
    expect(page.locator(".alert-success")).to_contain_text("已从上季度复制目标")
    expect(page.locator("main")).to_contain_text("2026年第4季度")
    values = page.locator("main textarea").evaluate_all("areas => areas.map(a => a.value)")
    assert "走访重点企业二十家" in values and "举办两场专场招聘会" in values
    copy = staff.target_sets.get(year=2026, quarter=4)
    assert copy.status == "draft" and copy.submitted_at is None
    ui.assert_scrolls_not_sideways()
    ui.assert_no_csp_errors()
