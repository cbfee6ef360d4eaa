"""创新突破: leaders propose, HR confirms or rejects (audited); a confirmed achievement puts the
person on the award-candidate list; the promotion pool shows several years of record."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditEntry, Notification
from evaluations.annual import achievements
from evaluations.annual import services as annual
from evaluations.models import Achievement, AchievementState, AnnualGrade
from tests.factories import AchievementFactory, AnnualResultFactory, DepartmentFactory, UserFactory, VetoFlagFactory

YEAR = 2026


@pytest.fixture
def elsewhere(organisation, chief):
    """A department of the same organisation that ``leader`` does not supervise, and its member."""
    other_leader = UserFactory(organisation=organisation, department=None, roles=["supervising_leader"])
    department = DepartmentFactory(organisation=organisation, code="D002", supervising_leader=other_leader)
    return UserFactory(department=department, full_name="别科人员")


def propose(actor, person, title="首创“一窗通办”"):
    return achievements.achievement_propose(actor=actor, person=person, year=YEAR, title=title, description="说明")


def test_the_supervising_leader_proposes_for_a_person_of_their_department_and_hr_is_told(leader, staff, hr):
    achievement = propose(leader, staff)
    assert (achievement.state, achievement.proposed_by, achievement.department) == (
        AchievementState.PROPOSED,
        leader,
        staff.department,
    )
    assert AuditEntry.objects.filter(object_pk=str(achievement.pk), reason="提出创新突破").exists()
    assert Notification.objects.filter(recipient=hr, message__contains="创新突破").exists()


def test_a_leader_is_refused_for_a_person_of_a_department_they_do_not_supervise(leader, elsewhere):
    with pytest.raises(PermissionDenied):
        propose(leader, elsewhere)
    assert not Achievement.objects.exists()


def test_the_agency_head_proposes_for_anyone_of_the_organisation_but_not_of_another(chief, elsewhere, outsider):
    assert propose(chief, elsewhere).person == elsewhere
    with pytest.raises(PermissionDenied):
        propose(chief, outsider)


@pytest.mark.parametrize("persona", ["hr", "head", "staff", "inspector"])
def test_others_cannot_propose(request, staff, persona):
    with pytest.raises(PermissionDenied):
        propose(request.getfixturevalue(persona), staff)


def test_an_empty_title_is_refused(leader, staff):
    with pytest.raises(ValidationError):
        propose(leader, staff, title="  ")


def test_hr_confirms_and_the_change_is_audited_and_the_leader_told(leader, staff, hr):
    achievement = propose(leader, staff)
    decided = achievements.achievement_decide(actor=hr, achievement=achievement, confirm=True)
    assert (decided.state, decided.decided_by) == (AchievementState.CONFIRMED, hr)
    entry = AuditEntry.objects.filter(object_pk=str(achievement.pk), reason="确认创新突破").get()
    assert "confirmed" in str(entry.changes)
    assert Notification.objects.filter(recipient=leader, message__contains="已确认").exists()


def test_a_rejection_needs_a_reason_and_a_decided_achievement_is_not_decided_again(leader, staff, hr):
    achievement = propose(leader, staff)
    with pytest.raises(ValidationError):
        achievements.achievement_decide(actor=hr, achievement=achievement, confirm=False, note="")
    rejected = achievements.achievement_decide(actor=hr, achievement=achievement, confirm=False, note="属常规工作")
    assert rejected.state == AchievementState.REJECTED
    with pytest.raises(ValidationError):
        achievements.achievement_decide(actor=hr, achievement=achievement, confirm=True)


def test_only_hr_of_the_same_organisation_decides(leader, chief, staff, other_organisation):
    from accounts.models import Role

    achievement = propose(leader, staff)
    other_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    for actor in (leader, chief, other_hr):
        with pytest.raises(PermissionDenied):
            achievements.achievement_decide(actor=actor, achievement=achievement, confirm=True)


# --- The award list and the promotion pool ------------------------------------------------------


def _result(person, grade, year=YEAR):
    return AnnualResultFactory(person=person, year=year, suggested_grade=grade, decided_grade=grade)


def test_a_confirmed_achievement_puts_a_competent_person_on_the_award_list(organisation, department, staff):
    excellent, achiever, proposed, basic, vetoed = (UserFactory(department=department) for _ in range(5))
    _result(excellent, AnnualGrade.EXCELLENT)
    for person in (achiever, proposed, vetoed):
        _result(person, AnnualGrade.COMPETENT)
    _result(basic, AnnualGrade.BASICALLY_COMPETENT)
    for person in (achiever, basic, vetoed):
        AchievementFactory(person=person, state=AchievementState.CONFIRMED)
    AchievementFactory(person=proposed)  # not confirmed yet
    AchievementFactory(person=staff, state=AchievementState.CONFIRMED, year=YEAR - 1)  # another year
    _result(staff, AnnualGrade.COMPETENT)
    VetoFlagFactory(person=vetoed)

    lists = annual.annual_use_lists(organisation=organisation, year=YEAR)
    assert [row.person_id for row in lists.award] == [excellent.pk, achiever.pk]
    assert [row.person_id for row in lists.excellent] == [excellent.pk]


def test_the_promotion_pool_holds_two_years_of_excellent_with_the_earlier_years_of_record(organisation, department):
    twice, once = UserFactory(department=department), UserFactory(department=department)
    _result(twice, AnnualGrade.COMPETENT, YEAR - 3)
    _result(twice, AnnualGrade.EXCELLENT, YEAR - 1)
    _result(twice, AnnualGrade.EXCELLENT)
    _result(once, AnnualGrade.EXCELLENT)
    pool = list(annual.annual_use_lists(organisation=organisation, year=YEAR).promotion_pool)
    assert [row.person_id for row in pool] == [twice.pk]
    assert (pool[0].minus_3, pool[0].minus_2, pool[0].minus_1) == (AnnualGrade.COMPETENT, None, AnnualGrade.EXCELLENT)


def test_the_use_page_shows_the_pool_with_its_years(client_for, organisation, department, hr):
    twice = UserFactory(department=department, full_name="连优者")
    _result(twice, AnnualGrade.EXCELLENT, YEAR - 1)
    _result(twice, AnnualGrade.EXCELLENT)
    page = client_for(hr).get(reverse("evaluations:annual_use", args=[YEAR])).content.decode()
    pool = page[page.index('data-testid="promotion-pool"') :]
    assert "连优者" in pool and f"{YEAR - 3}年" in pool


# --- Pages ----------------------------------------------------------------------------------------


def test_the_leader_proposes_through_the_page_and_hr_confirms_through_it(client_for, leader, staff, hr):
    client = client_for(leader)
    url = reverse("evaluations:achievements", args=[YEAR])
    page = client.get(url).content.decode()
    assert 'data-testid="achievement-form"' in page
    # The site's person picker, with its search box and the person named as elsewhere (a user test).
    picker = (
        page.split('name="person"')[0].rsplit("<select", 1)[1] + page.split('name="person"')[1].split("</select>")[0]
    )
    assert (
        "data-person-picker" in picker
        and f"{staff.full_name}（{staff.employee_number}，{staff.department.name}）" in picker
    )
    response = client.post(
        reverse("evaluations:achievement_propose", args=[YEAR]),
        {"person": staff.pk, "title": "创新调解机制", "description": ""},
    )
    assert response.status_code == 302
    achievement = Achievement.objects.get()
    client = client_for(hr)
    assert "创新调解机制" in client.get(url).content.decode()
    client.post(reverse("evaluations:achievement_decide", args=[achievement.pk]), {"confirm": "1", "note": ""})
    achievement.refresh_from_db()
    assert achievement.state == AchievementState.CONFIRMED


def test_an_incomplete_proposal_is_shown_again_with_what_was_typed_and_why(client_for, leader, staff):
    url = reverse("evaluations:achievement_propose", args=[YEAR])
    response = client_for(leader).post(url, {"person": "", "title": "", "description": "打了很长的一段说明"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "请选择人员。" in page and "请填写创新突破事项。" in page and "打了很长的一段说明" in page
    assert 'aria-invalid="true"' in page and not Achievement.objects.exists()


def test_a_leader_posting_a_person_outside_their_departments_creates_nothing(client_for, leader, elsewhere):
    client_for(leader).post(
        reverse("evaluations:achievement_propose", args=[YEAR]), {"person": elsewhere.pk, "title": "越权"}
    )
    assert not Achievement.objects.exists()


def test_a_leader_sees_only_the_achievements_of_their_departments(client_for, leader, staff, chief, elsewhere):
    propose(chief, elsewhere, title="别科事项")
    propose(leader, staff, title="本科事项")
    page = client_for(leader).get(reverse("evaluations:achievements", args=[YEAR])).content.decode()
    assert "本科事项" in page and "别科事项" not in page


@pytest.mark.parametrize("persona", ["staff", "head", "inspector", "auditor"])
def test_others_are_refused_the_achievement_pages(request, client_for, leader, staff, persona):
    achievement = propose(leader, staff)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("evaluations:achievements", args=[YEAR])).status_code == 403
    assert client.post(reverse("evaluations:achievement_propose", args=[YEAR]), {}).status_code == 403
    decide = reverse("evaluations:achievement_decide", args=[achievement.pk])
    assert client.post(decide, {"confirm": "1"}).status_code == 403


def test_hr_of_another_organisation_gets_404_deciding_and_sees_nothing(client_for, leader, staff, other_organisation):
    from accounts.models import Role

    achievement = propose(leader, staff)
    other_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])
    client = client_for(other_hr)
    response = client.post(reverse("evaluations:achievement_decide", args=[achievement.pk]), {"confirm": "1"})
    assert response.status_code == 404
    assert "首创" not in client.get(reverse("evaluations:achievements", args=[YEAR])).content.decode()
    achievement.refresh_from_db()
    assert achievement.state == AchievementState.PROPOSED


def test_the_list_pages_with_the_same_queries_for_few_and_many(client_for, department, hr):
    client = client_for(hr)
    url = reverse("evaluations:achievements", args=[YEAR])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    AchievementFactory.create_batch(2, person=UserFactory(department=department))
    few = queries()
    # Sixty rows (more than a page) of six people, proposed by two people: each row still reads its
    # own person and proposer, without a new account pair per row.
    people = [UserFactory(department=department) for _ in range(6)]
    proposers = [AchievementFactory(person=person).proposed_by for person in people[:2]]
    for i in range(58):
        AchievementFactory(person=people[i % 6], proposed_by=proposers[i % 2])
    assert queries() == few
    assert "第 1 / 2 页" in client.get(url).content.decode()


# --- No self-dealing --------------------------------------------------------------------------------


def test_nobody_proposes_an_achievement_for_themselves(organisation, department, chief):
    from accounts.models import Role

    chief.department = department
    chief.save()
    own_leader = UserFactory(organisation=organisation, department=department, roles=[Role.SUPERVISING_LEADER])
    department.supervising_leader = own_leader
    department.save()
    for actor in (chief, own_leader):
        with pytest.raises(PermissionDenied):
            propose(actor, actor)
        assert actor not in achievements.proposable_people(actor=actor)
    assert not Achievement.objects.exists()
    # Each may still propose the other.
    assert propose(chief, own_leader).person == own_leader


def test_hr_cannot_confirm_an_achievement_of_their_own_but_another_hr_person_can(
    organisation, department, chief, hr, client_for
):
    from accounts.models import Role

    hr.department = department
    hr.save()
    achievement = propose(chief, hr)
    with pytest.raises(PermissionDenied):
        achievements.achievement_decide(actor=hr, achievement=achievement, confirm=True)
    response = client_for(hr).post(
        reverse("evaluations:achievement_decide", args=[achievement.pk]), {"confirm": "1", "note": ""}
    )
    assert response.status_code == 403
    achievement.refresh_from_db()
    assert achievement.state == AchievementState.PROPOSED
    second = UserFactory(organisation=organisation, department=None, roles=[Role.HR_ADMIN])
    assert achievements.achievement_decide(actor=second, achievement=achievement, confirm=True).decided_by == second


def test_hr_who_proposed_an_achievement_as_a_leader_cannot_confirm_it(organisation, department, staff, hr):
    from accounts.models import Role
    from accounts.services import role_grant

    role_grant(user=hr, role=Role.AGENCY_HEAD)
    hr.__dict__.pop("roles", None)
    achievement = propose(hr, staff)
    with pytest.raises(PermissionDenied):
        achievements.achievement_decide(actor=hr, achievement=achievement, confirm=True)


def test_hr_sees_no_confirm_buttons_on_their_own_achievement_but_on_a_colleagues(
    organisation, department, chief, hr, staff, client_for
):
    hr.department = department
    hr.save()
    own = propose(chief, hr, title="本人的创新")
    other = propose(chief, staff, title="同事的创新")
    page = client_for(hr).get(reverse("evaluations:achievements", args=[own.year])).content.decode()
    assert reverse("evaluations:achievement_decide", args=[other.pk]) in page
    assert reverse("evaluations:achievement_decide", args=[own.pk]) not in page
    assert page.count('data-testid="achievement-decide"') == 1


def test_hr_is_told_before_confirming_that_the_person_holds_a_veto(client_for, leader, staff, colleague, hr):
    """A user test: HR confirmed a 创新突破 of someone with a veto of the year with no hint, and the
    person was then silently left off the award list."""
    propose(leader, staff)
    propose(leader, colleague)
    VetoFlagFactory(person=staff, year=YEAR)
    url = reverse("evaluations:achievements", args=[YEAR])
    rows = client_for(hr).get(url).content.decode().split('data-testid="achievement"')[1:]
    [vetoed] = [row for row in rows if staff.full_name in row]
    [clear] = [row for row in rows if colleague.full_name in row]
    assert 'data-testid="achievement-vetoed"' in vetoed and "确认后不进入评先树优名单" in vetoed
    assert 'data-testid="achievement-vetoed"' not in clear
    # Who holds a veto is for those who see veto flags: not the proposing leader.
    assert 'data-testid="achievement-vetoed"' not in client_for(leader).get(url).content.decode()
