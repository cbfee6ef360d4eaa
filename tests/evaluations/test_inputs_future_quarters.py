"""A satisfaction score is for a quarter that has begun: the survey is taken as a quarter draws to
its end, so the current quarter is accepted and a later one refused, by hand and by Excel import
alike (the same service check). After an import, the result page's list link shows what it wrote."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluations.grading.services import inputs
from evaluations.models import SatisfactionScore, ServiceEvent
from tests.evaluations.test_inputs import EVENT_HEADER, SATISFACTION_HEADER, xlsx
from tests.factories import UserFactory

# The day of the user test: 2027 Q1 is the current quarter, 2026 Q4 has just ended.
TODAY = date(2027, 1, 5)


@pytest.fixture(autouse=True)
def clock(settings):
    settings.APPRAISAL_TODAY = TODAY


@pytest.fixture
def hr_client(client_for, hr):
    return client_for(hr)


def import_satisfaction(client, rows):
    return client.post(reverse("evaluations:satisfaction_import"), {"file": xlsx(rows, SATISFACTION_HEADER)})


def post_score(client, department, *, year, quarter):
    return client.post(
        reverse("evaluations:satisfaction_create"),
        {"year": year, "quarter": quarter, "department": department.pk, "score": "90"},
    )


# --- By hand --------------------------------------------------------------------------------


def test_the_form_refuses_a_score_for_a_quarter_that_has_not_begun(hr_client, department):
    response = post_score(hr_client, department, year=2027, quarter=2)

    assert response.status_code == 200
    assert response.context["form"].errors["quarter"] == ["2027年第2季度尚未开始，不能录入满意度得分。"]
    assert not SatisfactionScore.objects.exists()


def test_the_service_refuses_a_score_for_a_later_year(hr, department):
    with pytest.raises(ValidationError, match="2030年第2季度尚未开始") as error:
        inputs.satisfaction_save(
            score=SatisfactionScore(year=2030, quarter=2, department=department, score=Decimal("90")), entered_by=hr
        )
    assert "quarter" in error.value.message_dict
    assert not SatisfactionScore.objects.exists()


def test_the_current_quarter_is_accepted_to_its_last_day_and_the_next_from_its_first(settings, hr_client, department):
    settings.APPRAISAL_TODAY = date(2027, 3, 31)
    assert post_score(hr_client, department, year=2027, quarter=1).status_code == 302
    refused = post_score(hr_client, department, year=2027, quarter=2)
    assert refused.context["form"].errors["quarter"] == ["2027年第2季度尚未开始，不能录入满意度得分。"]

    settings.APPRAISAL_TODAY = date(2027, 4, 1)
    assert post_score(hr_client, department, year=2027, quarter=2).status_code == 302
    assert sorted(SatisfactionScore.objects.values_list("year", "quarter")) == [(2027, 1), (2027, 2)]


# --- By Excel import ------------------------------------------------------------------------


def test_the_import_names_each_row_of_a_quarter_not_begun_and_imports_nothing(hr_client, department, staff):
    rows = [
        [2026, 4, "办公室", None, 90],
        [2027, 1, None, staff.employee_number, 95],  # the current quarter
        [2027, 4, None, staff.employee_number, 91],
        [2030, 2, "办公室", None, 92],
    ]

    response = import_satisfaction(hr_client, rows)

    assert response.context["errors"] == [
        "第4行：2027年第4季度尚未开始，不能录入满意度得分。",
        "第5行：2030年第2季度尚未开始，不能录入满意度得分。",
    ]
    assert not SatisfactionScore.objects.exists()

    result = import_satisfaction(hr_client, rows[:2]).context["result"]
    assert result.created == 2
    assert sorted(SatisfactionScore.objects.values_list("year", "quarter")) == [(2026, 4), (2027, 1)]


def test_after_an_import_of_one_quarter_the_list_link_shows_its_rows(hr_client, department):
    people = [UserFactory(department=department) for _ in range(8)]
    rows = [[2026, 4, None, person.employee_number, 90 + i] for i, person in enumerate(people)]

    response = import_satisfaction(hr_client, rows)

    assert response.context["result"].created == 8
    list_url = response.context["list_url"]
    assert list_url == reverse("evaluations:satisfaction_list") + "?year=2026&quarter=4"
    assert list_url.replace("&", "&amp;") in response.content.decode()
    assert "查看2026年第4季度的列表" in response.content.decode()
    listed = hr_client.get(list_url)
    assert {score.person for score in listed.context["page"]} == set(people)


@pytest.mark.parametrize(
    ("rows", "query"),
    [
        # Two quarters of one year: the whole year.
        ([[2026, 3, "办公室", None, 90], [2026, 4, "办公室", None, 91]], "?year=2026&quarter="),
        # Two years: every year.
        ([[2026, 4, "办公室", None, 90], [2027, 1, "办公室", None, 91]], "?year=&quarter="),
    ],
)
def test_after_an_import_of_several_quarters_the_list_link_shows_them_all(hr_client, department, rows, query):
    response = import_satisfaction(hr_client, rows)

    assert response.context["list_url"] == reverse("evaluations:satisfaction_list") + query
    listed = hr_client.get(response.context["list_url"])
    assert sorted((s.year, s.quarter) for s in listed.context["page"]) == [(r[0], r[1]) for r in rows]


def test_after_an_event_import_the_list_link_shows_its_quarter(hr_client, staff):
    response = hr_client.post(
        reverse("evaluations:event_import"),
        {"file": xlsx([["2026-11-20", staff.employee_number, "表扬", "来信表扬", None]], EVENT_HEADER)},
    )

    list_url = response.context["list_url"]
    assert list_url == reverse("evaluations:event_list") + "?year=2026&quarter=4"
    assert list(hr_client.get(list_url).context["page"]) == [ServiceEvent.objects.get()]


def test_a_score_for_a_quarter_before_the_organisation_began_in_the_system_is_refused(
    hr_client, department, organisation
):
    """A user test: a new agency (started 6 January 2027) entered a 2026 Q4 score, a quarter the
    quarters page calls 无需在系统中评鉴."""
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(started_on=date(2027, 1, 6))
    response = post_score(hr_client, department, year=2026, quarter=4)
    assert response.context["form"].errors["quarter"] == [
        "2026年第4季度在本单位系统启用日期（2027-01-06）之前结束，无需录入满意度得分。"
    ]
    assert post_score(hr_client, department, year=2027, quarter=1).status_code == 302
    assert SatisfactionScore.objects.count() == 1
