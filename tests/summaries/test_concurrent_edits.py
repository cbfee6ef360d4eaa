"""Twenty people (and tabs) saving at the same moment (issue 13, "Nothing lost when a part fails").

Ten tabs of one person save the same summary on the same version, while ten colleagues each save
their own: every save either lands or is refused with the conflict message (its text kept as a
copy), and no "database is locked" or other database error reaches anyone.

Each writer is a thread with its own database connection, posting the autosave endpoint as the
page's script does. On SQLite the writers use a file database with the site's own settings (WAL,
BEGIN IMMEDIATE, busy timeout: settings.DATABASES), a copy of the test database made before they
start (the suite's in-memory database is shared in-process, not a file); on PostgreSQL (make
test-postgres) they use the test database itself.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from summaries import services
from summaries.models import MonthlySummary, SummaryConflictCopy
from tests.factories import UserFactory
from tests.support.concurrency import connected, file_copy_of_the_test_database, run_at_once

from .helpers import form_data

SAME_SUMMARY_TABS = 10
OWN_SUMMARY_WRITERS = 10
CONFLICT = "此小结已在其他页面更新，为避免覆盖，本次内容未保存，已另存为副本。"


@pytest.mark.django_db(transaction=True)
def test_twenty_writers_at_once_each_land_or_get_the_conflict_message(
    summary, staff, department, make_targets, october_now, tmp_path
):
    url = reverse("summaries:autosave", args=[summary.pk])
    writers = []
    signed_in = Client()
    signed_in.force_login(staff)
    for tab in range(SAME_SUMMARY_TABS):
        client = Client()  # one tab: the person's session, its own connection
        client.cookies = signed_in.cookies
        writers.append((client, url, form_data(summary, other_work=f"第{tab}个页面写的"), f"第{tab}个页面写的"))
    own_summaries = []
    for n in range(OWN_SUMMARY_WRITERS):
        colleague = UserFactory(username=f"writer{n}", department=department, roles=[Role.STAFF])
        make_targets(colleague)
        own = services.summary_get_or_create(owner=colleague, year=2026, month=10, now=october_now)
        own_summaries.append(own.pk)
        client = Client()
        client.force_login(colleague)
        text = f"同事{n}的小结"
        writers.append((client, reverse("summaries:autosave", args=[own.pk]), form_data(own, other_work=text), text))
    database = file_copy_of_the_test_database(tmp_path)

    def write(index: int) -> tuple:
        client, writer_url, data, _text = writers[index]
        response = client.post(writer_url, data)
        return (response.status_code, response.json())

    answers = run_at_once(database, len(writers), write)

    # An escaped error is the string "raised …", a thread that never finished None.
    escaped = [answer for answer in answers if not isinstance(answer, tuple) or answer[0] not in (200, 409)]
    assert not escaped, escaped
    same, own = answers[:SAME_SUMMARY_TABS], answers[SAME_SUMMARY_TABS:]
    assert [status for status, _body in own] == [200] * OWN_SUMMARY_WRITERS
    assert sorted(status for status, _body in same) == [200] + [409] * (SAME_SUMMARY_TABS - 1)
    assert all(CONFLICT in body["message"] for status, body in same if status == 409)

    with connected(database):
        winner = next(writers[i][3] for i, (status, _body) in enumerate(same) if status == 200)
        saved = MonthlySummary.objects.get(pk=summary.pk)
        assert (saved.other_work, saved.version) == (winner, summary.version + 1)
        # Nothing lost: every losing tab's text is kept as a copy, beside the one that landed.
        copies = sorted(c.payload["other_work"] for c in SummaryConflictCopy.objects.filter(summary=summary.pk))
        assert sorted([winner, *copies]) == sorted(text for _c, _u, _d, text in writers[:SAME_SUMMARY_TABS])
        texts = dict(MonthlySummary.objects.filter(pk__in=own_summaries).values_list("pk", "other_work"))
        assert [texts[pk] for pk in own_summaries] == [f"同事{n}的小结" for n in range(OWN_SUMMARY_WRITERS)]
