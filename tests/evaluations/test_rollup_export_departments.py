"""The roll-up results' Excel export carries a 科室统计 sheet after the person rows: a department a
row, its people, the count of each grade, the share of 好 and the summaries' on-time rate — the
roll-up's department stats, as the page shows them."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.grading.models import Grade, GradeState, QuarterGrade
from evaluations.grading.services.grading import appraisal_quarter_open
from evaluations.grading.services.rollup import rollup_quarter
from tests.evaluations.conftest import Q3_GRADING_DAY
from tests.factories import (
    DepartmentFactory,
    MonthlySummaryFactory,
    QuarterGradeFactory,
    UserFactory,
    save_fields,
)

HEADERS = (
    *("科室", "人数", "好", "较好", "一般", "较差", "不确定等次", "未评鉴"),
    *("好等次占比（%，不含不确定等次）", "月小结按时率（%）"),
)
TODAY = date(2026, 11, 23)  # Q3 is over: its roll-up counts every month


def _grade(quarter, person, grade) -> None:
    save_fields(
        QuarterGrade.objects.filter(appraisal_quarter=quarter, person=person),
        grade=grade,
        state=GradeState.CONFIRMED,
        uncertain_reason="long_leave" if grade == Grade.UNCERTAIN else "",
    )


@pytest.fixture
def finance(other_department, other_head):
    """财务科: its head and two staff."""
    return [other_head, *(UserFactory(department=other_department, full_name=f"财务{i}") for i in range(2))]


@pytest.fixture
def archive(organisation, leader):
    """档案科: one person, on long leave (不确定等次), so no participant of the 好 quota."""
    department = DepartmentFactory(organisation=organisation, code="D003", name="档案科", supervising_leader=leader)
    return [UserFactory(department=department, full_name="档案员")]


@pytest.fixture
def q3(organisation, team, finance, archive):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    # 办公室: the head and team[6] stay ungraded.
    for person, grade in zip(
        team, [Grade.GOOD, Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR, Grade.UNCERTAIN], strict=False
    ):
        _grade(quarter, person, grade)
    for person, grade in zip(finance, [Grade.GOOD, Grade.FAIRLY_GOOD, Grade.UNCERTAIN], strict=True):
        _grade(quarter, person, grade)
    _grade(quarter, archive[0], Grade.UNCERTAIN)
    # 档案员 handed in July's summary on time, not August's nor September's: 1 of 3.
    MonthlySummaryFactory(owner=archive[0], month=7, submitted=True)
    rollup_quarter(appraisal_quarter=quarter, today=TODAY)
    return quarter


def _workbook(response):
    assert response.status_code == 200, response.status_code
    return load_workbook(BytesIO(response.content))


def _export(client, quarter):
    return client.post(reverse("evaluations:rollup_export", args=[quarter.pk]))


def test_the_export_has_a_department_sheet_with_grade_counts_and_the_share_of_good(client_for, hr, q3):
    """The sheet is named with its quarter, and its department figures are the page's (with the 好 share)."""
    workbook = _workbook(_export(client_for(hr), q3))
    assert workbook.sheetnames == ["2026年第3季度汇总结果", "科室统计"]
    # The person rows as before, on the first sheet.
    people = list(workbook["2026年第3季度汇总结果"].iter_rows(values_only=True))
    assert people[0][:4] == ("科室", "工号", "姓名", "等次") and len(people) == 1 + 8 + 3 + 1
    rows = list(workbook["科室统计"].iter_rows(values_only=True))
    assert rows == [
        HEADERS,
        ("办公室", 8, 2, 1, 1, 1, 1, 2, 28.57, 0),  # 2 好 of 7 participants; no summary handed in
        ("财务科", 3, 1, 1, 0, 0, 1, 0, 50, 0),  # 1 of 2
        ("档案科", 1, 0, 0, 0, 0, 1, 0, None, 33.33),  # no participant: no share; 1 summary of 3 on time
    ]


def test_a_quarter_not_rolled_up_exports_an_empty_department_sheet(client_for, hr, organisation, team):
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    workbook = _workbook(_export(client_for(hr), quarter))
    assert list(workbook["科室统计"].iter_rows(values_only=True)) == [HEADERS]


def test_the_department_sheet_comes_with_a_long_export_made_by_a_job(
    client_for, hr, q3, settings, django_capture_on_commit_callbacks
):
    from accounts.models import Job

    settings.LIST_EXPORT_INLINE_ROWS = 5
    with django_capture_on_commit_callbacks(execute=True):
        response = _export(client_for(hr), q3)
    job = Job.objects.get()
    assert response.status_code == 302 and job.state == Job.State.DONE
    with job.file.open("rb") as handle:
        workbook = load_workbook(BytesIO(handle.read()))
    assert workbook.sheetnames == ["2026年第3季度汇总结果", "科室统计"]
    departments = [row[0] for row in workbook["科室统计"].iter_rows(min_row=2, values_only=True)]
    assert departments == ["办公室", "财务科", "档案科"]


def test_other_list_exports_keep_their_single_sheet(client_for, hr):
    response = client_for(hr).post(reverse("evaluations:sanction_export"))
    assert len(_workbook(response).sheetnames) == 1


def test_the_export_costs_the_same_queries_for_few_and_many_departments(
    client_for, hr, q3, organisation, django_assert_num_queries
):
    client = client_for(hr)
    _export(client, q3)  # the session, the caches
    with CaptureQueriesContext(connection) as few:
        _export(client, q3)
    for n in range(6):
        department = DepartmentFactory(organisation=organisation, code=f"M{n}", name=f"科室{n}")
        person = UserFactory(department=department)
        QuarterGradeFactory(appraisal_quarter=q3, person=person, grade=Grade.GOOD, state=GradeState.CONFIRMED)
    rollup_quarter(appraisal_quarter=q3, today=TODAY)
    with django_assert_num_queries(len(few)):
        response = _export(client, q3)
    assert _workbook(response)["科室统计"].max_row == 1 + 3 + 6


def test_the_page_shows_the_same_department_figures_as_the_sheet(client_for, hr, q3):
    """What HR compares on screen and in the file: the page's 科室统计 has the sheet's columns."""
    client = client_for(hr)
    html = client.get(reverse("evaluations:rollup_results", args=[q3.pk])).content.decode()
    table = html.split('data-testid="department-stats-table">')[1].split("</table>")[0]
    assert "好等次占比" in table and "月小结按时率" in table
    office = table.split('data-testid="department-stats">')[1].split("</tr>")[0]
    assert "<td>28.57%</td>" in office and "<td>0.00%</td>" in office
    archive = table.split('data-testid="department-stats">')[3].split("</tr>")[0]
    assert "<td>—</td>" in archive and "<td>33.33%</td>" in archive
    sheet = _workbook(_export(client, q3))["科室统计"]
    assert [cell.value for cell in sheet[1]][-2:] == ["好等次占比（%，不含不确定等次）", "月小结按时率（%）"]
