"""HR's overview of the feedback talks (/publicity/feedback/overview/): per department, locked
grades, talks recorded, confirmed and overdue, from one aggregate query; HR of the organisation only."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.periods import CHINA_TZ
from accounts.selectors import policy_for_organisation
from evaluations.grading.models import Grade, QuarterState
from publicity.feedback import selectors, services
from tests.factories import AppraisalQuarterFactory, DepartmentFactory, UserFactory
from tests.publicity.test_feedback import LOCKED_AT, TODAY, locked_grade, talk_data

URL = reverse("publicity:feedback_overview")
RECENTLY = datetime(2026, 10, 20, 9, 0, tzinfo=CHINA_TZ)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: TODAY)


def row(html: str, department, key: str) -> str:
    part = html.split(f'data-testid="overview-row-{department.pk}"', 1)[1]
    return part.split(f'data-testid="overview-{key}">', 1)[1].split("</td>", 1)[0]


def test_hr_sees_each_departments_locked_grades_talks_confirmations_and_overdue(
    client_for, hr, leader, staff, colleague, department, organisation, quarter
):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    cutoff = selectors.overdue_before(
        organisation_id=organisation.pk, today=TODAY, working_days=policy.feedback_talk_working_days
    )
    assert LOCKED_AT < cutoff < RECENTLY  # LOCKED_AT's talks are overdue, RECENTLY's are not
    confirmed = services.feedback_talk_record(
        actor=leader, grade=locked_grade(staff, quarter), data=talk_data(reasons="原因")
    )
    services.feedback_talk_confirm(actor=staff, talk=confirmed)
    locked_grade(colleague, quarter, Grade.FAIRLY_GOOD)  # overdue
    locked_grade(UserFactory(department=department), quarter, Grade.FAIRLY_GOOD, locked_at=RECENTLY)
    empty = DepartmentFactory(organisation=organisation, code="D099", name="无定等科室")
    html = client_for(hr).get(URL).content.decode()
    assert [row(html, department, key) for key in ("locked", "recorded", "confirmed")] == ["3", "1", "1"]
    assert ">1<" in row(html, department, "overdue")
    assert f'overview-row-{empty.pk}"' not in html


def test_the_overview_filters_one_quarter(client_for, hr, staff, department, organisation, quarter):
    locked_grade(staff, quarter)
    older = AppraisalQuarterFactory(
        organisation=organisation, year=2026, quarter=2, state=QuarterState.APPROVED, locked_at=LOCKED_AT
    )
    locked_grade(staff, older)
    client = client_for(hr)
    assert row(client.get(URL).content.decode(), department, "locked") == "2"
    assert row(client.get(URL, {"quarter": older.pk}).content.decode(), department, "locked") == "1"
    assert row(client.get(URL, {"quarter": "junk"}).content.decode(), department, "locked") == "2"


def test_only_hr_sees_the_overview_and_only_their_organisations_departments(
    client_for, hr, head, leader, chief, staff, quarter, other_organisation
):
    locked_grade(staff, quarter)
    for someone in (staff, head, leader, chief):
        assert client_for(someone).get(URL).status_code == 403
    from accounts.models import Role

    other_hr = UserFactory(
        username="other_hr_fo", organisation=other_organisation, department=None, roles=[Role.HR_ADMIN]
    )
    response = client_for(other_hr).get(URL)
    assert response.status_code == 200 and list(response.context["page"]) == []


def test_the_overview_costs_the_same_queries_for_few_and_many_departments(
    client_for, hr, leader, staff, organisation, department, quarter
):
    locked_grade(staff, quarter)
    client = client_for(hr)
    client.get(URL)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries.captured_queries)

    few = count()
    for n in range(5):
        other = DepartmentFactory(organisation=organisation, code=f"D2{n}", name=f"科室{n}", supervising_leader=leader)
        grade = locked_grade(UserFactory(department=other), quarter, Grade.FAIRLY_GOOD)
        services.feedback_talk_record(actor=leader, grade=grade, data=talk_data())
    assert count() == few
    assert client.get(URL).content.decode().count('data-testid="overview-row-') == 6
