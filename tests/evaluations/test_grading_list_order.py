"""The grading lists' order: by the row's department (its order, then code), then by the person's
工号 as it is now — read from the row's copy (QuarterGrade.employee_number), kept when a number
changes; a person moved after the quarter opened stays listed under their row's department."""

from accounts.services import staff_move
from evaluations.grading.selectors import grades_to_confirm, grades_to_give
from evaluations.grading.services.grading import appraisal_quarter_open
from tests.factories import UserFactory


def _expected(rows):
    """The order asserted, from the people and departments as they are now (not the row's copy)."""
    return sorted(
        rows,
        key=lambda r: (r.department.sort_order, r.department.code, r.person.employee_number, r.pk),
    )


def test_the_lists_are_ordered_by_department_then_current_employee_number(
    organisation, department, other_department, head, leader, staff, colleague
):
    # 财务科 (D002) first by its order although its code sorts after 办公室's (D001).
    department.sort_order, other_department.sort_order = 2, 1
    department.save()
    other_department.save()
    other_head = UserFactory(department=other_department, employee_number="A0001", full_name="财务科长")
    other_department.head = other_head
    other_department.save()
    others = [UserFactory(department=other_department, employee_number=f"Z{i}") for i in (3, 1, 2)]
    staff.employee_number, colleague.employee_number = "M0002", "M0001"
    staff.save()
    colleague.save()
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)

    # Moved after the quarter opened: the open quarter's row follows the person (graded by the new
    # department's head, who alone may: a user test found them on the former head's list only).
    staff_move(user=others[0], department=department)
    # A new 工号 reorders the lists at once.
    colleague.employee_number = "M0003"
    colleague.save()
    assert quarter.grades.get(person=colleague).employee_number == "M0003"

    to_confirm = list(grades_to_confirm(leader=leader, appraisal_quarter=quarter))
    assert [r.person for r in to_confirm] == [others[1], others[2], staff, colleague, others[0]]
    assert to_confirm == _expected(to_confirm)
    to_give = list(grades_to_give(evaluator=head, appraisal_quarter=quarter))
    assert [r.person for r in to_give] == [staff, colleague, others[0]]
    # The leader grades the heads, 财务科's first.
    heads = list(grades_to_give(evaluator=leader, appraisal_quarter=quarter))
    assert [r.person for r in heads] == [other_head, head]


def test_a_new_grade_row_copies_its_person_number(organisation, department, head, leader, staff):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert quarter.grades.get(person=staff).employee_number == staff.employee_number
    late = UserFactory(department=department, employee_number="L0001")
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert quarter.grades.get(person=late).employee_number == "L0001"
