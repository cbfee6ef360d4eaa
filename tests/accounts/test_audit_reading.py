"""What the auditor reads of the trail, on the page and in its export (a user test's findings)."""

from django.urls import reverse


def test_the_source_address_shows_on_a_phone_too(client_for, auditor, staff, client):
    client.post(reverse("accounts:login"), {"username": staff.username, "password": "x"}, REMOTE_ADDR="192.0.2.9")
    html = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()
    [cell] = [part for part in html.split("<td")[1:] if "192.0.2.9" in part]
    assert "d-none" not in cell.split(">")[0]
