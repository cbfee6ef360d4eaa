"""The home page: every role's own to-dos with counts, the period actually due first, and a cost
that does not grow with the organisation."""

from datetime import date

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Policy, User
from accounts.workflow import ReviewStatus
from evaluations.grading.services.grading import appraisal_quarter_open, approval_blockers, grade_assign
from evaluations.models import AppraisalQuarter, Grade, QuarterState
from summaries.models import MonthlySummary
from summaries.selectors import summary_month_due
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    InspectionFactory,
    MonthlySummaryFactory,
    PeriodLockFactory,
    SatisfactionScoreFactory,
    TargetItemFactory,
    TargetSetFactory,
    UserFactory,
)
from tests.support.clock import movable_today
from tests.support.home import todo, todo_link

HOME = "/"


@pytest.fixture
def today(monkeypatch):
    """1 December 2026: November's summary is due on the 5th."""
    return movable_today(monkeypatch, date(2026, 12, 1))


def page(client):
    return client.get(HOME).content.decode()


# --- The period due first -----------------------------------------------------------------------


def test_on_1_december_a_november_draft_comes_before_december(client_for, staff, today):
    MonthlySummaryFactory(owner=staff, year=2026, month=11)  # a draft
    client = client_for(staff)
    summaries = client.get(reverse("summaries:list")).content.decode()
    assert 'data-testid="write-this-month" data-month="11"' in summaries
    assert "继续填写11月小结" in summaries
    assert 'data-testid="my-summary" data-month="11"' in page(client)


def test_once_november_is_handed_in_december_is_offered(client_for, staff, today):
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    client = client_for(staff)
    assert 'data-testid="write-this-month" data-month="12"' in client.get(reverse("summaries:list")).content.decode()
    assert 'data-testid="my-summary" data-month="12"' in page(client)


def test_after_novembers_deadline_december_is_offered_and_november_shows_overdue(client_for, staff, today):
    today["value"] = date(2026, 12, 6)
    MonthlySummaryFactory(owner=staff, year=2026, month=11)
    summaries = client_for(staff).get(reverse("summaries:list")).content.decode()
    assert 'data-testid="write-this-month" data-month="12"' in summaries
    assert "已逾期" in summaries


def test_the_deadline_follows_the_policy(staff, organisation, today):
    Policy.objects.filter(organisation=organisation).update(summary_deadline_day=1)
    policy = Policy.objects.get(organisation=organisation)
    assert summary_month_due(owner=staff, today=date(2026, 12, 1), policy=policy).month == 11
    assert summary_month_due(owner=staff, today=date(2026, 12, 2), policy=policy).month == 12


def test_in_january_last_decembers_summary_comes_first(staff, organisation):
    policy = Policy.objects.get(organisation=organisation)
    due = summary_month_due(owner=staff, today=date(2027, 1, 3), policy=policy)
    assert (due.year, due.month, due.is_current) == (2026, 12, False)


# --- Every role's to-dos --------------------------------------------------------------------------


def test_the_summary_deadline_is_written_as_the_interface_language_writes_dates(client_for, staff, today):
    client = client_for(staff)
    my_summary = page(client).split('data-testid="my-summary"')[1].split("</p>")[0]
    assert "（12月5日截止）" in my_summary
    client.post(reverse("set_language"), {"language": "en", "next": HOME})
    my_summary = page(client).split('data-testid="my-summary"')[1].split("</p>")[0]
    assert "due Dec 5" in my_summary and "月" not in my_summary.split("due")[1]
    summaries = client.get(reverse("summaries:list")).content.decode()
    assert "due Dec 5" in summaries and "12月5日" not in summaries


def test_staff_are_asked_to_self_assess_last_quarters_targets_until_the_quarter_is_closed(
    client_for, staff, chief, organisation, today
):
    """1 December 2026: the third quarter has ended; its approved items wait for 完成/部分完成/未完成."""
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=3, status=ReviewStatus.APPROVED)
    first, _second = TargetItemFactory.create_batch(2, target_set=target_set)
    client = client_for(staff)
    html = page(client)
    assert todo(html, "last-quarter") == 2 and "2026年第3季度目标完成情况待自评" in html
    link = html.split('data-testid="todo-last-quarter">', 1)[1].split("</a>", 1)[0]
    assert f'<a href="{reverse("targets:detail", args=[target_set.pk])}">' in link
    first.completion = "done"
    first.save(update_fields=["completion"])
    assert todo(page(client), "last-quarter") == 1
    PeriodLockFactory(organisation=organisation, year=2026, quarter=3, locked_by=chief)
    assert todo(page(client), "last-quarter") is None  # approved and closed: nothing more to assess


def test_last_quarters_targets_never_written_are_a_to_do_and_can_still_be_written_late(
    client_for, staff, chief, organisation, today
):
    """1 December 2026: nothing was written for the third quarter (its grading cannot be approved
    without it): the home page asks for it, and 我的季度目标 offers to write it, late."""
    client = client_for(staff)
    html = page(client)
    assert todo(html, "last-quarter") == 1 and "2026年第3季度目标未提交，请补填（逾期仍可提交）" in html
    targets_page = client.get(reverse("targets:my_targets")).content.decode()
    assert 'data-testid="previous-quarter"' in targets_page and "补填2026年第3季度目标（逾期）" in targets_page
    response = client.post(reverse("targets:start"), {"period": "previous"})
    target_set = staff.target_sets.get()
    assert (target_set.year, target_set.quarter) == (2026, 3)
    assert response.url == reverse("targets:detail", args=[target_set.pk])
    assert todo(page(client), "last-quarter") == 1  # a draft: still to hand in
    assert 'data-testid="previous-quarter"' not in client.get(reverse("targets:my_targets")).content.decode()
    PeriodLockFactory(organisation=organisation, year=2026, quarter=3, locked_by=chief)
    assert todo(page(client), "last-quarter") is None


def test_staff_see_their_targets_and_summary_due(client_for, staff, today):
    html = page(client_for(staff))
    assert todo(html, "targets") == 1 and todo(html, "summary") == 1
    assert "11月小结待提交（12月5日截止）" in html
    TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    MonthlySummaryFactory(owner=staff, year=2026, month=12, submitted=True)
    html = page(client_for(staff))
    assert todo(html, "targets") is None and todo(html, "summary") is None


def test_a_draft_begun_is_linked_itself_and_one_not_begun_its_list(client_for, staff, today):
    # A user test: the to-do "12月小结待提交" opened the list, and one more tap opened the draft.
    html = page(client_for(staff))
    assert todo_link(html, "targets") == reverse("targets:my_targets")
    assert todo_link(html, "summary") == reverse("summaries:list")
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4)
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=11)
    html = page(client_for(staff))
    assert todo(html, "targets") == 1 and todo_link(html, "targets") == reverse("targets:detail", args=[target_set.pk])
    assert todo(html, "summary") == 1 and todo_link(html, "summary") == reverse("summaries:detail", args=[summary.pk])


def test_a_target_set_past_its_deadline_is_shown_as_overdue(client_for, staff, today):
    today["value"] = date(2026, 10, 10)  # the deadline day itself: still on time
    html = page(client_for(staff))
    assert todo(html, "targets") == 1 and "2026年第4季度目标待提交（10月10日截止）" in html
    today["value"] = date(2026, 10, 11)
    html = page(client_for(staff))
    assert todo(html, "targets") == 1 and "2026年第4季度目标已逾期未提交（10月10日截止）" in html
    TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    assert todo(page(client_for(staff)), "targets") is None


def test_a_returned_target_set_or_summary_is_shown_as_returned_to_rework(client_for, staff, today):
    from accounts.workflow import ReviewStatus

    today["value"] = date(2026, 10, 20)  # past the targets' deadline: the return is what matters now
    target_set = TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True, status=ReviewStatus.RETURNED)
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=10, submitted=True, status=ReviewStatus.RETURNED)
    html = page(client_for(staff))
    assert todo(html, "targets") == 1 and "2026年第4季度目标已退回，请修改后重新提交" in html
    assert "逾期未提交" not in html
    assert todo(html, "summary") == 1 and "10月小结已退回，请修改后重新提交" in html
    # Each leads to the returned document itself, where the reviewer's reason stands, not to its list.
    assert todo_link(html, "targets") == reverse("targets:detail", args=[target_set.pk])
    assert todo_link(html, "summary") == reverse("summaries:detail", args=[summary.pk])


def test_a_head_sees_items_to_review_and_people_to_grade(client_for, head, staff, colleague, organisation, today):
    TargetSetFactory(owner=staff, year=2026, quarter=4, submitted=True)
    MonthlySummaryFactory(owner=colleague, year=2026, month=11, submitted=True)
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    html = page(client_for(head))
    assert todo(html, "review") == 2
    assert todo(html, "grade") == 2
    grade_assign(grade_row=quarter.grades.get(person=staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    assert todo(page(client_for(head)), "grade") == 1


def test_a_leader_sees_grades_to_confirm(client_for, head, leader, staff, colleague, organisation, today):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    for person in (staff, colleague):
        grade_assign(grade_row=quarter.grades.get(person=person), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    html = page(client_for(leader))
    assert todo(html, "confirm") == 2
    assert todo(html, "grade") == 1  # the head, whom the leader grades


def test_the_agency_head_is_not_told_a_quarter_awaits_approval_while_it_is_still_being_graded(
    client_for, chief, head, organisation, staff, colleague, today
):
    """A user test: "待审批 1" on the home page, and "尚不能审批" with a disabled button behind it."""
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    html = page(client_for(chief)).replace("\n", "").replace("  ", "")
    assert ">2026年第3季度评鉴进行中，尚不能审批<" in html and "评鉴结果待审批" not in html
    # One quarter to approve, whatever stands in its way (a go-live test read the number of kinds
    # of obstacle, 3, beside the page's counts of people).
    assert len(approval_blockers(appraisal_quarter=quarter, with_names=False)) > 1
    assert todo(html, f"approve-{quarter.pk}") == 1


def test_once_everyone_is_graded_the_agency_head_is_told_what_staff_still_owe(
    client_for, chief, head, leader, organisation, staff, colleague, today
):
    """A user test: "评鉴进行中，尚不能审批" although every grade was confirmed; what stood in the
    way was the staff's December summaries, said only behind the link."""
    from evaluations.grading.services.documents import grade_documents_refresh
    from evaluations.grading.services.grading import grades_confirm_all
    from tests.factories import hand_in_quarter_inputs

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    hand_in_quarter_inputs(quarter)
    for row in quarter.grades.select_related("person"):
        grader = leader if row.person == head else head
        grade_assign(grade_row=row, actor=grader, grade=Grade.FAIRLY_GOOD, comment="认真")
    grades_confirm_all(appraisal_quarter=quarter, actor=leader)
    MonthlySummary.objects.filter(owner=staff, year=2026, month=9).delete()
    grade_documents_refresh(rows=quarter.grades.all())
    html = page(client_for(chief)).replace("\n", "").replace("  ", "")
    assert ">2026年第3季度评鉴已完成，尚不能审批：还有1人的月度小结未提交。<" in html
    # The discipline office's opinion awaited as well: said beside what staff owe, not 评鉴进行中.
    Policy.objects.filter(organisation=organisation).update(discipline_review_step=True)
    html = page(client_for(chief)).replace("\n", "").replace("  ", "")
    assert ">2026年第3季度评鉴已完成，尚不能审批：还有1人的月度小结未提交。须先取得纪委意见：" in html
    # Targets not approved as well: both said (a user test read one of two, under a count of 2).
    colleague.target_sets.filter(year=2026, quarter=3).update(status=ReviewStatus.SUBMITTED)
    grade_documents_refresh(rows=quarter.grades.all())
    html = page(client_for(chief)).replace("\n", "").replace("  ", "")
    assert "尚不能审批：还有1人的季度目标未审核通过。还有1人的月度小结未提交。须先取得纪委意见：" in html
    # In English the two sentences are apart.
    client = client_for(chief)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = page(client).replace("\n", "").replace("  ", "")
    assert "quarterly targets are not approved yet. 1 " in html


def test_the_agency_head_sees_quarters_awaiting_approval_and_the_committees_decisions(
    client_for, chief, organisation, staff, colleague, today
):
    ended = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3)
    AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4)  # not ended: nothing to approve yet
    # A quarter made without grade rows: its people joined after it (else the approval page names
    # them as not yet listed in it).
    User.objects.filter(organisation=organisation).update(appraisal_start=date(2026, 10, 1))
    AnnualResultFactory(person=staff, year=2026)
    AnnualResultFactory(person=colleague, year=2026, decided_grade="competent")
    html = page(client_for(chief))
    assert todo(html, f"approve-{ended.pk}") == 1
    assert reverse("evaluations:quarter_approve", args=[ended.pk]) in html
    # Named by its period alone (the organisation is the person's own).
    assert ">2026年第3季度评鉴结果待审批<" in html.replace("\n", "").replace("  ", "")
    assert "2026年第4季度评鉴结果待审批" not in html
    # The year cannot be decided while its quarters are not all approved: no to-do for it yet.
    assert todo(html, "annual-2026") is None
    ended.state = QuarterState.APPROVED
    ended.save()
    assert todo(page(client_for(chief)), f"approve-{ended.pk}") is None
    AppraisalQuarter.objects.filter(organisation=organisation, year=2026).update(state=QuarterState.APPROVED)
    assert todo(page(client_for(chief)), "annual-2026") == 1


def test_hr_sees_the_quarter_to_open_the_roll_up_and_the_survey(client_for, hr, organisation, staff, today):
    html = page(client_for(hr))
    assert todo(html, "open-quarter") == 1 and "2026年第3季度待开放评鉴" in html
    assert todo(html, "survey") == 1
    assert todo(html, "roll-up") is None
    AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3, state=QuarterState.APPROVED)
    SatisfactionScoreFactory(person=staff, year=2026, quarter=3)
    html = page(client_for(hr))
    assert todo(html, "open-quarter") is None and todo(html, "survey") is None
    assert todo(html, "roll-up") == 1


def test_hrs_counts_are_the_staff_lists_and_the_quarters_pages(
    client_for, hr, organisation, staff, colleague, leader, auditor, today
):
    """A user test read 在职人员 64 on HR's home page, 67 在职 on the staff list and 60 graded a
    quarter: the home page now says the staff list's number and, of them, who is graded."""
    from accounts.models import User
    from accounts.selectors import participants_of

    active = User.objects.filter(organisation=organisation, is_active=True).count()
    graded = participants_of(organisation=organisation).count()
    assert active > graded > 0  # hr, leader and the auditor are not graded
    assert f"在职人员 {active} 人，其中参加平时考核 {graded} 人" in page(client_for(hr))


def test_hr_has_no_survey_to_import_for_a_quarter_approved_without_one(client_for, hr, organisation, today):
    """A user test found 满意度测评结果待导入 on HR's home after the quarter was approved, where
    entering a score is refused: a to-do that could never be done."""
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3, state=QuarterState.OPEN)
    assert todo(page(client_for(hr)), "survey") == 1
    quarter.state = QuarterState.APPROVED
    quarter.save(update_fields=["state"])
    assert todo(page(client_for(hr)), "survey") is None


def test_an_inspector_sees_the_inspections_still_due_this_month(client_for, inspector, organisation, department, today):
    Policy.objects.filter(organisation=organisation).update(inspections_per_month=2)
    # Nobody takes part in the appraisal yet (a bureau that only oversees): no inspections owed.
    assert todo(page(client_for(inspector)), "inspections") is None
    UserFactory(department=department)
    assert todo(page(client_for(inspector)), "inspections") == 2
    InspectionFactory(inspector=inspector, date=date(2026, 12, 1))
    assert todo(page(client_for(inspector)), "inspections") == 1


@pytest.mark.parametrize("role", ["auditor", "sysadmin"])
def test_the_separated_roles_have_no_appraisal_to_dos(request, client_for, role, today):
    html = page(client_for(request.getfixturevalue(role)))
    assert 'data-testid="no-todos"' in html


# --- Cost ---------------------------------------------------------------------------------------


def _grow(organisation, department, n):
    for i in range(n):
        person = UserFactory(department=department, full_name=f"人员{i}")
        TargetSetFactory(owner=person, year=2026, quarter=4, submitted=True)
        MonthlySummaryFactory(owner=person, year=2026, month=11, submitted=True)
        AnnualResultFactory(person=person, year=2026)
        SatisfactionScoreFactory(person=person, year=2026, quarter=3)


@pytest.mark.parametrize("role", ["staff", "head", "leader", "chief", "hr", "inspector"])
def test_the_home_page_costs_the_same_queries_for_few_and_many_people(
    request, client_for, organisation, department, head, leader, role, today
):
    client = client_for(request.getfixturevalue(role))
    _grow(organisation, department, 2)
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        client.get(HOME)
    _grow(organisation, department, 20)
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    with CaptureQueriesContext(connection) as many:
        client.get(HOME)
    assert len(many.captured_queries) == len(few.captured_queries)


# --- HR: objections and 复核/申诉 cases ------------------------------------------------------------


def _published_quarter(organisation, hr, people):
    from evaluations.models import GradeState
    from publicity.publication.services import publication_open_quarter
    from tests.factories import QuarterGradeFactory

    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3, state=QuarterState.APPROVED)
    for person in people:
        QuarterGradeFactory(
            appraisal_quarter=quarter, person=person, grade=Grade.FAIRLY_GOOD, state=GradeState.CONFIRMED
        )
    return publication_open_quarter(actor=hr, appraisal_quarter=quarter)


def _object_to_all(publication, objector):
    from publicity.publication.services import objection_lodge

    return [
        objection_lodge(actor=objector, entry=entry, text="有异议")
        for entry in publication.entries.exclude(objections__isnull=False).exclude(person=objector)
    ]


def test_hr_sees_open_objections_until_answered(client_for, hr, organisation, staff, colleague, today):
    from publicity.publication.services import objection_accept, objection_answer, objection_verify

    publication = _published_quarter(organisation, hr, [staff, colleague])
    assert todo(page(client_for(hr)), "objections") is None
    [objection] = _object_to_all(publication, staff)
    html = page(client_for(hr))
    assert todo(html, "objections") == 1 and "待处理的异议" in html
    objection_accept(actor=hr, objection=objection)
    assert todo(page(client_for(hr)), "objections") == 1
    objection_verify(actor=hr, objection=objection, notes="已调阅季度目标。")
    assert todo(page(client_for(hr)), "objections") == 1
    objection_answer(actor=hr, objection=objection, answer="等次无误")
    assert todo(page(client_for(hr)), "objections") is None


def test_hr_sees_review_cases_whose_deadline_is_near(client_for, hr, organisation, staff, colleague, today):
    from evaluations.annual.models import AnnualGrade
    from publicity.publication.review_cases import review_case_open, review_case_request

    near = AnnualResultFactory(person=staff, year=2025, decided_grade=AnnualGrade.INCOMPETENT)
    far = AnnualResultFactory(person=colleague, year=2025, decided_grade=AnnualGrade.INCOMPETENT)
    # Told on 5 November: 30 days to ask end on 5 December, within the week's reminder.
    case = review_case_open(actor=hr, annual_result=near, notified_on=date(2026, 11, 5))
    review_case_open(actor=hr, annual_result=far, notified_on=date(2026, 11, 25))
    html = page(client_for(hr))
    assert todo(html, "review-cases") == 1 and "临近期限的复核申诉案件" in html
    review_case_request(actor=hr, case=case, requested_on=date(2026, 12, 1))  # 30 days to decide now
    assert todo(page(client_for(hr)), "review-cases") is None
    assert todo(page(client_for(staff)), "objections") is None


def test_hrs_home_page_costs_the_same_with_few_and_many_objections(
    client_for, hr, organisation, department, staff, today
):
    people = [UserFactory(department=department, full_name=f"人员{i}") for i in range(8)]
    publication = _published_quarter(organisation, hr, people)
    client = client_for(hr)
    for objection in _object_to_all(publication, staff)[2:]:
        objection.delete()
    client.get(HOME)
    with CaptureQueriesContext(connection) as few:
        assert todo(client.get(HOME).content.decode(), "objections") == 2
    _object_to_all(publication, staff)
    with CaptureQueriesContext(connection) as many:
        assert todo(client.get(HOME).content.decode(), "objections") == 8
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_home_page_reads_ones_own_target_set_and_summaries_once(client_for, staff, today):
    """The panel of this period and the to-dos show the same documents: one query each, not two."""
    TargetSetFactory(owner=staff, year=2026, quarter=4)
    client = client_for(staff)
    client.get(HOME)
    with CaptureQueriesContext(connection) as captured:
        client.get(HOME)
    tables = [query["sql"] for query in captured.captured_queries]
    assert sum('FROM "targets_targetset"' in sql for sql in tables) == 1
    assert sum('FROM "summaries_monthlysummary"' in sql for sql in tables) == 1
    # A person who heads and supervises no department: their own department only, no review scope
    # (held roles say who heads or supervises one) and no supervised departments' panel.
    assert sum('FROM "accounts_department"' in sql for sql in tables) == 1


def test_a_waiting_role_change_is_a_to_do_for_the_other_side_only(client_for, security_admin, hr, staff, today):
    """The security administrator asks for a grant (the bell tells HR once): HR's home page keeps it
    as a to-do until decided; the one who asked has nothing to do about it."""
    from accounts import services
    from accounts.models import Role

    [change] = services.roles_set(actor=security_admin, user=staff, roles={Role.STAFF, Role.INSPECTOR})
    hr_page = page(client_for(hr))
    assert todo(hr_page, "pending-changes") == 1
    assert 'href="/accounts/pending/"' in hr_page
    assert todo(page(client_for(security_admin)), "pending-changes") is None
    services.role_change_decide(actor=hr, change=change, confirm=True)
    assert todo(page(client_for(hr)), "pending-changes") is None


# --- An organisation that began in the system this week --------------------------------------


def test_nothing_before_the_organisations_start_in_the_system_is_due_or_late(
    client_for, staff, hr, organisation, today
):
    """An agency goes live on 1 December (Policy.started_on, set by create_organisation): its staff
    see no overdue months before it, the quarter's targets are due ten days from the start rather
    than on 10 October, and HR is not asked to grade or survey a quarter nobody worked in here."""
    from accounts import periods

    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 12, 1))
    policy = Policy.objects.get(organisation=organisation)
    assert periods.target_deadline(policy, periods.Quarter(2026, 4)) == date(2026, 12, 10)
    assert periods.target_deadline(policy, periods.Quarter(2027, 1)) == date(2027, 1, 10)
    assert not periods.is_due(policy, periods.Month(2026, 11)) and periods.is_due(policy, periods.Month(2026, 12))

    home = page(client_for(staff))
    assert "12月小结待提交" in home  # not November's, which ended before the start
    assert "2026年第4季度目标待提交（12月10日截止）" in home
    months = client_for(staff).get(reverse("summaries:list") + "?year=2026").content.decode()
    # January to November, before the start, are one line (summaries: months_before_start).
    november = months.split('data-testid="months-before-start"', 1)[1].split("</li>", 1)[0]
    assert "1月–11月" in november
    assert "系统启用前，无需填写" in november and "已逾期" not in november and "补写" not in november
    assert "已逾期" not in months
    hr_home = page(client_for(hr))
    assert todo(hr_home, "open-quarter") is None and todo(hr_home, "survey") is None
    roster = client_for(hr).get(reverse("roster") + "?year=2026&month=11").content.decode()
    assert 'data-testid="roster-before-start"' in roster
    counts = roster.split('data-testid="roster-counts"', 1)[1].split("</p>", 1)[0]
    assert "无需填报" in roster and "月小结未提交" not in counts
    # HR is not offered a quarter that ended before the start (and the service refuses it).
    quarters = client_for(hr).get(reverse("evaluations:quarters")).content.decode()
    assert "2026年第3季度在本单位系统启用日期（2026-12-01）之前结束" in quarters


def test_a_go_live_date_still_to_come_asks_nothing_yet(client_for, staff, organisation, today):
    Policy.objects.filter(organisation=organisation).update(started_on=date(2027, 1, 1))
    home = page(client_for(staff))
    assert todo(home, "targets") is None and todo(home, "summary") is None
    targets = client_for(staff).get(reverse("targets:my_targets")).content.decode()
    assert "本单位自2027年1月1日起在系统中考核，本季度目标无需提交" in targets


def test_the_agency_head_sees_where_the_quarter_and_the_year_stand(
    client_for, chief, head, staff, colleague, organisation, today
):
    """A new installation's agency head found an empty home page: now where the appraisal stands."""
    html = page(client_for(chief))
    assert 'data-testid="agency-progress"' in html and "尚未开放季度评鉴" in html
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3)
    grade_assign(grade_row=quarter.grades.get(person=staff), actor=head, grade=Grade.FAIRLY_GOOD, comment="认真")
    people = quarter.grades.count()
    html = page(client_for(chief))
    assert f"2026年第3季度 · 评鉴中：{people}人中已评鉴1人，已确认0人" in html
    assert 'data-testid="agency-progress"' not in page(client_for(staff))


def test_a_summary_owed_from_an_earlier_month_stays_a_to_do_in_the_new_month(client_for, staff, monkeypatch):
    """A user test on 8 January: December's summary, never handed in (and another returned), was
    on no to-do, since the month due had moved on to January."""
    from accounts.workflow import ReviewStatus

    movable_today(monkeypatch, date(2027, 1, 8))
    Policy.objects.filter(organisation=staff.organisation).update(started_on=date(2026, 10, 1))
    MonthlySummaryFactory(owner=staff, year=2026, month=10, submitted=True)
    returned = MonthlySummaryFactory(owner=staff, year=2026, month=11, status=ReviewStatus.RETURNED)
    html = page(client_for(staff))
    assert todo(html, "summaries-owed") == 1
    assert "以前月份未交的小结：2026年12月（过期仍可提交）" in html
    # The returned one is said apart, to rework, linked to itself (a user test read a summary
    # handed in on time and then returned as 未交).
    assert todo(html, "summaries-returned") == 1
    assert "以前月份被退回的小结：2026年11月（请修改后重新提交）" in html
    assert f'href="{reverse("summaries:detail", args=[returned.pk])}"' in html
    # Handed in late, it is done.
    MonthlySummaryFactory(owner=staff, year=2026, month=12, submitted=True)
    MonthlySummary.objects.filter(owner=staff, month=11).update(status=ReviewStatus.SUBMITTED)
    html = page(client_for(staff))
    assert todo(html, "summaries-owed") is None and todo(html, "summaries-returned") is None


def test_in_english_the_months_owed_read_as_an_english_list(client_for, staff, monkeypatch):
    """A user test: "…not handed in: 10/2026、9/2026、8/2026等 (late ones are still taken)"."""
    movable_today(monkeypatch, date(2027, 1, 8))
    Policy.objects.filter(organisation=staff.organisation).update(started_on=date(2026, 8, 1))
    client = client_for(staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    html = page(client)

    assert "12/2026, 11/2026, 10/2026 and more" in html
    assert "、" not in html.split('data-testid="todo-summaries-owed"', 1)[1].split("</li>", 1)[0]


def test_the_leaders_home_says_a_department_whose_head_left_has_nobody_to_grade_it(
    client_for, leader, head, department, today
):
    """A user test: HR deactivated a department's head; the leader's home still read 负责人 薛明伟,
    while the grading page waited for a head who could no longer grade."""
    assert 'data-testid="supervised-headless"' not in page(client_for(leader))
    head.is_active = False
    head.save(update_fields=["is_active"])
    html = page(client_for(leader))
    assert "（账号已停用）" in html and 'data-testid="supervised-headless"' in html


def test_the_agency_heads_label_does_not_say_ready_while_a_newcomer_is_not_listed(
    client_for, chief, organisation, staff, colleague, today
):
    """A re-test: the home page said 待审批 while the approval page named a participant not yet
    listed in the quarter (added after it opened)."""
    ended = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3)
    User.objects.filter(organisation=organisation).update(appraisal_start=date(2026, 10, 1))
    html = page(client_for(chief)).replace("\n", "").replace("  ", "")
    assert ">2026年第3季度评鉴结果待审批<" in html
    User.objects.filter(pk=staff.pk).update(appraisal_start=date(2026, 8, 1))  # due in Q3, no row in it
    html = page(client_for(chief)).replace("\n", "").replace("  ", "")
    # Everyone listed is graded: what stands in the way is said, as the approval page says it.
    assert ">2026年第3季度评鉴已完成，尚不能审批：科员甲参加平时考核，但尚未列入本季度评鉴" in html
    assert "评鉴结果待审批" not in html
    assert todo(html, f"approve-{ended.pk}") == 1
