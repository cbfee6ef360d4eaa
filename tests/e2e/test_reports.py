"""Issue 12, the year-end workbook in a real browser: demo_hr opens 年度报表 from the menu, starts
the export, sees the progress bar and downloads the workbook; on a desktop and on a phone."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.year import build_demo_year
from tests.e2e.conftest import demo_built

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 1)


@pytest.fixture
def demo_year(demo, clock, settings, tmp_path):
    from django.utils.functional import empty

    from accounts.storage import private_storage

    settings.PRIVATE_FILES_ROOT = tmp_path / "private"
    private_storage._wrapped = empty
    clock.move_to(TODAY)
    yield demo_built(demo, TODAY, build_demo_year, build_demo_appraisals)
    private_storage._wrapped = empty


def test_hr_exports_the_year_sees_the_progress_and_downloads_the_workbook(any_ui, demo_year, tmp_path):
    ui = any_ui
    ui.sign_in_as("demo_hr")
    ui.go_via_menu("年度报表", "/reports/")
    ui.page.select_option("#export-year", "2026")
    with ui.page.expect_navigation():
        ui.page.get_by_test_id("export-year").click()
    ui.page.wait_for_url("**/reports/?job=**")
    progress = ui.page.get_by_test_id("export-progress")
    expect(progress).to_be_visible()
    # Without a broker the job ran in the request: the bar stands at 100 % and the link is there.
    expect(progress).to_have_attribute("aria-valuenow", "100")
    expect(ui.page.get_by_test_id("export-job")).to_contain_text("已完成")
    with ui.page.expect_download() as download_info:
        ui.page.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename == "2026年度考核汇总.xlsx"
    path = tmp_path / "downloaded.xlsx"
    download.save_as(path)
    workbook = load_workbook(path, read_only=True)
    assert workbook.sheetnames == ["年度汇总", "科室统计", "纪律检查", "公示与异议", "结果运用"]
    people = list(workbook["年度汇总"].iter_rows(min_row=2, values_only=True))
    assert len(people) >= 20 and all(row[1] for row in people)
    expect(ui.page.get_by_test_id("workbooks")).to_contain_text("2026")
    ui.assert_fits_screen()
    ui.assert_no_csp_errors()
    # In English the exported files' six columns pushed the download link off a phone's screen (a
    # user test): it stays on it.
    ui.page.context.add_cookies([{"name": "django_language", "value": "en", "url": ui.base_url}])
    ui.goto("/reports/")
    box = ui.page.get_by_test_id("workbooks").get_by_role("link", name="Download").first.bounding_box()
    assert box["x"] + box["width"] <= ui.page.viewport_size["width"]


def test_the_progress_bar_follows_a_queued_export_until_its_download_link_appears(ui, demo_year):
    from accounts import jobs
    from accounts.models import Job, User
    from publicity.reports.services import YEAR_EXPORT

    hr = User.objects.get(username="demo_hr")
    # A job waiting for a worker (as with a broker): the page polls its status.
    job = Job.objects.create(kind=YEAR_EXPORT, organisation=hr.organisation, params={"year": 2026}, requested_by=hr)
    ui.sign_in_as("demo_hr", to=f"/reports/?job={job.pk}")
    progress = ui.page.get_by_test_id("export-progress")
    expect(progress).to_have_attribute("aria-valuenow", "0")
    expect(ui.page.get_by_test_id("export-download")).to_have_count(0)
    # The worker runs it; the page sees the bar reach 100 %, reloads and offers the file.
    jobs.job_run(job.pk)
    expect(ui.page.get_by_test_id("export-download")).to_be_visible(timeout=20_000)
    expect(ui.page.get_by_test_id("export-progress")).to_have_attribute("aria-valuenow", "100")
    ui.assert_no_csp_errors()
