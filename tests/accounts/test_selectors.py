from accounts import selectors
from accounts.models import Role
from tests.factories import DepartmentFactory, UserFactory


def test_a_head_evaluates_the_staff_of_their_department_but_not_themselves(head, staff, colleague):
    assert set(selectors.evaluatees_of(person=head)) == {staff, colleague}


def test_a_leader_evaluates_the_heads_of_the_departments_they_supervise(leader, head, staff, organisation):
    other = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    other_head = UserFactory(department=other, roles=[Role.STAFF, Role.DEPARTMENT_HEAD])
    other.head = other_head
    other.save()
    assert set(selectors.evaluatees_of(person=leader)) == {head, other_head}
    assert set(selectors.supervised_staff_of(person=leader)) == {head, staff, other_head}


def test_staff_are_evaluated_by_their_head_and_heads_by_their_leader(staff, head, leader):
    assert selectors.evaluator_of(person=staff) == head
    assert selectors.evaluator_of(person=head) == leader
    assert selectors.is_evaluator_of(evaluator=head, person=staff)
    assert not selectors.is_evaluator_of(evaluator=leader, person=staff)


def test_nobody_outside_the_line_evaluates(staff, colleague, outsider):
    assert list(selectors.evaluatees_of(person=staff)) == []
    assert not selectors.is_evaluator_of(evaluator=outsider, person=staff)


def test_inactive_people_are_not_evaluated(head, staff):
    staff.is_active = False
    staff.save()
    assert staff not in selectors.evaluatees_of(person=head)
