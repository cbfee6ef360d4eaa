"""The agency head approves a quarter seeing what they approve, in a real browser, desktop and phone.

The demo organisation's last ended quarter is opened, its inputs handed in and everyone graded and
confirmed through the services; demo_leader changes one staff grade with a reason, and one person's
targets are left unreviewed. demo_chief finds the quarter among the home page's to-dos, sees the
blocker with the person's name, every person's grade and comment and the leader's change, filters
by department, opens a person's grade page (read only), and approves once the targets are approved.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts import periods
from accounts.selectors import evaluator_of
from accounts.workflow import ReviewStatus
from appraisal_site.demo.organisation import DEMO_HEAD_DEPARTMENT
from evaluations.grading.services.grading import grade_assign, grade_confirm
from evaluations.models import Grade, GradeState, QuarterState
from targets.models import TargetSet
from tests.factories import quarter_open_with_inputs, save_fields

pytestmark = pytest.mark.e2e

CHANGE_REASON = "牵头完成就业帮扶专项行动，成效突出。"


def graded_quarter(demo):
    """The last ended quarter, inputs handed in, everyone graded 较好 and confirmed; one staff member
    of demo_head's department changed to 好 by demo_leader; that person's targets not yet approved."""
    ended = periods.Quarter.current().previous()
    quarter = quarter_open_with_inputs(demo, ended)
    changed = None
    for row in quarter.grades.select_related("person__department", "department").order_by("pk"):
        graded = grade_assign(
            grade_row=row,
            actor=evaluator_of(person=row.person),
            grade=Grade.FAIRLY_GOOD,
            comment=f"{row.person.full_name}较好完成季度目标任务。",
        )
        if graded.state != GradeState.GRADED:
            continue
        leader = graded.department.supervising_leader
        if changed is None and graded.department.code == DEMO_HEAD_DEPARTMENT:
            changed = grade_confirm(grade_row=graded, actor=leader, new_grade=Grade.GOOD, reason=CHANGE_REASON)
        else:
            grade_confirm(grade_row=graded, actor=leader)
    save_fields(
        TargetSet.objects.filter(owner=changed.person, year=ended.year, quarter=ended.quarter),
        status=ReviewStatus.SUBMITTED,
    )
    return quarter, changed


def test_the_agency_head_sees_what_they_approve_and_approves(ui, demo):
    page = ui.page
    quarter, changed = graded_quarter(demo)
    name = changed.person.full_name

    # 1. The home page lists the quarter among demo_chief's to-dos.
    ui.sign_in_as("demo_chief")
    todo = page.get_by_test_id(f"todo-approve-{quarter.pk}")
    # One target set still waits: the to-do says the quarter cannot be approved yet, and why is one click on.
    expect(todo).to_contain_text("评鉴已完成，尚不能审批：还有1人的季度目标未审核通过")
    ui.screenshot("01-home-todos")
    with page.expect_navigation():
        todo.get_by_role("link").click()

    # 2. What blocks approval, in plain words with the person's name; the button is disabled.
    blockers = page.get_by_test_id("blockers")
    expect(blockers).to_contain_text("还有1人的季度目标未审核通过。")
    expect(blockers.get_by_test_id("blocker-person")).to_have_text(name)
    expect(page.get_by_test_id("approve-confirm")).to_be_disabled()

    # 3. Every person with grade and comment; the leader's change with its reason.
    rows = page.get_by_test_id("approval-row")
    expect(rows).to_have_count(quarter.grades.count())
    changed_row = rows.filter(has_text=name)
    expect(changed_row.get_by_test_id("leader-change")).to_have_text("较好 → 好")
    expect(changed_row).to_contain_text(CHANGE_REASON)
    expect(changed_row).to_contain_text(f"{name}较好完成季度目标任务。")
    ui.screenshot("02-approval-page")

    # 4. Filtered by department: only that department's people.
    department = changed.department
    page.locator("select[name=department]").select_option(str(department.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="筛选").click()
    expect(rows).to_have_count(quarter.grades.filter(department=department).count())

    # 5. A person's grade page opens, read only.
    with page.expect_navigation():
        changed_row.get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_contain_text(name)
    expect(page.locator("input[data-grade-choice]")).to_have_count(0)
    ui.screenshot("03-person-read-only")
    page.go_back()

    # 6. Once the targets are approved nothing blocks, and the quarter is approved.
    save_fields(TargetSet.objects.filter(owner=changed.person), status=ReviewStatus.APPROVED)
    page.reload()
    expect(page.get_by_test_id("blockers")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_test_id("approve-confirm").click()
    expect(page.locator(".alert-success")).to_contain_text("已审批")
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.APPROVED
    ui.assert_no_csp_errors()


def test_the_agency_head_reviews_the_quarter_on_a_phone(phone_ui, demo):
    ui, page = phone_ui, phone_ui.page
    quarter, changed = graded_quarter(demo)
    name = changed.person.full_name

    ui.sign_in_as("demo_chief", to=f"/evaluations/quarters/{quarter.pk}/approve/")
    expect(page.get_by_test_id("blockers")).to_contain_text("季度目标未审核通过")
    # Cards, not an eight-column table, on a phone.
    expect(page.get_by_test_id("approval-table")).to_be_hidden()
    cards = page.get_by_test_id("approval-card")
    expect(cards).to_have_count(quarter.grades.count())
    card = cards.filter(has_text=name)
    expect(card).to_contain_text("分管领导调整：较好 → 好")
    expect(card).to_contain_text(CHANGE_REASON)
    ui.assert_fits_screen()
    ui.screenshot("01-phone-approval")
    with page.expect_navigation():
        card.get_by_role("link", name=name).click()
    expect(page.locator("h1")).to_contain_text(name)
    ui.assert_fits_screen()
    ui.assert_no_csp_errors()
