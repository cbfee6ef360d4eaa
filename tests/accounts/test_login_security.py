"""Sign-in controls: password rules, lockout, forced password change, idle timeout, headers."""

import time

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.accounts.helpers import lock_out, sign_in
from tests.factories import policy_with

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral


@pytest.mark.parametrize(
    "password",
    [
        "Ab1!",  # too short
        "abcdefgh1",  # two classes
        "ABCDEFGH!",  # two classes
        "staffAB12!",  # contains the username
    ],
)
def test_it_refuses_weak_passwords(staff, password):
    with pytest.raises(ValidationError):
        validate_password(password, staff)


def test_a_short_password_is_refused_in_chinese(staff):
    with pytest.raises(ValidationError) as refused:
        validate_password("Ab1!", staff)
    assert "密码太短，至少需要8个字符。" in refused.value.messages
    assert not any("too short" in message for message in refused.value.messages)


@pytest.mark.parametrize("password", ["Kq7#mzLp", "kq7#mzlpx", "KQ7MZLPXa"])
def test_it_accepts_three_character_classes(staff, password):
    validate_password(password, staff)


def test_a_person_signs_in_and_reaches_the_home_page(client, staff, password):
    response = sign_in(client, "staff", password)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert staff.full_name in client.get("/").content.decode()


def test_a_wrong_password_says_so_and_warns_of_the_lockout(client, staff):
    body = sign_in(client, "staff", "wrong-password").content.decode()
    assert "用户名或密码错误" in body
    assert "锁定" in body


def test_five_failures_lock_the_account_even_with_the_right_password(client, staff, password):
    lock_out(client, "staff")
    response = sign_in(client, "staff", password)
    assert response.status_code == 429
    assert "账号已锁定" in response.content.decode()
    assert "15" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lockout_is_per_account(client, staff, colleague, password):
    lock_out(client, "staff")
    assert sign_in(client, "colleague", password).status_code == 302


def test_four_failures_do_not_lock(client, staff, password):
    for _ in range(4):
        sign_in(client, "staff", "wrong-password")
    assert sign_in(client, "staff", password).status_code == 302


def test_a_new_account_must_change_its_password_before_anything_else(client, staff, password):
    staff.must_change_password = True
    staff.save()
    sign_in(client, "staff", password)
    response = client.get(reverse("accounts:staff_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change")
    assert client.get("/").status_code == 302
    # The page offers no menu (each item would lead back to it), only 退出.
    asking = client.get(reverse("accounts:password_change")).content.decode()
    assert 'data-testid="pending-logout"' in asking and 'id="mainNav"' not in asking

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "Fresh#Pass99", "new_password2": "Fresh#Pass99"},
    )
    assert response.status_code == 302
    staff.refresh_from_db()
    assert not staff.must_change_password
    home = client.get("/")
    assert home.status_code == 200 and 'id="mainNav"' in home.content.decode()


def test_the_new_password_must_follow_the_rules(client, staff, password):
    staff.must_change_password = True
    staff.save()
    sign_in(client, "staff", password)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "simplepassword", "new_password2": "simplepassword"},
    )
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.must_change_password


def test_the_idle_timeout_follows_the_organisation_policy(client_for, staff, organisation):
    client = client_for(staff)
    client.get("/")
    assert client.session.get_expiry_age() == 30 * 60
    policy_with(organisation, session_idle_minutes=10)
    client.get("/")
    assert client.session.get_expiry_age() == 10 * 60


def test_a_page_view_does_not_write_the_session_but_a_minute_later_renews_the_expiry(
    client_for, staff, monkeypatch, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SESSION_RENEW_SECONDS = 60
    client = client_for(staff)

    def session_writes() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/").status_code == 200
        return sum(1 for q in captured if "django_session" in q["sql"] and not q["sql"].startswith("SELECT"))

    assert session_writes() == 0  # the first page after signing in
    assert session_writes() == 0
    later = time.time() + 61
    monkeypatch.setattr("accounts.middleware.time.time", lambda: later)
    assert session_writes() == 1
    assert session_writes() == 0
    assert client.session.get_expiry_age() == 30 * 60


def test_pages_carry_a_content_security_policy_without_inline_scripts(client, organisation):
    response = client.get(reverse("accounts:login"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()


def test_a_signed_in_persons_pages_are_not_cached(client_for, staff, hr):
    # The home page, a list and a person's page: nothing a shared computer's browser keeps for Back.
    for client, path in ((client_for(staff), "/"), (client_for(hr), reverse("accounts:staff_list"))):
        response = client.get(path)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert "no-store" in client_for(hr).get(reverse("accounts:staff_detail", args=[staff.pk]))["Cache-Control"]


def test_logout_requires_a_post_and_ends_the_session(client_for, staff):
    client = client_for(staff)
    assert client.get(reverse("accounts:logout")).status_code == 405
    client.post(reverse("accounts:logout"))
    assert client.get("/").status_code == 302


def test_an_inactive_account_cannot_sign_in(client, staff, password):
    staff.is_active = False
    staff.save()
    response = sign_in(client, "staff", password)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
