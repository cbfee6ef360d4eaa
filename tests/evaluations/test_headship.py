"""A department's head changes while its quarter is open (谁管理谁认定, DOMAIN.md §4): whoever headed
it in the quarter is graded by its supervising leader — not by the head appointed after them, who
was their subordinate in it — and a grade given before someone became head waits for the leader.
(A user test of HR's personnel changes found both the other way round.)"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from evaluations.grading.models import Grade, GradeState
from evaluations.grading.selectors import grades_to_confirm, grades_to_give
from evaluations.grading.services.grading import (
    appraisal_quarter_open,
    approval_blockers,
    grade_assign,
    grades_confirm_all,
)
from tests.support.home import todo

GRADING = reverse("evaluations:grading")


def _appoint(department, person, *, hr, security_admin):
    """HR asks for ``person`` as the department's head; the security administrator confirms it."""
    previous = department.head
    department.head = person
    [change] = services.department_save(
        department=department, previous_head=previous, previous_leader=department.supervising_leader, actor=hr
    )
    services.role_change_decide(actor=security_admin, change=change, confirm=True)
    department.refresh_from_db()
    assert department.head == person


def _names(html: str) -> set[str]:
    return {part.split("<", 1)[0] for part in html.split('data-testid="person">')[1:]}


@pytest.fixture
def replaced(quarter, department, head, staff, hr, security_admin):
    """科员甲 appointed head of 办公室 in the quarter, in place of 科长 (who stays in it)."""
    _appoint(department, staff, hr=hr, security_admin=security_admin)
    return quarter


def test_a_head_replaced_in_mid_quarter_is_graded_by_the_leader_not_by_the_successor(
    replaced, grade_of, head, staff, colleague, leader
):
    former, successor = head, staff
    assert set(grades_to_give(evaluator=leader, appraisal_quarter=replaced).values_list("person", flat=True)) == {
        former.pk,
        successor.pk,
    }
    theirs = set(grades_to_give(evaluator=successor, appraisal_quarter=replaced).values_list("person", flat=True))
    assert former.pk not in theirs and colleague.pk in theirs and successor.pk not in theirs
    assert former.pk not in set(
        grades_to_confirm(leader=leader, appraisal_quarter=replaced).values_list("person", flat=True)
    )

    with pytest.raises(PermissionDenied):
        grade_assign(grade_row=grade_of(former), actor=successor, grade=Grade.GOOD, comment="好")
    row = grade_assign(grade_row=grade_of(former), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert row.state == GradeState.CONFIRMED and row.evaluator == leader
    # The successor grades the staff, the leader confirms them as before.
    row = grade_assign(grade_row=grade_of(colleague), actor=successor, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert row.state == GradeState.GRADED


def test_the_grading_pages_show_the_former_head_on_the_leaders_list_only(
    replaced, head, staff, colleague, leader, client_for
):
    leaders = client_for(leader).get(GRADING).content.decode()
    assert {head.get_full_name(), staff.get_full_name()} <= _names(leaders.split('id="confirm"')[0])
    assert head.get_full_name() not in _names(leaders.split('id="confirm"', 1)[1])
    successors = client_for(staff).get(GRADING).content.decode()
    assert head.get_full_name() not in _names(successors) and colleague.get_full_name() in _names(successors)
    # The former head's grade is not the successor's to read or give (as any head's grade).
    former_row = replaced.grades.get(person=head)
    pk = former_row.pk
    response = client_for(staff).post(
        reverse("evaluations:grade_detail", args=[pk]),
        {f"g{pk}-grade": Grade.GOOD, f"g{pk}-comment": "好", f"g{pk}-version": former_row.version},
    )
    assert response.status_code == 404
    former_row.refresh_from_db()
    assert former_row.grade == ""


def test_a_grade_given_before_the_person_became_head_waits_for_the_leader(
    quarter, department, grade_of, head, staff, colleague, leader, hr, security_admin, client_for
):
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=grade_of(colleague), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    _appoint(department, staff, hr=hr, security_admin=security_admin)

    client = client_for(leader)
    home = client.get(reverse("home")).content.decode()
    # 科长 (the former head) and 科员甲 (graded by 科长 as staff) wait for the leader's grade.
    assert todo(home, "grade") == 2
    work = client.get(GRADING).content.decode()
    give = work.split('id="confirm"')[0]
    assert staff.get_full_name() in _names(give)
    assert 'data-testid="given-by-another"' in give and "科长已评鉴为“较好”" in give
    # 全部确认 leaves it to the leader's own grade (its count and the step agree).
    assert "全部确认（1人）" in work
    assert grades_confirm_all(appraisal_quarter=quarter, actor=leader) == 1
    assert grade_of(staff).state == GradeState.GRADED
    assert "还有1人的等次未经分管领导确认" in " ".join(approval_blockers(appraisal_quarter=quarter))

    grade_assign(grade_row=grade_of(staff), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert grade_of(staff).state == GradeState.CONFIRMED
    assert "未经分管领导确认" not in " ".join(approval_blockers(appraisal_quarter=quarter))
    assert todo(client.get(reverse("home")).content.decode(), "grade") == 1  # the former head's


def test_an_approved_quarter_keeps_who_headed_it(approved_quarter, department, head, staff, hr, security_admin):
    from tests.factories import QuarterGradeFactory

    row = QuarterGradeFactory(appraisal_quarter=approved_quarter, person=staff)
    _appoint(department, staff, hr=hr, security_admin=security_admin)
    row.refresh_from_db()
    assert row.headed is False


def test_a_quarter_opened_after_the_change_marks_only_the_head(
    organisation, department, head, staff, colleague, leader
):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert set(quarter.grades.filter(headed=True).values_list("person", flat=True)) == {head.pk}


def test_the_leader_who_graded_the_former_head_holds_their_feedback_talk(replaced, head, staff, colleague, leader):
    from accounts.models import FeedbackTalkBy
    from accounts.selectors import policy_for_organisation
    from publicity.feedback.selectors import talker_id_of_grade

    policy = policy_for_organisation(organisation_id=replaced.organisation_id)
    policy.feedback_talk_by = FeedbackTalkBy.DEPARTMENT_HEAD
    policy.save()
    assert talker_id_of_grade(grade=replaced.grades.get(person=head)) == leader.pk
    assert talker_id_of_grade(grade=replaced.grades.get(person=colleague)) == staff.pk
