"""Issue 12, oversight across agencies in a real browser: demo_bureau (示例市公务员局) opens
各单位考核概况 from the menu, sees the demo organisation's aggregates and downloads the workbook;
on a desktop and on a phone."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from appraisal_site.demo.oversight import build_demo_bureau

pytestmark = pytest.mark.e2e


def test_the_bureau_opens_oversight_and_downloads_the_figures(any_ui, demo, clock, tmp_path):
    clock.move_to(date(2026, 12, 1))
    build_demo_bureau(demo)
    ui = any_ui
    ui.sign_in_as("demo_bureau")
    ui.go_via_menu("各单位考核概况", "/oversight/")
    rows = ui.page.get_by_test_id("oversight-row")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(demo.name)
    ui.assert_no_csp_errors()
    ui.assert_fits_screen()
    with ui.page.expect_download() as download_info:
        ui.page.get_by_test_id("oversight-export").click()
    path = tmp_path / "oversight.xlsx"
    download_info.value.save_as(path)
    sheet = load_workbook(path).active
    assert sheet["A2"].value == demo.name
