"""考核档案: one person's year on one page (a user test's HR answered "how has 某某 done this
year?" from the roster month by month, a PDF without targets or summaries, and the veto list)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from evaluations.annual.models import AnnualGrade
from evaluations.grading.models import QuarterState
from tests.factories import (
    AnnualResultFactory,
    MonthlySummaryFactory,
    TargetItemFactory,
    TargetSetFactory,
    VetoFlagFactory,
)
from tests.publicity.test_reports_views import graded, quarter  # noqa: F401 (the record forms' fixtures)

pytestmark = pytest.mark.usefixtures("private_files")

YEAR = 2026


@pytest.fixture
def record(graded, organisation):  # noqa: F811
    """staff's year: the third quarter's grade, targets and July's summary (``graded``, as the record
    forms' tests have it), the year's suggestion and a veto."""
    AnnualResultFactory(
        person=graded,
        organisation=organisation,
        year=YEAR,
        suggested_grade=AnnualGrade.COMPETENT,
        suggestion_reasons=["4个季度中1个“好”"],
    )
    VetoFlagFactory(person=graded, year=YEAR, reason="2026年07月08日纪律作风检查发现严重问题")
    return graded


def _page(client, person, year=YEAR):
    return client.get(reverse("reports:person_year", args=[person.pk, year]))


def test_hr_reads_a_persons_year_on_one_page(client_for, hr, record):
    response = _page(client_for(hr), record)
    body = response.content.decode()
    assert response.status_code == 200
    for shown in (
        "考核档案",
        record.get_full_name(),
        "完成全年预算编制",  # the quarter's target
        "参加业务培训",  # the month's summary
        "工作扎实，成效明显",  # the grade's comment
        "4个季度中1个“好”",  # the year's suggestion, with its reasons
        "纪律作风检查发现严重问题",  # the veto
    ):
        assert shown in body, shown
    assert reverse("reports:person_quarter_form", args=[record.pk, YEAR, 3]) in body
    assert reverse("reports:person_year_form", args=[record.pk, YEAR]) in body
    assert body.count('data-testid="person-year-quarter"') == 4


def test_the_person_reads_their_own_year_as_their_forms_show_it(client_for, record, quarter):  # noqa: F811
    """Their own: a grade once the quarter is approved, and no suggestion (not a result)."""
    client = client_for(record)
    body = _page(client, record).content.decode()
    assert "工作扎实" in body and "完成全年预算编制" in body and "4个季度中1个“好”" not in body
    quarter.state = QuarterState.OPEN
    quarter.save()
    assert "工作扎实" not in _page(client, record).content.decode()


def test_a_colleague_and_another_organisation_get_a_404(client_for, record, colleague, outsider):
    assert _page(client_for(colleague), record).status_code == 404
    assert _page(client_for(outsider), record).status_code == 404


def test_the_page_reads_the_same_number_of_queries_however_long_the_year(client_for, hr, record, staff):
    client = client_for(hr)
    target_set = TargetSetFactory(owner=staff, year=YEAR, quarter=4)
    TargetItemFactory(target_set=target_set, content="目标0", sort_order=0)
    MonthlySummaryFactory(owner=staff, year=YEAR, month=10, submitted=True)
    _page(client, staff)
    with CaptureQueriesContext(connection) as few:
        _page(client, staff)
    for n in range(1, 6):
        TargetItemFactory(target_set=target_set, content=f"目标{n}", sort_order=n)
    for month in (8, 9, 11):
        MonthlySummaryFactory(owner=staff, year=YEAR, month=month, submitted=True)
    with CaptureQueriesContext(connection) as many:
        body = _page(client, staff).content.decode()
    assert "目标5" in body
    assert len(many) == len(few)


def test_a_year_out_of_range_is_a_404_and_the_next_year_is_offered_up_to_this_one(client_for, hr, record, settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 8)
    client = client_for(hr)
    assert _page(client, record, 1999).status_code == 404
    body = _page(client, record).content.decode()
    assert reverse("reports:person_year", args=[record.pk, 2025]) in body
    assert reverse("reports:person_year", args=[record.pk, 2027]) not in body


def test_the_staff_page_leads_hr_to_the_persons_year_and_not_the_administrators(
    client_for, hr, sysadmin, record, settings
):
    settings.APPRAISAL_TODAY = date(2026, 12, 8)
    url = reverse("accounts:staff_detail", args=[record.pk])
    page = client_for(hr).get(url).content.decode()
    assert f'href="{reverse("reports:person_year", args=[record.pk, 2026])}" data-testid="appraisal-link"' in page
    # 三员分立: the system administrator reads the account, not the appraisal.
    page = client_for(sysadmin).get(url)
    assert page.status_code == 200 and 'data-testid="appraisal-link"' not in page.content.decode()


def test_hrs_roster_and_year_list_lead_to_the_persons_year_and_a_heads_roster_does_not(
    client_for, hr, head, record, settings
):
    settings.APPRAISAL_TODAY = date(2026, 12, 8)
    link = f'href="{reverse("reports:person_year", args=[record.pk, YEAR])}" data-testid="person-year-link"'
    roster = f"{reverse('roster')}?year={YEAR}&month=11"
    assert link in client_for(hr).get(roster).content.decode()
    assert link in client_for(hr).get(reverse("evaluations:annual", args=[YEAR])).content.decode()
    assert 'data-testid="person-year-link"' not in client_for(head).get(roster).content.decode()


def test_the_quarters_findings_about_the_person_are_listed_for_hr_and_not_on_their_own_page(
    client_for, hr, record, organisation
):
    from tests.factories import FindingFactory, InspectionFactory

    inspection = InspectionFactory(organisation=organisation, date=date(YEAR, 7, 8))
    FindingFactory(inspection=inspection, person=record, description="工作时间离岗")
    body = _page(client_for(hr), record).content.decode()
    assert 'data-testid="person-year-findings"' in body and "工作时间离岗" in body
    assert "工作时间离岗" not in _page(client_for(record), record).content.decode()
