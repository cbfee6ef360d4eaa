"""The demo's inspections, veto flags, sanction, previous years and year-end suggestions
(appraisal_site.demo.discipline), built on the 60-staff demo as of 23 November 2026."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from accounts.models import StaffStatus, StaffStatusKind, User
from appraisal_site.demo.appraisals import build_demo_appraisals
from appraisal_site.demo.discipline import build_demo_discipline
from appraisal_site.demo.organisation import build_demo_organisation
from appraisal_site.demo.year import build_demo_year
from evaluations.annual.services import annual_use_lists, excellent_quota
from evaluations.models import (
    AnnualGrade,
    AnnualResult,
    ComplianceAlert,
    Finding,
    Inspection,
    Sanction,
    SanctionKind,
    Severity,
    VetoFlag,
)
from tests.support.shared_rows import shared_rows

TODAY = date(2026, 11, 23)  # January–October are past months; Q1–Q3 graded and approved
YEAR = 2026


pytestmark = [pytest.mark.django_db, pytest.mark.one_database]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    # Built once for the module: the tests only read it.
    with shared_rows(django_db_blocker):
        organisation = build_demo_organisation(staff=24, seed=7)
        build_demo_year(organisation, year=YEAR, seed=7, today=TODAY)
        build_demo_appraisals(organisation, year=YEAR, seed=7, today=TODAY)
        report = build_demo_discipline(organisation, year=YEAR, seed=7, today=TODAY)
        yield organisation, report


def test_about_two_inspections_a_month_and_one_short_month_with_its_alert(demo):
    organisation, report = demo
    inspector = User.objects.get(username="demo_inspector")
    inspections = Inspection.objects.filter(organisation=organisation)
    assert inspections.count() == report.inspections
    assert set(inspections.values_list("inspector", flat=True)) == {inspector.pk}
    assert all(day < TODAY and day.year == YEAR for day in inspections.values_list("date", flat=True))
    assert len(set(inspections.values_list("kind", flat=True))) >= 3
    assert not inspections.filter(departments__isnull=True).exists()
    assert not inspections.filter(note="").exists()
    per_month = {month: inspections.filter(date__month=month).count() for month in range(1, 11)}
    short = [month for month, count in per_month.items() if count < 2]
    assert len(short) == 1 and per_month[short[0]] == 1
    assert not inspections.filter(date__month__in=[11, 12]).exists()

    alerts = ComplianceAlert.objects.filter(organisation=organisation)
    assert list(alerts.values_list("year", "month", "inspections", "required", "resolved_at")) == [
        (YEAR, short[0], 1, 2, None)
    ]
    assert report.short_months == short


def test_findings_about_people_lie_in_the_inspected_departments(demo):
    organisation, _report = demo
    findings = Finding.objects.filter(inspection__organisation=organisation).select_related("person")
    assert findings.filter(severity__in=[Severity.MINOR, Severity.MODERATE]).count() >= 3
    assert findings.filter(severity=Severity.SERIOUS).count() == 1
    for finding in findings:
        covered = set(finding.inspection.departments.values_list("pk", flat=True))
        assert (finding.person.department_id if finding.person else finding.department_id) in covered
        assert finding.description and finding.evidence


def test_the_serious_finding_raises_a_veto_flag_and_costs_the_person_excellent(demo):
    organisation, report = demo
    serious = Finding.objects.get(inspection__organisation=organisation, severity=Severity.SERIOUS)
    person = serious.person
    assert person is not None and person.username != "demo_staff"
    assert report.veto_person == person.full_name
    flag = VetoFlag.objects.get(finding=serious)
    assert (flag.person, flag.year, flag.is_active) == (person, YEAR, True)

    result = AnnualResult.objects.get(person=person, year=YEAR)
    assert result.suggested_grade != AnnualGrade.EXCELLENT and not result.eligible_excellent
    assert f"存在一票否决事项：{flag.reason}" in result.suggestion_reasons
    assert any("有一票否决事项" in reason for reason in result.suggestion_reasons)
    # Without the veto their quarters would have made them 优秀: the veto is what decided it.
    assert result.good_quarters * 2 > result.graded_quarters and result.average_or_below_quarters == 0


def test_one_warning_is_recorded_by_hr_for_another_person_with_its_flag(demo):
    organisation, report = demo
    sanction = Sanction.objects.get(organisation=organisation)
    serious = Finding.objects.get(inspection__organisation=organisation, severity=Severity.SERIOUS)
    assert sanction.kind == SanctionKind.WARNING
    assert sanction.entered_by.username == "demo_hr" and sanction.decided_on < TODAY and sanction.note
    assert sanction.person not in (serious.person, User.objects.get(username="demo_staff"))
    assert report.sanctioned_person == sanction.person.full_name
    flag = VetoFlag.objects.get(sanction=sanction)
    assert (flag.person, flag.year, flag.is_active) == (sanction.person, YEAR, True)
    result = AnnualResult.objects.get(person=sanction.person, year=YEAR)
    assert result.suggested_grade != AnnualGrade.EXCELLENT
    assert any(reason.startswith("处分影响：") and "警告" in reason for reason in result.suggestion_reasons)


def test_previous_years_are_decided_within_the_quota(demo):
    organisation, _report = demo
    newcomers = set(
        StaffStatus.objects.filter(kind=StaffStatusKind.PROBATION, start_date__year=YEAR).values_list(
            "user_id", flat=True
        )
    )
    assert newcomers
    current = set(AnnualResult.objects.filter(year=YEAR).values_list("person_id", flat=True))
    for year in (YEAR - 2, YEAR - 1):
        rows = AnnualResult.objects.filter(organisation=organisation, year=year)
        people = set(rows.values_list("person_id", flat=True))
        assert people == current - newcomers  # everyone appraised then; this year's recruits were not
        assert not rows.filter(decided_grade="").exists()
        assert not rows.filter(decided_by__isnull=True).exists()
        graded = rows.exclude(decided_grade=AnnualGrade.NOT_GRADED).count()
        excellent = rows.filter(decided_grade=AnnualGrade.EXCELLENT).count()
        assert 0 < excellent <= excellent_quota(graded_people=graded, policy=organisation.policy)
        assert rows.filter(decided_grade=AnnualGrade.COMPETENT).count() > graded // 2
    last_year = AnnualResult.objects.filter(year=YEAR - 1)
    assert last_year.filter(decided_grade=AnnualGrade.BASICALLY_COMPETENT).exists()
    assert last_year.filter(decided_grade=AnnualGrade.INCOMPETENT).exists()


def test_the_result_use_lists_have_people(demo):
    organisation, _report = demo
    lists = annual_use_lists(organisation=organisation, year=YEAR)
    assert lists.excellent and lists.three_years_excellent
    for row in lists.three_years_excellent:
        assert not VetoFlag.objects.filter(person=row.person, year=YEAR, lifted_at__isnull=True).exists()
    last_year = annual_use_lists(organisation=organisation, year=YEAR - 1)
    assert last_year.admonition and last_year.dismissal_review


def test_the_annual_page_shows_the_years_suggestions(demo, client):
    organisation, report = demo
    client.force_login(User.objects.get(username="demo_hr"))
    response = client.get(reverse("evaluations:annual", args=[YEAR]))
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert rows and all(row.suggested_grade and row.suggestion_reasons for row in rows)
    assert report.annual_people == AnnualResult.objects.filter(year=YEAR).count()
    status = response.context["status"]
    assert 0 < status.used == report.suggested_excellent <= status.quota
    # On 23 November the fourth quarter is under way: its grading cannot open before it ends.
    assert response.context["unapproved_quarters"] == []

    # The person with the serious finding, found by name: suggested below 优秀, the veto named.
    serious = Finding.objects.get(inspection__organisation=organisation, severity=Severity.SERIOUS)
    response = client.get(reverse("evaluations:annual", args=[YEAR]), {"q": serious.person.employee_number})
    (row,) = response.context["page"]
    assert row.person == serious.person and row.suggested_grade == AnnualGrade.COMPETENT
    body = response.content.decode()
    assert "存在一票否决事项" in body and "纪律作风检查发现严重问题" in body
