"""不确定等次 only where the staff register says so, and then only it (DOMAIN.md §4), on every path to
a grade: the evaluator's, the supervising leader's change or confirmation, HR's review after locking,
and the agency head's approval.

A user test graded 不确定等次（立案审查） someone with nothing recorded, which took them out of the 好
quota's base and on to an 优秀 suggestion at the year's end; and graded 好 someone on leave for the
whole quarter. The fourth quarter of 2026 (the ``quarter`` fixture) has 92 days; the policy's share
is 50 %.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import AuditEntry, StaffStatusKind
from evaluations.grading.services import locking
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    approval_blockers,
    grade_assign,
    grade_confirm,
    grades_confirm_all,
)
from evaluations.models import Grade, GradeState, UncertainReason
from tests.factories import SanctionFactory, StaffStatusFactory, hand_in_quarter_inputs

NO_REGISTER = "不确定等次只适用于病事假超过考核期规定比例或立案审查的人员，人员管理中没有科员甲本季度的此类登记。"
ON_LEAVE_ONLY = "科员甲本季度休假92天，占100%，超过规定的50%：只能定为不确定等次。"


def on_leave(person, start=date(2026, 10, 1), end=date(2026, 12, 31)):
    return StaffStatusFactory(user=person, kind=StaffStatusKind.LONG_LEAVE, start_date=start, end_date=end)


def investigation(person, decided_on, *, closed=None):
    """A 立案审查 recorded with the sanctions (HR may record it there or as a special status)."""
    return SanctionFactory(person=person, kind="investigation", decided_on=decided_on, closed_on=closed)


def uncertain(row, actor, reason=UncertainReason.LONG_LEAVE):
    return grade_assign(grade_row=row, actor=actor, grade=Grade.UNCERTAIN, comment="情况说明", uncertain_reason=reason)


def test_uncertain_without_a_recorded_leave_or_investigation_is_refused_and_nothing_changes(
    quarter, head, staff, grade_of
):
    entries = AuditEntry.objects.count()
    for reason in (UncertainReason.LONG_LEAVE, UncertainReason.INVESTIGATION):
        with pytest.raises(ValidationError) as refused:
            uncertain(grade_of(staff), head, reason)
        assert NO_REGISTER in refused.value.message_dict["grade"][0]
    row = grade_of(staff)
    assert (row.grade, row.state, row.uncertain_reason) == ("", GradeState.PENDING, "")
    assert AuditEntry.objects.count() == entries


def test_other_is_no_longer_a_reason(quarter, head, staff, grade_of):
    on_leave(staff)
    with pytest.raises(ValidationError) as refused:
        uncertain(grade_of(staff), head, UncertainReason.OTHER)
    assert refused.value.message_dict["uncertain_reason"] == [
        "科员甲本季度登记的是：病事假超过考核期规定比例。请按登记选择原因。"
    ]


def test_someone_on_leave_beyond_the_share_can_only_be_uncertain(quarter, head, staff, colleague, grade_of):
    on_leave(staff)
    on_leave(colleague, end=date(2026, 11, 15))  # 46 days: exactly half, not beyond it
    with pytest.raises(ValidationError) as refused:
        grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.GOOD, comment="出色")
    assert refused.value.message_dict["grade"] == [ON_LEAVE_ONLY]
    # With a reason the register does not support: refused at the reason.
    with pytest.raises(ValidationError, match="本季度登记的是：病事假超过考核期规定比例"):
        uncertain(grade_of(staff), head, UncertainReason.INVESTIGATION)
    assert uncertain(grade_of(staff), head).uncertain_reason == UncertainReason.LONG_LEAVE
    # Half the quarter is not more than half: graded as anyone, and not 不确定等次.
    grade_assign(grade_row=grade_of(colleague), actor=head, grade=Grade.GOOD, comment="出色")
    with pytest.raises(ValidationError, match="人员管理中没有.{2,3}本季度的此类登记"):
        uncertain(grade_of(colleague), head)


def test_an_open_investigation_leaves_only_uncertain_and_a_closed_one_lets_the_quarter_be_graded(
    quarter, head, staff, colleague, grade_of
):
    StaffStatusFactory(user=staff, kind=StaffStatusKind.UNDER_INVESTIGATION, start_date=date(2026, 11, 20))
    with pytest.raises(ValidationError, match="科员甲自2026-11-20起立案审查，尚未结案：只能定为不确定等次。"):
        grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert uncertain(grade_of(staff), head, UncertainReason.INVESTIGATION).grade == Grade.UNCERTAIN
    # Closed (recorded with the sanctions) before the grading day, 4 January 2027: 补定等次.
    investigation(colleague, date(2026, 10, 20), closed=date(2026, 12, 15))
    assert grade_assign(grade_row=grade_of(colleague), actor=head, grade=Grade.GOOD, comment="出色").grade == Grade.GOOD


def test_the_leaders_change_obeys_the_register_and_stores_its_reason(quarter, head, leader, staff, colleague, grade_of):
    for person in (staff, colleague):
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    with pytest.raises(ValidationError) as refused:
        grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.UNCERTAIN, reason="休假")
    assert NO_REGISTER in refused.value.message_dict["new_grade"][0]
    on_leave(colleague)
    row = grade_confirm(grade_row=grade_of(colleague), actor=leader, new_grade=Grade.UNCERTAIN, reason="全季度病假")
    assert (row.grade, row.uncertain_reason) == (Grade.UNCERTAIN, UncertainReason.LONG_LEAVE)


def test_a_leave_recorded_after_the_head_graded_stops_the_confirmation_and_the_approval(
    quarter, head, leader, chief, team, grade_of
):
    hand_in_quarter_inputs(quarter)
    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.FAIRLY_GOOD, comment="认真")
    absent = team[0]
    on_leave(absent)  # HR records it after the head graded
    refused = []
    grades_confirm_all(appraisal_quarter=quarter, actor=leader, refused=refused)
    assert [(row.person_id, messages) for row, messages in refused] == [(absent.pk, [ON_LEAVE_ONLY])]
    assert grade_of(absent).state == GradeState.GRADED
    # Confirmed before the leave was recorded: the approval page names it, and approval waits.
    grade_of(absent).__class__.objects.filter(pk=grade_of(absent).pk).update(state=GradeState.CONFIRMED)
    blocker = next(b for b in approval_blockers(appraisal_quarter=quarter) if "人员管理中登记的长期休假" in b)
    assert blocker.startswith("还有1人的等次与人员管理中登记的长期休假、立案审查不符")
    assert [name for _pk, name in blocker.people] == [absent.full_name]
    with pytest.raises(ValidationError, match="人员管理中登记的长期休假"):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    # The head gives 不确定等次 once the agency head returns it: nothing stands in the way any more.
    row = grade_of(absent)
    row.__class__.objects.filter(pk=row.pk).update(state=GradeState.PENDING, returned_at=row.graded_at)
    uncertain(grade_of(absent), head)
    grade_confirm(grade_row=grade_of(absent), actor=leader)
    assert not [b for b in approval_blockers(appraisal_quarter=quarter) if "人员管理中登记" in b]


def test_an_uncertain_grade_given_without_a_register_entry_blocks_the_approval(quarter, head, leader, team, grade_of):
    """A grade stored before the rule (or its register entry deleted since) is named before approval."""
    row = grade_of(team[1])
    row.__class__.objects.filter(pk=row.pk).update(
        grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.OTHER, state=GradeState.CONFIRMED, comment="说明"
    )
    blocker = next(b for b in approval_blockers(appraisal_quarter=quarter) if "人员管理中登记" in b)
    assert [name for _pk, name in blocker.people] == [team[1].full_name]


def test_hrs_review_after_locking_obeys_the_register(approved_quarter, confirmed, hr, staff):
    locking.grades_lock(appraisal_quarter=approved_quarter)
    with pytest.raises(ValidationError, match="人员管理中没有.{2,3}本季度的此类登记"):
        locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.UNCERTAIN, reason="复核")
    on_leave(staff)
    review = locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.UNCERTAIN, reason="全季度病假")
    confirmed.refresh_from_db()
    assert (review.new_grade, confirmed.uncertain_reason) == (Grade.UNCERTAIN, UncertainReason.LONG_LEAVE)


def test_the_grading_page_offers_the_two_reasons_and_says_the_refusal_at_the_grade(
    client_for, quarter, head, staff, grade_of
):
    client, row = client_for(head), grade_of(staff)
    page = client.get(reverse("evaluations:grading")).content.decode()
    options = page.split(f'name="g{row.pk}-uncertain_reason"', 1)[1].split("</select>", 1)[0]
    assert "病事假超过考核期规定比例" in options and "立案审查" in options and "其他" not in options
    response = client.post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {
            f"g{row.pk}-grade": Grade.UNCERTAIN,
            f"g{row.pk}-uncertain_reason": UncertainReason.INVESTIGATION,
            f"g{row.pk}-comment": "据说在接受调查",
            f"g{row.pk}-version": row.version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 400 and NO_REGISTER in html and "据说在接受调查" in html
    assert grade_of(staff).grade == ""


def test_the_leaders_cards_say_what_the_register_says_and_confirm_all_names_whom_it_left(
    client_for, quarter, head, leader, staff, colleague, team, grade_of
):
    """A re-test: the leader's card of someone whose leave was recorded after the head graded showed
    only 等次：较好, a seconded person's card nothing, and 全部确认 left "此人…" unnamed."""
    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    on_leave(staff)
    StaffStatusFactory(user=colleague, kind=StaffStatusKind.SECONDED, start_date=date(2026, 3, 1))
    client = client_for(leader)
    html = client.get(reverse("evaluations:grading")).content.decode()
    notes = [part.split("</div>", 1)[0] for part in html.split('data-testid="register-note">')[1:]]
    assert sorted(notes) == sorted(
        [ON_LEAVE_ONLY, "挂职/援派（自2026-03-01起）：由接收单位考核，请依据接收单位的考核意见评定等次。"]
    )
    page = client.post(reverse("evaluations:grades_confirm_all"), follow=True).content.decode()
    assert f"以下1人的等次未确认，请逐一调整后确认：{ON_LEAVE_ONLY}" in page


def test_a_case_closed_today_is_closed(quarter, head, staff, grade_of, settings):
    """A review: the closing day counted as open, and HR cannot record a closing day after today."""
    settings.APPRAISAL_TODAY = date(2027, 1, 4)
    investigation(staff, date(2026, 11, 1), closed=date(2027, 1, 4))
    assert grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.GOOD, comment="出色").grade == Grade.GOOD


def test_an_old_reason_does_not_stop_a_plain_confirmation_the_leader_could_not_correct(
    quarter, head, leader, staff, grade_of
):
    """A review: a 不确定等次 of reason 其他 (before the rule) for someone with recorded leave was refused
    at 确认 for its reason, which the leader's form cannot change; approval would not have named it."""
    on_leave(staff)
    row = grade_of(staff)
    row.__class__.objects.filter(pk=row.pk).update(
        grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.OTHER, state=GradeState.GRADED, comment="病假"
    )
    assert grade_confirm(grade_row=grade_of(staff), actor=leader).state == GradeState.CONFIRMED


def test_an_uncertain_card_without_a_register_entry_warns_the_leader(
    client_for, quarter, head, leader, staff, grade_of
):
    row = grade_of(staff)
    row.__class__.objects.filter(pk=row.pk).update(
        grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.OTHER, state=GradeState.GRADED, comment="病假"
    )
    html = client_for(leader).get(reverse("evaluations:grading")).content.decode()
    note = html.split('data-testid="register-note">', 1)[1].split("</div>", 1)[0]
    assert note.startswith(NO_REGISTER)


def test_removing_the_long_leave_behind_a_grade_says_what_it_leaves_before_and_after(client_for, hr, staff, colleague):
    """A user test deleted the 长期休假 behind a 定等 不确定等次: only 确定删除…吗？ before, nothing after,
    the grade page still reading 病事假超过考核期规定比例."""
    from datetime import date

    from django.urls import reverse

    from accounts.models import StaffStatus, StaffStatusKind
    from evaluations.models import QuarterState, UncertainReason
    from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

    approved = AppraisalQuarterFactory(
        organisation=staff.organisation, year=2026, quarter=3, state=QuarterState.APPROVED
    )
    QuarterGradeFactory(
        person=staff, appraisal_quarter=approved, grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.LONG_LEAVE
    )
    leave = StaffStatus.objects.create(
        user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 7, 8), end_date=date(2026, 9, 20)
    )
    other = StaffStatus.objects.create(user=colleague, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 7, 8))
    client = client_for(hr)
    url = reverse("accounts:staff_status_remove", args=[staff.pk, leave.pk])
    said = "2026年第3季度已审批的“不确定等次”以此状态为依据"
    assert said in client.get(url).content.decode()
    response = client.post(url, {"reason": "录入错误"}, follow=True)
    assert said in response.content.decode() and not StaffStatus.objects.filter(pk=leave.pk).exists()
    # A status no grade rests on says nothing more.
    page = client.get(reverse("accounts:staff_status_remove", args=[colleague.pk, other.pk])).content.decode()
    assert "不确定等次" not in page


def test_removing_a_status_says_an_open_quarters_grade_must_change_unless_another_entry_still_covers_it(staff):
    from datetime import date

    from accounts.models import StaffStatus, StaffStatusKind
    from accounts.services import status_removal_notes
    from evaluations.models import UncertainReason
    from tests.factories import AppraisalQuarterFactory, QuarterGradeFactory

    open_quarter = AppraisalQuarterFactory(organisation=staff.organisation, year=2026, quarter=4)
    QuarterGradeFactory(
        person=staff, appraisal_quarter=open_quarter, grade=Grade.UNCERTAIN, uncertain_reason=UncertainReason.LONG_LEAVE
    )
    leave = StaffStatus.objects.create(user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 10, 8))
    assert status_removal_notes(leave) == [
        "删除后，2026年第4季度已评的“不确定等次”将与人员登记不符：须由分管领导调整或退回重新评鉴，方可审批。"
    ]
    # The same leave entered twice: removing one leaves the other bearing the grade out.
    StaffStatus.objects.create(user=staff, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 10, 8))
    assert status_removal_notes(leave) == []
