"""Nobody judges their own case: an inspector who is also staff neither records a finding about
themselves nor lifts their own veto; a sanction's veto follows the sanction, not an inspector's
lifting; an inspection sent twice (back button, 保存 again) is saved once; a correction that changes
nothing is refused, and one that takes a veto away leaves its reason on the deletion's audit entry."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.audit import acting_as
from accounts.models import AuditEntry, Role
from evaluations.discipline.services import veto
from evaluations.models import Finding, Inspection, Severity, VetoFlag
from tests.evaluations.helpers import correct_findings, record_inspection
from tests.factories import SanctionFactory, UserFactory

ON = date(2026, 9, 10)


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))


@pytest.fixture
def inspecting_colleague(department):
    """A staff member of the department who also holds the 纪检督查 role."""
    return UserFactory(username="zou", full_name="邹霞国", department=department, roles=[Role.STAFF, Role.INSPECTOR])


def serious(person, text="上班时间饮酒"):
    return {"person": person, "severity": Severity.SERIOUS, "description": text}


def test_an_inspector_cannot_record_a_finding_about_themselves(organisation, department, inspecting_colleague):
    with pytest.raises(ValidationError) as refused:
        record_inspection(organisation, inspecting_colleague, department, findings=[serious(inspecting_colleague)])

    assert "不能记录关于本人的检查发现" in refused.value.messages[0]
    assert not Inspection.objects.exists()


def test_an_inspector_cannot_lift_their_own_veto_another_inspector_can(
    client_for, organisation, department, inspector, inspecting_colleague
):
    record_inspection(organisation, inspector, department, findings=[serious(inspecting_colleague)])
    flag = veto.veto_flags_for_finding(finding_id=Finding.objects.get(person=inspecting_colleague).pk)
    client = client_for(inspecting_colleague)

    listing = client.get(reverse("evaluations:veto_list"), {"year": 2026}).content.decode()
    assert reverse("evaluations:veto_lift", args=[flag.pk]) not in listing
    assert "本人事项，须由他人处理" in listing
    lift_url = reverse("evaluations:veto_lift", args=[flag.pk])
    response = client.post(lift_url, {"reason": "本人认为情节轻微"}, follow=True)
    assert "不能解除本人的一票否决" in response.content.decode()
    with pytest.raises(PermissionDenied):
        veto.veto_lift(flag=flag, actor=inspecting_colleague, reason="本人认为情节轻微")
    flag.refresh_from_db()
    assert flag.is_active

    veto.veto_lift(flag=flag, actor=inspector, reason="经复核情节轻微")
    flag.refresh_from_db()
    assert (flag.is_active, flag.lifted_by) == (False, inspector)


def test_a_sanctions_veto_is_not_lifted_by_an_inspector(client_for, inspector, staff):
    sanction = SanctionFactory(person=staff, decided_on=date(2026, 3, 1))
    (flag,) = veto.veto_flags_for_sanction(sanction_id=sanction.pk)
    client = client_for(inspector)

    listing = client.get(reverse("evaluations:veto_list"), {"year": 2026}).content.decode()
    assert reverse("evaluations:veto_lift", args=[flag.pk]) not in listing
    assert "随处分执行" in listing
    response = client.post(reverse("evaluations:veto_lift", args=[flag.pk]), {"reason": "复核"}, follow=True)
    assert "请组织人事科更正或删除该处分" in response.content.decode()
    flag.refresh_from_db()
    assert flag.is_active


def test_the_same_inspection_sent_again_is_saved_once_a_different_one_is_saved(
    organisation, department, inspector, staff, colleague
):
    record_inspection(organisation, inspector, department, findings=[serious(staff), serious(colleague, "迟到")])

    with pytest.raises(ValidationError) as refused:
        record_inspection(organisation, inspector, department, findings=[serious(colleague, "迟到"), serious(staff)])
    assert "未重复保存" in refused.value.messages[0]
    assert Inspection.objects.count() == 1

    record_inspection(organisation, inspector, department, findings=[serious(staff, "早退")])
    record_inspection(organisation, inspector, department, findings=[])
    assert Inspection.objects.count() == 3
    # An hour later the same reading is a second inspection (an afternoon check), not the form again.
    Inspection.objects.update(created_at=timezone.now() - timedelta(hours=1))
    record_inspection(organisation, inspector, department, findings=[])
    assert Inspection.objects.count() == 4


def _correct(inspection, actor, *, severity, reason="录入错误"):
    finding = inspection.findings.get()
    fields = {"severity": severity, "description": finding.description, "evidence": ""}
    return correct_findings(inspection, actor, {finding.pk: fields}, reason=reason)


def test_a_correction_that_changes_nothing_is_refused(organisation, department, inspector, staff):
    inspection = record_inspection(organisation, inspector, department, findings=[serious(staff)])

    with pytest.raises(ValidationError) as refused:
        _correct(inspection, inspector, severity=Severity.SERIOUS)

    assert refused.value.messages == ["没有改动，检查记录未更正。"]


def test_a_correction_that_takes_the_veto_away_leaves_its_reason_on_the_flags_deletion(
    organisation, department, inspector, staff
):
    inspection = record_inspection(organisation, inspector, department, findings=[serious(staff)])
    veto.veto_flags_for_finding(finding_id=inspection.findings.get().pk)

    with acting_as(inspector):
        _correct(inspection, inspector, severity=Severity.MODERATE, reason="经复核为较重问题")

    assert not VetoFlag.objects.exists()
    deleted = AuditEntry.objects.get(content_type__model="vetoflag", action=AuditEntry.Action.DELETE)
    assert (deleted.reason, deleted.actor) == ("经复核为较重问题", inspector)


def test_hr_records_corrects_or_deletes_no_sanction_about_themselves(client_for, department, hr, staff):
    from evaluations.discipline.services.sanctions import sanction_delete, sanction_save
    from evaluations.models import Sanction, SanctionKind

    personnel_officer = UserFactory(
        username="renshi", full_name="人事干部", department=department, roles=[Role.STAFF, Role.HR_ADMIN]
    )
    with pytest.raises(PermissionDenied, match="关于本人的处分"):
        sanction_save(
            sanction=Sanction(person=personnel_officer, kind=SanctionKind.WARNING, decided_on=date(2026, 3, 1)),
            actor=personnel_officer,
        )
    assert not Sanction.objects.exists()

    own = sanction_save(
        sanction=Sanction(person=personnel_officer, kind=SanctionKind.WARNING, decided_on=date(2026, 3, 1)), actor=hr
    )
    with pytest.raises(PermissionDenied):
        sanction_delete(sanction=own, actor=personnel_officer, reason="录入错误")
    own.kind = SanctionKind.ORGANISATIONAL
    with pytest.raises(PermissionDenied):
        sanction_save(sanction=own, actor=personnel_officer)
    own.refresh_from_db()
    assert own.kind == SanctionKind.WARNING
    # Moving someone else's sanction onto themselves is refused as well; another HR officer may.
    other = sanction_save(
        sanction=Sanction(person=staff, kind=SanctionKind.WARNING, decided_on=date(2026, 3, 1)), actor=hr
    )
    other.person = personnel_officer
    with pytest.raises(PermissionDenied):
        sanction_save(sanction=other, actor=personnel_officer)
    sanction_delete(sanction=own, actor=hr, reason="录入错误")
    assert list(Sanction.objects.values_list("person", flat=True)) == [staff.pk]
