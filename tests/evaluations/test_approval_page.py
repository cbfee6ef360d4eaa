"""The agency head sees what they approve: every person's grade, comment and the leader's change with
its reason, by department and page; what blocks approval in plain words with the people concerned;
and each person's pages, read only."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.workflow import ReviewStatus
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    appraisal_quarter_open,
    approval_blockers,
    grade_assign,
    grade_confirm,
    grades_confirm_all,
)
from evaluations.models import Grade, QuarterState
from tests.evaluations.helpers import on_leave_all_quarter
from tests.factories import (
    DepartmentFactory,
    MonthlySummaryFactory,
    TargetSetFactory,
    UserFactory,
    hand_in_quarter_inputs,
    save_fields,
)


def approve_url(quarter, query=""):
    return reverse("evaluations:quarter_approve", args=[quarter.pk]) + query


def grade_all(quarter, head, leader, team, grade_of):
    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment=f"{person}工作认真")
    grade_assign(grade_row=grade_of(head), actor=leader, grade=Grade.FAIRLY_GOOD, comment="带队有力")


# --- The leader's change is kept beside the evaluator's grade ----------------------------------


def test_a_leaders_change_keeps_the_evaluators_grade_and_the_reason(quarter, head, leader, staff, grade_of):
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    row = grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.GOOD, reason="专项任务突出")
    assert (row.evaluator_grade, row.grade, row.change_reason) == (Grade.FAIRLY_GOOD, Grade.GOOD, "专项任务突出")
    assert row.changed_by_leader


def test_confirming_unchanged_records_no_change(quarter, head, leader, staff, grade_of):
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    row = grade_confirm(grade_row=grade_of(staff), actor=leader)
    assert (row.evaluator_grade, row.change_reason, row.changed_by_leader) == ("", "", False)


# --- The page -----------------------------------------------------------------------------------


def test_the_page_lists_every_person_with_grade_comment_and_the_leaders_change(
    client_for, quarter, head, leader, chief, staff, team, grade_of
):
    grade_all(quarter, head, leader, team, grade_of)
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.GOOD, reason="专项任务突出")
    page = client_for(chief).get(approve_url(quarter)).content.decode()
    assert page.count('data-testid="approval-row"') == 8  # seven staff and the head
    assert "科员甲工作认真" in page
    assert "较好 → 好" in page and "专项任务突出" in page
    assert page.count('data-testid="leader-change"') == 1
    assert reverse("evaluations:grade_detail", args=[grade_of(staff).pk]) in page


def test_the_page_filters_by_department(client_for, quarter, organisation, leader, chief, second_head, staff):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)  # adds the second department
    page = client_for(chief).get(approve_url(quarter, f"?department={second_head.department_id}")).content.decode()
    listed = page.split('data-testid="approval-table"')[1]
    assert listed.count('data-testid="approval-row"') == 1
    assert "二科科长" in listed and "科员甲" not in listed


def test_a_large_quarter_opens_on_its_first_department_and_all_can_still_be_chosen(
    monkeypatch, client_for, quarter, organisation, chief, second_head, staff
):
    from evaluations.grading.views import grading as views

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)  # adds the second department
    monkeypatch.setattr(views, "APPROVAL_ALL_LIMIT", 5)
    client = client_for(chief)
    listed = client.get(approve_url(quarter)).content.decode().split('data-testid="approval-table"')[1]
    assert listed.count('data-testid="approval-row"') == 8 and "二科科长" not in listed  # 科员甲's department
    everyone = client.get(approve_url(quarter, "?department=")).content.decode().split('data-testid="approval-table"')
    assert everyone[1].count('data-testid="approval-row"') == 9


def test_a_large_quarter_opened_on_its_first_department_asks_as_many_queries_as_one_listing_everyone(
    monkeypatch, client_for, quarter, organisation, chief, second_head, staff
):
    from evaluations.grading.views import grading as views

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)  # adds the second department
    client = client_for(chief)
    client.get(approve_url(quarter))  # warm the session
    with CaptureQueriesContext(connection) as everyone:
        assert client.get(approve_url(quarter)).context["filter"].form.cleaned_data["department"] is None
    monkeypatch.setattr(views, "APPROVAL_ALL_LIMIT", 5)
    with CaptureQueriesContext(connection) as first_department:
        response = client.get(approve_url(quarter))
    assert response.context["filter"].form.cleaned_data["department"] == staff.department
    assert len(first_department) == len(everyone)
    with CaptureQueriesContext(connection) as chosen:
        response = client.get(approve_url(quarter, f"?department={second_head.department_id}"))
    assert response.context["filter"].form.cleaned_data["department"] == second_head.department
    assert len(chosen) == len(everyone)


def test_a_department_of_another_organisation_is_refused_by_the_filter(
    client_for, quarter, organisation, other_organisation, chief
):
    stranger = DepartmentFactory(organisation=other_organisation)
    response = client_for(chief).get(approve_url(quarter, f"?department={stranger.pk}"))
    assert response.status_code == 200
    assert "department" in response.context["filter"].form.errors
    assert not response.context["filter"].form.is_valid()


def test_only_the_leaders_changes_can_be_listed(client_for, quarter, head, leader, chief, staff, team, grade_of):
    grade_all(quarter, head, leader, team, grade_of)
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.GOOD, reason="专项任务突出")
    page = client_for(chief).get(approve_url(quarter, "?changed=true")).content.decode()
    assert page.count('data-testid="approval-row"') == 1 and "科员甲" in page


@pytest.mark.parametrize("who", ["hr", "leader", "head", "staff", "inspector", "auditor", "sysadmin"])
def test_the_approval_page_is_the_agency_heads_only(request, client_for, quarter, who):
    assert client_for(request.getfixturevalue(who)).get(approve_url(quarter)).status_code == 403


def test_another_organisations_agency_head_gets_404(client_for, quarter, other_organisation):
    from accounts.models import Role

    stranger = UserFactory(organisation=other_organisation, department=None, roles=[Role.AGENCY_HEAD])
    assert client_for(stranger).get(approve_url(quarter)).status_code == 404


def _add_department(organisation, leader, quarter_people):
    department = DepartmentFactory(organisation=organisation, supervising_leader=leader)
    for _ in range(quarter_people):
        UserFactory(department=department)


def test_the_page_costs_the_same_queries_for_few_and_many_people(
    client_for, organisation, department, head, leader, chief, staff
):
    client = client_for(chief)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    client.get(approve_url(quarter))  # warm the session
    with CaptureQueriesContext(connection) as few:
        assert client.get(approve_url(quarter)).status_code == 200
    for _ in range(3):
        _add_department(organisation, leader, 25)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    assert quarter.grades.count() > 70
    with CaptureQueriesContext(connection) as many:
        page = client.get(approve_url(quarter)).content.decode()
    assert len(many.captured_queries) == len(few.captured_queries)
    assert page.count('data-testid="approval-row"') == 50  # one page
    assert page.count('data-testid="blocker-person"') == 30  # ten names per blocker, the rest counted


# --- What blocks approval -----------------------------------------------------------------------


def test_the_blockers_name_targets_not_reviewed_summaries_missing_and_people_not_graded(
    client_for, quarter, head, leader, chief, staff, colleague, team, grade_of
):
    hand_in_quarter_inputs(quarter)
    save_fields(staff.target_sets.all(), status=ReviewStatus.SUBMITTED)
    save_fields(colleague.monthly_summaries.filter(month=11), status=ReviewStatus.RETURNED)
    page = client_for(chief).get(approve_url(quarter)).content.decode()
    assert "还有1人的季度目标未审核通过。" in page
    assert "还有1人的月度小结未提交。" in page
    assert "还有8人未评鉴。" in page
    # The totals' parts add up to the whole (a user test read 共60人 beside 8 graded).
    totals = page.split('data-testid="totals">', 1)[1].split("</p>", 1)[0]
    assert totals.startswith("共8人：好0人") and totals.endswith("尚未评鉴8人。"), totals
    assert reverse("evaluations:grade_detail", args=[grade_of(staff).pk]) in page
    assert reverse("evaluations:grade_detail", args=[grade_of(colleague).pk]) in page
    assert 'data-testid="approve-confirm" disabled' in page


def test_approval_is_refused_while_targets_are_not_approved(quarter, head, leader, chief, staff, team, grade_of):
    hand_in_quarter_inputs(quarter)
    save_fields(staff.target_sets.all(), status=ReviewStatus.SUBMITTED)
    grade_all(quarter, head, leader, team, grade_of)
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    [blocker] = approval_blockers(appraisal_quarter=quarter)
    assert blocker.people == [(grade_of(staff).pk, "科员甲")]
    with pytest.raises(ValidationError, match="季度目标未审核通过"):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.OPEN


def test_approval_is_refused_while_a_months_summary_is_missing(quarter, head, leader, chief, staff, team, grade_of):
    hand_in_quarter_inputs(quarter)
    staff.monthly_summaries.filter(month=10).delete()
    grade_all(quarter, head, leader, team, grade_of)
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    with pytest.raises(ValidationError, match="月度小结未提交"):
        appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief)
    MonthlySummaryFactory(owner=staff, year=2026, month=10, submitted=True)
    assert appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief).state == QuarterState.APPROVED


def test_a_person_who_left_during_the_quarter_does_not_hold_approval_back_for_what_they_owed(
    client_for, quarter, head, leader, chief, staff, team, grade_of
):
    """A user test: someone deactivated after the quarter opened, their summary missing, stood among
    the blockers for ever: nobody could hand it in. Still graded and confirmed as the others."""
    hand_in_quarter_inputs(quarter)
    staff.monthly_summaries.filter(month=10).delete()
    save_fields(staff.target_sets.all(), status=ReviewStatus.SUBMITTED)
    grade_all(quarter, head, leader, team, grade_of)
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    assert len(approval_blockers(appraisal_quarter=quarter)) == 2
    staff.is_active = False
    staff.save(update_fields=["is_active"])
    assert approval_blockers(appraisal_quarter=quarter) == []
    # Their card says they left, where the head still grades them.
    detail = client_for(head).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode()
    assert "已离开（账号已停用）" in detail
    assert appraisal_quarter_approve(appraisal_quarter=quarter, actor=chief).state == QuarterState.APPROVED


def test_a_person_graded_uncertain_needs_no_targets_or_summaries(quarter, head, leader, staff, team, grade_of):
    hand_in_quarter_inputs(quarter)
    staff.target_sets.all().delete()
    staff.monthly_summaries.all().delete()
    on_leave_all_quarter(grade_of(staff))
    grade_assign(
        grade_row=grade_of(staff), actor=head, grade=Grade.UNCERTAIN, comment="病假", uncertain_reason="long_leave"
    )
    assert not [b for b in approval_blockers(appraisal_quarter=quarter) if "季度目标" in b or "月度小结" in b]


def test_months_not_begun_are_not_required(monkeypatch, quarter, staff, team):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 11, 20))
    hand_in_quarter_inputs(quarter)
    for person in team:
        person.monthly_summaries.filter(month=12).delete()
    assert not [b for b in approval_blockers(appraisal_quarter=quarter) if "月度小结" in b]


# --- Each person's pages, read only -------------------------------------------------------------


def test_the_agency_head_opens_each_persons_pages_read_only(client_for, quarter, head, chief, staff, grade_of):
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    client = client_for(chief)
    row = grade_of(staff)
    grade_page = client.get(reverse("evaluations:grade_detail", args=[row.pk]))
    assert grade_page.status_code == 200
    assert 'name="g' not in grade_page.content.decode()  # no grading form
    assert client.get(reverse("targets:detail", args=[target_set.pk])).status_code == 200
    summary_page = client.get(reverse("summaries:detail", args=[summary.pk]))
    assert summary_page.status_code == 200
    assert "data-autosave-form" not in summary_page.content.decode()


def test_the_agency_head_cannot_grade_or_edit_anyones_pages(client_for, quarter, head, chief, staff, grade_of):
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4)
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=11)
    client = client_for(chief)
    row = grade_of(staff)
    response = client.post(
        reverse("evaluations:grade_detail", args=[row.pk]),
        {f"g{row.pk}-grade": Grade.GOOD, f"g{row.pk}-comment": "好", f"g{row.pk}-version": row.version},
    )
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.grade == ""
    assert client.post(reverse("summaries:detail", args=[summary.pk]), {"version": 1}).status_code == 403
    assert client.post(reverse("targets:approve", args=[target_set.pk])).status_code in (403, 404)


def test_a_blocker_counts_up_to_the_cap_and_says_more_beyond_it(
    organisation, department, head, leader, staff, monkeypatch
):
    from evaluations.grading.services import grading

    for _ in range(6):
        UserFactory(department=department)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    monkeypatch.setattr(grading, "BLOCKER_COUNT_CAP", 4)
    with CaptureQueriesContext(connection) as queries:
        blockers = approval_blockers(appraisal_quarter=quarter)
    ungraded = next(b for b in blockers if "未评鉴" in b)
    assert ungraded == "还有4+人未评鉴。"
    # Every count stops after the cap instead of counting everyone who lacks something: one query
    # per blocker reads at most cap + 1 rows (the count and the first names).
    grade_queries = [q["sql"] for q in queries.captured_queries if 'FROM "evaluations_quartergrade"' in q["sql"]]
    bounded = [sql for sql in grade_queries if "LIMIT 5" in sql]
    # Eight kinds of grade row (the last, grades against the staff register), and the participants
    # without one (newcomers_not_listed).
    assert len(bounded) == 9
    monkeypatch.setattr(grading, "BLOCKER_COUNT_CAP", 1000)
    assert "还有8人未评鉴。" in approval_blockers(appraisal_quarter=quarter)  # six, staff and the head


def test_the_phone_cards_give_the_reason_for_a_grade_below_good_as_the_table_does(
    client_for, quarter, head, chief, staff, grade_of
):
    """A user test: on a phone the agency head read 一般 beside a praising comment, without the
    head's 定等理由 that the desktop table shows."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.AVERAGE, comment="工作积极", reason="两次迟交材料")
    page = client_for(chief).get(approve_url(quarter)).content.decode()
    cards = page.split('data-testid="approval-cards"', 1)[1]
    assert "定等理由：两次迟交材料" in cards


# --- What those who confirm and approve see (a user test of the quarter's end) -----------------


def _marks(html: str) -> list[str]:
    return [part.split("</ul>", 1)[0] for part in html.split('data-testid="discipline-marks"')[1:]]


def test_the_leader_and_the_agency_head_see_the_veto_and_serious_findings_the_grader_saw(
    client_for, quarter, organisation, head, leader, chief, staff, colleague, grade_of
):
    """A user test: the head's card said 一票否决 beside 肖晨平's 好; the leader's confirmation card and
    the agency head's approval page (table and phone cards) said nothing of it."""
    from tests.factories import FindingFactory, InspectionFactory, VetoFlagFactory

    VetoFlagFactory(person=staff, year=2026, reason="受到警告处分")
    november = InspectionFactory(inspector__organisation=organisation, date=date(2026, 11, 3))
    FindingFactory(inspection=november, person=colleague)
    for person in (staff, colleague):
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.GOOD, comment="表现突出")

    work = client_for(leader).get(reverse("evaluations:grading")).content.decode()
    confirm = work.split('id="confirm"', 1)[1]
    assert sum("一票否决：受到警告处分" in m for m in _marks(confirm)) == 1
    assert sum("严重 1" in m for m in _marks(confirm)) == 1

    page = client_for(chief).get(approve_url(quarter)).content.decode()
    table, cards = page.split('data-testid="approval-cards"', 1)
    for part in (table, cards):
        marks = _marks(part)
        # Two people concerned, nobody else of the eight marked.
        assert len(marks) == 2
        assert any("一票否决：受到警告处分" in m for m in marks)
        assert any("纪律作风检查发现：严重 1" in m for m in marks)


def test_the_approval_pages_query_count_does_not_grow_with_the_marked_people(
    client_for, quarter, organisation, head, chief, team, grade_of, django_assert_num_queries
):
    from tests.factories import VetoFlagFactory

    client = client_for(chief)
    VetoFlagFactory(person=team[0], year=2026)
    client.get(approve_url(quarter))  # warm the session and the caches
    with CaptureQueriesContext(connection) as one:
        client.get(approve_url(quarter))
    for person in team[1:]:
        VetoFlagFactory(person=person, year=2026)
    with django_assert_num_queries(len(one.captured_queries)):
        page = client.get(approve_url(quarter)).content.decode()
    assert len(_marks(page.split('data-testid="approval-cards"', 1)[1])) == len(team)


def test_the_phone_cards_name_the_grader_the_confirmer_and_a_grade_awaiting_confirmation(
    client_for, quarter, head, leader, chief, staff, colleague, grade_of
):
    """A user test: the desktop table said 评鉴人 / 确认 / 待确认; the phone cards said none of it."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_assign(grade_row=grade_of(colleague), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    grade_confirm(grade_row=grade_of(colleague), actor=leader)
    page = client_for(chief).get(approve_url(quarter)).content.decode()
    cards = {
        name: card
        for card in page.split('data-testid="approval-cards"', 1)[1].split('data-testid="approval-card"')[1:]
        for name in ("科员甲", "科员乙")
        if name in card
    }
    assert f"评鉴人：{head.get_full_name()}" in cards["科员甲"]
    assert 'data-testid="card-awaits-confirmation"' in cards["科员甲"]
    assert f"确认人：{leader.get_full_name()}" in cards["科员乙"]
    assert 'data-testid="card-awaits-confirmation"' not in cards["科员乙"]


def test_after_a_leaders_change_the_graders_reason_is_shown_as_the_graders(
    client_for, quarter, head, leader, chief, staff, colleague, grade_of
):
    """A user test read 较好 beside "定等理由：12月小结迟交，需提高主动性", written for the head's 一般."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.AVERAGE, comment="尚可", reason="小结迟交")
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.FAIRLY_GOOD, reason="补交及时")
    # Changed to 较差: the leader's reason is the grade's reason now, said once, as the change's.
    grade_assign(grade_row=grade_of(colleague), actor=head, grade=Grade.AVERAGE, comment="尚可", reason="效率偏低")
    grade_confirm(grade_row=grade_of(colleague), actor=leader, new_grade=Grade.POOR, reason="多次误期")

    for html in (
        client_for(chief).get(approve_url(quarter)).content.decode(),
        client_for(leader).get(reverse("evaluations:grade_detail", args=[grade_of(staff).pk])).content.decode(),
    ):
        assert "评鉴人评为“一般”的理由：小结迟交" in html
        assert "定等理由：小结迟交" not in html
    page = client_for(chief).get(approve_url(quarter)).content.decode()
    assert page.count("多次误期") == 2  # the change's reason in the table and on the card, not again as 定等理由


def test_a_second_change_by_the_leader_does_not_pass_the_leaders_reason_off_as_the_graders(
    quarter, head, leader, staff, grade_of
):
    """A review: 好 → 一般 (the leader's reason written into 定等理由) → 较好 showed
    评鉴人评为“好”的理由：<the leader's reason for 一般>."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.GOOD, comment="突出")
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.AVERAGE, reason="领导理由一般")
    row = grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.FAIRLY_GOOD, reason="领导理由较好")
    assert (row.evaluator_grade, row.graders_reason, row.change_reason) == (Grade.GOOD, "", "领导理由较好")


def test_a_review_after_lock_does_not_pass_hrs_reason_off_as_the_graders(
    approved_quarter, confirmed, hr, room_for_one_good
):
    """A review: head 好 → leader 较好 → locked → HR's 复核 to 一般 showed 评鉴人评为“好”的理由：<HR's reason>."""
    from evaluations.grading.services import locking

    confirmed.evaluator_grade, confirmed.evaluator_reason = Grade.GOOD, ""  # the leader had changed 好 → 较好
    confirmed.save(update_fields=["evaluator_grade", "evaluator_reason"])
    locking.grades_lock(appraisal_quarter=approved_quarter)
    locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.AVERAGE, reason="人事复核理由")
    confirmed.refresh_from_db()
    assert confirmed.reason == "人事复核理由" and confirmed.graders_reason == ""


def test_the_heads_own_card_says_when_the_leader_changed_the_grade_and_why(
    client_for, quarter, head, leader, staff, grade_of
):
    """A user test: the head's grading page showed only 等次：较好 after the leader changed their 一般;
    they learnt of it from the digest or the grade page."""
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.AVERAGE, comment="尚可", reason="小结迟交")
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.FAIRLY_GOOD, reason="补交及时")
    html = client_for(head).get(reverse("evaluations:grading")).content.decode()
    card = html.split(f'id="grade-{grade_of(staff).pk}" data-testid="grade-row"', 1)[1].split('class="card mb-2"', 1)[0]
    assert "分管领导调整：一般 → 较好" in card and "补交及时" in card


def test_confirm_all_asks_with_the_number_of_people_whose_discipline_weighs_on_the_grade(
    client_for, quarter, head, leader, staff, colleague, team, grade_of
):
    """A review: 全部确认 confirmed cards on other pages, their veto unseen."""
    from django.utils import timezone

    from tests.factories import VetoFlagFactory

    def confirm_all_form() -> str:
        page = client_for(leader).get(reverse("evaluations:grading")).content.decode()
        return page.split('data-testid="confirm-all"', 1)[0].rsplit("<form", 1)[1]

    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert "一票否决" not in confirm_all_form()
    VetoFlagFactory(person=staff, year=2026)
    VetoFlagFactory(person=colleague, year=2026, lifted_at=timezone.now())  # lifted: no longer weighs
    assert "其中1人有一票否决、处分或严重问题" in confirm_all_form()


def test_after_a_review_the_pages_show_the_leaders_change_as_confirmed(
    client_for, approved_quarter, confirmed, hr, chief, room_for_one_good
):
    """A review: after a 复核 the approval page read 分管领导调整 一般 → 好 (the evaluator's grade → the
    reviewed one); the leader had changed 一般 to 较好."""
    from evaluations.grading.services import locking

    confirmed.evaluator_grade, confirmed.change_reason = Grade.AVERAGE, "补交及时"  # the leader's 一般 → 较好
    confirmed.save(update_fields=["evaluator_grade", "change_reason"])
    locking.grades_lock(appraisal_quarter=approved_quarter)
    locking.grade_review_after_lock(grade=confirmed, actor=hr, new_grade=Grade.GOOD, reason="复核认定")
    for html in (
        client_for(chief).get(approve_url(approved_quarter)).content.decode(),
        client_for(hr).get(reverse("evaluations:grade_detail", args=[confirmed.pk])).content.decode(),
    ):
        assert "一般 → 较好" in html and "一般 → 好" not in html


# --- A step over every grade refuses grades changed since its page was read -----------------------


def _seen(page: str, testid: str) -> str:
    form = page.split(f'data-testid="{testid}"', 1)[0].rsplit("<form", 1)[1]
    return form.split('name="seen" value="', 1)[1].split('"', 1)[0]


def test_confirm_all_refuses_grades_changed_since_the_leaders_page_was_read(
    client_for, quarter, head, leader, staff, team, grade_of
):
    """A user test: the head changed a grade to 较差 while the leader's page was open; 全部确认
    confirmed it unseen."""
    for person in team:
        grade_assign(grade_row=grade_of(person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    client = client_for(leader)
    seen = _seen(client.get(reverse("evaluations:grading")).content.decode(), "confirm-all")
    grade_assign(grade_row=grade_of(staff), actor=head, grade=Grade.POOR, comment="失误", reason="出现重大失误")
    response = client.post(reverse("evaluations:grades_confirm_all"), {"seen": seen}, follow=True)
    assert "待确认的等次有了变化" in response.content.decode()
    assert not quarter.grades.filter(confirmed_by=leader).exists()
    # Read again, the page offers the grades as they are now, and confirms them.
    seen = _seen(client.get(reverse("evaluations:grading")).content.decode(), "confirm-all")
    response = client.post(reverse("evaluations:grades_confirm_all"), {"seen": seen}, follow=True)
    assert "已确认7人的等次" in response.content.decode()
    assert grade_of(staff).confirmed_by == leader and grade_of(staff).grade == Grade.POOR


def test_approval_refuses_a_grade_changed_since_the_approval_page_was_read(
    client_for, quarter, head, leader, chief, staff, team, grade_of
):
    """A user test: a leader adjusted a confirmed grade to 较差 while the agency head's approval
    page was open; 确认审批 approved it unseen."""
    hand_in_quarter_inputs(quarter)
    grade_all(quarter, head, leader, team, grade_of)
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    client = client_for(chief)
    seen = _seen(client.get(approve_url(quarter)).content.decode(), "approve-confirm")
    grade_confirm(grade_row=grade_of(staff), actor=leader, new_grade=Grade.POOR, reason="复查发现差错")
    page = client.post(approve_url(quarter), {"seen": seen}, follow=True).content.decode()
    assert "有等次被修改" in page and "本次未作任何确认或审批" in page
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.OPEN
    seen = _seen(client.get(approve_url(quarter)).content.decode(), "approve-confirm")
    client.post(approve_url(quarter), {"seen": seen})
    quarter.refresh_from_db()
    assert quarter.state == QuarterState.APPROVED


def test_the_approval_page_names_the_quarter_in_english_there(client_for, quarter, chief):
    """A user test read "Approve grading results for … 2026年第4季度" on the English page."""
    client = client_for(chief)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    heading = client.get(approve_url(quarter)).content.decode().split("<h1", 1)[1].split("</h1>", 1)[0]
    assert f"Q{quarter.quarter} {quarter.year}" in heading and "季度" not in heading
