"""同一账号只允许一处登录 (GB/T 22239 level 3 asks that concurrent sessions of one account be
limited): the security administrator turns it on; a new sign-in then ends the account's session
elsewhere, whose next request leads to the sign-in page saying why. Off, both stay signed in."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from accounts.models import AuditEntry, Policy
from tests.factories import PASSWORD

HOME = reverse("home")
LOGIN = reverse("accounts:login")


def _signed_in(person) -> Client:
    browser = Client()
    response = browser.post(LOGIN, {"username": person.username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    assert browser.get(HOME).status_code == 200
    return browser


def _turn_on(client_for, security_admin) -> None:
    settings = {
        "session_idle_minutes": 30,
        "password_min_length": 8,
        "password_min_classes": 3,
        "password_max_age_days": 90,
        "single_session": "on",
        "audit_retention_days": 180,
        "reason": "等保测评整改：限制同一账号多处登录",
    }
    assert client_for(security_admin).post(reverse("accounts:security_settings"), settings).status_code == 302


def test_with_one_session_per_account_a_new_sign_in_ends_the_one_elsewhere(
    client_for, security_admin, staff, organisation
):
    _turn_on(client_for, security_admin)
    assert Policy.objects.get(organisation=organisation).single_session is True
    assert AuditEntry.objects.filter(changes__has_key="single_session").exists()

    office = _signed_in(staff)
    phone = _signed_in(staff)
    assert phone.get(HOME).status_code == 200
    ended = office.get(HOME)
    assert ended.status_code == 302 and ended["Location"].startswith(LOGIN)
    page = office.get(ended["Location"]).content.decode()
    assert 'data-testid="session-ended"' in page and "本账号已在别处登录" in page
    # Signing in again there ends the phone's session in turn.
    office = _signed_in(staff)
    assert phone.get(HOME).status_code == 302
    assert office.get(HOME).status_code == 200


def test_by_default_an_account_may_be_signed_in_in_two_places(staff, colleague):
    office = _signed_in(staff)
    phone = _signed_in(staff)
    elsewhere = _signed_in(colleague)
    for browser in (office, phone, elsewhere):
        assert browser.get(HOME).status_code == 200


def test_one_persons_sign_in_ends_nobody_elses_session(client_for, security_admin, staff, colleague):
    _turn_on(client_for, security_admin)
    theirs = _signed_in(colleague)
    _signed_in(staff)
    _signed_in(staff)
    assert theirs.get(HOME).status_code == 200


def test_the_sign_in_page_after_the_idle_timeout_says_the_session_ended(staff):
    """A user test: after the idle timeout the sign-in page said nothing — the expired session's row
    was still stored, so it counted as alive."""
    from datetime import timedelta

    from django.contrib.sessions.models import Session
    from django.utils import timezone

    browser = _signed_in(staff)
    Session.objects.update(expire_date=timezone.now() - timedelta(minutes=1))  # idle past the timeout
    ended = browser.get(reverse("targets:my_targets"))
    assert ended.status_code == 302 and ended["Location"].startswith(LOGIN)
    assert 'data-testid="session-ended"' in browser.get(ended["Location"]).content.decode()


def test_a_form_sent_after_signing_out_in_another_tab_is_kept_and_leads_back_to_its_page(staff):
    """A re-test: signed out in another tab (the browser's session cookie deleted), the old tab's
    form led to the sign-in page with no notice and, once signed in, to the 405 page of its address."""
    browser = _signed_in(staff)
    page = reverse("summaries:list")
    browser.post(reverse("accounts:logout"))  # the other tab: the cookie goes for both
    sent = browser.post(
        reverse("summaries:start"), {"year": 2026, "month": 11}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert sent.status_code == 302 and sent["Location"] == f"{LOGIN}?next={page.replace('/', '%2F')}"
    assert 'data-testid="session-ended"' in browser.get(sent["Location"]).content.decode()
