"""Two-factor sign-in: TOTP with django-otp, recovery codes, enrolment required by policy, reset."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.models import TWO_FACTOR_ROLES, AuditEntry, Role
from tests.factories import policy_with

# Decided in Python, the same on every database: make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral


def code_for(device, offset=0):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def _login(client, username, password):
    return client.post(reverse("accounts:login"), {"username": username, "password": password})


@pytest.fixture
def device(hr):
    return TOTPDevice.objects.create(user=hr, name="phone", confirmed=True)


@pytest.fixture
def require_two_factor(organisation):
    return policy_with(organisation, two_factor_required=True)


def test_the_rule_covers_hr_the_leaders_the_agency_head_and_the_administrators():
    assert {Role.HR_ADMIN, Role.SUPERVISING_LEADER, Role.AGENCY_HEAD, Role.SYSADMIN, Role.AUDITOR} <= TWO_FACTOR_ROLES
    assert Role.STAFF not in TWO_FACTOR_ROLES


def test_a_person_with_an_authenticator_is_asked_for_the_code_after_the_password(client, hr, device, password):
    response = _login(client, "hr", password)
    assert response.status_code == 302
    page = client.get(reverse("accounts:staff_list"))
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert client.get("/").status_code == 302
    # The code page offers no menu the session could not follow, only sign-out.
    asking = client.get(reverse("accounts:two_factor_verify")).content.decode()
    assert 'data-testid="pending-logout"' in asking
    assert reverse("accounts:staff_list") not in asking and 'data-testid="bell"' not in asking

    response = client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device), "next": "/"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get(reverse("accounts:staff_list")).status_code == 200
    signed_in = client.get("/").content.decode()
    assert 'data-testid="bell"' in signed_in and 'data-testid="pending-logout"' not in signed_in


def test_a_wrong_code_is_refused_and_the_pages_stay_closed(client, hr, device, password):
    _login(client, "hr", password)
    wrong = f"{(int(code_for(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:two_factor_verify"), {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确" in response.content.decode()
    assert client.get(reverse("accounts:staff_list")).status_code == 302


def test_wrong_codes_count_as_failed_sign_ins_and_lock_the_pair(client, hr, device, password, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    _login(client, "hr", password)
    responses = [client.post(reverse("accounts:two_factor_verify"), {"token": "000000"}) for _ in range(5)]
    assert responses[-1].status_code == 429
    assert "_auth_user_id" not in client.session
    assert _login(client, "hr", password).status_code == 429


def test_a_recovery_code_signs_in_once(client, hr, device, password):
    static = StaticDevice.objects.create(user=hr, name="recovery", confirmed=True)
    StaticToken.objects.create(device=static, token="abcd1234")
    _login(client, "hr", password)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": "abcd1234"}).status_code == 302
    assert client.get(reverse("accounts:staff_list")).status_code == 200
    client.post(reverse("accounts:logout"))
    _login(client, "hr", password)
    response = client.post(reverse("accounts:two_factor_verify"), {"token": "abcd1234"})
    assert response.status_code == 200
    assert "验证码不正确或已使用" in response.content.decode()


def test_a_person_without_an_authenticator_and_not_required_signs_in_with_the_password(client, hr, password):
    _login(client, "hr", password)
    assert client.get(reverse("accounts:staff_list")).status_code == 200


def test_a_required_role_without_an_authenticator_is_sent_to_enrolment_first(client, hr, password, require_two_factor):
    _login(client, "hr", password)
    response = client.get(reverse("accounts:staff_list"))
    assert response["Location"] == reverse("accounts:two_factor_setup")
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "单位要求您的岗位使用双因素登录" in page
    assert not TOTPDevice.objects.filter(user=hr).exists()  # the GET wrote nothing

    client.post(reverse("accounts:two_factor_setup"), {"action": "start"})
    device = TOTPDevice.objects.get(user=hr, confirmed=False)
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "<svg" in page
    assert "<img" not in page
    assert "<script>" not in page
    from base64 import b32encode

    assert b32encode(device.bin_key).decode() in page

    wrong = f"{(int(code_for(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("accounts:two_factor_setup"), {"action": "confirm", "token": wrong})
    assert "验证码不正确" in response.content.decode()
    assert client.get(reverse("accounts:staff_list")).status_code == 302

    response = client.post(reverse("accounts:two_factor_setup"), {"action": "confirm", "token": code_for(device)})
    assert response.status_code == 200
    codes = StaticToken.objects.filter(device__user=hr).values_list("token", flat=True)
    assert len(codes) == 10
    assert all(code in response.content.decode() for code in codes)
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("accounts:staff_list")).status_code == 200


def test_enrolling_an_authenticator_ends_the_persons_other_sessions_and_keeps_this_one(hr, password):
    """A browser left signed in with the password alone (another office's PC) must not outlive the
    enrolment, as it would not outlive a new password."""
    elsewhere, here = Client(), Client()
    for browser in (elsewhere, here):
        _login(browser, "hr", password)
        assert browser.get(reverse("accounts:staff_list")).status_code == 200

    here.post(reverse("accounts:two_factor_setup"), {"action": "start"})
    device = TOTPDevice.objects.get(user=hr, confirmed=False)
    response = here.post(reverse("accounts:two_factor_setup"), {"action": "confirm", "token": code_for(device)})
    assert "恢复码" in response.content.decode()

    assert here.get(reverse("accounts:staff_list")).status_code == 200
    signed_out = elsewhere.get(reverse("accounts:staff_list"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("accounts:login"))
    hr.refresh_from_db()
    assert hr.two_factor_enrolled_at is not None


def test_resetting_an_authenticator_ends_the_sessions_signed_in_with_it(security_admin, hr, password):
    """The lost phone's session ends with the reset."""
    device = TOTPDevice.objects.create(user=hr, name="phone", confirmed=True)
    lost_phone = Client()
    _login(lost_phone, "hr", password)
    lost_phone.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    assert lost_phone.get(reverse("accounts:staff_list")).status_code == 200

    admin = Client()
    admin.force_login(security_admin)
    admin.post(reverse("accounts:staff_two_factor_reset", args=[hr.pk]))

    signed_out = lost_phone.get(reverse("accounts:staff_list"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("accounts:login"))


def test_staff_are_not_required_to_enrol(client, staff, password, require_two_factor):
    _login(client, "staff", password)
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("persona", ["chief", "leader", "sysadmin", "auditor"])
def test_every_required_role_is_sent_to_enrolment(client, request, persona, password, require_two_factor):
    user = request.getfixturevalue(persona)
    _login(client, user.username, password)
    assert client.get("/")["Location"] == reverse("accounts:two_factor_setup")


def test_the_enrolment_page_cannot_replace_a_confirmed_authenticator(client, hr, device, password):
    _login(client, "hr", password)
    client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    response = client.post(reverse("accounts:two_factor_setup"), {"action": "start"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("accounts:two_factor_setup")
    assert "已启用双因素登录；如需更换手机" in response.content.decode()
    assert TOTPDevice.objects.filter(user=hr).count() == 1


def test_the_security_administrator_resets_a_lost_authenticator_and_it_is_audited(
    client_for, security_admin, hr, device
):
    StaticDevice.objects.create(user=hr, name="recovery", confirmed=True)
    client = client_for(security_admin)
    url = reverse("accounts:staff_two_factor_reset", args=[hr.pk])
    assert client.get(url).status_code == 200
    assert TOTPDevice.objects.filter(user=hr).exists()  # the GET asks, it does not remove
    assert client.post(url).status_code == 302
    assert not TOTPDevice.objects.filter(user=hr).exists()
    assert not StaticDevice.objects.filter(user=hr).exists()
    hr.refresh_from_db()
    assert hr.two_factor_reset_at is not None
    entry = AuditEntry.objects.filter(object_pk=str(hr.pk)).order_by("-pk").first()
    assert "two_factor_reset_at" in entry.changes_dict
    assert entry.actor_id == security_admin.pk


@pytest.mark.parametrize("persona", ["hr", "staff", "auditor"])
def test_others_cannot_reset_an_authenticator(client_for, request, persona, chief):
    device = TOTPDevice.objects.create(user=chief, name="phone", confirmed=True)
    client = client_for(request.getfixturevalue(persona))
    response = client.post(reverse("accounts:staff_two_factor_reset", args=[chief.pk]))
    assert response.status_code == 403
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_a_code_from_an_earlier_window_is_not_accepted_twice(client, hr, device, password):
    _login(client, "hr", password)
    token = code_for(device)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": token}).status_code == 302
    client.post(reverse("accounts:logout"))
    # Same window: django-otp refuses a code already used (its last_t).
    _login(client, "hr", password)
    response = client.post(reverse("accounts:two_factor_verify"), {"token": token})
    assert response.status_code == 200


def test_another_administrators_authenticator_is_reset_only_when_a_second_administrator_confirms(
    client_for, security_admin, sysadmin, organisation
):
    from accounts.models import PendingPasswordReset
    from tests.factories import UserFactory

    TOTPDevice.objects.create(user=sysadmin, name="phone", confirmed=True)
    client_for(security_admin).post(reverse("accounts:staff_two_factor_reset", args=[sysadmin.pk]))
    assert TOTPDevice.objects.filter(user=sysadmin).exists()
    reset = PendingPasswordReset.objects.get(user=sysadmin, second_factor=True)
    # Neither the requester nor the administrator concerned confirms it ...
    assert (
        client_for(security_admin).post(reverse("accounts:password_reset_confirm", args=[reset.pk])).status_code == 403
    )
    with pytest.raises(PermissionDenied):  # (the administrator concerned is sent to the second factor first)
        services.password_reset_decide(actor=sysadmin, reset=reset, confirm=True)
    assert TOTPDevice.objects.filter(user=sysadmin).exists()
    # ... a second administrator does, and nothing is shown but the confirmation.
    second = UserFactory(username="secadmin2", organisation=organisation, department=None, roles=[Role.SECURITY_ADMIN])
    response = client_for(second).post(reverse("accounts:password_reset_confirm", args=[reset.pk]))
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=sysadmin).exists()
    reset.refresh_from_db()
    assert (reset.state, reset.confirmed_by) == ("confirmed", second)


def test_a_password_reset_is_recorded_beside_a_waiting_second_factor_reset(
    client_for, security_admin, sysadmin, organisation
):
    """Both resets of one administrator can wait at once: asking for the password's reset while the
    authenticator's waits records a second request (it was taken for the waiting one and dropped)."""
    from accounts.models import PendingPasswordReset
    from tests.factories import UserFactory

    TOTPDevice.objects.create(user=sysadmin, name="phone", confirmed=True)
    client_for(security_admin).post(reverse("accounts:staff_two_factor_reset", args=[sysadmin.pk]))
    other_admin = UserFactory(username="sysadmin2", organisation=organisation, department=None, roles=[Role.SYSADMIN])
    response = client_for(other_admin).post(reverse("accounts:staff_reset_password", args=[sysadmin.pk]))
    assert response.status_code == 302
    waiting = PendingPasswordReset.objects.filter(user=sysadmin, state="pending")
    assert sorted(waiting.values_list("second_factor", flat=True)) == [False, True]
    # Asking for either again finds the waiting one.
    client_for(other_admin).post(reverse("accounts:staff_reset_password", args=[sysadmin.pk]))
    client_for(security_admin).post(reverse("accounts:staff_two_factor_reset", args=[sysadmin.pk]))
    assert waiting.count() == 2
    # Confirming the password's reset leaves the authenticator's waiting.
    password_reset = waiting.get(second_factor=False)
    response = client_for(security_admin).post(reverse("accounts:password_reset_confirm", args=[password_reset.pk]))
    assert response.url == reverse("accounts:password_reset_password", args=[password_reset.pk])
    assert client_for(security_admin).get(response.url).status_code == 200  # the one-time password
    sysadmin.refresh_from_db()
    assert sysadmin.must_change_password
    assert list(waiting.values_list("second_factor", flat=True)) == [True]
    assert TOTPDevice.objects.filter(user=sysadmin).exists()


def test_a_right_code_typed_during_the_pause_after_a_wrong_one_is_told_to_wait_not_called_wrong(
    client, hr, device, password
):
    _login(client, "hr", password)
    client.post(reverse("accounts:two_factor_verify"), {"token": "000000"})
    response = client.post(reverse("accounts:two_factor_verify"), {"token": code_for(device)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "输入过快，请" in page and "秒后再试" in page and "验证码不正确" not in page
    assert "_auth_user_id" in client.session and client.get(reverse("accounts:staff_list")).status_code == 302


def test_resetting_the_second_factor_of_someone_who_has_none_says_so(client_for, security_admin, hr):
    """A user test: the reset of a person who never enrolled said 已重置 and stamped the reset time."""
    response = client_for(security_admin).post(reverse("accounts:staff_two_factor_reset", args=[hr.pk]), follow=True)
    assert "未设置双因素登录，无需重置" in response.content.decode()
    hr.refresh_from_db()
    assert hr.two_factor_reset_at is None
