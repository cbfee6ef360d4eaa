"""Discipline inspections: recording, who sees them, the monthly check of their number."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Job, Role
from accounts.selectors import policy_for_organisation
from evaluations.discipline.services import inspections
from evaluations.discipline.services.inspections import discipline_check
from evaluations.discipline.tasks import check_discipline_months
from evaluations.models import ComplianceAlert, Finding, Inspection, InspectionKind, Severity, VetoFlag
from tests.evaluations.helpers import record_inspection
from tests.factories import DepartmentFactory, UserFactory

LIST_URL = reverse("evaluations:inspections")
CREATE_URL = reverse("evaluations:inspection_create")


def _finding(person=None, department=None, severity=Severity.SERIOUS, description="上班时间饮酒"):
    return {"person": person, "department": department, "severity": severity, "description": description}


# --- Recording ------------------------------------------------------------------------------


def test_a_serious_finding_about_a_person_raises_a_veto_flag_after_commit(
    organisation, inspector, department, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        inspection = record_inspection(organisation, inspector, department, findings=[_finding(person=staff)])
        assert not VetoFlag.objects.exists()  # not before the commit
    # The flag's job, and the year's suggestions recomputed once the flag is raised.
    assert len(callbacks) == 2
    assert list(Job.objects.order_by("pk").values_list("kind", "state")) == [
        ("evaluations.veto_for_finding", Job.State.DONE),
        ("evaluations.rollup_year", Job.State.DONE),
    ]
    flag = VetoFlag.objects.get(person=staff)
    assert flag.year == 2026 and flag.finding == inspection.findings.get()


def test_lesser_findings_and_department_findings_raise_no_flag(
    organisation, inspector, department, staff, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_inspection(
            organisation,
            inspector,
            department,
            findings=[_finding(person=staff, severity=Severity.MODERATE), _finding(department=department)],
        )
    assert Finding.objects.count() == 2
    assert not VetoFlag.objects.exists()


def test_a_finding_must_name_a_person_or_a_department(organisation, inspector, department):
    with pytest.raises(ValidationError, match="须指明涉及的人员或科室"):
        record_inspection(organisation, inspector, department, findings=[_finding()])
    assert not Inspection.objects.exists()


def test_it_refuses_a_person_of_another_organisation(organisation, inspector, department, outsider):
    with pytest.raises(ValidationError, match="不是本单位人员"):
        record_inspection(organisation, inspector, department, findings=[_finding(person=outsider)])
    assert not Inspection.objects.exists()


def test_it_refuses_a_person_outside_the_covered_departments(organisation, inspector, department, staff):
    elsewhere = DepartmentFactory(organisation=organisation, name="财务科")
    with pytest.raises(ValidationError, match="不在本次检查范围内"):
        record_inspection(organisation, inspector, elsewhere, findings=[_finding(person=staff)])


def test_only_an_inspector_may_record(organisation, hr, department):
    with pytest.raises(PermissionDenied):
        record_inspection(organisation, hr, department)


def _inspection_form(department, *, forms=1, note=None, **finding):
    """The inspection form's POST: one 2026-09-10 inspection of ``department`` with the first finding's fields."""
    data = {
        "date": "2026-09-10",
        "kind": InspectionKind.values[0],
        "departments": [department.pk],
        "findings-TOTAL_FORMS": str(forms),
        "findings-INITIAL_FORMS": "0",
        **{f"findings-0-{name}": value for name, value in finding.items()},
    }
    if note is not None:
        data["note"] = note
    return data


def test_the_inspector_records_an_inspection_on_the_form(
    client_for, inspector, department, staff, django_capture_on_commit_callbacks
):
    data = _inspection_form(
        department,
        forms=2,
        note="随机抽查考勤",
        person=staff.pk,
        severity=Severity.SERIOUS,
        description="上班时间饮酒",
        evidence="照片2张",
    )
    form_page = client_for(inspector).get(CREATE_URL).content.decode()
    assert department.name in form_page and 'name="findings-TOTAL_FORMS"' in form_page
    # A finding marked 严重 vetoes the person's year: the browser asks before saving it (static/js/app.js).
    assert "data-confirm-when=\"select[name$='-severity'] option[value='serious']:checked\"" in form_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(inspector).post(CREATE_URL, data)
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("evaluations:inspection_detail", args=[inspection.pk])
    assert inspection.findings.get().evidence == "照片2张"
    assert VetoFlag.objects.filter(person=staff).exists()
    page = client_for(inspector).get(response.url)
    assert "上班时间饮酒" in page.content.decode()
    # The message says whose year the finding vetoes.
    assert f"严重问题将对{staff.full_name}的{inspection.date.year}年度考核一票否决" in page.content.decode()


def test_the_form_says_every_problem_at_once(client_for, inspector, department, other_head, settings):
    # A date after today and a person outside the inspected departments: both said, not one per try.
    data = _inspection_form(department, person=other_head.pk, severity=Severity.MINOR, description="迟到")
    data["date"] = "2099-01-01"
    response = client_for(inspector).post(CREATE_URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "检查日期不能晚于今天。" in body and "不在本次检查范围内" in body
    assert not Inspection.objects.exists()


def test_the_form_says_the_date_and_coverage_problems_with_an_incomplete_row_in_one_round(
    client_for, inspector, department, other_head
):
    # Row 1 parses but names someone outside the inspected departments; row 2 lacks its description.
    data = _inspection_form(department, forms=2, person=other_head.pk, severity=Severity.MINOR, description="迟到")
    data.update({"date": "2099-01-01", "findings-1-severity": Severity.MINOR, "findings-1-evidence": "照片"})
    response = client_for(inspector).post(CREATE_URL, data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "请填写问题描述。" in body
    assert "检查日期不能晚于今天。" in body and "第1项发现：" in body and "不在本次检查范围内" in body
    assert not Inspection.objects.exists()


def test_the_form_shows_a_finding_without_person_or_department(client_for, inspector, department):
    data = _inspection_form(department, severity=Severity.MINOR, description="迟到")
    response = client_for(inspector).post(CREATE_URL, data)
    assert response.status_code == 400
    assert "须指明涉及的人员或科室" in response.content.decode()
    assert not Inspection.objects.exists()


def test_the_form_refuses_a_person_of_another_organisation(client_for, inspector, department, outsider):
    data = _inspection_form(department, person=outsider.pk, severity=Severity.SERIOUS, description="上班时间饮酒")
    response = client_for(inspector).post(CREATE_URL, data)
    assert response.status_code == 400
    assert not Inspection.objects.exists()


# --- Who sees what --------------------------------------------------------------------------


@pytest.fixture
def inspection(organisation, inspector, department, staff):
    return record_inspection(organisation, inspector, department, findings=[_finding(person=staff)])


def test_staff_get_a_403_on_the_list(client_for, staff):
    assert client_for(staff).get(LIST_URL).status_code == 403


def test_staff_opening_an_inspection_by_url_get_a_404(client_for, staff, inspection):
    response = client_for(staff).get(reverse("evaluations:inspection_detail", args=[inspection.pk]))
    assert response.status_code == 404


def test_hr_reads_but_may_not_record(client_for, hr, inspection):
    client = client_for(hr)
    assert client.get(LIST_URL).status_code == 200
    assert client.get(reverse("evaluations:inspection_detail", args=[inspection.pk])).status_code == 200
    assert client.get(CREATE_URL).status_code == 403
    assert client.post(CREATE_URL, {}).status_code == 403


def test_the_agency_head_reads_the_list(client_for, chief, inspection):
    assert client_for(chief).get(LIST_URL).status_code == 200


def test_another_organisations_inspector_gets_a_404(client_for, other_organisation, inspection):
    stranger = UserFactory(organisation=other_organisation, department=None, roles=[Role.INSPECTOR])
    response = client_for(stranger).get(reverse("evaluations:inspection_detail", args=[inspection.pk]))
    assert response.status_code == 404
    assert "inspection-row" not in client_for(stranger).get(LIST_URL).content.decode()


def test_the_list_filters_by_month_kind_and_department(client_for, organisation, inspector, department):
    other = DepartmentFactory(organisation=organisation, name="财务科")
    record_inspection(organisation, inspector, department, on=date(2026, 9, 10))
    record_inspection(organisation, inspector, other, on=date(2026, 8, 10))
    client = client_for(inspector)
    assert client.get(LIST_URL, {"month": "2026-09"}).content.decode().count('data-testid="inspection-row"') == 1
    assert client.get(LIST_URL, {"department": other.pk}).content.decode().count('data-testid="inspection-row"') == 1
    assert client.get(LIST_URL).content.decode().count('data-testid="inspection-row"') == 2


def test_the_list_costs_the_same_queries_for_3_and_20_inspections(
    client_for, organisation, inspector, department, staff, django_assert_max_num_queries
):
    client = client_for(inspector)
    used = []
    for count, first_day in ((3, 1), (17, 4)):
        for day in range(count):
            record_inspection(
                organisation,
                inspector,
                department,
                on=date(2026, 9, first_day + day),
                findings=[_finding(person=staff)],
            )
        with django_assert_max_num_queries(15) as captured:
            response = client.get(LIST_URL)
        used.append(len(captured))
        assert response.content.decode().count('data-testid="inspection-row"') == first_day - 1 + count
    assert used[0] == used[1]


# --- The monthly check ----------------------------------------------------------------------


@pytest.fixture
def takes_part(staff):
    """Someone of ``organisation`` takes part in the appraisal: its months require inspections."""
    return staff


@pytest.mark.parametrize("done, short", [(0, True), (1, True), (2, False)])
def test_a_month_with_fewer_inspections_than_the_policy_is_flagged(
    takes_part, organisation, inspector, department, done, short
):
    assert policy_for_organisation(organisation_id=organisation.pk).inspections_per_month == 2
    for day in range(done):
        record_inspection(organisation, inspector, department, on=date(2026, 9, 10 + day))
    alert = discipline_check(organisation=organisation, year=2026, month=9)
    assert (alert is not None) is short
    assert ComplianceAlert.objects.filter(organisation=organisation).count() == (1 if short else 0)
    if short:
        assert (alert.inspections, alert.required, alert.resolved_at) == (done, 2, None)


def test_a_month_before_the_organisation_began_in_the_system_is_not_flagged(takes_part, organisation):
    from accounts.models import Policy

    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 10, 8))
    assert discipline_check(organisation=organisation, year=2026, month=9) is None
    assert discipline_check(organisation=organisation, year=2026, month=10) is not None  # it ends after the start
    assert ComplianceAlert.objects.filter(organisation=organisation).count() == 1


def test_the_check_is_idempotent_and_resolves_when_made_up(takes_part, organisation, inspector, department):
    record_inspection(organisation, inspector, department, on=date(2026, 9, 10))
    first = discipline_check(organisation=organisation, year=2026, month=9)
    second = discipline_check(organisation=organisation, year=2026, month=9)
    assert first.pk == second.pk
    assert ComplianceAlert.objects.count() == 1
    # A late-recorded inspection makes up the number: the alert is resolved at once.
    record_inspection(organisation, inspector, department, on=date(2026, 9, 20))
    alert = ComplianceAlert.objects.get()
    assert alert.resolved_at is not None and alert.inspections == 2
    assert discipline_check(organisation=organisation, year=2026, month=9) is None
    assert ComplianceAlert.objects.count() == 1


def test_the_current_month_is_not_judged_until_it_ends(takes_part, organisation):
    assert discipline_check(organisation=organisation, year=2026, month=9, today=date(2026, 9, 30)) is None
    assert not ComplianceAlert.objects.exists()
    assert discipline_check(organisation=organisation, year=2026, month=9, today=date(2026, 10, 1)) is not None


def test_the_daily_task_checks_the_previous_month_of_every_organisation(
    takes_part, organisation, other_organisation, monkeypatch
):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 10, 1))
    UserFactory(department__organisation=other_organisation)
    result = check_discipline_months.apply().get()
    assert (result["year"], result["month"]) == (2026, 9)
    assert set(ComplianceAlert.objects.values_list("organisation_id", "year", "month")) == {
        (organisation.pk, 2026, 9),
        (other_organisation.pk, 2026, 9),
    }


def test_the_command_checks_a_month_without_a_broker(takes_part, organisation, inspector, department):
    record_inspection(organisation, inspector, department, on=date(2026, 9, 10))
    call_command("check_discipline", "2026", "9")
    call_command("check_discipline", "2026", "9")
    alert = ComplianceAlert.objects.get(organisation=organisation)
    assert (alert.year, alert.month, alert.inspections) == (2026, 9, 1)


def test_the_command_says_which_organisation_was_not_judged_and_exits_with_an_error(
    takes_part, organisation, other_organisation, monkeypatch, capsys
):
    """Each organisation is judged as a job of its own: one whose check raises (injected) is named
    and left for the sweeper's retry; the others are judged."""
    real = inspections.discipline_check

    def failing_for_the_other(*, organisation, year, month, today=None):
        if organisation.pk == other_organisation.pk:
            raise RuntimeError("disk full")
        return real(organisation=organisation, year=year, month=month, today=today)

    monkeypatch.setattr(inspections, "discipline_check", failing_for_the_other)
    with pytest.raises(CommandError, match=rf"Failed for organisation ids \[{other_organisation.pk}\]"):
        call_command("check_discipline", "2026", "9")
    out = capsys.readouterr().out
    assert "otherorg: 2026-09 not judged" in out and "testorg: 2026-09 short of the required inspections" in out
    assert list(ComplianceAlert.objects.values_list("organisation_id", flat=True)) == [organisation.pk]


def test_the_command_refuses_a_month_that_has_not_ended(organisation):
    with pytest.raises(CommandError):
        call_command("check_discipline", "2100", "1")


# --- Home page ------------------------------------------------------------------------------


def test_the_inspector_and_hr_see_open_alerts_on_their_home(
    takes_part, client_for, organisation, inspector, hr, department
):
    record_inspection(organisation, inspector, department, on=date(2026, 9, 10))
    discipline_check(organisation=organisation, year=2026, month=9)
    for person in (inspector, hr):
        page = client_for(person).get(reverse("home")).content.decode()
        assert "2026年9月纪律作风检查仅1次，少于规定的2次" in page
        assert LIST_URL in page


def test_staff_see_no_alerts(client_for, organisation, staff):
    discipline_check(organisation=organisation, year=2026, month=9)
    assert 'data-testid="compliance-alerts"' not in client_for(staff).get(reverse("home")).content.decode()


def test_an_organisation_where_nobody_takes_part_requires_no_inspections(other_organisation):
    """A civil-service bureau that only oversees others (no staff in the appraisal) is not short."""
    assert discipline_check(organisation=other_organisation, year=2026, month=9) is None
    UserFactory(department__organisation=other_organisation)
    assert discipline_check(organisation=other_organisation, year=2026, month=9) is not None


def test_a_finding_without_its_severity_says_so_in_words(client_for, inspector, department):
    """A user test read Django's 这个字段是必填项。 under a finding's missing 严重程度."""
    from django.urls import reverse as _reverse

    data = {
        "date": "2026-11-02",
        "kind": "discipline",
        "departments": [department.pk],
        "note": "",
        "findings-TOTAL_FORMS": "1",
        "findings-INITIAL_FORMS": "0",
        "findings-0-department": department.pk,
        "findings-0-severity": "",
        "findings-0-description": "桌面杂乱",
    }
    page = client_for(inspector).post(_reverse("evaluations:inspection_create"), data).content.decode()
    assert "请选择严重程度。" in page and "这个字段是必填项" not in page


def test_an_alert_explained_leaves_the_home_page_and_keeps_its_explanation(
    takes_part, client_for, organisation, inspector, hr, department
):
    """A user test: a month short of inspections stayed on the home pages into the next year, and
    only an inspection back-dated into that month would clear it."""
    from accounts.models import AuditEntry

    discipline_check(organisation=organisation, year=2026, month=3)
    alert = ComplianceAlert.objects.get(organisation=organisation, year=2026, month=3)
    url = reverse("evaluations:compliance_alert_explain", args=[alert.pk])
    client = client_for(inspector)
    home = client.get(reverse("home")).content.decode()
    assert f'href="{url}" data-testid="explain-alert"' in home
    # An empty explanation is refused on the page and by the service.
    refused = client.post(url, {"explanation": "  "})
    assert refused.status_code == 400 and "请填写情况说明。" in refused.content.decode()
    with pytest.raises(ValidationError):
        inspections.compliance_alert_explain(alert=alert, actor=inspector, explanation="")
    done = client.post(url, {"explanation": "3月办公楼搬迁，检查顺延至4月。"}, follow=True)
    assert "已记录2026年3月检查频次的情况说明。" in done.content.decode()
    alert.refresh_from_db()
    explained = (alert.explanation, alert.explained_by, alert.resolved_at)
    assert explained == ("3月办公楼搬迁，检查顺延至4月。", inspector, None)
    for person in (inspector, hr):
        assert "2026年3月纪律作风检查" not in client_for(person).get(reverse("home")).content.decode()
    page = client_for(hr).get(url).content.decode()
    assert 'data-testid="alert-explained"' in page and "3月办公楼搬迁" in page
    assert 'data-testid="explain-submit"' not in page
    assert AuditEntry.objects.filter(object_pk=str(alert.pk), changes__has_key="explanation").exists()
    # Once only.
    with pytest.raises(ValidationError, match="已于"):
        inspections.compliance_alert_explain(alert=alert, actor=hr, explanation="再说明")


def test_only_the_organisations_inspectors_and_hr_explain_an_alert(
    takes_part, client_for, organisation, staff, head, other_organisation
):
    from tests.factories import UserFactory

    discipline_check(organisation=organisation, year=2026, month=3)
    alert = ComplianceAlert.objects.get(organisation=organisation)
    url = reverse("evaluations:compliance_alert_explain", args=[alert.pk])
    for person in (staff, head):
        assert client_for(person).post(url, {"explanation": "说明"}).status_code == 403
        with pytest.raises(PermissionDenied):
            inspections.compliance_alert_explain(alert=alert, actor=person, explanation="说明")
    outsider = UserFactory(organisation=other_organisation, roles=[Role.HR_ADMIN])
    assert client_for(outsider).post(url, {"explanation": "说明"}).status_code == 404
    alert.refresh_from_db()
    assert alert.explained_at is None


def test_an_explanation_does_not_stand_for_a_larger_shortfall(takes_part, organisation, inspector, department):
    """A review: an explained month whose only inspection was then deleted (1/2 → 0/2) stayed
    explained and off the home page."""
    inspection = record_inspection(organisation, inspector, department, on=date(2026, 3, 10))
    alert = discipline_check(organisation=organisation, year=2026, month=3)
    inspections.compliance_alert_explain(alert=alert, actor=inspector, explanation="3月办公楼搬迁")
    inspections.inspection_delete(inspection=inspection, actor=inspector, reason="重复录入")
    alert.refresh_from_db()
    assert (alert.inspections, alert.explained_at, alert.explanation) == (0, None, "")
