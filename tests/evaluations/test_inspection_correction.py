"""更正: an inspection's own inspector corrects it with a reason; every change is audited old → new,
and a finding's severity change re-derives its veto flag."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.audit import acting_as
from accounts.models import AuditEntry, Role
from evaluations.discipline.services.inspections import inspection_correct
from evaluations.models import Finding, Severity, VetoFlag
from tests.evaluations.helpers import correct_findings
from tests.factories import FindingFactory, InspectionFactory, UserFactory


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))


@pytest.fixture
def finding(inspector, staff):
    inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, 12), note="例行检查")
    inspection.departments.add(staff.department)
    return FindingFactory(inspection=inspection, person=staff, severity=Severity.MODERATE, description="迟到")


def _correct(finding, actor, *, severity=None, reason="录入错误", when=None, description=None):
    inspection = finding.inspection
    return inspection_correct(
        inspection=inspection,
        actor=actor,
        reason=reason,
        date=when or inspection.date,
        kind=inspection.kind,
        note=inspection.note,
        findings={
            finding.pk: {
                "severity": severity or finding.severity,
                "description": description or finding.description,
                "evidence": finding.evidence,
            }
        },
    )


def test_raising_a_finding_to_serious_raises_its_veto_flag_and_lowering_it_removes_it(finding, inspector, staff):
    _correct(finding, inspector, severity=Severity.SERIOUS)
    flag = VetoFlag.objects.get(person=staff, finding=finding)
    assert flag.year == 2026
    finding.refresh_from_db()
    _correct(finding, inspector, severity=Severity.MINOR, reason="经复核为一般问题")
    assert not VetoFlag.objects.filter(finding=finding).exists()


def test_the_correction_is_audited_old_to_new_with_its_reason(finding, inspector):
    with acting_as(inspector):
        _correct(finding, inspector, severity=Severity.SERIOUS, description="上班时间饮酒", reason="笔误，更正描述")
    entry = AuditEntry.objects.filter(object_pk=str(finding.pk), content_type__model="finding").latest("pk")
    assert entry.actor == inspector
    assert entry.changes_dict["severity"] == ["moderate", "serious"]
    assert entry.changes_dict["description"] == ["迟到", "上班时间饮酒"]
    assert entry.reason == "笔误，更正描述"


def test_moving_the_date_to_another_year_moves_the_flag(finding, inspector, staff):
    _correct(finding, inspector, severity=Severity.SERIOUS)
    finding.refresh_from_db()
    _correct(finding, inspector, when=date(2025, 12, 20))
    assert list(VetoFlag.objects.filter(finding=finding).values_list("year", flat=True)) == [2025]


def test_a_correction_needs_a_reason(finding, inspector):
    with pytest.raises(ValidationError):
        _correct(finding, inspector, severity=Severity.SERIOUS, reason="  ")
    assert Finding.objects.get(pk=finding.pk).severity == Severity.MODERATE


def test_only_its_own_inspector_corrects_it(finding, organisation, hr):
    other_inspector = UserFactory(organisation=organisation, department=None, roles=[Role.INSPECTOR])
    for person in (other_inspector, hr):
        with pytest.raises(PermissionDenied):
            _correct(finding, person, severity=Severity.SERIOUS)
    assert not VetoFlag.objects.exists()


def _correction_form(inspection, *, reason: str, findings: dict) -> dict:
    """The correction page's form as posted: the inspection's date, kind and note kept, the reason,
    and each finding's fields as they stand but for those given (finding → {field: value})."""
    data = {"date": inspection.date.isoformat(), "kind": inspection.kind, "note": inspection.note, "reason": reason}
    for finding, changed in findings.items():
        fields = {
            "person": finding.person_id or "",
            "severity": finding.severity,
            "description": finding.description,
            "evidence": finding.evidence,
        }
        data |= {f"{name}_{finding.pk}": value for name, value in (fields | changed).items()}
    return data


def test_the_correction_page_saves_and_is_refused_to_others(client_for, finding, inspector, hr, staff):
    url = reverse("evaluations:inspection_correct", args=[finding.inspection.pk])
    client = client_for(inspector)
    assert client.get(url).status_code == 200
    detail = client.get(reverse("evaluations:inspection_detail", args=[finding.inspection.pk])).content.decode()
    assert 'data-testid="correct-inspection"' in detail
    data = _correction_form(
        finding.inspection, reason="复核后确认为严重", findings={finding: {"severity": Severity.SERIOUS}}
    )
    response = client.post(url, data)
    assert response.status_code == 302
    assert VetoFlag.objects.filter(finding=finding).exists()
    assert client_for(hr).get(url).status_code == 403
    assert client_for(hr).post(url, {"reason": "x"}).status_code == 403
    assert client_for(staff).get(url).status_code == 404


def _move(finding, actor, *, person=None, department=None, withdrawn=False, reason="记错了人"):
    fields = {"person": person, "department": department, "withdrawn": withdrawn}
    fields |= {"severity": finding.severity, "description": finding.description, "evidence": finding.evidence}
    return correct_findings(finding.inspection, actor, {finding.pk: fields}, reason=reason)


def _year_recomputations(organisation):
    from accounts.models import Job
    from evaluations.year_rollup import ROLLUP_YEAR

    return Job.objects.filter(kind=ROLLUP_YEAR, organisation=organisation)


def test_a_serious_finding_about_the_wrong_person_moves_its_veto_flag_to_the_right_one(
    finding, inspector, staff, colleague
):
    _correct(finding, inspector, severity=Severity.SERIOUS)
    finding.refresh_from_db()
    with acting_as(inspector):
        _move(finding, inspector, person=colleague)
    finding.refresh_from_db()
    assert finding.person == colleague
    assert list(VetoFlag.objects.filter(finding=finding).values_list("person", flat=True)) == [colleague.pk]
    entry = AuditEntry.objects.filter(object_pk=str(finding.pk), content_type__model="finding").latest("pk")
    assert entry.changes_dict["person"] == [str(staff.pk), str(colleague.pk)]
    assert entry.reason == "记错了人"


def test_a_finding_moved_to_a_department_takes_the_persons_flag_away(finding, inspector, staff):
    _correct(finding, inspector, severity=Severity.SERIOUS)
    finding.refresh_from_db()
    _move(finding, inspector, department=staff.department)
    assert Finding.objects.get(pk=finding.pk).department == staff.department
    assert not VetoFlag.objects.filter(finding=finding).exists()


def test_it_refuses_to_move_a_finding_to_someone_outside_the_departments_covered(finding, inspector, organisation):
    from tests.factories import DepartmentFactory

    elsewhere = UserFactory(organisation=organisation, department=DepartmentFactory(organisation=organisation))
    with pytest.raises(ValidationError) as refused:
        _move(finding, inspector, person=elsewhere)
    assert "不在本次检查范围内" in " ".join(refused.value.messages)
    with pytest.raises(ValidationError):
        _move(finding, inspector, person=inspector)
    assert Finding.objects.get(pk=finding.pk).person_id == finding.person_id


def test_a_withdrawn_finding_goes_with_its_flag_audited_with_the_reason_and_the_year_is_recomputed(
    finding, inspector, organisation
):
    _correct(finding, inspector, severity=Severity.SERIOUS)
    finding.refresh_from_db()
    flag = VetoFlag.objects.get(finding=finding)
    _year_recomputations(organisation).delete()
    with acting_as(inspector):
        _move(finding, inspector, person=finding.person, withdrawn=True, reason="误记，当天该同志休假")
    assert not Finding.objects.filter(pk=finding.pk).exists()
    assert not VetoFlag.objects.filter(pk=flag.pk).exists()
    for model, pk in (("finding", finding.pk), ("vetoflag", flag.pk)):
        entry = AuditEntry.objects.filter(object_pk=str(pk), content_type__model=model).latest("pk")
        assert entry.reason == "误记，当天该同志休假"
    assert _year_recomputations(organisation).filter(params__year=2026).exists()


def test_the_correction_page_moves_and_withdraws_findings(client_for, finding, inspector, staff, colleague):
    other = FindingFactory(inspection=finding.inspection, person=staff, severity=Severity.SERIOUS, description="脱岗")
    url = reverse("evaluations:inspection_correct", args=[finding.inspection.pk])
    client = client_for(inspector)
    page = client.get(url).content.decode()
    assert f'name="person_{finding.pk}"' in page and f'name="withdraw_{other.pk}"' in page
    assert "data-confirm-checked" in page
    changed = {finding: {"person": colleague.pk}, other: {"description": "", "withdraw": "on"}}
    response = client.post(url, _correction_form(finding.inspection, reason="更正涉及人员，撤销误记", findings=changed))
    assert response.status_code == 302
    assert Finding.objects.get(pk=finding.pk).person == colleague
    assert not Finding.objects.filter(pk=other.pk).exists()


def test_a_lifted_flag_stays_lifted_with_its_reason_when_the_severity_goes_away_from_serious_and_back(
    client_for, finding, inspector, staff, organisation
):
    from evaluations.discipline.services.veto import veto_lift

    other_inspector = UserFactory(organisation=organisation, department=None, roles=[Role.INSPECTOR])
    _correct(finding, inspector, severity=Severity.SERIOUS)
    finding.refresh_from_db()
    flag = VetoFlag.objects.get(finding=finding)
    veto_lift(flag=flag, actor=other_inspector, reason="经核实情节轻微，已当面整改")
    _correct(finding, inspector, severity=Severity.MODERATE, reason="复核为较重")
    finding.refresh_from_db()
    kept = VetoFlag.objects.get(finding=finding)
    assert (kept.pk, kept.is_active, kept.lift_reason) == (flag.pk, False, "经核实情节轻微，已当面整改")
    page = client_for(other_inspector).get(reverse("evaluations:veto_list")).content.decode()
    assert "经核实情节轻微，已当面整改" in page and 'data-testid="finding-no-longer-serious"' in page
    _correct(finding, inspector, severity=Severity.SERIOUS, reason="再次复核为严重")
    again = VetoFlag.objects.get(finding=finding)
    assert (again.pk, again.is_active, again.lift_reason) == (flag.pk, False, "经核实情节轻微，已当面整改")
    assert not VetoFlag.objects.filter(person=staff, lifted_at__isnull=True).exists()


def test_a_lifted_flag_moves_with_its_findings_year_and_goes_when_the_finding_is_about_someone_else(
    finding, inspector, staff, colleague, organisation
):
    from evaluations.discipline.services.veto import veto_lift

    other_inspector = UserFactory(organisation=organisation, department=None, roles=[Role.INSPECTOR])
    _correct(finding, inspector, severity=Severity.SERIOUS)
    finding.refresh_from_db()
    flag = veto_lift(flag=VetoFlag.objects.get(finding=finding), actor=other_inspector, reason="情节轻微")
    _correct(finding, inspector, when=date(2025, 12, 20))
    finding.refresh_from_db()
    assert list(VetoFlag.objects.filter(finding=finding).values_list("pk", "year", "lift_reason")) == [
        (flag.pk, 2025, "情节轻微")
    ]
    _move(finding, inspector, person=colleague)
    assert list(VetoFlag.objects.filter(finding=finding).values_list("person", "lifted_at")) == [(colleague.pk, None)]


def test_the_correction_page_offers_only_the_people_and_departments_the_inspection_covered(
    client_for, finding, inspector, staff, colleague, organisation
):
    """A user test: every person of the agency was offered, and choosing one of a department the
    inspection did not cover was refused with 请勾选其科室, which this page cannot do."""
    from tests.factories import DepartmentFactory

    elsewhere = UserFactory(organisation=organisation, department=DepartmentFactory(organisation=organisation))
    url = reverse("evaluations:inspection_correct", args=[finding.inspection.pk])
    client = client_for(inspector)
    page = client.get(url).content.decode()
    people = page.split(f'name="person_{finding.pk}"')[1].split("</select>")[0]
    departments = page.split(f'name="department_{finding.pk}"')[1].split("</select>")[0]
    assert f'value="{colleague.pk}"' in people and f'value="{elsewhere.pk}"' not in people
    assert f'value="{staff.department_id}"' in departments
    assert f'value="{elsewhere.department_id}"' not in departments
    data = _correction_form(finding.inspection, reason="更正涉及人员", findings={finding: {"person": elsewhere.pk}})
    response = client.post(url, data)
    assert "请勾选其科室" not in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).person == staff


def test_a_correction_without_a_reason_says_what_is_missing(client_for, finding, inspector):
    url = reverse("evaluations:inspection_correct", args=[finding.inspection.pk])
    data = _correction_form(finding.inspection, reason="", findings={finding: {}})
    response = client_for(inspector).post(url, data)
    assert "更正检查记录须说明理由。" in response.content.decode()


def test_its_inspector_deletes_an_inspection_recorded_in_error_with_its_findings_and_flags(
    client_for, finding, inspector, staff, hr
):
    """A user test: an inspection recorded by mistake could not be deleted, only its findings
    withdrawn, and it went on counting towards the month's required number."""
    from evaluations.models import Inspection

    serious = FindingFactory(inspection=finding.inspection, person=staff, severity=Severity.SERIOUS, description="脱岗")
    from evaluations.discipline.services import veto

    veto.veto_flags_for_finding(finding_id=serious.pk)
    assert VetoFlag.objects.filter(finding=serious).exists()
    url = reverse("evaluations:inspection_delete", args=[finding.inspection.pk])
    detail = reverse("evaluations:inspection_detail", args=[finding.inspection.pk])
    assert f'href="{url}"' in client_for(inspector).get(detail).content.decode()
    assert client_for(hr).get(url).status_code == 403
    client = client_for(inspector)
    page = client.get(url).content.decode()
    assert "2项发现将一并撤销" in page and f"将撤销对{staff.full_name}的一票否决" in page
    assert Inspection.objects.filter(pk=finding.inspection.pk).exists()  # a GET never writes
    refused = client.post(url, {"reason": ""})
    assert "删除检查记录须说明理由。" in refused.content.decode()
    assert Inspection.objects.filter(pk=finding.inspection.pk).exists()
    response = client.post(url, {"reason": "重复录入"})
    assert response.status_code == 302
    assert not Inspection.objects.filter(pk=finding.inspection.pk).exists()
    assert not Finding.objects.filter(pk__in=[finding.pk, serious.pk]).exists()
    assert not VetoFlag.objects.exists()
    deleted = AuditEntry.objects.filter(content_type__model="inspection", action=AuditEntry.Action.DELETE).get()
    assert deleted.reason == "重复录入"


def test_only_its_own_inspector_deletes_an_inspection(finding, organisation):
    from evaluations.discipline.services.inspections import inspection_delete

    another = UserFactory(organisation=organisation, department=None, roles=[Role.INSPECTOR])
    with pytest.raises(PermissionDenied):
        inspection_delete(inspection=finding.inspection, actor=another, reason="误录")
    assert Finding.objects.filter(pk=finding.pk).exists()


def test_an_inspection_without_findings_is_deleted_with_the_month_checked_again(client_for, inspector, staff):
    from evaluations.models import Inspection

    inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, 12), note="例行检查")
    url = reverse("evaluations:inspection_delete", args=[inspection.pk])
    client = client_for(inspector)
    page = client.get(url).content.decode()
    assert "该月的检查次数随之减少" in page and "项发现将一并撤销" not in page
    assert client.post(url, {"reason": "误录"}).status_code == 302
    assert not Inspection.objects.filter(pk=inspection.pk).exists()
    # May has ended (today is 1 December): its count is checked again, now short of the policy's.
    from evaluations.models import ComplianceAlert

    alert = ComplianceAlert.objects.get(organisation=inspection.organisation, year=2026, month=5)
    assert alert.inspections == 0 and alert.resolved_at is None


def test_the_deletion_names_only_a_veto_that_still_stands(client_for, finding, inspector, staff):
    """A review: a veto an inspector had lifted was named as one the deletion would withdraw."""
    from django.utils import timezone

    from evaluations.discipline.services import veto

    serious = FindingFactory(inspection=finding.inspection, person=staff, severity=Severity.SERIOUS, description="脱岗")
    flag = veto.veto_flags_for_finding(finding_id=serious.pk)
    url = reverse("evaluations:inspection_delete", args=[finding.inspection.pk])
    assert f"将撤销对{staff.full_name}的一票否决" in client_for(inspector).get(url).content.decode()
    VetoFlag.objects.filter(pk=flag.pk).update(lifted_at=timezone.now(), lift_reason="复核后解除")
    assert "的一票否决" not in client_for(inspector).get(url).content.decode()


def test_the_inspection_page_lists_its_corrections_with_their_reasons(client_for, finding, inspector, hr, staff):
    """A user test: a 严重 finding corrected to 较重 (its veto gone) left no trace HR or the agency
    head could read; the audit log is the auditor's, who is shown no appraisal content."""
    extra = FindingFactory(inspection=finding.inspection, person=staff, severity=Severity.MINOR, description="着装")
    with acting_as(inspector):
        _correct(finding, inspector, severity=Severity.SERIOUS, reason="核实为严重问题")
    finding.refresh_from_db()
    with acting_as(inspector):
        _correct(finding, inspector, severity=Severity.MODERATE, reason="经复核为较重问题")
        correct_findings(finding.inspection, inspector, {extra.pk: {"withdrawn": True}}, reason="误录，撤销")
    page = client_for(hr).get(reverse("evaluations:inspection_detail", args=[finding.inspection.pk])).content.decode()
    lines = page.split('data-testid="corrections"')[1].split("</ol>")[0].split('data-testid="correction"')[1:]
    assert len(lines) == 3
    assert "核实为严重问题" in lines[0] and "严重程度：较重 → 严重" in lines[0]
    assert inspector.get_full_name() in lines[0]
    assert "经复核为较重问题" in lines[1] and "严重程度：严重 → 较重" in lines[1]
    assert "误录，撤销" in lines[2] and '撤销发现1项：<span class="text-break">“着装”</span>' in lines[2]
    # A finding corrected and then withdrawn keeps its corrections listed (a re-test saw them go).
    with acting_as(inspector):
        correct_findings(finding.inspection, inspector, {finding.pk: {"withdrawn": True}}, reason="整条撤销")
    page = client_for(hr).get(reverse("evaluations:inspection_detail", args=[finding.inspection.pk])).content.decode()
    lines = page.split('data-testid="corrections"')[1].split("</ol>")[0].split('data-testid="correction"')[1:]
    assert len(lines) == 4 and "核实为严重问题" in lines[0] and "“迟到”" in lines[3]
