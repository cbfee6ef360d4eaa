"""Someone who served in a quarter and left before its grading opened is graded for it, in the
department they left, as someone who leaves after it opened keeps their row (a user test: whether a
leaver was graded depended on which of the two clicks came first, and nothing said why not)."""

from datetime import date

import pytest

from accounts import services
from accounts.models import AuditEntry, DepartmentMembership
from evaluations.grading.selectors import grades_to_give
from evaluations.grading.services.grading import appraisal_quarter_open, approval_blockers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _leave(settings, person, day: date) -> None:
    settings.APPRAISAL_TODAY = day
    services.staff_set_active(user=person, active=False, reason="退休")


def test_a_leaver_of_the_quarter_is_graded_in_the_department_they_left_and_earlier_ones_are_not(
    settings, organisation, department, head, staff, colleague
):
    gone_before = UserFactory(department=department, full_name="早已调出")
    _leave(settings, staff, date(2026, 11, 30))
    _leave(settings, gone_before, date(2026, 9, 30))
    # An account deactivated before postings were closed on leaving: nothing says when they left.
    legacy = UserFactory(department=department, full_name="旧停用")
    type(legacy).objects.filter(pk=legacy.pk).update(is_active=False)
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    listed = set(quarter.grades.values_list("person__full_name", flat=True))
    assert staff.full_name in listed and colleague.full_name in listed
    assert "早已调出" not in listed and "旧停用" not in listed
    row = quarter.grades.get(person=staff)
    assert row.department == department and not row.headed
    # On their head's list, and asked of them as of anyone (but not their targets or summaries).
    assert staff.pk in set(grades_to_give(evaluator=head, appraisal_quarter=quarter).values_list("person", flat=True))
    blockers = approval_blockers(appraisal_quarter=quarter)
    ungraded = next(b for b in blockers if "未评鉴" in b)
    assert staff.full_name in [name for _pk, name in ungraded.people]
    inputs = [b for b in blockers if "目标" in b or "小结" in b]
    assert all(staff.full_name not in name for b in inputs for _pk, name in b.people)


def test_opening_again_adds_no_second_row_for_a_leaver(settings, organisation, department, staff):
    _leave(settings, staff, date(2026, 11, 30))
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert quarter.grades.filter(person=staff).count() == 1
    assert DepartmentMembership.objects.get(user=staff).end_date == date(2026, 11, 30)


def test_hr_records_the_day_someone_left_and_a_day_before_their_posting_is_refused_at_its_box(
    settings, client_for, hr, staff
):
    """A user test: the deactivation form had only 原因, so every leaver left on the day HR clicked
    (a person who left on 31 March read as leaving on 9 April)."""
    from django.urls import reverse

    settings.APPRAISAL_TODAY = date(2027, 4, 9)
    client = client_for(hr)
    url = reverse("accounts:staff_deactivate", args=[staff.pk])
    refused = client.post(url, {"reason": "退休", "left_on": "2025-12-31"})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "不能早于在现科室任职的开始日期" in page and "退休" in page
    staff.refresh_from_db()
    assert staff.is_active
    assert client.post(url, {"reason": "退休", "left_on": "2027-03-31"}).status_code == 302
    staff.refresh_from_db()
    assert not staff.is_active
    assert DepartmentMembership.objects.get(user=staff).end_date == date(2027, 3, 31)


def test_no_row_for_an_account_closed_the_day_it_was_made_one_moved_into_the_leadership_or_one_nobody_grades(
    settings, organisation, department, other_department, staff, colleague, leader
):
    """The review's cases: each of these would have been a row nobody can or should grade,
    blocking the quarter's approval for good."""
    settings.APPRAISAL_TODAY = date(2026, 11, 5)
    mistaken = UserFactory(department=department, full_name="误建账号", membership=False)
    DepartmentMembership.objects.create(user=mistaken, department=department, start_date=date(2026, 11, 5))
    services.staff_set_active(user=mistaken, active=False, reason="误建")
    services.staff_move(user=colleague, department=None, on_date=date(2026, 11, 5), reason="任副局长")
    _leave(settings, colleague, date(2026, 11, 20))
    # A department emptied into another and closed, its head post empty: its leaver has no grader.
    closed_member = UserFactory(department=other_department, full_name="合并科室离职")
    _leave(settings, closed_member, date(2026, 12, 15))
    type(other_department).objects.filter(pk=other_department.pk).update(head=None, is_active=False)
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    listed = set(quarter.grades.values_list("person__full_name", flat=True))
    assert staff.full_name in listed
    assert not {"误建账号", colleague.full_name, "合并科室离职"} & listed


def test_a_leaving_day_before_an_open_quarter_began_takes_their_ungraded_row_out_of_it(
    settings, organisation, department, staff, colleague
):
    """The review: deactivated on 10 January with 离开日期 30 September, a person stayed on Q4's list,
    ungraded, their head asked to grade a quarter they never served in."""
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert quarter.grades.filter(person__in=[staff, colleague]).count() == 2
    settings.APPRAISAL_TODAY = date(2027, 1, 10)
    services.staff_set_active(user=staff, active=False, reason="调出", left_on=date(2026, 9, 30))
    # Left within the quarter: stays, to be graded.
    services.staff_set_active(user=colleague, active=False, reason="退休", left_on=date(2026, 11, 30))
    assert list(quarter.grades.filter(person__in=[staff, colleague]).values_list("person", flat=True)) == [colleague.pk]
    removed = AuditEntry.objects.filter(content_type__model="quartergrade", action=AuditEntry.Action.DELETE)
    assert removed.filter(reason__contains="2026-09-30").count() == 1
