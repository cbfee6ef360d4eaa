"""A grading notice names the quarter as people say it ("2026年第4季度"), not the quarter row with
its organisation's name inside ("测试局 2026年第4季度")."""

from datetime import date

import pytest

from accounts.models import Notification
from evaluations.grading.services import grading, locking
from evaluations.grading.services.grading import appraisal_quarter_approve, grade_assign, grades_confirm_all
from evaluations.models import Grade
from tests.factories import hand_in_quarter_inputs

# quarter (2026 Q4, open), approved_quarter and confirmed (staff's 较好 there): tests/evaluations/conftest.py


def notice_to(person) -> str:
    return Notification.objects.filter(recipient=person).latest("created_at", "pk").message


def test_the_evaluator_is_told_of_a_grade_sent_back_with_the_quarters_name(approved_quarter, confirmed, hr, head):
    locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="异议属实")
    assert notice_to(head) == "科员甲的2026年第4季度等次因异议被退回重评，理由：异议属实"


def test_the_leader_is_told_of_a_regrade_with_the_quarters_name(approved_quarter, confirmed, hr, head, leader):
    locking.grade_reopen_for_regrading(grade=confirmed, actor=hr, reason="异议属实")
    grade_assign(grade_row=confirmed, actor=head, grade=Grade.AVERAGE, comment="重评", reason="工作有差错")
    assert notice_to(leader) == "科员甲的2026年第4季度等次已因异议重新评鉴为“一般”，请确认。"


@pytest.mark.usefixtures("room_for_one_good")
def test_the_person_is_told_of_a_review_after_the_lock_with_the_quarters_name(approved_quarter, confirmed, hr, staff):
    locking.grades_lock(appraisal_quarter=approved_quarter)
    locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    assert notice_to(staff) == "您的2026年第4季度等次经复核由“较好”改为“好”，理由：复核认定"


def test_the_head_is_told_of_the_leaders_change_with_the_quarters_name(quarter, head, leader, staff, grade_of):
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grading.grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.GOOD, reason="专项任务突出")
    assert notice_to(head).startswith("分管领导将科员甲的2026年第4季度等次由“较好”调整为“好”")


def _graded_and_approved(quarter, head, leader, chief, team, grade_of) -> None:
    """The quarter graded (the head grades the team, the leader the head), confirmed and approved."""
    hand_in_quarter_inputs(quarter)
    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)


def test_graders_are_told_of_the_approval_with_the_quarters_name(quarter, head, leader, chief, team, grade_of):
    _graded_and_approved(quarter, head, leader, chief, team, grade_of)
    assert notice_to(head) == f"2026年第4季度评鉴结果已由{chief}审批。"
    assert "测试局" not in notice_to(head)


def test_the_approval_notice_leads_each_grader_to_a_page_they_may_open(
    client_for, quarter, head, leader, chief, team, grade_of
):
    """A user test followed the digest's "评鉴结果已由局长审批" as a department head to the quarters
    page: 403. The head is led to their grading page, the leader to the quarter."""
    _graded_and_approved(quarter, head, leader, chief, team, grade_of)
    for person in (head, leader):
        url = Notification.objects.filter(recipient=person).latest("created_at", "pk").url
        assert client_for(person).get(url).status_code == 200, (person, url)
    # The head's page lists the grades they gave in the quarter just approved (a user test's head
    # followed the notice to a page that said only that no quarter was open).
    url = Notification.objects.filter(recipient=head).latest("created_at", "pk").url
    page = client_for(head).get(url).content.decode()
    assert 'data-testid="approved-quarter"' in page and "2026年第4季度评鉴结果（已审批）：由您评鉴或确认的人员" in page
    rows = page.split('data-testid="approved-grade"')[1:]
    assert len(rows) == len(team) and all("较好" in row for row in rows)


def test_a_head_reads_only_the_grades_they_gave_in_an_approved_quarter(
    client_for, organisation, quarter, head, leader, chief, team, grade_of
):
    from tests.conftest import _head_of
    from tests.factories import DepartmentFactory

    _graded_and_approved(quarter, head, leader, chief, team, grade_of)
    # Another department's head, appointed since: reads none of them.
    other = _head_of(DepartmentFactory(organisation=organisation, name="财务科"), "other_head", "财务科长")
    page = client_for(other).get(f"/evaluations/grading/?approved={quarter.pk}").content.decode()
    assert 'data-testid="approved-grade"' not in page
    # The head moved to head that department since (the review): the grades they gave stay with
    # the department's pages, closed to them now, so they are not listed either.
    from accounts.services import staff_move

    department = head.department
    department.head = None
    department.save()
    staff_move(user=head, department=other.department, on_date=date(2027, 1, 4))
    other.department.head = head
    other.department.save()
    page = client_for(head).get(f"/evaluations/grading/?approved={quarter.pk}").content.decode()
    assert 'data-testid="approved-grade"' not in page
    # The leader confirmed them all, the head's own grade too.
    page = client_for(leader).get(f"/evaluations/grading/?approved={quarter.pk}").content.decode()
    assert page.count('data-testid="approved-grade"') == len(team) + 1


def test_the_approved_quarters_grades_page_with_the_same_queries_for_few_and_many(
    client_for, approved_quarter, department, head, leader
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from evaluations.models import GradeState
    from tests.factories import QuarterGradeFactory, UserFactory

    client = client_for(head)
    url = f"/evaluations/grading/?approved={approved_quarter.pk}"

    def given(n: int) -> None:
        for _n in range(n):
            QuarterGradeFactory(
                appraisal_quarter=approved_quarter,
                person=UserFactory(organisation=approved_quarter.organisation, department=department),
                grade=Grade.FAIRLY_GOOD,
                evaluator_grade=Grade.GOOD,
                state=GradeState.CONFIRMED,
                evaluator=head,
                confirmed_by=leader,
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    given(2)
    few = queries()
    given(40)  # more than a page
    assert queries() == few
    page = client.get(url).content.decode()
    assert page.count('data-testid="approved-grade"') == 20 and "第 1 / 3 页" in page
    assert "分管领导调整：“好”改为“较好”" in page
    second = client.get(url + "&apage=3").content.decode()
    assert second.count('data-testid="approved-grade"') == 2
