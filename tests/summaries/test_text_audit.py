"""A summary's text is audited like any other change: who, when, old → new, from where.

The text is written by a conditional UPDATE (the version check) and the notes by ``bulk_update``,
neither of which django-auditlog sees; the service writes their entries itself."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from accounts.models import AuditEntry
from summaries import services
from summaries.models import MonthlySummary, SummaryProgress

from .helpers import form_data, text_of


def _edits(model, pk):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), object_pk=str(pk), action=AuditEntry.Action.UPDATE
    ).order_by("pk")


def test_an_edit_through_the_page_records_the_old_and_new_text_with_its_author_and_address(client_for, summary, staff):
    row = summary.progress_notes.get(item_content="整理档案")
    response = client_for(staff).post(
        reverse("summaries:autosave", args=[summary.pk]),
        form_data(summary, other_work="接待来访群众12人次", notes={"整理档案": "已整理三季度档案"}),
        REMOTE_ADDR="10.1.2.3",
    )
    assert response.status_code == 200
    (entry,) = _edits(MonthlySummary, summary.pk)
    assert entry.changes_dict == {"other_work": ["", "接待来访群众12人次"]}
    assert entry.actor == staff
    assert entry.remote_addr == "10.1.2.3"
    assert entry.organisation_id == staff.organisation_id
    (note_entry,) = _edits(SummaryProgress, row.pk)
    assert note_entry.changes_dict == {"note": ["", "已整理三季度档案"]}
    assert note_entry.actor == staff and note_entry.remote_addr == "10.1.2.3"


def test_a_second_edit_records_what_the_first_wrote_as_the_old_value(summary, staff):
    saved = services.summary_autosave(
        summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary, problems="人手紧张")
    )
    services.summary_autosave(
        summary=saved, actor=staff, based_on_version=saved.version, text=text_of(saved, problems="人手紧张，已协调")
    )
    assert [entry.changes_dict for entry in _edits(MonthlySummary, summary.pk)] == [
        {"problems": ["", "人手紧张"]},
        {"problems": ["人手紧张", "人手紧张，已协调"]},
    ]
    # Outside a request the author is still named: the service knows who wrote.
    assert {entry.actor for entry in _edits(MonthlySummary, summary.pk)} == {staff}


def test_saving_unchanged_text_records_nothing(summary, staff):
    services.summary_autosave(summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary))
    assert not _edits(MonthlySummary, summary.pk).exists()
    assert not AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(SummaryProgress)).filter(
        action=AuditEntry.Action.UPDATE
    )


def test_a_refused_stale_save_records_no_change(summary, staff):
    stale = summary.version
    services.summary_autosave(
        summary=summary, actor=staff, based_on_version=stale, text=text_of(summary, other_work="手机上写的")
    )
    with pytest.raises(services.SummaryConflict):
        services.summary_autosave(
            summary=summary, actor=staff, based_on_version=stale, text=text_of(summary, other_work="电脑上写的")
        )
    assert [entry.changes_dict for entry in _edits(MonthlySummary, summary.pk)] == [{"other_work": ["", "手机上写的"]}]


def test_the_auditor_sees_that_the_text_changed_but_not_the_text(client_for, summary, staff, auditor):
    services.summary_autosave(
        summary=summary, actor=staff, based_on_version=summary.version, text=text_of(summary, other_work="保密的内容")
    )
    page = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    assert "其他工作" in page and "（考核内容，不显示）" in page
    assert "保密的内容" not in page


def test_the_entries_cost_one_insert_each_and_no_read_per_note(summary, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    notes = {row.item_content: f"{row.item_content}：已推进" for row in summary.progress_notes.all()}
    assert len(notes) == 2
    with CaptureQueriesContext(connection) as queries:
        services.summary_autosave(
            summary=summary,
            actor=staff,
            based_on_version=summary.version,
            text=text_of(summary, other_work="接待来访", notes=notes),
        )
    statements = [query["sql"] for query in queries.captured_queries]
    assert sum('INSERT INTO "accounts_auditentry"' in sql for sql in statements) == 3
    # The entries name the summary by its owner and each note by its item, read with the rows.
    assert not [
        sql
        for sql in statements
        if sql.startswith("SELECT") and ('FROM "accounts_user"' in sql or 'FROM "targets_targetitem"' in sql)
    ]
