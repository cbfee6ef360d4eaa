"""One quarter, walked on a moved clock (accounts.periods.today() through settings.APPRAISAL_TODAY),
in a real browser on the demo organisation: the calendar governs every step.

2027 Q1: on 5 January demo_staff writes the quarter's targets (due 10 January) and demo_head approves
them; on 3 February January's summary is due (5 February) and demo_staff hands it in; on 25 March
HR cannot open the quarter for grading (its window opens on 1 April) and the server refuses a forged
request too; on 1 April HR opens it, demo_staff records the completion, the evaluators grade and
demo_chief approves; afterwards the targets and the completion record are read-only, on the page
and for a POST. The phone test checks the same calendar on 390×844.
"""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts import periods
from accounts.models import User
from accounts.selectors import evaluator_of
from accounts.workflow import ReviewStatus
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    appraisal_quarter_open,
    grade_assign,
    grade_confirm,
)
from evaluations.models import AppraisalQuarter, Grade, GradeState, QuarterState
from targets import services as targets
from targets.models import TargetSet
from tests.factories import TargetItemFactory, hand_in_quarter_inputs

pytestmark = pytest.mark.e2e

QUARTER = periods.Quarter(2027, 1)
TARGETS_DAY = date(2027, 1, 5)  # targets due on the 10th
SUMMARY_DAY = date(2027, 2, 3)  # January's summary due on 5 February
BEFORE_WINDOW = date(2027, 3, 25)  # the quarter is still under way
WINDOW_OPENS = date(2027, 4, 1)  # the day after the quarter ends
QUARTERS = "/evaluations/quarters/"
TARGET_SET_URL = re.compile(r"/targets/\d+/$")
SUMMARY_URL = re.compile(r"/summaries/\d+/$")


def submit_form(ui, button_name: str):
    """Press the button, saying yes to what the page asks first (审核通过 asks), and follow the page."""
    with ui.answering_questions(), ui.page.expect_navigation():
        ui.page.locator("main").get_by_role("button", name=button_name, exact=True).click()


def expect_status(ui, text: str):
    expect(ui.page.locator("main").get_by_test_id("status").first).to_have_text(re.compile(rf"^\s*{text}"))


def openable(ui, quarter: periods.Quarter):
    return ui.page.get_by_test_id("openable-quarter").and_(
        ui.page.locator(f"[data-quarter='{quarter.year}-{quarter.quarter}']")
    )


def grade_and_confirm_everyone(appraisal_quarter: AppraisalQuarter) -> None:
    """Every participant graded 较好 by their evaluator and confirmed by the supervising leader."""
    for row in appraisal_quarter.grades.select_related("person__department").order_by("pk"):
        graded = grade_assign(
            grade_row=row, actor=evaluator_of(person=row.person), grade=Grade.FAIRLY_GOOD, comment="较好完成季度目标"
        )
        if graded.state == GradeState.GRADED:
            grade_confirm(grade_row=graded, actor=graded.department.supervising_leader)


def approved_targets_of(username: str) -> TargetSet:
    """demo_staff's targets for the quarter, written, submitted and approved through the services."""
    owner = User.objects.get(username=username)
    target_set = targets.target_set_start(owner=owner, year=QUARTER.year, quarter=QUARTER.quarter)
    TargetItemFactory(target_set=target_set, sort_order=1, content="完成一季度就业帮扶专项行动")
    target_set = targets.target_set_submit(target_set=target_set, actor=owner, version=target_set.version)
    return targets.target_set_approve(target_set=target_set, actor=evaluator_of(person=owner))


# --- Desktop: the whole quarter ------------------------------------------------------------------


def test_one_quarter_walked_on_a_moved_clock(ui, demo, clock):
    page = ui.page

    # 1. 5 January: the quarter's targets are due on the 10th; demo_staff writes and submits them.
    clock.move_to(TARGETS_DAY)
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("季度目标", "/targets/")
    expect(page.locator("main")).to_contain_text("2027年1月10日")
    with page.expect_navigation():
        page.get_by_test_id("current-quarter").click()
    page.wait_for_url(TARGET_SET_URL)
    targets_path = page.url.removeprefix(ui.base_url)
    page.fill("textarea[name='items-0-content']", "完成一季度就业帮扶专项行动")
    page.select_option("select[name='items-0-kind']", label="重点工作")
    page.fill("textarea[name='items-0-measures']", "走访重点企业，举办专场招聘会")
    page.fill("input[name='items-0-deadline']", "2027-03-20")
    submit_form(ui, "提交审核")
    expect_status(ui, "已提交")

    ui.sign_in_as("demo_head", to=targets_path)
    submit_form(ui, "审核通过")
    expect_status(ui, "已通过")
    ui.screenshot("01-targets-approved")

    # 2. 3 February: January's summary is due on the 5th; demo_staff writes and submits it.
    clock.move_to(SUMMARY_DAY)
    ui.sign_in_as("demo_staff")
    ui.go_via_menu("月小结", "/summaries/")
    january = page.get_by_test_id("month-1")
    expect(january).to_contain_text("2027-02-05")
    start = january.locator("button, a.btn")
    with page.expect_navigation():
        (start.first if start.count() else page.get_by_test_id("write-this-month")).click()
    page.wait_for_url(SUMMARY_URL)
    progress = page.get_by_test_id("progress-item")
    expect(progress).to_have_count(1)
    progress.first.locator("textarea").fill("走访企业8家，举办专场招聘会1场。")
    page.fill("#id_other_work", "配合完成稳岗返还审核。")
    submit_form(ui, "提交审核")
    expect(page.locator(".alert-success")).to_contain_text("小结已提交")
    ui.screenshot("02-summary-submitted")

    # 3. 25 March: grading cannot open before the quarter ends, on the page or by a forged request.
    clock.move_to(BEFORE_WINDOW)
    ui.sign_in_as("demo_hr", to=QUARTERS)
    row = openable(ui, QUARTER)
    expect(row).to_contain_text("评鉴自2027-04-01起")
    expect(row.get_by_test_id("open-refusal")).to_contain_text("2027-04-01")
    expect(row.get_by_test_id("open-quarter")).to_have_count(0)
    ui.screenshot("03-grading-not-yet")
    # The previous quarter may be opened; its form, pointed at this quarter, is refused by the server.
    form = openable(ui, QUARTER.previous()).locator("form")
    form.locator("input[name=year]").evaluate("(input, year) => input.value = year", QUARTER.year)
    form.locator("input[name=quarter]").evaluate("(input, q) => input.value = q", QUARTER.quarter)
    with page.expect_navigation():
        form.get_by_test_id("open-quarter").click()
    expect(page.locator(".alert-danger")).to_contain_text("2027-04-01")
    assert not AppraisalQuarter.objects.filter(organisation=demo, year=QUARTER.year, quarter=QUARTER.quarter).exists()

    # 4. 1 April: the window is open; HR opens the quarter.
    clock.move_to(WINDOW_OPENS)
    ui.goto(QUARTERS)
    with page.expect_navigation():
        openable(ui, QUARTER).get_by_test_id("open-quarter").click()
    expect(page.locator(".alert-success")).to_contain_text("已开放评鉴")
    appraisal_quarter = AppraisalQuarter.objects.get(organisation=demo, year=QUARTER.year, quarter=QUARTER.quarter)

    # demo_staff records the completion (自评) of the quarter's targets.
    ui.sign_in_as("demo_staff", to=targets_path)
    page.locator("main select[name^='completion_']").first.select_option(label="完成")
    submit_form(ui, "保存完成情况")
    expect(page.get_by_test_id("item-row").first).to_contain_text("完成")

    # 5. The evaluators grade and confirm, everyone's inputs are in; demo_chief approves on the quarters page.
    grade_and_confirm_everyone(appraisal_quarter)
    hand_in_quarter_inputs(appraisal_quarter)
    ui.sign_in_as("demo_chief", to=f"{QUARTERS}?q={appraisal_quarter.pk}")
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    with page.expect_navigation():
        page.get_by_test_id("approve-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("已审批")
    expect(page.get_by_test_id("quarter-state")).to_have_text("已审批")
    appraisal_quarter.refresh_from_db()
    assert appraisal_quarter.state == QuarterState.APPROVED

    # 6. Afterwards the targets and the completion record are read-only, for everyone.
    for username in ("demo_staff", "demo_head"):
        ui.sign_in_as(username, to=targets_path)
        expect(page.get_by_test_id("quarter-closed")).to_be_visible()
        expect(page.get_by_role("button", name="保存完成情况")).to_have_count(0)
        expect(page.get_by_role("button", name="交办")).to_have_count(0)
    ui.screenshot("04-read-only")
    target_set = TargetSet.objects.get(owner__username="demo_staff", year=QUARTER.year, quarter=QUARTER.quarter)
    item = target_set.items.get()
    staff = Client()
    staff.force_login(User.objects.get(username="demo_staff"))
    response = staff.post(
        reverse("targets:record_completion", args=[target_set.pk]),
        {"version": target_set.version, f"completion_{item.pk}": "not_done", f"note_{item.pk}": "审批后改"},
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.completion == "done"
    ui.assert_no_csp_errors()


# --- Phone: the same calendar on 390×844 ------------------------------------------------------------


def test_the_quarter_calendar_on_a_phone(phone_ui, demo, clock):
    ui, page = phone_ui, phone_ui.page
    clock.move_to(TARGETS_DAY)
    target_set = approved_targets_of("demo_staff")
    assert target_set.status == ReviewStatus.APPROVED

    # Before the quarter ends HR sees when grading opens, and no button to open it.
    clock.move_to(BEFORE_WINDOW)
    ui.sign_in_as("demo_hr")
    ui.go_via_menu("季度结果", QUARTERS)
    row = openable(ui, QUARTER)
    expect(row).to_contain_text("评鉴自2027-04-01起")
    expect(row.get_by_test_id("open-quarter")).to_have_count(0)
    ui.assert_fits_screen()
    ui.screenshot("01-grading-not-yet")

    # From 1 April the quarter is opened, graded and approved; then the staff's page is read-only.
    clock.move_to(WINDOW_OPENS)
    appraisal_quarter = appraisal_quarter_open(organisation=demo, year=QUARTER.year, quarter=QUARTER.quarter)
    grade_and_confirm_everyone(appraisal_quarter)
    hand_in_quarter_inputs(appraisal_quarter)
    appraisal_quarter_approve(appraisal_quarter=appraisal_quarter, actor=User.objects.get(username="demo_chief"))
    ui.sign_in_as("demo_staff", to=reverse("targets:detail", args=[target_set.pk]))
    expect(page.get_by_test_id("quarter-closed")).to_be_visible()
    expect(page.get_by_role("button", name="保存完成情况")).to_have_count(0)
    ui.assert_fits_screen()
    ui.screenshot("02-read-only")
    ui.assert_no_csp_errors()
