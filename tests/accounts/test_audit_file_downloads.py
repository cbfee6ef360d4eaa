"""A download of a file that is no record (the initial passwords, an import template) reads on the
audit page as that file (文件：…), not as something done to a person."""

from django.urls import reverse

from accounts.models import AuditEntry, AuditEvent
from tests.accounts.test_import_passwords import PASSWORDS, imported


def test_the_initial_passwords_download_reads_as_the_file_on_the_audit_page(
    client_for, hr, auditor, department, organisation
):
    client = client_for(hr)
    imported(client, organisation)
    assert client.post(PASSWORDS).status_code == 200

    entry = AuditEntry.objects.get(event=AuditEvent.DOWNLOAD)
    assert (entry.actor, entry.organisation_id) == (hr, organisation.pk)
    assert entry.auditor_object_text == "文件：initial_passwords.xlsx"
    body = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "文件：initial_passwords.xlsx" in body
    assert "人员：initial_passwords.xlsx" not in body


def test_an_import_template_download_reads_as_the_file(client_for, hr):
    assert client_for(hr).get(reverse("accounts:staff_import_template")).status_code == 200
    entry = AuditEntry.objects.get(event=AuditEvent.DOWNLOAD)
    assert entry.auditor_object_text == "文件：staff_import_template.xlsx"


def test_a_download_of_a_record_keeps_its_kind(client_for, hr, staff):
    from accounts.audit import record_event

    entry = record_event(event="download", obj=staff, actor=hr, label="2026年度考核登记表.pdf")
    assert entry.auditor_object_text == "人员：2026年度考核登记表.pdf"
