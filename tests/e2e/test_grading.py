"""Grading end to end, in a real browser, on the demo organisation.

The quarter is opened and the other departments graded through the services (the demo builder
opens no quarter), leaving one place for 好 in the organisation's quota. Then: demo_head grades the
department on /evaluations/grading/ — the page counts the last 好 live, warns and disables 好 for
the others, and the server refuses a 好 forced past the quota, keeping the comment; demo_leader
grades demo_head and confirms the staff grades; demo_chief approves on /evaluations/quarters/.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts import periods
from accounts.models import User
from accounts.selectors import evaluator_of, policy_for_organisation
from appraisal_site.demo.organisation import DEMO_ACCOUNTS, DEMO_HEAD_DEPARTMENT
from evaluations.grading.selectors import grades_to_give
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    grade_assign,
    grade_confirm,
)
from evaluations.grading.services.locking import grade_reopen_for_regrading
from evaluations.grading.services.quota import quota_status
from evaluations.models import Grade, GradeState, QuarterState
from tests.factories import quarter_open_with_inputs

pytestmark = pytest.mark.e2e

FULL_NAMES = {a.username: a.full_name for a in DEMO_ACCOUNTS}
GRADING = "/evaluations/grading/"
QUARTERS = "/evaluations/quarters/"


# --- Helpers -----------------------------------------------------------------------------


def open_quarter(demo, clock):
    """Open the current quarter for grading on the first day of its grading window (the clock moved
    to the day after it ends: the calendar refuses grading any earlier)."""
    current = periods.Quarter.current()
    clock.move_to(current.last_day + timedelta(days=1))
    return quarter_open_with_inputs(demo, current)


def grade_other_departments(quarter, *, leave_good_places: int):
    """Grade everyone outside demo_head's department, as their evaluators would, using 好 until
    only ``leave_good_places`` places are left; confirm the staff of demo_leader2's departments."""
    policy = policy_for_organisation(organisation_id=quarter.organisation_id)
    (pool,) = quota_status(appraisal_quarter=quarter, policy=policy)
    goods_left = pool.capacity - pool.used - leave_good_places
    rows = quarter.grades.exclude(department__code=DEMO_HEAD_DEPARTMENT).select_related("person__department")
    for row in rows.order_by("pk"):
        grade = Grade.GOOD if goods_left > 0 else Grade.FAIRLY_GOOD
        goods_left -= grade == Grade.GOOD
        graded = grade_assign(
            grade_row=row, actor=evaluator_of(person=row.person), grade=grade, comment="完成本季度各项工作"
        )
        leader = graded.department.supervising_leader
        if graded.state == GradeState.GRADED and leader.username == "demo_leader2":
            grade_confirm(grade_row=graded, actor=leader)


def grade_row(ui, name: str):
    row = ui.page.get_by_test_id("grade-row").filter(has_text=name)
    expect(row).to_have_count(1)
    return row


def pick(row, value: str):
    """Pick a grade: the radio is drawn as a button, so its label is what people click."""
    row.locator(f"input[data-grade-choice][value='{value}'] + label").click()


def save(ui, row):
    with ui.page.expect_navigation():
        row.get_by_test_id("save-grade").click()


# --- Desktop: grade, refuse, confirm, approve ----------------------------------------------


def test_head_leader_and_chief_grade_confirm_and_approve_a_quarter(ui, demo, clock):
    page = ui.page
    quarter = open_quarter(demo, clock)
    grade_other_departments(quarter, leave_good_places=1)
    head = quarter.grades.get(person__username="demo_head").person
    staff_names = [r.person.full_name for r in grades_to_give(evaluator=head, appraisal_quarter=quarter)]
    assert len(staff_names) >= 2
    first, second = staff_names[:2]

    # 1. demo_head sees the department and one place left for 好.
    ui.sign_in_as("demo_head")
    ui.go_via_menu("评鉴", GRADING)
    banner = page.get_by_test_id("quota-all")
    expect(banner).to_contain_text("本季度可评“好”")
    expect(banner.locator("[data-quota-remaining]")).to_have_text("1")
    expect(page.get_by_test_id("grade-row")).to_have_count(len(staff_names))
    ui.screenshot("01-head-grading")

    # Picking 好 for one person takes the last place: the page warns and disables 好 for the others.
    row = grade_row(ui, first)
    share = page.get_by_test_id("department-share").first.locator("[data-share-good]")
    before = int(share.inner_text())
    pick(row, Grade.GOOD)
    # The department's line beside the quota counts the pick too (a user test: it waited for the save).
    expect(share).to_have_text(str(before + 1))
    expect(banner.locator("[data-quota-remaining]")).to_have_text("0")
    expect(banner.get_by_test_id("quota-warning")).to_be_visible()
    expect(banner.get_by_test_id("quota-warning")).to_contain_text("名额已用完")
    # The counts beside it agree (a user test read 剩余0人 beside 已评“好”0人), the pick said unsaved.
    used = int(banner.locator("[data-quota-used]").inner_text())
    capacity = int(banner.locator("[data-quota-capacity]").inner_text())
    assert used == capacity
    expect(banner.get_by_test_id("quota-unsaved")).to_be_visible()
    expect(grade_row(ui, second).locator(f"input[value='{Grade.GOOD}']")).to_be_disabled()
    expect(row.locator(f"input[value='{Grade.GOOD}']")).to_be_enabled()
    ui.screenshot("02-quota-warning")
    row.locator("textarea[name$='-comment']").fill("带头完成就业帮扶专项行动，成效突出。")
    save(ui, row)
    expect(page.locator(".alert-success")).to_contain_text(f"已将{first}评为“好”")
    expect(page.get_by_test_id("quota-all").locator("[data-quota-remaining]")).to_have_text("0")
    expect(page.get_by_test_id("quota-all").get_by_test_id("quota-unsaved")).to_be_hidden()

    # 2. Forced past the disabled control, the server refuses it and keeps the comment.
    row = grade_row(ui, second)
    good = row.locator(f"input[value='{Grade.GOOD}']")
    expect(good).to_be_disabled()
    good.evaluate("input => { input.disabled = false; input.checked = true; }")
    row.locator("textarea[name$='-comment']").fill("我也想评好。")
    save(ui, row)
    expect(page.locator(".alert-danger").first).to_contain_text("名额已满")
    row = grade_row(ui, second)
    expect(row.get_by_test_id("row-error")).to_contain_text("名额已满")
    expect(row.locator("textarea[name$='-comment']")).to_have_value("我也想评好。")
    ui.screenshot("03-server-refusal")

    # 3. Within the quota: 一般 with the reason it needs (the field shows when 一般 is picked).
    reason = row.locator("textarea[name$='-reason']")
    expect(reason).to_be_hidden()
    pick(row, Grade.AVERAGE)
    expect(reason).to_be_visible()
    reason.fill("两项重点工作未按时间节点完成。")
    save(ui, row)
    expect(page.locator(".alert-success")).to_contain_text(f"已将{second}评为“一般”")
    for name in staff_names[2:]:
        row = grade_row(ui, name)
        pick(row, Grade.FAIRLY_GOOD)
        row.locator("textarea[name$='-comment']").fill("工作认真。")
        save(ui, row)
    ui.screenshot("04-head-done")
    ui.assert_no_csp_errors()

    # 4. demo_leader grades demo_head and confirms the staff grades.
    ui.sign_in_as("demo_leader")
    ui.go_via_menu("评鉴", GRADING)
    row = grade_row(ui, FULL_NAMES["demo_head"])
    expect(row.locator(f"input[value='{Grade.GOOD}']")).to_be_disabled()
    pick(row, Grade.FAIRLY_GOOD)
    row.locator("textarea[name$='-comment']").fill("科室工作推进有力。")
    save(ui, row)
    expect(page.locator(".alert-success")).to_contain_text("评为“较好”")
    expect(page.get_by_test_id("confirm-row").filter(has_text=first).get_by_test_id("confirm-grade")).to_have_text("好")
    ui.screenshot("05-leader-confirm")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.get_by_test_id("confirm-all").click()
    expect(page.locator(".alert-success")).to_contain_text("已确认")
    expect(page.get_by_test_id("confirm-all")).to_have_count(0)
    assert set(quarter.grades.values_list("state", flat=True)) == {GradeState.CONFIRMED}
    ui.assert_no_csp_errors()

    # 5. demo_chief approves the quarter after the confirmation page.
    ui.sign_in_as("demo_chief")
    ui.go_via_menu("季度结果", QUARTERS)
    expect(page.get_by_test_id("no-blockers")).to_be_visible()
    expect(page.get_by_test_id("organisation-row")).to_contain_text("全单位")
    ui.screenshot("06-quarters")
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    expect(page.locator("h1")).to_contain_text("审批")
    with page.expect_navigation():
        page.get_by_test_id("approve-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("已审批")
    expect(page.get_by_test_id("quarter-state")).to_have_text("已审批")
    expect(page.get_by_test_id("approve")).to_have_count(0)
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.APPROVED
    ui.screenshot("07-approved")
    ui.assert_no_csp_errors()


# --- Phone: the head grades on a small screen -----------------------------------------------


def test_a_head_grades_on_a_phone(phone_ui, demo, clock):
    ui, page = phone_ui, phone_ui.page
    quarter = open_quarter(demo, clock)
    head = quarter.grades.get(person__username="demo_head").person
    name = grades_to_give(evaluator=head, appraisal_quarter=quarter).first().person.full_name

    ui.sign_in_as("demo_head")
    ui.go_via_menu("评鉴", GRADING)
    expect(page.get_by_test_id("quota-all")).to_contain_text("本季度可评“好”")
    ui.assert_fits_screen()
    row = grade_row(ui, name)
    # Stacked: the form sits under the person's inputs, not beside them.
    facts_box, form_box = row.get_by_test_id("facts").bounding_box(), row.get_by_test_id("grade-form").bounding_box()
    assert form_box["y"] > facts_box["y"] + facts_box["height"] - 1
    ui.screenshot("01-phone-grading")
    pick(row, Grade.GOOD)
    row.locator("textarea[name$='-comment']").fill("表现突出。")
    save(ui, row)
    expect(page.locator(".alert-success")).to_contain_text(f"已将{name}评为“好”")
    ui.assert_fits_screen()
    assert quarter.grades.get(person__full_name=name).grade == Grade.GOOD
    ui.assert_no_csp_errors()


def test_saving_one_card_asks_first_when_another_holds_unsaved_changes(ui, demo, clock):
    """A user test lost a grade, comment and reason typed on one card by pressing 保存等次 on the
    next: the page reloads with only that one sent. Now the page asks, and "cancel" keeps both."""
    page = ui.page
    quarter = open_quarter(demo, clock)
    head = quarter.grades.get(person__username="demo_head").person
    first, second = [row.person.full_name for row in grades_to_give(evaluator=head, appraisal_quarter=quarter)[:2]]

    ui.sign_in_as("demo_head")
    ui.goto(GRADING)
    typed = grade_row(ui, first)
    pick(typed, Grade.FAIRLY_GOOD)
    typed.locator("textarea[name$='-comment']").fill("工作扎实，按时完成任务。")
    other = grade_row(ui, second)
    pick(other, Grade.FAIRLY_GOOD)
    other.locator("textarea[name$='-comment']").fill("完成本季度工作。")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    other.get_by_test_id("save-grade").click()
    expect(typed.locator("textarea[name$='-comment']")).to_have_value("工作扎实，按时完成任务。")
    assert asked and "修改尚未保存" in asked[0]
    assert not quarter.grades.get(person__full_name=second).grade  # nothing was sent

    # Told, the user may go on: the card sent is saved (the other card's changes are given up).
    page.once("dialog", lambda dialog: dialog.accept())
    save(ui, typed)
    expect(page.locator(".alert-success")).to_contain_text(f"已将{first}评为“较好”")
    # With no other changes on the page, saving asks nothing.
    asked.clear()
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    other = grade_row(ui, second)
    pick(other, Grade.FAIRLY_GOOD)
    other.locator("textarea[name$='-comment']").fill("完成本季度工作。")
    save(ui, other)
    expect(page.locator(".alert-success")).to_contain_text(f"已将{second}评为“较好”")
    assert asked == []
    ui.assert_no_csp_errors()


# --- A grade sent back after an objection: the same quota on its page ----------------------------


def test_the_regrade_page_disables_good_when_the_quota_is_used_up(ui, demo, clock):
    """A user test: the page of a grade sent back for regrading had no quota banner and 好 stayed
    enabled; only saving was refused. Now it shows the quota and 好 is disabled as on the grading page."""
    page = ui.page
    quarter = open_quarter(demo, clock)
    grade_other_departments(quarter, leave_good_places=0)
    head = quarter.grades.get(person__username="demo_head").person
    leader = head.department.supervising_leader
    for row in grades_to_give(evaluator=head, appraisal_quarter=quarter):
        grade_assign(grade_row=row, actor=head, grade=Grade.FAIRLY_GOOD, comment="完成工作")
    grade_assign(grade_row=quarter.grades.get(person=head), actor=leader, grade=Grade.FAIRLY_GOOD, comment="推进有力")
    for row in quarter.grades.filter(state=GradeState.GRADED).select_related("department__supervising_leader"):
        grade_confirm(grade_row=row, actor=row.department.supervising_leader)
    appraisal_quarter_approve(appraisal_quarter=quarter, actor=User.objects.get(username="demo_chief"))
    row = grades_to_give(evaluator=head, appraisal_quarter=quarter).first()
    grade_reopen_for_regrading(grade=row, actor=User.objects.get(username="demo_hr"), reason="异议属实，重新评鉴")

    ui.sign_in_as("demo_head", to=f"{GRADING}{row.pk}/")
    expect(page.get_by_test_id("reopened")).to_be_visible()
    banner = page.get_by_test_id("quota-all")
    expect(banner).to_contain_text("本季度可评“好”")
    expect(banner.locator("[data-quota-remaining]")).to_have_text("0")
    expect(banner.get_by_test_id("quota-warning")).to_contain_text("名额已用完")
    # Not "不能再评“好”" beside a person whose own 好 may stay (a user test read it as a contradiction).
    expect(banner.get_by_test_id("quota-warning")).to_contain_text("已评“好”的可以保留")
    form = page.get_by_test_id("grade-form")
    expect(form.locator(f"input[value='{Grade.GOOD}']")).to_be_disabled()
    expect(form.locator(f"input[value='{Grade.AVERAGE}']")).to_be_enabled()
    ui.screenshot("regrade-quota")
    ui.assert_no_csp_errors()


def test_a_pool_over_a_lowered_quota_says_so_on_an_untouched_page(ui, demo, clock):
    """A user test: HR lowered the 好 share in mid-quarter; the grading page said 所选“好”等次已超出名额，
    保存时将被拒绝 before anything was picked. It says the saved grades are over, and what to do."""
    quarter = open_quarter(demo, clock)
    grade_other_departments(quarter, leave_good_places=0)
    policy = policy_for_organisation(organisation_id=quarter.organisation_id)
    policy.good_quota_percent = 10
    policy.save()
    ui.sign_in_as("demo_head")
    ui.goto(GRADING)
    warning = ui.page.get_by_test_id("quota-all").get_by_test_id("quota-warning")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("已评“好”的人数超出名额")
    expect(warning).not_to_contain_text("保存时将被拒绝")
