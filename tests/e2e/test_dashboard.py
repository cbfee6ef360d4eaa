"""Issue 12, the dashboards in a real browser: demo_hr opens 数据看板 from the menu; every chart is
drawn by Chart.js on its canvas, with no CSP or console error, and the numbers drawn are the
numbers of the table beneath it; on a desktop and on a phone."""

from __future__ import annotations

from datetime import date

import pytest
from django.conf import settings
from playwright.sync_api import expect

from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.year import build_demo_year
from tests.e2e.conftest import demo_built

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 1)

# For each chart: its labels, and per drawn dataset the label and data Chart.js holds; and the
# table beneath it as text, header and rows.
READ_CHARTS = """
() => Array.from(document.querySelectorAll("canvas[data-chart]")).map((canvas) => {
  const chart = Chart.getChart(canvas);
  const table = document.querySelector('table[data-table="' + canvas.dataset.chart + '"]');
  return {
    key: canvas.dataset.chart,
    drawn: !!chart && canvas.width > 0 && canvas.height > 0,
    labels: chart ? chart.data.labels : [],
    datasets: chart ? chart.data.datasets.map((d) => ({label: d.label, data: d.data})) : [],
    header: Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim()),
    rows: Array.from(table.querySelectorAll("tbody tr")).map(
      (tr) => Array.from(tr.children).map((cell) => cell.textContent.trim())
    ),
  };
})
"""


@pytest.fixture
def demo_year(demo, clock):
    clock.move_to(TODAY)
    return demo_built(demo, TODAY, build_demo_year, build_demo_appraisals)


def _number(text: str):
    return None if text == "—" else float(text)


def test_the_dashboard_draws_its_charts_with_the_numbers_of_its_tables(any_ui, demo_year):
    ui = any_ui
    ui.sign_in_as("demo_hr")
    ui.go_via_menu("数据看板", "/reports/dashboard/")
    ui.page.select_option("#dashboard-year", "2026")
    ui.page.select_option("#dashboard-quarter", "3")
    with ui.page.expect_navigation():
        ui.page.get_by_role("button", name="查看").click()
    expect(ui.page.locator("canvas[data-chart]").first).to_be_visible()
    charts = ui.page.evaluate(READ_CHARTS)
    assert {chart["key"] for chart in charts} >= {"grades", "summaries", "inspections", "objections"}
    for chart in charts:
        assert chart["drawn"], chart["key"]
        assert [row[0] for row in chart["rows"]] == chart["labels"], chart["key"]
        for dataset in chart["datasets"]:
            column = chart["header"].index(dataset["label"])
            table = [_number(row[column]) for row in chart["rows"]]
            assert table == [None if v is None else float(v) for v in dataset["data"]], (chart["key"], dataset["label"])
    # Every series of a chart in a colour of its own (the 好 places' line was the 好 bars' green).
    colours = ui.page.evaluate(
        """() => Array.from(document.querySelectorAll("canvas[data-chart]")).map(
        (canvas) => Chart.getChart(canvas).data.datasets.map((d) => d.borderColor))"""
    )
    assert all(len(set(chart)) == len(chart) for chart in colours), colours
    grades = next(chart for chart in charts if chart["key"] == "grades")
    assert grades["labels"], "the demo's third quarter has graded departments"
    # An unstacked chart draws its bar series side by side: 已答复 was drawn exactly over 提出异议.
    slots = ui.page.evaluate(
        """() => { const chart = Chart.getChart(document.querySelector('canvas[data-chart="objections"]'));
        return chart.data.datasets.map((d, i) => chart.getDatasetMeta(i).data[0].x); }"""
    )
    # 提出异议, 已答复 and (drawn as its table column reads, from a user test) 退回重评.
    assert len(slots) == 3 and len(set(slots)) == 3, slots
    stacked = ui.page.evaluate(
        """() => { const chart = Chart.getChart(document.querySelector('canvas[data-chart="grades"]'));
        return chart.data.datasets.filter((d) => d.type === "bar")
          .map((d, i) => chart.getDatasetMeta(i).data[0].x); }"""
    )
    assert len(set(stacked)) == 1, stacked  # the grades chart piles its bars
    expect(ui.page.get_by_test_id("rotation-check")).to_be_visible()
    ui.assert_scrolls_not_sideways()
    ui.assert_no_csp_errors()
    assert not [m for m in ui.console if m.startswith(("error", "pageerror"))], ui.console


def test_the_taking_turns_evidence_is_on_a_phone_s_screen_in_english(phone_ui, demo_year):
    """A walk of the English pages: on a phone the taking-turns check's six columns squeezed each row
    to a word a line and put the evidence out of sight, to the right of a table scrolled sideways.
    Each department is a labelled card there, its evidence within the screen."""
    ui = phone_ui
    ui.sign_in_as("demo_hr")
    ui.page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "en", "url": ui.page.url}])
    ui.goto("/reports/dashboard/?year=2026&quarter=3")
    evidence = ui.page.locator("[data-testid=rotation-check] tr[data-flagged] td").last
    expect(evidence).to_contain_text("Q2")
    box, width = evidence.bounding_box(), ui.page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, (box, width)
    ui.screenshot("rotation-english-phone")
