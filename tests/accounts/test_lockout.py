"""Lockout by the pair (account, source address) and by source address; password-change guesses count."""

import pytest
from django.urls import reverse

from accounts.lockout import failed_sign_ins
from accounts.models import Role
from tests.accounts.helpers import lock_out, sign_in
from tests.factories import UserFactory

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral


@pytest.fixture
def ten_accounts(department):
    return [UserFactory(username=f"user{n}", department=department) for n in range(10)]


def test_forty_failures_spread_over_ten_accounts_from_one_address_are_stopped(client, ten_accounts, password):
    statuses = [sign_in(client, f"user{n % 10}", "wrong-password").status_code for n in range(40)]
    assert statuses[:29] == [200] * 29
    assert set(statuses[29:]) == {429}  # the 30th failure locks the address
    # Even the right password of an account that was never guessed is refused from that address ...
    assert sign_in(client, "user0", password).status_code == 429
    assert "_auth_user_id" not in client.session
    # ... while the same account signs in from another address.
    assert sign_in(client, "user0", password, address="10.0.0.7").status_code == 302


def test_failures_from_one_address_below_its_limit_do_not_stop_other_accounts(client, ten_accounts, password):
    for n in range(29):
        sign_in(client, f"user{n % 10}", "wrong-password")
    assert sign_in(client, "user9", password).status_code == 302


def test_an_anonymous_attacker_cannot_lock_the_agency_head_out_of_her_own_desk(client, chief, password):
    for _ in range(10):
        sign_in(client, "chief", "wrong-password", address="203.0.113.9")
    assert sign_in(client, "chief", password, address="203.0.113.9").status_code == 429
    # The owner, at her own address, is not locked.
    assert sign_in(client, "chief", password, address="10.1.2.3").status_code == 302


def test_a_forged_forwarded_for_header_neither_frees_the_attacker_nor_locks_the_owner(client, chief, password):
    lock_out(client, "chief", address="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.2.3")
    # The attacker's own connection is locked, whatever address it claims ...
    response = sign_in(client, "chief", password, address="203.0.113.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    assert response.status_code == 429
    # ... and the owner at the address the attacker wrote is not.
    assert sign_in(client, "chief", password, address="10.1.2.3").status_code == 302


def test_behind_the_trusted_proxy_the_lockout_keys_on_the_forwarded_client_address(client, chief, password, settings):
    # In production every request reaches gunicorn from nginx on 127.0.0.1.
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for _ in range(10):
        sign_in(client, "chief", "wrong-password", address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    attacker = sign_in(client, "chief", password, address="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert attacker.status_code == 429
    # The owner, through the same proxy from her own desk, is not locked.
    owner = sign_in(client, "chief", password, address="127.0.0.1", HTTP_X_FORWARDED_FOR="10.1.2.3")
    assert owner.status_code == 302


def test_signing_in_to_an_own_account_does_not_clear_the_addresss_failures(client, ten_accounts, password):
    attacker = UserFactory(username="attacker", department=ten_accounts[0].department)
    for n in range(29):
        sign_in(client, f"user{n % 10}", "wrong-password")
    assert sign_in(client, attacker.username, password).status_code == 302
    client.logout()
    sign_in(client, "user1", "wrong-password")
    assert sign_in(client, "user2", password).status_code == 429


def _change(client, old, new="Nq8#wertZ", address="10.0.0.66"):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
        REMOTE_ADDR=address,
    )


def test_wrong_current_passwords_on_the_change_form_lock_the_account_and_end_the_session(client, staff, password):
    client.force_login(staff)
    for _ in range(4):
        assert _change(client, "wrong-password").status_code == 200
    response = _change(client, "wrong-password")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # The pair is locked for sign-in too, even with the right password.
    assert sign_in(client, "staff", password).status_code == 429
    staff.refresh_from_db()
    assert staff.check_password(password)


def test_a_locked_pair_cannot_use_the_change_form_with_the_right_password(client, staff, password):
    lock_out(client, "staff")
    client.force_login(staff)
    response = _change(client, password)
    assert response.status_code == 429
    staff.refresh_from_db()
    assert staff.check_password(password)


def test_the_right_current_password_changes_it(client, staff, password):
    client.force_login(staff)
    assert _change(client, password).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("Nq8#wertZ")


def test_the_administrators_are_locked_like_everyone(client, organisation, password):
    UserFactory(username="admin2", organisation=organisation, department=None, roles=[Role.SYSADMIN])
    lock_out(client, "admin2")
    assert sign_in(client, "admin2", password).status_code == 429


# --- Unlocking: the security administrator can, nobody else; the owner's own path stays ----------


def test_the_security_administrator_unlocks_a_locked_out_account_and_it_is_audited(
    client, client_for, chief, security_admin, password
):
    from accounts.models import AuditEntry, AuditEvent, Notification

    lock_out(client, chief.username, address="203.0.113.9")
    assert sign_in(client, "chief", password, address="203.0.113.9").status_code == 429
    admin = client_for(security_admin)
    page = admin.get(reverse("accounts:staff_detail", args=[chief.pk])).content.decode()
    assert 'data-testid="unlock"' in page
    assert admin.post(reverse("accounts:staff_unlock", args=[chief.pk]), REMOTE_ADDR="10.0.0.5").status_code == 302
    admin.logout()
    assert sign_in(client, "chief", password, address="203.0.113.9").status_code == 302
    entry = AuditEntry.objects.get(event=AuditEvent.UNLOCK)
    assert (entry.actor, entry.object_pk, entry.remote_addr) == (security_admin, str(chief.pk), "10.0.0.5")
    assert Notification.objects.filter(recipient=chief, message__contains="解除").exists()


@pytest.mark.parametrize("persona", ["staff", "hr", "sysadmin", "auditor", "chief"])
def test_nobody_but_the_security_administrator_can_unlock_an_account(
    request, client, client_for, head, password, persona
):
    lock_out(client, head.username, address="203.0.113.9")
    attacker = client_for(request.getfixturevalue(persona))
    assert attacker.post(reverse("accounts:staff_unlock", args=[head.pk])).status_code in (403, 404)
    attacker.logout()
    assert sign_in(client, "head", password, address="203.0.113.9").status_code == 429


def test_an_anonymous_attacker_cannot_unlock_and_the_security_administrator_not_their_own(
    client, client_for, head, security_admin, password
):
    lock_out(client, head.username, address="203.0.113.9")
    response = client.post(reverse("accounts:staff_unlock", args=[head.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert sign_in(client, "head", password, address="203.0.113.9").status_code == 429
    assert (
        client_for(security_admin).post(reverse("accounts:staff_unlock", args=[security_admin.pk])).status_code == 403
    )


def test_the_unlock_frees_a_person_stopped_by_an_address_that_sprayed_made_up_names(
    client, client_for, chief, security_admin, password
):
    office = "10.9.9.9"
    for n in range(30):
        sign_in(client, f"nobody{n % 10}", "wrong-password", address=office)
    assert sign_in(client, "chief", password, address=office).status_code == 429
    admin = client_for(security_admin)
    assert admin.post(reverse("accounts:staff_unlock", args=[chief.pk]), REMOTE_ADDR="10.0.0.5").status_code == 302
    admin.logout()
    assert sign_in(client, "chief", password, address=office).status_code == 302
    client.logout()
    # The address stays stopped for everyone else: the unlock freed one person, not the sprayer.
    assert sign_in(client, "nobody0", password, address=office).status_code == 429


def test_another_organisations_unlock_of_a_namesake_leaves_our_persons_failures(
    client, client_for, chief, other_organisation, password
):
    lock_out(client, "chief", address="203.0.113.7")
    namesake = UserFactory(username="chief", organisation=other_organisation, department=None, roles=[Role.STAFF])
    their_admin = UserFactory(
        username="their-secadmin", organisation=other_organisation, department=None, roles=[Role.SECURITY_ADMIN]
    )
    assert client_for(their_admin).post(reverse("accounts:staff_unlock", args=[namesake.pk])).status_code == 302
    assert failed_sign_ins(chief) == 5


def test_the_lockout_page_states_the_configured_cool_off(client, staff, password, settings):
    from datetime import timedelta

    settings.AXES_COOLOFF_TIME = timedelta(minutes=45)
    response = lock_out(client, "staff")
    assert response.status_code == 429
    page = response.content.decode()
    assert "锁定 45 分钟" in page
    assert "15 分钟" not in page
