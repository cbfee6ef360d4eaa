"""The committee's annual list when it shows nobody: a filter that matches no one says so; only a
year without results asks for 重新计算."""

from datetime import date

from django.urls import reverse

from tests.factories import AnnualResultFactory

YEAR = 2026
RECOMPUTE_HINT = "请先“重新计算”"


def _empty_row(client, **query) -> str:
    response = client.get(reverse("evaluations:annual", args=[YEAR]), query)
    assert response.status_code == 200 and not response.context["page"]
    return response.content.decode().split('data-testid="annual-empty">', 1)[1].split("</td>", 1)[0]


def test_a_search_that_matches_nobody_says_so_and_does_not_ask_to_recompute(client_for, hr, staff, colleague):
    for person in (staff, colleague):
        AnnualResultFactory(person=person, year=YEAR)

    row = _empty_row(client_for(hr), q="王保洁")

    assert row == "没有符合条件的人员。"
    assert RECOMPUTE_HINT not in row


def test_a_year_without_results_still_asks_to_recompute(client_for, hr, staff):
    AnnualResultFactory(person=staff, year=YEAR - 1)

    assert RECOMPUTE_HINT in _empty_row(client_for(hr))
    assert RECOMPUTE_HINT in _empty_row(client_for(hr), q="王保洁")


def test_a_year_none_of_whose_quarters_has_ended_says_so_instead_of_asking_to_recompute(client_for, hr, settings):
    # A user test in January 2027: the 2027 list asked for 重新计算, which found nobody, and asked again.
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    response = client_for(hr).get(reverse("evaluations:annual", args=[2027]))
    row = response.content.decode().split('data-testid="annual-empty">', 1)[1].split("</td>", 1)[0]
    assert row == "2027年尚无结束的季度，暂无年度考核结果。"
    settings.APPRAISAL_TODAY = date(2027, 4, 1)
    assert RECOMPUTE_HINT in client_for(hr).get(reverse("evaluations:annual", args=[2027])).content.decode()


def test_a_year_before_the_organisation_began_in_the_system_offers_no_recompute(client_for, hr, organisation):
    """A user test: a new agency (started 2027) pressed 重新计算 on 2026, was told 0 people were
    computed and asked to press it again."""
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(started_on=date(2027, 1, 6))
    client = client_for(hr)
    row = _empty_row(client)
    assert row == "2026年在本单位系统启用日期（2027-01-06）之前结束，无需在系统中进行年度考核。"
    assert 'data-testid="recompute"' not in client.get(reverse("evaluations:annual", args=[YEAR])).content.decode()
