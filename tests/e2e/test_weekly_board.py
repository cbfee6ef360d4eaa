"""Issue 11, the weekly progress board and the goals board, in a real browser: demo_head posts the
week, demo_hr compiles and publishes it, demo_staff reads it on the board; the goals board on a
phone and on the meeting-room screen."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pytest
from playwright.sync_api import expect

from appraisal_site.demo.boards import build_demo_boards
from appraisal_site.demo.year import build_demo_year
from tests.e2e.conftest import demo_built

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 1)


@pytest.fixture
def demo_boards(demo, clock):
    clock.move_to(TODAY)
    return demo_built(demo, TODAY, build_demo_year, build_demo_boards)


def test_the_head_posts_hr_publishes_and_staff_read_the_week(ui, demo_boards):
    ui.sign_in_as("demo_head")
    ui.post_weekly_progress("举办高校毕业生专场招聘会2场", "走访重点企业5家")

    ui.sign_in_as("demo_hr")
    ui.compile_and_publish_week({"就业促进科": "举办高校毕业生专场招聘会2场，达成就业意向86人；走访重点企业5家。"})

    ui.sign_in_as("demo_staff")
    ui.go_via_menu("每周进展", "/publicity/weekly/")
    latest = ui.page.get_by_test_id("weekly-latest")
    expect(latest).to_contain_text("2026年第49周")
    expect(latest).to_contain_text("达成就业意向86人")
    expect(ui.page.get_by_test_id("weekly-list")).to_contain_text("2026年第48周")
    ui.assert_no_csp_errors()


def test_the_goals_board_reads_on_a_phone_and_fills_the_meeting_room_screen(phone_ui, ui, demo_boards):
    phone_ui.sign_in_as("demo_staff", to="/publicity/goals/")
    expect(phone_ui.page.get_by_test_id("board-department").first).to_be_visible()
    expect(phone_ui.page.get_by_test_id("board-goal").first).to_be_visible()
    phone_ui.assert_scrolls_not_sideways()
    phone_ui.assert_no_csp_errors()

    ui.sign_in_as("demo_staff", to="/publicity/goals/")
    ui.page.get_by_test_id("screen-mode").click()
    ui.page.wait_for_url("**screen=1**")
    expect(ui.page.locator("nav.navbar")).to_be_hidden()
    size = ui.page.evaluate("parseFloat(getComputedStyle(document.querySelector('.goals-board')).fontSize)")
    assert size >= 24
    ui.assert_no_csp_errors()


def test_the_goals_board_prints_on_a3_landscape_without_the_menu(ui, demo_boards, tmp_path):
    ui.sign_in_as("demo_staff", to="/publicity/goals/")
    ui.page.emulate_media(media="print")
    expect(ui.page.locator("nav.navbar")).to_be_hidden()
    expect(ui.page.locator(".board-controls")).to_be_hidden()
    pdf = tmp_path / "goals.pdf"
    ui.page.pdf(path=str(pdf), prefer_css_page_size=True)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    # A3 landscape: 420 × 297 mm = 1190.55 × 841.89 pt.
    width, height = (float(v) for v in re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info).groups())
    assert (round(width), round(height)) == (1191, 842)


def test_switching_the_week_with_items_typed_asks_first(ui, demo_boards):
    """A user test typed an item and pressed 切换: the text went without a word."""
    ui.sign_in_as("demo_head")
    ui.goto("/publicity/weekly/post/")
    ui.page.get_by_test_id("progress-item").nth(0).locator("textarea").fill("走访重点企业5家")
    asked = []
    ui.page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    ui.page.get_by_role("button", name="切换").click()
    expect(ui.page.get_by_test_id("progress-item").nth(0).locator("textarea")).to_have_value("走访重点企业5家")
    assert asked and "尚未保存" in asked[0]
