"""The grading page's lists paged department by department (selectors.grading_lists): the pages
hold exactly the rows of grades_to_give / grades_to_confirm in their order, whichever department
boundaries a page crosses, with the department filter and the 'confirm all' count as before, and
the same queries for a page of one department as for one crossing three."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from evaluations.grading.selectors import grades_to_confirm, grades_to_give
from evaluations.grading.services.grading import appraisal_quarter_open, grade_assign
from evaluations.models import Grade, GradeState
from tests.factories import DepartmentFactory, UserFactory

GRADING = reverse("evaluations:grading")


def _department(organisation, leader, code, size, *, sort_order=0):
    """A department ``leader`` supervises: its head and ``size`` staff."""
    department = DepartmentFactory(
        organisation=organisation, code=code, name=f"科室{code}", supervising_leader=leader, sort_order=sort_order
    )
    department.head = UserFactory(department=department, roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
    department.save()
    UserFactory.create_batch(size, department=department)
    return department


def _rows_on(client, param, page, testid, **query):
    html = client.get(GRADING, {param: page, **query}).content.decode()
    # Each list's rows: the card's id, then its test id.
    return [int(pk) for pk in re.findall(rf'id="grade-(\d+)" data-testid="{testid}"', html)], html


def _every_page(client, param, testid, **query):
    seen, page = [], 1
    while True:
        rows, _html = _rows_on(client, param, page, testid, **query)
        seen += rows
        if len(rows) < 20:
            return seen
        page += 1


def test_a_leaders_pages_hold_the_list_in_order_across_departments(client_for, organisation, leader):
    # 3, 25 and 4 staff: the first page ends inside the second department, the second page
    # holds its rest and the whole third; the third department sorts first by its order.
    first = _department(organisation, leader, "X001", 3, sort_order=1)
    second = _department(organisation, leader, "X002", 25, sort_order=1)
    third = _department(organisation, leader, "X003", 4, sort_order=0)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    client = client_for(leader)

    expected = [row.pk for row in grades_to_confirm(leader=leader, appraisal_quarter=quarter)]
    assert len(expected) == 32
    assert _every_page(client, "cpage", "confirm-row") == expected
    rows, html = _rows_on(client, "cpage", 2, "confirm-row")
    assert len(rows) == 12 and "第 2 / 2 页，共 32 条" in html
    # The heads the leader grades, one row per department.
    heads = [row.pk for row in grades_to_give(evaluator=leader, appraisal_quarter=quarter)]
    assert [row.person for row in grades_to_give(evaluator=leader, appraisal_quarter=quarter)] == [
        third.head,
        first.head,
        second.head,
    ]
    assert _every_page(client, "page", "grade-row") == heads

    # One department chosen: its rows only, paged within it; the other list's page kept apart.
    chosen = _every_page(client, "cpage", "confirm-row", department=second.pk)
    assert chosen == [
        row.pk for row in grades_to_confirm(leader=leader, appraisal_quarter=quarter).filter(department=second)
    ]
    rows, html = _rows_on(client, "cpage", 2, "confirm-row", department=second.pk)
    assert len(rows) == 5 and "共 25 条" in html


def test_a_head_of_two_departments_pages_through_both(client_for, organisation, leader):
    first = _department(organisation, leader, "X001", 15)
    second = _department(organisation, leader, "X002", 12)
    head = first.head
    second.head = head
    second.save()
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)

    expected = [row.pk for row in grades_to_give(evaluator=head, appraisal_quarter=quarter)]
    # Everyone of both departments but the head (the second's former head included).
    assert len(expected) == 15 + 12 + 1
    assert _every_page(client_for(head), "page", "grade-row") == expected


def test_confirm_all_counts_the_graded_staff_of_the_supervised_departments(client_for, organisation, leader):
    first = _department(organisation, leader, "X001", 3)
    second = _department(organisation, leader, "X002", 2)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    for department in (first, second):
        staff = quarter.grades.filter(department=department).exclude(person=department.head)
        for row in staff[:2]:
            grade_assign(grade_row=row, actor=department.head, grade=Grade.FAIRLY_GOOD, comment="工作认真负责")
        # The head's own grade, given by the leader, is not theirs to confirm.
        grade_assign(
            grade_row=quarter.grades.get(person=department.head),
            actor=leader,
            grade=Grade.FAIRLY_GOOD,
            comment="工作认真负责",
        )
    waiting = grades_to_confirm(leader=leader, appraisal_quarter=quarter).filter(state=GradeState.GRADED).count()
    assert waiting == 4
    html = client_for(leader).get(GRADING).content.decode()
    assert "全部确认（4人）" in html
    assert "全部确认（2人）" in client_for(leader).get(GRADING, {"department": second.pk}).content.decode()


@pytest.mark.parametrize("sizes", [(1, 1, 1), (30, 2, 30)])
def test_a_page_across_departments_asks_what_a_page_of_one_does(
    client_for, organisation, leader, sizes, django_assert_num_queries
):
    # (1, 1, 1): the first page holds three departments; (30, 2, 30): one, then the second page
    # crosses all three.
    for i, size in enumerate(sizes):
        _department(organisation, leader, f"X00{i}", size)
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    client = client_for(leader)
    client.get(GRADING)  # the session and caches warmed
    for query in ({}, {"cpage": 2}):
        with django_assert_num_queries(LEADER_QUERIES):
            assert client.get(GRADING, query).status_code == 200


# The leader's grading page with rows to give and to confirm, whatever their number (one of them
# the cards' veto flags and sanctions of the quarter, discipline's quarter_discipline; two more the
# same and the serious findings for the confirmation cards; two the staff register's statuses and
# 立案审查 of the confirmation cards; one the secondments of the people on the page).
LEADER_QUERIES = 30


def test_confirm_all_of_one_department_confirms_that_department_only(client_for, organisation, leader):
    """A user test: filtered to one department, 全部确认（5人） said 已确认22人 — all four departments."""
    first = _department(organisation, leader, "X001", 3)
    second = _department(organisation, leader, "X002", 2)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    for department in (first, second):
        for row in quarter.grades.filter(department=department).exclude(person=department.head):
            grade_assign(grade_row=row, actor=department.head, grade=Grade.FAIRLY_GOOD, comment="工作认真负责")
    client = client_for(leader)
    page = client.get(GRADING, {"department": second.pk}).content.decode()
    assert f'<input type="hidden" name="department" value="{second.pk}">' in page
    assert f"确认{second.name}全部2人的等次（不作调整）？" in page
    response = client.post(reverse("evaluations:grades_confirm_all"), {"department": second.pk}, follow=True)
    assert f"已确认{second.name}2人的等次。" in response.content.decode()
    assert response.redirect_chain[-1][0] == f"{GRADING}?department={second.pk}#confirm"
    staff = quarter.grades.exclude(person__in=[first.head, second.head])
    states = dict(staff.values_list("department", "state").distinct())
    assert states == {second.pk: GradeState.CONFIRMED, first.pk: GradeState.GRADED}
    # A department the leader does not supervise is no filter: all of theirs, as without one.
    other_leader = UserFactory(organisation=organisation, department=None, roles=[Role.SUPERVISING_LEADER])
    elsewhere = _department(organisation, other_leader, "X003", 1)
    client.post(reverse("evaluations:grades_confirm_all"), {"department": elsewhere.pk})
    assert not quarter.grades.filter(department=first, state=GradeState.GRADED).exclude(person=first.head).exists()
