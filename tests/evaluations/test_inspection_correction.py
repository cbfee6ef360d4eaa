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


def test_the_correction_page_saves_and_is_refused_to_others(client_for, finding, inspector, hr, staff):
    url = reverse("evaluations:inspection_correct", args=[finding.inspection.pk])
    client = client_for(inspector)
    assert client.get(url).status_code == 200
    detail = client.get(reverse("evaluations:inspection_detail", args=[finding.inspection.pk])).content.decode()
    assert 'data-testid="correct-inspection"' in detail
    response = client.post(
        url,
        {
            "date": "2026-05-12",
            "kind": finding.inspection.kind,
            "note": "例行检查",
            "reason": "复核后确认为严重",
            f"severity_{finding.pk}": Severity.SERIOUS,
            f"description_{finding.pk}": "迟到",
            f"evidence_{finding.pk}": "",
        },
    )
    assert response.status_code == 302
    assert VetoFlag.objects.filter(finding=finding).exists()
    assert client_for(hr).get(url).status_code == 403
    assert client_for(hr).post(url, {"reason": "x"}).status_code == 403
    assert client_for(staff).get(url).status_code == 404
