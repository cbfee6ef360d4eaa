"""What the auditor reads of the trail, on the page and in its export (a user test's findings): no
appraisal reason nor content through an automatic entry, no secret, labels instead of codes, names
instead of ids, a deleted object's name, an export's filters in words."""

import json
from datetime import date
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import services
from accounts.audit import acting_as, record_event
from accounts.models import AuditEntry, Job, Policy, StaffType
from evaluations.discipline.services.veto import VETO_FOR_FINDING
from evaluations.models import Severity, VetoFlag
from tests.factories import AppraisalQuarterFactory, FindingFactory, InspectionFactory, StaffStatusFactory, audited


@pytest.fixture(autouse=True)
def today(monkeypatch):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: date(2026, 12, 1))


def _read(client_for, auditor, query=""):
    """The audit page's rows and the export's cells, as the auditor reads them."""
    client = client_for(auditor)
    html = client.get(reverse("accounts:audit_list") + query).content.decode()
    rows = [row.split("</tr>")[0] for row in html.split('data-testid="audit-row"')[1:]]
    export = client.post(reverse("accounts:audit_export") + query)
    cells = [str(c.value) for row in load_workbook(BytesIO(export.content)).active.iter_rows() for c in row]
    return rows, cells


def _finding(inspector, staff, severity=Severity.MODERATE):
    inspection = InspectionFactory(inspector=inspector, date=date(2026, 5, 12), note="例行检查")
    inspection.departments.add(staff.department)
    return FindingFactory(inspection=inspection, person=staff, severity=severity, description="迟到")


def test_the_veto_reconciliation_after_a_corrected_finding_shows_neither_its_reason_nor_who_is_flagged(
    client_for, auditor, inspector, staff
):
    from tests.evaluations.helpers import correct_findings

    finding = _finding(inspector, staff)
    fields = {"severity": Severity.SERIOUS, "description": "迟到", "evidence": ""}
    with acting_as(inspector):
        correct_findings(finding.inspection, inspector, {finding.pk: fields}, reason="当事人承认饮酒")
    assert AuditEntry.objects.filter(event="job_run", reason="当事人承认饮酒").exists()
    rows, cells = _read(client_for, auditor)
    [reconcile] = [row for row in rows if "一票否决核对" in row]
    assert "新增否决标记</strong>：（考核内容，不显示）" in reconcile
    assert f"{staff.pk}/2026" not in reconcile
    for text in (*rows, *cells):
        assert "当事人承认饮酒" not in text
        assert f"{staff.pk}/2026/F" not in text


def test_the_webhook_token_and_the_robot_secret_read_only_as_changed_and_staff_types_by_label(
    client_for, auditor, hr, organisation
):
    policy = Policy.objects.get(organisation=organisation)
    policy.dingtalk_webhook_url = "https://oapi.dingtalk.com/robot/send?access_token=tok3n5ecret"
    policy.participating_staff_types = [*policy.participating_staff_types, StaffType.PUBLIC_WELFARE]
    with acting_as(hr):
        services.policy_update(policy=policy, reason="接入钉钉群", dingtalk_secret="SECplainsecret")
    encrypted = Policy.objects.get(pk=policy.pk).dingtalk_secret_encrypted
    rows, cells = _read(client_for, auditor)
    [row] = [row for row in rows if "钉钉" in row]
    assert "https://oapi.dingtalk.com/robot/send?access_token=已修改" in row
    assert "钉钉机器人加签密钥（加密保存）</strong>：已修改<" in row
    assert "公务员、参公人员、事业人员 → 公务员、参公人员、事业人员、公益性岗位" in row
    for text in (*rows, *cells):
        assert "tok3n5ecret" not in text and "SECplainsecret" not in text
        assert encrypted[-8:] not in text and "public_welfare" not in text
    assert any("access_token=已修改" in cell and "公益性岗位" in cell for cell in cells)


def test_a_new_policy_lists_its_staff_types_by_label(client_for, auditor, organisation):
    from tests.factories import OrganisationFactory

    with audited():
        other = OrganisationFactory(code="neworg", name="新单位")
    entry = AuditEntry.objects.filter(content_type__model="policy", action=AuditEntry.Action.CREATE).latest("pk")
    entry.organisation = organisation  # read by this organisation's auditor
    assert other.pk != organisation.pk
    assert dict(entry.auditor_changes)["参加平时考核的人员类别"] == "公务员、参公人员、事业人员"


def test_a_deleted_special_status_keeps_its_persons_name_and_a_veto_flag_names_no_one(
    client_for, auditor, hr, inspector, staff
):
    with audited():
        status = StaffStatusFactory(user=staff)
    with acting_as(hr):
        services.staff_status_remove(status=status, reason="休假结束")
    finding = _finding(inspector, staff, severity=Severity.SERIOUS)
    flag = VetoFlag.objects.create(person=staff, year=2026, finding=finding, reason="严重问题")
    flag.delete()
    rows, cells = _read(client_for, auditor)
    [deleted] = [row for row in rows if ">删除<" in row and "特殊状态" in row]
    assert "特殊状态：科员甲" in deleted
    vetoes = [row for row in rows if "一票否决" in row]
    assert len(vetoes) == 2
    for row in vetoes:
        assert "一票否决：2026年度" in row and "科员甲" not in row
    assert not [cell for cell in cells if "一票否决：" in cell and "科员甲" in cell]


def _job_entry(organisation, hr, *, kind, params, summary):
    from accounts.jobs import _audit_run

    job = Job.objects.create(
        kind=kind, organisation=organisation, params=params, summary=summary, requested_by=hr, state=Job.State.DONE
    )
    _audit_run(job)


def test_job_entries_name_what_their_ids_point_to_and_hide_who_is_flagged(
    client_for, auditor, hr, inspector, staff, organisation, department
):
    quarter = AppraisalQuarterFactory(organisation=organisation, year=2026, quarter=4)
    finding = _finding(inspector, staff, severity=Severity.SERIOUS)
    _job_entry(
        organisation, hr, kind="evaluations.rollup_quarter", params={"appraisal_quarter": quarter.pk}, summary={}
    )
    _job_entry(organisation, hr, kind=VETO_FOR_FINDING, params={"finding": finding.pk}, summary={"flags": 1})
    _job_entry(
        organisation,
        hr,
        kind="export.accounts.staff",
        params={"query": f"department={department.pk}&year=2026", "kwargs": {}},
        summary={},
    )
    record_event(
        event="job_run",
        obj=organisation,
        label="年度建议等次计算",
        organisation_id=organisation.pk,
        detail={"year": 2026, "suggestions_changed": 2, "people": f"{staff.pk}, 99"},
    )
    rows, cells = _read(client_for, auditor)
    text = "\n".join([*rows, *cells])
    assert "考核季度：2026年第4季度" in text and "考核季度编号" not in text
    # A veto job is asked only for a serious finding: naming it would say who holds a veto.
    assert "检查发现：（考核内容，不显示）" in text and "科员甲" not in text and "检查发现编号" not in text
    assert "否决标记数：（考核内容，不显示）" in text and "否决标记数：1" not in text
    assert f"筛选条件：科室：{department.name}，年度：2026" in text
    assert "页面参数" not in text and "{}" not in text
    assert "人员</strong>：（考核内容，不显示）" in text and f"{staff.pk}, 99" not in text


def test_an_exports_filters_read_as_labelled_values(client_for, auditor, hr, department):
    client_for(hr).post(
        reverse("accounts:staff_export") + f"?department={department.pk}&staff_type=civil_servant&sort=-name&page=2"
    )
    from django.contrib.contenttypes.models import ContentType

    policy = ContentType.objects.get_for_model(Policy).pk
    client_for(auditor).post(
        reverse("accounts:audit_export") + f"?date_from=2026-12-01&remote_addr=127.0.0.1&content_type={policy}"
    )
    rows, cells = _read(client_for, auditor, "?event=export")
    text = "\n".join(rows)
    assert f"筛选条件</strong>：科室：{department.name}，人员类别：公务员" in text
    assert "筛选条件</strong>：起始日期：2026-12-01，地址：127.0.0.1，对象类型：考核政策" in text
    assert "department=" not in text and "date_from=" not in text
    # The order and the page are no filters (a user test read 排序：-time).
    assert "排序" not in text and "-name" not in text
    assert not [cell for cell in cells if "department=" in cell or "remote_addr=" in cell]


def test_security_settings_are_named_so_and_a_name_of_no_account_as_a_user_name(
    client, client_for, auditor, security_admin, organisation
):
    policy = Policy.objects.get(organisation=organisation)
    policy.session_idle_minutes = 20
    with acting_as(security_admin):
        services.policy_update(policy=policy)
    client.post(reverse("accounts:login"), {"username": "nosuchuser", "password": "wrong-password"})
    rows, cells = _read(client_for, auditor)
    [settings] = [row for row in rows if "空闲超时" in row]
    assert f'data-label="对象">安全设置：{organisation.name}<' in settings.replace('data-testid="audit-object" ', "")
    assert "考核政策" not in settings
    [failed] = [row for row in rows if "nosuchuser" in row]
    assert "用户名：nosuchuser（无对应账号）" in failed and "人员：nosuchuser" not in failed
    assert "用户名：nosuchuser（无对应账号）" in cells


def test_the_source_address_shows_on_a_phone_too(client_for, auditor, staff, client):
    client.post(reverse("accounts:login"), {"username": staff.username, "password": "x"}, REMOTE_ADDR="192.0.2.9")
    html = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    [cell] = [part for part in html.split("<td")[1:] if "192.0.2.9" in part]
    assert "d-none" not in cell.split(">")[0]


def test_empty_job_values_are_left_out():
    from accounts.models import job_values_text

    assert job_values_text(json.dumps({"kwargs": {}, "rows": 3, "query": ""})) == "行数：3"


def test_an_exports_filters_name_no_record_of_another_organisation(
    client_for, auditor, organisation, other_organisation, inspector
):
    # A reviewer: the filters are what was typed in the address; ids of another agency's finding and
    # department, read back by name, told the auditor who there had a finding.
    from tests.factories import DepartmentFactory, UserFactory

    elsewhere = DepartmentFactory(organisation=other_organisation, name="外单位科室")
    outsider = UserFactory(organisation=other_organisation, department=elsewhere, full_name="外单位人员")
    finding = FindingFactory(inspection=InspectionFactory(organisation=other_organisation), person=outsider)
    client_for(auditor).post(reverse("accounts:audit_export") + f"?finding={finding.pk}&department={elsewhere.pk}")
    rows, cells = _read(client_for, auditor, "?event=export")
    text = "\n".join([*rows, *cells])
    assert "外单位" not in text
    assert f"#{elsewhere.pk}" in text


def test_an_exports_filters_read_in_english_for_an_english_reader(client_for, auditor, hr, department, settings):
    client_for(hr).post(reverse("accounts:staff_export") + f"?department={department.pk}&year=2026")
    client = client_for(auditor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(reverse("accounts:audit_list") + "?event=export").content.decode()
    assert f"Department: {department.name}, " in page
    assert "：" not in page.split("</thead>", 1)[-1].split(department.name, 1)[0][-20:]


def test_an_exports_room_filters_read_as_their_labels_not_codes(client_for, auditor, hr, organisation):
    """A user test read 筛选条件：类别：demerit for HR's sanction export filtered by 记过."""
    client_for(hr).post(reverse("evaluations:sanction_export") + "?year=2026&kind=demerit")
    client_for(hr).post(
        reverse("evaluations:annual_export", args=[2026])
        + "?suggested_grade=excellent&decided=deviating&eligible_excellent=true"
    )
    rows, cells = _read(client_for, auditor, "?event=export")
    text = "\n".join([*rows, *cells])
    assert "筛选条件</strong>：年度：2026，类别：记过" in text
    assert "建议等次：优秀，确定情况：与建议不一致，具备优秀资格：是" in text
    for code in ("demerit", "excellent", "deviating", "eligible_excellent", "true"):
        assert code not in text


def test_a_deleted_sanction_keeps_its_year_as_its_name(client_for, auditor, hr, staff):
    """A user test read 处分与组织处理 #3 for a sanction's entries once it was deleted."""
    from evaluations.discipline.models import Sanction, SanctionKind
    from evaluations.discipline.services.sanctions import sanction_delete, sanction_save

    sanction = Sanction(
        organisation=staff.organisation, person=staff, kind=SanctionKind.INVESTIGATION, decided_on=date(2026, 6, 1)
    )
    saved = sanction_save(sanction=sanction, actor=hr)
    sanction_delete(sanction=saved, actor=hr, reason="撤销立案")
    rows, _cells = _read(client_for, auditor)
    entries = [row for row in rows if "处分与组织处理" in row and ("新增" in row or ">删除<" in row)]
    assert len(entries) == 2
    for row in entries:
        assert "处分与组织处理：2026年度" in row and f"#{saved.pk}" not in row


def test_a_filter_code_named_twice_differently_is_refused_at_registration(monkeypatch):
    """Filters are named by key across lists: two lists calling one code by two names could not be
    told apart in an entry, so registering it is an error (the first label of a key stays)."""
    from accounts import models

    monkeypatch.setattr(models, "_ROOM_QUERY_FILTERS", {})
    models.register_query_filter("state", "状态", [("open", "进行中")])
    models.register_query_filter("state", "进度", [("open", "进行中"), ("closed", "已结束")])
    assert models._ROOM_QUERY_FILTERS["state"] == ("状态", [("open", "进行中"), ("closed", "已结束")])
    with pytest.raises(ValueError, match="open"):
        models.register_query_filter("state", "状态", [("open", "已开放")])
