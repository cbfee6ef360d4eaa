"""An export in the auditor's log reads as an export (导出：纪律作风检查), not as something done to
the organisation (单位：纪律作风检查), and keeps everything its entry holds."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditEntry, AuditEvent, Job, Organisation


def _audit_workbook_rows(client) -> list[tuple]:
    response = client.post(reverse("accounts:audit_export"))
    assert response.status_code == 200
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_an_export_of_a_list_is_labelled_as_an_export_in_the_auditors_workbook(client_for, auditor, hr, organisation):
    client_for(hr).post(reverse("evaluations:inspection_export") + "?department=")
    entry = AuditEntry.objects.get(event=AuditEvent.EXPORT)
    # What the entry holds is unchanged: the organisation whose data left, what, and with which filters.
    assert (entry.content_type.model_class(), entry.object_pk) == (Organisation, str(organisation.pk))
    assert entry.object_repr == "纪律作风检查" and set(entry.changes_dict) == {"filters", "rows"}

    rows = _audit_workbook_rows(client_for(auditor))
    headers, exported = rows[0], [row for row in rows[1:] if row[2] == "导出个人数据"]
    assert len(exported) == 1
    row = dict(zip(headers, exported[0], strict=True))
    assert row["对象"] == "导出：纪律作风检查"
    assert row["操作人"] == hr.get_full_name() and "筛选条件：—" in row["内容"] and "行数：0" in row["内容"]
    assert not [cell for row in rows for cell in row if str(cell).startswith("单位：")]


@pytest.mark.usefixtures("private_files")
def test_an_export_written_by_a_job_keeps_the_job_in_its_label(
    client_for, auditor, hr, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(hr).post(reverse("roster_export_job") + "?year=2026&month=10")
    job = Job.objects.get()

    rows = _audit_workbook_rows(client_for(auditor))
    objects = [row[3] for row in rows[1:] if row[2] == "导出个人数据"]
    assert objects == [f"导出：提交情况导出 #{job.pk}（后台任务）"]


def test_the_auditors_page_and_home_say_export_too(client_for, auditor, hr):
    client_for(hr).post(reverse("evaluations:inspection_export") + "?department=")
    client = client_for(auditor)
    for url in (reverse("accounts:audit_list"), reverse("home")):
        page = client.get(url).content.decode()
        assert "导出：纪律作风检查" in page and "单位：纪律作风检查" not in page, url
