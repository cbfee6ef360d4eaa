"""A set's submission history names each item's kind in the reader's language, whoever's language
the owner handed it in with (a user test read 重点工作 on an English page and Key task on a Chinese
one: the label was stored as the owner's page said it)."""

import pytest
from django.urls import reverse
from django.utils import translation

from targets import services

pytestmark = pytest.mark.django_db


def test_the_history_names_the_kind_in_the_readers_language(client_for, staff, head, make_target_set):
    target_set = make_target_set(staff)
    with translation.override("en"):
        services.target_set_submit(target_set=target_set, actor=staff, version=target_set.version)
    assert target_set.revisions.get().items[0]["kind_label"] == "Key task"
    client = client_for(head)
    page = client.get(target_set.get_absolute_url()).content.decode()
    history = page.split('data-testid="revision"', 1)[1]
    assert "（重点工作" in history and "Key task" not in history
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    history = client.get(target_set.get_absolute_url()).content.decode().split('data-testid="revision"', 1)[1]
    assert " (Key task" in history and "重点工作" not in history and "（" not in history.split("</ol>")[0]
