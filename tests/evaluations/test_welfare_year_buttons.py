"""The year's page of the public-welfare assessment offers 开展本年度考核 and the one 民主测评 for
everyone at that step only while there is something left to do, says why when there is not, and a
second press (a page shown before the first went through) says the truth, not "0 people"."""

from datetime import date

import pytest
from django.urls import reverse

from evaluations.ballots.models import Ballot
from evaluations.welfare.models import WelfareAssessment, WelfareStage
from tests.factories import WelfareAssessmentFactory, WelfarePostFactory


@pytest.fixture(autouse=True)
def december(settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 1)


def _open_button(page: str) -> str:
    return page.split('data-testid="welfare-open"')[1].split(">")[0]


def test_opening_the_year_twice_says_everyone_is_in_already(client_for, hr, department):
    for name in ("保洁员甲", "保洁员乙"):
        WelfarePostFactory(person__department=department, person__full_name=name)
    client = client_for(hr)
    year_url = reverse("evaluations:welfare", args=[2026])
    open_url = reverse("evaluations:welfare_open", args=[2026])
    assert "disabled" not in _open_button(client.get(year_url).content.decode())
    first = client.post(open_url, follow=True).content.decode()
    assert "已为2名公益性岗位人员开展年度考核。" in first
    # Nothing is left to open: the button is off and the page says why.
    assert "disabled" in _open_button(first)
    said = "2026年度考核已为本单位全部2名公益性岗位人员开展，没有尚未纳入的人员。"
    assert first.split('data-testid="welfare-open-reason"')[1].split("</p>")[0].endswith(said)
    # Pressed again from a page shown earlier: the same reason, nothing made, no "0 people".
    second = client.post(open_url, follow=True).content.decode()
    assert said in second and "已为0名" not in second
    assert WelfareAssessment.objects.count() == 2
    # A worker taken on later is taken in by the button again.
    WelfarePostFactory(person__department=department, person__full_name="保洁员丙")
    page = client.get(year_url).content.decode()
    assert "disabled" not in _open_button(page) and 'data-testid="welfare-open-reason"' not in page


def test_a_unit_without_workers_is_told_to_record_their_posts_first(client_for, hr):
    page = client_for(hr).get(reverse("evaluations:welfare", args=[2026])).content.decode()
    assert "disabled" in _open_button(page) and "本单位没有在岗的公益性岗位人员" in page


def test_the_ballot_for_everyone_at_rating_is_offered_while_someone_waits_for_one(client_for, hr, head, department):
    for name in ("保洁员甲", "保洁员乙"):
        WelfareAssessmentFactory(
            post=WelfarePostFactory(person__department=department, person__full_name=name), stage=WelfareStage.RATING
        )
    client = client_for(hr)
    year_url = reverse("evaluations:welfare", args=[2026])
    ballot_url = reverse("evaluations:welfare_ballot_all", args=[2026])
    page = client.get(year_url).content.decode()
    assert 'data-testid="welfare-ballot-all"' in page
    # It opens a ballot and tells the raters at once: the browser asks first, naming how many.
    assert "将为民主测评环节的2人发起一次民主测评，并通知测评人。确定发起？" in page
    first = client.post(ballot_url, {"service_users": 2}, follow=True).content.decode()
    assert "已发起民主测评" in first
    # Both are on the ballot now, still at 民主测评: no button, and the reason instead.
    said = "处于民主测评环节的2人均已发起民主测评（2人测评中），无需重复发起"
    assert 'data-testid="welfare-ballot-all"' not in first and said in first
    second = client.post(ballot_url, {"service_users": 2}, follow=True).content.decode()
    assert said in second and "没有处于民主测评环节的人员" not in second
    assert Ballot.objects.count() == 1
