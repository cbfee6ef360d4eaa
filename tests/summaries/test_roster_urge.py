"""催交 on the roster (a user test: HR found who had not handed in November's summary and then had
nothing to do but chase them by WeChat): a confirmation naming whom it tells, a notice to each of
them in the sender's name, once a day, only within the sender's departments."""

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Notification, StaffStatusKind
from accounts.workflow import ReviewStatus
from tests.factories import DepartmentFactory, MonthlySummaryFactory, StaffStatusFactory, TargetSetFactory, UserFactory

QUERY = "year=2026&month=11"


@pytest.fixture(autouse=True)
def december(settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 8)  # November's summaries were due on 5 December


@pytest.fixture
def team(department, head, staff, colleague):
    """staff handed in November's summary and the fourth quarter's targets; the colleague's summary
    was returned and they have no targets; the head has neither; one more is seconded out for
    November, another on long leave today."""
    MonthlySummaryFactory(owner=staff, year=2026, month=11, submitted=True)
    TargetSetFactory(owner=staff, year=2026, quarter=4, status=ReviewStatus.APPROVED)
    MonthlySummaryFactory(owner=colleague, year=2026, month=11, status=ReviewStatus.RETURNED)
    TargetSetFactory(owner=head, year=2026, quarter=4, status=ReviewStatus.DRAFT)
    seconded = UserFactory(department=department, full_name="挂职人")
    StaffStatusFactory(user=seconded, kind=StaffStatusKind.SECONDED, start_date=date(2026, 10, 1))
    away = UserFactory(department=department, full_name="休假人")
    StaffStatusFactory(user=away, kind=StaffStatusKind.LONG_LEAVE, start_date=date(2026, 12, 1))
    return {"seconded": seconded, "away": away}


def _told(person):
    return list(Notification.objects.filter(recipient=person).values_list("message", "url"))


def test_hr_urges_whoever_owes_the_months_summary_or_the_quarters_targets_after_a_confirmation(
    client_for, hr, head, staff, colleague, team
):
    client = client_for(hr)
    roster = client.get(f"{reverse('roster')}?{QUERY}").content.decode()
    assert f'href="{reverse("roster_urge")}?{QUERY.replace("&", "&amp;")}" data-testid="roster-urge"' in roster

    page = client.get(f"{reverse('roster_urge')}?{QUERY}")
    body = page.content.decode()
    # The GET asks, naming them; it tells nobody.
    assert page.status_code == 200 and not Notification.objects.exists()
    owing = "、".join(person.get_full_name() for person in (head, colleague))
    assert f"2026年11月工作小结（2人）：{owing}" in body and f"2026年第4季度目标（2人）：{owing}" in body
    for excused in (staff, team["seconded"], team["away"]):
        assert excused.get_full_name() not in body

    response = client.post(f"{reverse('roster_urge')}?{QUERY}", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('roster')}?{QUERY}"
    assert "已发送催交提醒：月小结2人，季度目标2人" in response.content.decode()
    sender = hr.get_full_name()
    assert sorted(_told(colleague)) == [
        (f"{sender}提醒您：请尽快提交2026年11月工作小结。", "/summaries/"),
        (f"{sender}提醒您：请尽快提交2026年第4季度目标。", "/targets/"),
    ]
    assert _told(staff) == [] and _told(team["seconded"]) == [] and _told(team["away"]) == []

    # Pressed again the same day: nobody is told twice.
    again = client.post(f"{reverse('roster_urge')}?{QUERY}", follow=True).content.decode()
    assert "已发送催交提醒：月小结0人，季度目标0人" in again
    assert len(_told(colleague)) == 2


def test_a_head_urges_only_their_own_department(client_for, organisation, head, colleague, team):
    elsewhere = DepartmentFactory(organisation=organisation, name="财务科")
    other = UserFactory(department=elsewhere, full_name="别的科室")
    client = client_for(head)
    # Asking for the other department by its id finds nobody the head may urge.
    page = client.get(f"{reverse('roster_urge')}?{QUERY}&department={elsewhere.pk}").content.decode()
    assert "没有需要催交的人员" in page and "发送提醒" not in page
    client.post(f"{reverse('roster_urge')}?{QUERY}&department={elsewhere.pk}")
    client.post(f"{reverse('roster_urge')}?{QUERY}")
    assert _told(other) == []
    assert _told(colleague)


def test_staff_may_not_urge(client_for, staff, colleague, team):
    assert client_for(staff).get(f"{reverse('roster_urge')}?{QUERY}").status_code == 403
    assert client_for(staff).post(f"{reverse('roster_urge')}?{QUERY}").status_code == 403
    assert not Notification.objects.exists()


def test_a_month_not_yet_over_is_not_urged_and_nobody_owing_offers_no_button(
    client_for, settings, hr, head, staff, colleague
):
    """On 8 December December's summary is not yet due: only the quarter's targets are urged; with
    those handed in, the roster offers no 催交 and its page says there is nobody to urge."""
    for person in (head, staff, colleague):
        TargetSetFactory(owner=person, year=2026, quarter=4, status=ReviewStatus.SUBMITTED)
    client = client_for(hr)
    query = "year=2026&month=12"
    assert 'data-testid="roster-urge"' not in client.get(f"{reverse('roster')}?{query}").content.decode()
    page = client.get(f"{reverse('roster_urge')}?{query}").content.decode()
    assert "没有需要催交的人员" in page
    client.post(f"{reverse('roster_urge')}?{query}")
    assert not Notification.objects.exists()
