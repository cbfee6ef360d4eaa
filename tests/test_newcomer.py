"""A newcomer (入职、调入) owes nothing of the periods that ended before they began.

A user test: 张三, added on 5 December, was told on his first sign-in that his fourth-quarter targets
were overdue (10-10) and that the summaries of August to October were owed; the summaries page
listed every month of the year as 已逾期, the targets he handed in that day were stamped 逾期提交,
the roster and the grading page showed him missing October and November, and the quarter could not
be approved without them. ``User.appraisal_start`` (参加考核日期) now stands in for the
organisation's start for him (``accounts.periods.person_policy``)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import periods, services
from accounts.models import Policy, User
from accounts.workflow import ReviewStatus
from evaluations.grading.services.grading import appraisal_quarter_open, approval_blockers
from evaluations.models import AppraisalQuarter
from summaries import services as summaries
from summaries.models import MonthlySummary
from targets import services as targets
from tests.accounts.helpers import post_new_person
from tests.factories import MonthlySummaryFactory, TargetItemFactory, TargetSetFactory, UserFactory
from tests.support.clock import movable_today
from tests.support.home import todo

START = date(2026, 12, 5)


@pytest.fixture
def today(monkeypatch):
    return movable_today(monkeypatch, START)


@pytest.fixture
def newcomer(department, head, today):
    return UserFactory(department=department, full_name="张三", appraisal_start=START)


def test_the_newcomers_home_asks_nothing_of_the_months_and_quarter_before_they_began(client_for, newcomer, staff):
    home = client_for(newcomer).get("/").content.decode()

    assert todo(home, "summaries-owed") is None
    assert todo(home, "last-quarter") is None
    # This quarter's targets are due, with the usual lead time from the day they began (10 days).
    assert "2026年第4季度目标待提交（12月14日截止）" in home
    # Someone in the organisation from the start still owes them.
    others = client_for(staff).get("/").content.decode()
    assert todo(others, "summaries-owed") and "目标已逾期未提交（10月10日截止）" in others


def test_the_newcomers_summaries_page_lists_no_month_before_they_began_as_overdue(client_for, newcomer):
    page = client_for(newcomer).get(reverse("summaries:list"), {"year": 2026}).content.decode()

    assert "已逾期" not in page


def test_targets_the_newcomer_hands_in_on_their_first_days_are_not_late(newcomer):
    target_set = TargetSetFactory(owner=newcomer, year=2026, quarter=4)
    TargetItemFactory(target_set=target_set)

    targets.target_set_submit(target_set=target_set, actor=newcomer, version=target_set.version)

    target_set.refresh_from_db()
    assert target_set.submitted_at is not None and not target_set.is_late


def test_the_roster_says_nothing_was_due_from_the_newcomer_before_they_began(client_for, hr, newcomer, staff):
    MonthlySummaryFactory(owner=newcomer, year=2026, month=11)  # a draft of a month he did not owe
    body = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11}).content.decode()

    row = next(part for part in body.split('data-testid="roster-row"')[1:] if "张三" in part)
    assert "无需填报" in row.split("</tr>")[0] and 'data-testid="summary-overdue"' not in row.split("</tr>")[0]
    # Not counted missing, nor listed among those who have not handed in.
    missing = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11, "show": "not_submitted"})
    assert "张三" not in missing.content.decode() and staff.full_name in missing.content.decode()


def test_the_quarter_asks_the_newcomer_only_for_what_was_due_after_they_began(
    client_for, organisation, hr, head, newcomer, staff, monkeypatch
):
    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 10, 1))
    movable_today(monkeypatch, date(2027, 1, 6))
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    quarter = AppraisalQuarter.objects.get(organisation=organisation, year=2026, quarter=4)
    for person in (newcomer, staff):
        MonthlySummaryFactory(owner=person, year=2026, month=12, submitted=True)
    MonthlySummaryFactory(owner=newcomer, year=2026, month=11)  # a draft of a month he did not owe

    blockers = " ".join(str(b) for b in approval_blockers(appraisal_quarter=quarter))
    names = [name for blocker in approval_blockers(appraisal_quarter=quarter) for _pk, name in blocker.people]

    assert "张三" in names  # December's targets are his: still not handed in
    summaries = next(b for b in approval_blockers(appraisal_quarter=quarter) if "小结" in str(b))
    # The head wrote nothing; 科员甲 wrote only December's; 张三 owed only December's, handed in.
    # Each name says which months are missing.
    assert sorted(name for _pk, name in summaries.people) == sorted(
        [f"{head.full_name}（10、11、12月）", f"{staff.full_name}（10、11月）"]
    ), blockers
    # The grading page's facts say October and November asked nothing of him.
    grading = client_for(head).get(reverse("evaluations:grading")).content.decode()
    his = grading.split("张三", 1)[1].split('data-testid="grade-row"', 1)[0]
    assert his.count("无需填报") == 2


def test_his_start_moved_later_takes_back_what_was_asked_of_him_in_an_open_quarter(
    organisation, hr, department, head, monkeypatch
):
    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 10, 1))
    movable_today(monkeypatch, date(2027, 1, 6))
    late = UserFactory(department=department, full_name="李四")
    appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)
    quarter = AppraisalQuarter.objects.get(organisation=organisation, year=2026, quarter=4)

    def people_lacking(kind: str) -> list[str]:
        found = [b for b in approval_blockers(appraisal_quarter=quarter) if kind in str(b)]
        return [name for b in found for _pk, name in b.people]

    assert "李四（10、11、12月）" in people_lacking("小结")
    late.appraisal_start = date(2027, 1, 4)
    late.save()
    assert not [name for name in people_lacking("小结") + people_lacking("目标") if name.startswith("李四")]


def test_a_new_persons_form_offers_today_and_refuses_an_implausible_start(client_for, hr, department, today):
    page = client_for(hr).get(reverse("accounts:staff_create")).content.decode()
    assert 'name="appraisal_start"' in page and 'value="2026-12-05"' in page

    response = client_for(hr).post(
        reverse("accounts:staff_create"),
        {
            "username": "newbie",
            "full_name": "王五",
            "employee_number": "N001",
            "department": department.pk,
            "staff_type": "civil_servant",
            "position_category": "general",
            "appraisal_start": "2062-12-05",
        },
    )

    assert response.status_code == 200
    assert "参加考核日期须在2025年至2027年之间（现为2062-12-05）" in response.content.decode()
    assert not User.objects.filter(username="newbie").exists()
    assert periods.person_policy(Policy(started_on=None), UserFactory.build(appraisal_start=START)).started_on == START


def test_a_quarter_that_ended_before_the_newcomer_began_is_not_theirs_to_be_graded_in(
    organisation, department, head, staff, monkeypatch
):
    """The review: a transfer-in of 4 January was given a grade row of the fourth quarter, so the
    head was asked to grade them and they counted in its 好 places."""
    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 10, 1))
    movable_today(monkeypatch, date(2027, 1, 6))
    UserFactory(department=department, full_name="李四", appraisal_start=date(2027, 1, 4))

    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=4)

    assert "李四" not in set(quarter.grades.values_list("person__full_name", flat=True))
    assert staff.full_name in set(quarter.grades.values_list("person__full_name", flat=True))


def test_the_summaries_page_offers_the_newcomer_their_first_month_not_the_one_before(client_for, department, head):
    newcomer = UserFactory(department=department, full_name="王五", appraisal_start=date(2026, 12, 1))
    with pytest.MonkeyPatch.context() as patch:
        movable_today(patch, date(2026, 12, 1))
        page = client_for(newcomer).get(reverse("summaries:list")).content.decode()

    assert 'data-testid="write-this-month" data-month="12"' in page
    assert "参加考核前，无需填写" in page


def test_an_old_start_does_not_stop_hr_editing_the_person_nor_may_the_system_administrator_set_it(
    client_for, hr, sysadmin, department, head, monkeypatch
):
    person = UserFactory(department=department, full_name="赵六", appraisal_start=date(2024, 3, 1))
    movable_today(monkeypatch, date(2026, 12, 5))
    edit = reverse("accounts:staff_edit", args=[person.pk])
    form = client_for(hr).get(edit).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data.update(email="zhao@example.com", appraisal_start="2024-03-01")

    assert client_for(hr).post(edit, data).status_code == 302
    person.refresh_from_db()
    assert (person.email, person.appraisal_start) == ("zhao@example.com", date(2024, 3, 1))
    # Moved, HR is told what it changes.
    moved = client_for(hr).post(edit, {**data, "appraisal_start": "2026-12-01"}, follow=True).content.decode()
    assert "参加考核日期改为2026-12-01：此前结束的季度、月份不再要求其填报目标和小结" in moved
    # 三员分立: from when someone is asked for targets and summaries is HR's to say.
    assert "appraisal_start" not in client_for(sysadmin).get(edit).context["form"].fields


def test_the_newcomer_cannot_start_a_summary_of_a_month_before_they_began(client_for, newcomer):

    page = client_for(newcomer).post(reverse("summaries:start"), {"year": 2026, "month": 11}, follow=True)

    assert "2026年11月在您参加考核（2026-12-05）之前结束，无需填写月小结。" in page.content.decode()
    assert not MonthlySummary.objects.filter(owner=newcomer).exists()
    with pytest.raises(ValidationError, match="之前结束，无需填写月小结"):
        summaries.summary_get_or_create(owner=newcomer, year=2026, month=10)
    # The month he began in is his.
    assert summaries.summary_get_or_create(owner=newcomer, year=2026, month=12).month == 12


def test_a_draft_of_a_month_the_newcomer_did_not_owe_is_not_handed_in_nor_offered_a_form(client_for, newcomer):

    # Started before HR set his 参加考核日期 (or before the rule): a month he did not owe.
    draft = MonthlySummaryFactory(owner=newcomer, year=2026, month=11, other_work="十一月的工作")

    with pytest.raises(ValidationError, match="2026年11月在您参加考核（2026-12-05）之前结束"):
        summaries.summary_submit(summary=draft, actor=newcomer)
    detail = client_for(newcomer).get(reverse("summaries:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="not-owed"' in detail and "无需填写月小结" in detail
    assert "data-autosave-form" not in detail and 'value="submit"' not in detail
    # Sent from a page opened before: refused, and it does not count as handed in.
    sent = client_for(newcomer).post(
        reverse("summaries:detail", args=[draft.pk]),
        {"version": draft.version, "other_work": "十一月的工作", "action": "submit"},
    )
    assert "2026年11月在您参加考核（2026-12-05）之前结束，无需填写月小结。" in sent.content.decode()
    draft = MonthlySummary.objects.get(pk=draft.pk)
    assert (draft.status, draft.submitted_at) == (ReviewStatus.DRAFT, None)
    listed = client_for(newcomer).get(reverse("summaries:list"), {"year": 2026}).content.decode()
    month = listed.split('data-testid="month-11"', 1)[1].split("</li>", 1)[0]
    assert "查看" in month and "填写</a>" not in month


def test_the_summaries_page_offers_no_form_for_this_month_to_someone_beginning_next_month(client_for, department, head):
    later = UserFactory(department=department, full_name="钱七", appraisal_start=date(2027, 1, 4))
    with pytest.MonkeyPatch.context() as patch:
        movable_today(patch, START)
        page = client_for(later).get(reverse("summaries:list")).content.decode()

    assert 'data-testid="write-this-month"' not in page
    assert f'action="{reverse("summaries:start")}"' not in page and "参加考核前，无需填写" in page


def test_someone_in_the_organisation_from_the_start_still_writes_and_hands_in_the_months_before(staff, today):

    summary = summaries.summary_get_or_create(owner=staff, year=2026, month=11)
    summary.other_work = "十一月的工作"
    summary.save()

    assert summaries.summary_submit(summary=summary, actor=staff).submitted_at is not None


def test_a_person_the_system_administrator_creates_takes_part_from_that_day_as_one_hr_creates(
    client_for, sysadmin, hr, department, head, staff, today
):
    """A user test: the system administrator's form has no 参加考核日期, so the person it created
    counted from the organisation's start — on their first day six summaries overdue, the quarter's
    targets asked for, and 逾期 on HR's roster — where one HR created the same day showed 无需填报."""
    assert "appraisal_start" not in client_for(sysadmin).get(reverse("accounts:staff_create")).context["form"].fields
    post_new_person(client_for(sysadmin), department, username="by_sysadmin", employee_number="N101", full_name="张三")
    person = User.objects.get(username="by_sysadmin")

    assert person.appraisal_start == START
    home = client_for(person).get("/").content.decode()
    assert todo(home, "summaries-owed") is None and todo(home, "last-quarter") is None
    # November ended before they came: its roster, by the department history, does not list them.
    roster = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11}).content.decode()
    assert "张三" not in roster
    roster = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 12}).content.decode()
    row = next(part for part in roster.split('data-testid="roster-row"')[1:] if "张三" in part).split("</tr>")[0]
    assert "张三" in row and 'data-testid="summary-overdue"' not in row


def test_the_service_starts_a_new_person_on_the_day_unless_told_otherwise(organisation, department, today):
    def create(number: str, **start):
        return services.staff_create(
            organisation=organisation,
            username=number,
            full_name="新人",
            department=department,
            employee_number=number,
            **start,
        )[0]

    assert create("N201").appraisal_start == START
    # HR's form may clear the date (from the organisation's start) or give another.
    assert create("N202", appraisal_start=None).appraisal_start is None
    assert create("N203", appraisal_start=date(2026, 11, 2)).appraisal_start == date(2026, 11, 2)
