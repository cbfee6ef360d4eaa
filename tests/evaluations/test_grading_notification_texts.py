"""A grading notice names the quarter as people say it ("2026年第4季度"), not the quarter row with
its organisation's name inside ("测试局 2026年第4季度")."""

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
