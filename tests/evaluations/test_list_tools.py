"""Sorting and exporting the evaluation lists (accounts.listing): the roll-up results, the annual
list, the result-use lists, the inspections and the sanctions."""

from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluations.annual.models import AnnualGrade
from evaluations.discipline.models import Severity
from evaluations.grading.models import QuarterResult
from tests.factories import (
    AnnualResultFactory,
    AppraisalQuarterFactory,
    FindingFactory,
    InspectionFactory,
    SanctionFactory,
    UserFactory,
)


def _rows(response) -> list[tuple]:
    assert response.status_code == 200, response.status_code
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


@pytest.fixture
def quarter(organisation):
    return AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=3)


def _results(quarter, department, scores):
    for index, score in enumerate(scores):
        person = UserFactory(department=department, full_name=f"汇总{index}")
        QuarterResult.objects.create(
            appraisal_quarter=quarter,
            person=person,
            department=department,
            final_grade="good",
            composite_score=Decimal(score),
            computed_at=timezone.now(),
        )


def test_hr_sorts_the_rollup_results_by_score_and_exports_them_in_that_order(client_for, hr, quarter, department):
    _results(quarter, department, ["80", "95", "70"])
    client = client_for(hr)
    url = reverse("evaluations:rollup_results", args=[quarter.pk])
    page = client.get(f"{url}?sort=-score")
    assert [r.composite_score for r in page.context["page"]] == [Decimal("95"), Decimal("80"), Decimal("70")]
    rows = _rows(client.post(f"{reverse('evaluations:rollup_export', args=[quarter.pk])}?sort=-score"))
    assert rows[0][:3] == ("科室", "工号", "姓名")
    assert [row[4] for row in rows[1:]] == [95, 80, 70]


def test_another_organisations_quarter_is_not_exported(client_for, outsider, quarter):
    from accounts.models import Role
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=outsider, organisation=outsider.organisation, role=Role.HR_ADMIN)
    response = client_for(outsider).post(reverse("evaluations:rollup_export", args=[quarter.pk]))
    assert response.status_code == 404


def test_the_inspections_export_follows_the_filter_and_sort(client_for, hr, inspector, department):
    for day in (3, 20, 11):
        inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, day), note=f"第{day}日")
        inspection.departments.add(department)
    InspectionFactory(inspector=inspector, date=date(2026, 6, 1))
    rows = _rows(client_for(hr).post(f"{reverse('evaluations:inspection_export')}?month=2026-05&sort=date"))
    assert [row[0].date() for row in rows[1:]] == [date(2026, 5, 3), date(2026, 5, 11), date(2026, 5, 20)]
    assert rows[1][2] == department.name and rows[1][6] == "第3日"


def test_the_inspections_export_lists_the_findings_of_the_inspections_exported(
    client_for, hr, inspector, department, staff
):
    shown = InspectionFactory(inspector=inspector, date=date(2026, 5, 3))
    FindingFactory(inspection=shown, person=staff, severity=Severity.SERIOUS, description="上班时间饮酒")
    FindingFactory(
        inspection=shown, person=None, department=department, severity=Severity.MINOR, description="桌面杂乱"
    )
    FindingFactory(inspection=InspectionFactory(inspector=inspector, date=date(2026, 6, 1)), person=staff)

    response = client_for(hr).post(f"{reverse('evaluations:inspection_export')}?month=2026-05")

    workbook = load_workbook(BytesIO(response.content))
    assert workbook.sheetnames[1] == "检查发现"
    rows = list(workbook["检查发现"].iter_rows(values_only=True))
    assert rows[0][:7] == ("检查日期", "检查类别", "姓名", "工号", "科室", "严重程度", "问题描述")
    assert sorted((row[2] or "", row[4], row[5], row[6]) for row in rows[1:]) == [
        ("", department.name, "一般", "桌面杂乱"),
        (staff.get_full_name(), department.name, "严重", "上班时间饮酒"),
    ]


def test_few_inspections_with_many_findings_are_exported_by_a_job(
    client_for, hr, inspector, staff, settings, django_capture_on_commit_callbacks, private_files
):
    # The workbook's length is every sheet's: two inspections under the limit, their findings over it.
    from accounts.models import Job

    settings.LIST_EXPORT_INLINE_ROWS = 5
    for day in (3, 4):
        inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, day))
        for n in range(3):
            FindingFactory(inspection=inspection, person=staff, description=f"{day}日第{n}项")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hr).post(f"{reverse('evaluations:inspection_export')}?month=2026-05")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == Job.State.DONE
    with job.file.open("rb") as handle:
        workbook = load_workbook(BytesIO(handle.read()))
    assert len(list(workbook["检查发现"].iter_rows(min_row=2))) == 6


def test_few_inspections_with_few_findings_still_download_at_once(client_for, hr, inspector, staff, settings):
    settings.LIST_EXPORT_INLINE_ROWS = 5
    inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, 3))
    for n in range(4):
        FindingFactory(inspection=inspection, person=staff, description=f"第{n}项")
    rows = _rows(client_for(hr).post(f"{reverse('evaluations:inspection_export')}?month=2026-05"))
    assert len(rows) == 2


def test_the_inspection_export_is_refused_to_people_who_do_not_read_inspections(client_for, staff, head, auditor):
    for person in (staff, head, auditor):
        assert client_for(person).post(reverse("evaluations:inspection_export")).status_code == 403


def test_hr_sorts_and_exports_the_sanctions(client_for, hr, department):
    for name, day in (("乙", 5), ("甲", 9)):
        SanctionFactory(person=UserFactory(department=department, full_name=name), decided_on=date(2026, 3, day))
    client = client_for(hr)
    page = client.get(f"{reverse('evaluations:sanction_list')}?sort=decided")
    assert [s.person.full_name for s in page.context["page"]] == ["乙", "甲"]
    rows = _rows(client.post(f"{reverse('evaluations:sanction_export')}?sort=-decided"))
    assert [row[1] for row in rows[1:]] == ["甲", "乙"]


def test_the_sanctions_export_is_hrs_alone(client_for, chief, inspector):
    for person in (chief, inspector):
        assert client_for(person).post(reverse("evaluations:sanction_export")).status_code == 403


def test_the_annual_list_sorts_by_rank_and_exports_what_the_page_shows(client_for, hr, department):
    for rank in (2, 1, 3):
        AnnualResultFactory(
            person=UserFactory(department=department, full_name=f"年度{rank}"),
            rank=rank,
            suggested_grade=AnnualGrade.EXCELLENT,
            suggestion_reasons=["四个季度“好”"],
        )
    client = client_for(hr)
    page = client.get(f"{reverse('evaluations:annual', args=[2026])}?sort=rank")
    assert [r.rank for r in page.context["page"]] == [1, 2, 3]
    rows = _rows(client.post(f"{reverse('evaluations:annual_export', args=[2026])}?sort=-rank"))
    assert [row[5] for row in rows[1:]] == [3, 2, 1]
    assert rows[1][6] == "优秀" and rows[1][8] == "待确定"


def test_the_result_use_lists_export_every_list_in_the_page_sort(client_for, chief, department):
    for name in ("乙", "甲"):
        AnnualResultFactory(
            person=UserFactory(department=department, full_name=name),
            suggested_grade=AnnualGrade.EXCELLENT,
            decided_grade=AnnualGrade.EXCELLENT,
        )
    AnnualResultFactory(
        person=UserFactory(department=department, full_name="丙"), suggested_grade=AnnualGrade.BASICALLY_COMPETENT
    )
    client = client_for(chief)
    page = client.get(f"{reverse('evaluations:annual_use', args=[2026])}?sort=-name").content.decode()
    assert 'aria-sort="descending"' in page
    rows = _rows(client.post(f"{reverse('evaluations:annual_use_export', args=[2026])}?sort=-name"))
    award = [row[3] for row in rows[1:] if row[0].startswith("评先树优")]
    assert award == sorted(award, reverse=True) and len(award) == 2
    assert [row[3] for row in rows[1:] if row[0].startswith("基本称职")] == ["丙"]


def test_the_annual_exports_are_refused_to_staff_and_heads(client_for, staff, head):
    for person in (staff, head):
        client = client_for(person)
        assert client.post(reverse("evaluations:annual_export", args=[2026])).status_code == 403
        assert client.post(reverse("evaluations:annual_use_export", args=[2026])).status_code == 403


def _seed(quarter, inspector, department, count):
    _results(quarter, department, ["80"] * count)
    for _index in range(count):
        InspectionFactory(inspector=inspector).departments.add(department)
        SanctionFactory(person=UserFactory(department=department))
        AnnualResultFactory(person=UserFactory(department=department), suggested_grade=AnnualGrade.COMPETENT)


def _query_counts(client, quarter) -> dict[str, tuple[int, int]]:
    lists = {
        "rollup": ("evaluations:rollup_results", "evaluations:rollup_export", [quarter.pk]),
        "inspections": ("evaluations:inspections", "evaluations:inspection_export", []),
        "sanctions": ("evaluations:sanction_list", "evaluations:sanction_export", []),
        "annual": ("evaluations:annual", "evaluations:annual_export", [2026]),
        "use": ("evaluations:annual_use", "evaluations:annual_use_export", [2026]),
    }
    counts = {}
    for name, (page, export, args) in lists.items():
        with CaptureQueriesContext(connection) as shown:
            assert client.get(f"{reverse(page, args=args)}?sort=name").status_code == 200
        with CaptureQueriesContext(connection) as exported:
            assert client.post(f"{reverse(export, args=args)}?sort=name").status_code == 200
        counts[name] = (len(shown), len(exported))
    return counts


def test_the_evaluation_lists_and_exports_take_the_same_queries_for_few_and_many(
    client_for, hr, inspector, quarter, department
):
    client = client_for(hr)
    _seed(quarter, inspector, department, 1)
    _query_counts(client, quarter)  # the session, the caches
    few = _query_counts(client, quarter)
    _seed(quarter, inspector, department, 25)
    assert _query_counts(client, quarter) == few


def test_each_export_is_named_for_what_it_holds_and_its_period(client_for, hr, quarter, department):
    from urllib.parse import unquote

    from accounts import periods

    def name(response) -> str:
        assert response.status_code == 200
        return unquote(response["Content-Disposition"].split("filename*=utf-8''", 1)[1])

    client = client_for(hr)
    day = f"{periods.today():%Y%m%d}"
    rollup = name(client.post(reverse("evaluations:rollup_export", args=[quarter.pk])))
    assert rollup == f"{quarter.period.label}汇总结果-{day}.xlsx"
    assert name(client.post(reverse("evaluations:annual_export", args=[2025]))) == f"2025年度考核结果-{day}.xlsx"
    use = name(client.post(reverse("evaluations:annual_use_export", args=[2026])))
    assert use == f"2026年度考核结果运用-{day}.xlsx"
    assert name(client.post(reverse("evaluations:inspection_export"))) == f"纪律作风检查-{day}.xlsx"
