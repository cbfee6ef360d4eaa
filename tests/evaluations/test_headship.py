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
    quarter, department, grade_of, head, staff, colleague, leader, hr, security_admin, client_for, chief
):
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=grade_of(colleague), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    _appoint(department, staff, hr=hr, security_admin=security_admin)
    # The leader is told it is theirs now (not only by a changed count).
    assert leader.notifications.filter(message__contains="改由您评定").count() == 1

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
    blockers = " ".join(approval_blockers(appraisal_quarter=quarter))
    assert "还有1名本季度担任过科室负责人的人员，等次待分管领导评定" in blockers
    assert "未经分管领导确认" not in blockers
    detail = client.get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode()
    assert 'data-testid="given-by-another"' in detail and "科长已评鉴为“较好”" in detail
    approval = client_for(chief).get(reverse("evaluations:quarter_approve", args=[quarter.pk])).content.decode()
    assert 'data-testid="awaits-leaders-grade"' in approval
    # The distribution table (a review: it counted the row 待确认) says the same, after the
    # colleague's confirmation: none 待确认, one awaiting the leader's grade.
    table = client_for(hr).get(reverse("evaluations:quarters")).content.decode().split('data-testid="distribution"')[1]
    row = table.split('data-testid="department-row"')[1].split("</tr>")[0]
    waiting = '<div class="small text-body-secondary" data-testid="leader-to-grade">另1人待分管领导评定</div>'
    assert row.endswith(f"<td>0{waiting}</td>")
    client = client_for(leader)

    grade_assign(grade_row=grade_of(staff), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert grade_of(staff).state == GradeState.CONFIRMED
    assert "待分管领导评定" not in " ".join(approval_blockers(appraisal_quarter=quarter))
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


def test_a_person_moved_in_mid_quarter_is_graded_in_their_new_department(
    quarter, grade_of, head, staff, other_department, other_head, client_for
):
    """A user test's probe: the moved person stayed on the former head's list (whose 保存 was refused:
    not their evaluator) and was on no list of the new head, who is."""
    from tests.evaluations.test_grade_counts import assert_counted

    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    services.staff_move(user=staff, department=other_department)
    row = grade_of(staff)
    # The former head's grade kept, for the new head to look at again (not confirmed unseen).
    assert row.department == other_department and row.grade == Grade.FAIRLY_GOOD
    assert row.state == GradeState.PENDING
    assert staff.pk not in set(
        grades_to_give(evaluator=head, appraisal_quarter=quarter).values_list("person", flat=True)
    )
    assert staff.pk in set(
        grades_to_give(evaluator=other_head, appraisal_quarter=quarter).values_list("person", flat=True)
    )
    assert staff.get_full_name() in _names(client_for(other_head).get(GRADING).content.decode())
    assert staff.get_full_name() not in _names(client_for(head).get(GRADING).content.decode())
    assert_counted()
    # The approval page says what it waits for: the new head's grade, not "ungraded" beside the
    # grade still counted in the distribution (a user test read 好1 and 61人未评鉴 of 61).
    said = {str(blocker): blocker.people for blocker in approval_blockers(appraisal_quarter=quarter)}
    moved_said = "还有1人调整了科室，原科室负责人给出的等次待新科室负责人重新评鉴。"
    assert moved_said in said and [name for _pk, name in said[moved_said]] == [staff.full_name]
    assert all(
        staff.full_name not in [name for _pk, name in people] for text, people in said.items() if "未评鉴" in text
    )
    from accounts.models import AuditEntry

    moved = AuditEntry.objects.filter(content_type__model="quartergrade", object_pk=str(row.pk)).latest("pk")
    assert moved.reason == "人员调整科室，本季度等次随其调入新科室" and "department" in moved.changes_dict
    with pytest.raises(PermissionDenied):
        grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.GOOD, comment="好")
    row = grade_assign(
        grade_row=grade_of(staff), actor=other_head, grade=Grade.AVERAGE, comment="一般", reason="不熟悉"
    )
    assert row.evaluator == other_head


def test_a_former_head_moved_to_another_department_is_graded_by_the_leader_of_the_one_they_headed(
    replaced, grade_of, head, department, other_department, other_head, leader
):
    """A re-test: a former head moved out was graded by the head of their new department, a peer."""
    services.staff_move(user=head, department=other_department)
    row = grade_of(head)
    assert row.department == department and row.headed is True
    theirs = set(grades_to_give(evaluator=other_head, appraisal_quarter=replaced).values_list("person", flat=True))
    assert head.pk not in theirs
    leaders = set(grades_to_give(evaluator=leader, appraisal_quarter=replaced).values_list("person", flat=True))
    assert head.pk in leaders
    with pytest.raises(PermissionDenied):
        grade_assign(grade_row=grade_of(head), actor=other_head, grade=Grade.GOOD, comment="好")
    assert (
        grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.GOOD, comment="好").state
        == GradeState.CONFIRMED
    )


def test_a_head_replaced_before_the_quarters_grading_opened_is_graded_by_the_leader(
    settings, organisation, department, head, staff, colleague, leader, hr, security_admin
):
    """A user test: the head replaced on 10 February, Q1 opened on 2 April — the former head, who
    headed the department for six weeks of it, was on the successor's list."""
    from datetime import date

    from accounts.models import DepartmentHeadship

    DepartmentHeadship.objects.filter(person=head).update(start_date=date(2025, 3, 1))
    settings.APPRAISAL_TODAY = date(2026, 12, 15)
    _appoint(department, staff, hr=hr, security_admin=security_admin)
    assert list(
        DepartmentHeadship.objects.filter(department=department)
        .order_by("pk")
        .values_list("person", "start_date", "end_date")
    ) == [(head.pk, date(2025, 3, 1), date(2026, 12, 15)), (staff.pk, date(2026, 12, 15), None)]
    settings.APPRAISAL_TODAY = date(2027, 1, 4)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert set(quarter.grades.filter(headed=True).values_list("person", flat=True)) == {head.pk, staff.pk}
    assert head.pk in set(grades_to_give(evaluator=leader, appraisal_quarter=quarter).values_list("person", flat=True))
    with pytest.raises(PermissionDenied):
        grade_assign(grade_row=quarter.grades.get(person=head), actor=staff, grade=Grade.GOOD, comment="好")
    # A head who left the post on the quarter's first day did not head it in that quarter.
    settings.APPRAISAL_TODAY = date(2027, 1, 1)
    _appoint(department, colleague, hr=hr, security_admin=security_admin)
    settings.APPRAISAL_TODAY = date(2027, 4, 2)
    next_quarter = appraisal_quarter_open(organisation=organisation, year=2027, quarter=1)
    assert set(next_quarter.grades.filter(headed=True).values_list("person", flat=True)) == {colleague.pk}


def test_a_newcomer_added_after_the_quarter_opened_is_named_until_hr_adds_them(
    quarter, department, hr, chief, client_for
):
    """A user test: a person added with 参加考核日期 in the open quarter got no grade row, the quarter
    could be approved without them, and the quarters page offered HR nothing to add them with."""
    from datetime import date

    from tests.factories import UserFactory

    newcomer = UserFactory(department=department, full_name="新同事", appraisal_start=date(2026, 11, 15))
    UserFactory(department=department, full_name="明年来", appraisal_start=date(2027, 1, 2))  # not due for Q4
    blockers = " ".join(approval_blockers(appraisal_quarter=quarter))
    assert "新同事参加平时考核，但尚未列入本季度评鉴" in blockers and "明年来" not in blockers
    assert "新同事" in client_for(chief).get(reverse("evaluations:quarter_approve", args=[quarter.pk])).content.decode()
    page = client_for(hr).get(reverse("evaluations:quarters") + f"?q={quarter.pk}").content.decode()
    assert "补充列入新加入人员（1人）" in page
    response = client_for(hr).post(reverse("evaluations:quarter_open"), {"year": 2026, "quarter": 4}, follow=True)
    assert "已将1名新加入的人员列入2026年第4季度的评鉴。" in response.content.decode()
    assert quarter.grades.filter(person=newcomer).exists()
    from accounts.models import AuditEntry, AuditEvent

    entry = AuditEntry.objects.get(event=AuditEvent.QUARTER_NEWCOMERS_ADDED)
    assert entry.organisation_id == quarter.organisation_id and "新同事" in str(entry.additional_data or entry.changes)
    assert "尚未列入" not in " ".join(approval_blockers(appraisal_quarter=quarter))
    assert 'data-testid="add-newcomers"' not in client_for(hr).get(reverse("evaluations:quarters")).content.decode()


def test_a_newcomers_start_moved_past_the_open_quarter_takes_them_out_of_it(quarter, department, hr):
    """A user test: HR corrected a newcomer's 参加考核日期 to after the quarter; she stayed in it as
    待评鉴, counted, and her missing grade blocked the approval."""
    from datetime import date

    from tests.evaluations.test_grade_counts import assert_counted
    from tests.factories import UserFactory

    newcomer = UserFactory(department=department, full_name="林晓", appraisal_start=date(2026, 12, 1))
    appraisal_quarter_open(organisation=quarter.organisation, year=2026, quarter=4)
    assert quarter.grades.filter(person=newcomer).exists()
    newcomer.appraisal_start = date(2027, 1, 1)
    newcomer.save()
    assert not quarter.grades.filter(person=newcomer).exists()
    assert_counted()
    assert "林晓" not in " ".join(approval_blockers(appraisal_quarter=quarter))


def test_an_earlier_quarter_still_open_stays_on_the_graders_pages(
    settings, quarter, organisation, head, staff, colleague, grade_of, client_for
):
    """A re-test: once 2027 Q1 was opened, 2026 Q4 — still open, its approval blocked — was on no
    grader's home page or grading list; only typing a row's address reached it."""
    from datetime import date

    from tests.support.home import todo

    settings.APPRAISAL_TODAY = date(2027, 4, 2)
    later = appraisal_quarter_open(organisation=organisation, year=2027, quarter=1)
    client = client_for(head)
    home = client.get(reverse("home")).content.decode()
    assert todo(home, "grade") and todo(home, f"grade-{quarter.pk}") == todo(home, "grade")
    assert f"?quarter={quarter.pk}" in home
    page = client.get(GRADING).content.decode()
    assert 'data-testid="open-quarters"' in page and "2027年第1季度" in page.split('data-testid="quarter"')[1][:80]
    earlier = client.get(GRADING, {"quarter": quarter.pk}).content.decode()
    assert "2026年第4季度" in earlier.split('data-testid="quarter"')[1][:80]
    assert colleague.get_full_name() in _names(earlier)
    row = grade_of(colleague)
    response = client.post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {
            f"g{row.pk}-grade": Grade.FAIRLY_GOOD,
            f"g{row.pk}-comment": "认真",
            f"g{row.pk}-version": row.version,
            "next": "work",
            "quarter": quarter.pk,
        },
    )
    assert response.status_code == 302 and f"quarter={quarter.pk}" in response["Location"]
    assert grade_of(colleague).grade == Grade.FAIRLY_GOOD
    assert later.grades.get(person=colleague).grade == ""


def test_a_person_moved_out_of_every_department_leaves_the_open_quarter_if_not_graded(quarter, staff, grade_of):
    """A review: moved to 领导班子 (no department) in mid-quarter, their row stayed on the former head's
    list, whom the rules no longer let grade it, and blocked the approval."""
    from tests.evaluations.test_grade_counts import assert_counted

    services.staff_move(user=staff, department=None)
    assert not quarter.grades.filter(person=staff).exists()
    assert_counted()


@pytest.mark.parametrize("merged", [False, True], ids=["kept", "merged_and_deactivated"])
def test_a_head_moved_out_before_the_quarter_opened_is_graded_by_the_leader_of_the_one_they_headed(
    merged, client_for, settings, organisation, department, head, staff, other_department, other_head, leader
):
    """A re-test: the head of a department, its post emptied and they moved to another department on
    6 January, was graded for Q1 (opened in April) by their new department's head, a peer. A user
    test of a merger (机构改革): likewise once their department, emptied into another, was deactivated."""
    from datetime import date

    from accounts.models import DepartmentHeadship

    DepartmentHeadship.objects.filter(person=head).update(start_date=date(2025, 3, 1))
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    previous = department.head
    department.head = None
    services.department_save(
        department=department, previous_head=previous, previous_leader=department.supervising_leader
    )
    services.staff_move(user=head, department=other_department)
    if merged:
        for person in department.members.filter(is_active=True):
            services.staff_move(user=person, department=other_department)
        services.department_deactivate(department=department)
    settings.APPRAISAL_TODAY = date(2027, 4, 2)
    quarter = appraisal_quarter_open(organisation=organisation, year=2027, quarter=1)
    row = quarter.grades.get(person=head)
    assert row.department == department and row.headed
    assert head.pk in set(grades_to_give(evaluator=leader, appraisal_quarter=quarter).values_list("person", flat=True))
    assert head.pk not in set(
        grades_to_give(evaluator=other_head, appraisal_quarter=quarter).values_list("person", flat=True)
    )
    # On the leader's page, and the leader's grade stands without a confirmation.
    assert head.get_full_name() in _names(client_for(leader).get(GRADING).content.decode())
    assert head.get_full_name() not in _names(client_for(other_head).get(GRADING).content.decode())
    saved = grade_assign(grade_row=row, actor=leader, grade=Grade.FAIRLY_GOOD, comment="牵头完成合并前的工作")
    assert saved.state == GradeState.CONFIRMED
    with pytest.raises(PermissionDenied):
        grade_assign(grade_row=row, actor=other_head, grade=Grade.GOOD, comment="同事")


def test_the_service_refuses_to_confirm_a_heads_grade_as_a_staff_grade(
    quarter, department, grade_of, head, staff, leader, hr, security_admin
):
    from django.core.exceptions import ValidationError

    from evaluations.grading.services.grading import grade_confirm

    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    _appoint(department, staff, hr=hr, security_admin=security_admin)
    with pytest.raises(ValidationError, match="由分管领导直接评定"):
        grade_confirm(grade_row=grade_of(staff), actor=leader)


def test_a_former_heads_home_names_the_leader_who_grades_their_quarter(replaced, head, staff, leader, client_for):
    """A user test: the former head's 我的考核关系 named only their successor (their evaluator now),
    who does not grade them in the quarter they headed; the leader who does is named beside."""
    html = client_for(head).get(reverse("home")).content.decode()
    assert f"审核评鉴人：<strong>{staff.get_full_name()}</strong>" in html
    [line] = [part.split("</p>", 1)[0] for part in html.split('data-testid="quarter-grader">')[1:]]
    assert replaced.period.label in line and f"<strong>{leader.get_full_name()}</strong>" in line
    # Their successor, and the staff, read no such line.
    assert 'data-testid="quarter-grader"' not in client_for(staff).get(reverse("home")).content.decode()


def test_a_graded_newcomers_start_moved_past_the_open_quarter_keeps_the_row_and_says_so(
    quarter, department, head, hr, client_for
):
    """A re-test: a newcomer already graded stayed in the quarter after HR moved her start past it,
    and the staff page said nothing of it."""
    from datetime import date

    from tests.factories import UserFactory

    newcomer = UserFactory(department=department, full_name="林晓", appraisal_start=date(2026, 12, 1))
    appraisal_quarter_open(organisation=quarter.organisation, year=2026, quarter=4)
    row = quarter.grades.get(person=newcomer)
    grade_assign(grade_row=row, actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    edit = reverse("accounts:staff_edit", args=[newcomer.pk])
    client = client_for(hr)
    form = client.get(edit).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    page = client.post(edit, {**data, "appraisal_start": "2027-01-01"}, follow=True).content.decode()
    assert "2026年第4季度在新的参加考核日期之前结束，但林晓在该季度已有评鉴，仍保留在该季度的评鉴中。" in page
    assert quarter.grades.filter(person=newcomer, grade=Grade.FAIRLY_GOOD).exists()
    # A date that leaves the quarter theirs says nothing of it.
    page = client.post(edit, {**data, "appraisal_start": "2026-11-01"}, follow=True).content.decode()
    assert "仍保留在该季度的评鉴中" not in page


def test_the_staff_import_moving_a_graded_newcomers_start_says_the_row_stays(quarter, department, head, hr, client_for):
    """A review: the staff page said a graded row stays when the 参加考核日期 moves past its
    quarter, the staff import (the other way to change that date) said nothing."""
    from datetime import date

    from tests.accounts.test_import import upload, xlsx
    from tests.factories import UserFactory

    newcomer = UserFactory(
        department=department, full_name="林晓", employee_number="N77", appraisal_start=date(2026, 12, 1)
    )
    appraisal_quarter_open(organisation=quarter.organisation, year=2026, quarter=4)
    grade_assign(grade_row=quarter.grades.get(person=newcomer), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    header = ["工号", "姓名", "科室", "参加考核日期"]
    page = upload(client_for(hr), xlsx([["N77", "林晓", department.name, "2027-01-01"]], header=header))
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="updated-table"' in html
    assert "2026年第4季度在新的参加考核日期之前结束，但林晓在该季度已有评鉴，仍保留在该季度的评鉴中。" in html
    assert quarter.grades.filter(person=newcomer, grade=Grade.FAIRLY_GOOD).exists()


def test_the_move_page_says_which_open_quarters_grade_went_with_the_person(
    quarter, grade_of, head, staff, other_department, other_head, hr, client_for
):
    """A user test: a move took a quarter's grade from the head who managed the person all quarter
    to the new one, and the result page said nothing (nor, when dated back into that quarter, that
    its grades stayed — which they do only once it is approved)."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.GOOD, comment="好")
    day = quarter.period.last_day
    response = client_for(hr).post(
        reverse("accounts:staff_move", args=[staff.pk]),
        {"department": other_department.pk, "on_date": day.isoformat(), "reason": "轮岗"},
        follow=True,
    )
    page = response.content.decode()
    assert f"{quarter.period.label}尚未审批：{staff.full_name}该季度的等次随其调入{other_department.name}" in page
    assert "该季度已有的等次仍记在原科室" not in page
