"""Who may open whose targets by URL — and, as carefully, who may not (a 404, never a hint)."""

import pytest
from django.urls import reverse

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = [pytest.mark.django_db, pytest.mark.engine_neutral]

DETAIL_READERS = {
    # persona → may read a staff member's set of the department
    "staff": True,
    "head": True,
    "leader": True,
    "hr": True,
    "colleague": False,
    "other_head": False,
    "other_leader": False,
    "chief": True,  # reads every set of the organisation (approving the quarter), read only
    "inspector": False,
    "outsider": False,
    "sysadmin": False,
    "auditor": False,
}


@pytest.mark.parametrize(("persona", "allowed"), sorted(DETAIL_READERS.items()))
def test_who_may_open_a_staff_members_target_set(request, client, staff, make_target_set, persona, allowed):
    target_set = make_target_set(staff, state="submitted")
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("targets:detail", args=[target_set.pk]))
    assert response.status_code == (200 if allowed else 404)


@pytest.mark.parametrize(
    "name", ["targets:detail", "targets:approve", "targets:return", "targets:assign_item", "targets:record_completion"]
)
@pytest.mark.parametrize("persona", ["colleague", "other_head", "outsider", "sysadmin"])
def test_posting_to_someone_elses_set_is_a_404_and_changes_nothing(
    request, client, staff, make_target_set, name, persona
):
    target_set = make_target_set(staff, state="submitted")
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse(name, args=[target_set.pk]), {"reason": "x", "content": "x", "version": 1})
    assert response.status_code == 404
    target_set.refresh_from_db()
    assert target_set.status == "submitted"
    assert target_set.items.count() == 1


def test_readers_who_are_not_the_reviewer_cannot_decide(client_for, staff, leader, hr, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    for person in (leader, hr):
        client = client_for(person)
        assert client.post(reverse("targets:approve", args=[target_set.pk])).status_code == 403
        assert client.post(reverse("targets:return", args=[target_set.pk]), {"reason": "x"}).status_code == 403
    target_set.refresh_from_db()
    assert target_set.status == "submitted"


def test_a_reader_cannot_edit_a_draft(client_for, staff, head, make_target_set):
    target_set = make_target_set(staff)
    response = client_for(head).post(reverse("targets:detail", args=[target_set.pk]), {"version": target_set.version})
    assert response.status_code == 403


def test_the_review_buttons_show_only_to_the_reviewer(client_for, staff, head, leader, make_target_set):
    target_set = make_target_set(staff, state="submitted")
    url = reverse("targets:detail", args=[target_set.pk])
    assert "退回修改" in client_for(head).get(url).content.decode()
    assert "退回修改" not in client_for(leader).get(url).content.decode()
    assert "退回修改" not in client_for(staff).get(url).content.decode()


@pytest.mark.parametrize("persona", ["sysadmin", "auditor"])
def test_the_separated_roles_have_no_targets_pages(request, client, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("targets:my_targets")).status_code == 403
    assert client.get(reverse("targets:goal_list")).status_code == 403


def test_a_stranger_is_sent_to_log_in(client, organisation):
    response = client.get(reverse("targets:my_targets"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]
