"""Only the security administrator unlocks an account or resets a second factor (accounts.rules:
unlock_account, change_roles), so the pages that send a person for help name that role; and the
set-up page does not offer recovery codes that do not exist yet."""

import pytest
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import TwoFactorTokenForm
from tests.accounts.helpers import lock_out, sign_in
from tests.factories import policy_with

pytestmark = pytest.mark.engine_neutral


def test_the_lockout_page_sends_the_person_to_the_security_administrator(client, staff):
    response = lock_out(client, "staff")
    assert response.status_code == 429
    page = response.content.decode()
    assert "请稍后再试，或联系安全管理员解锁。" in page
    assert "系统管理员" not in page


def test_the_code_page_sends_a_lost_phone_to_the_security_administrator(client, hr, password):
    TOTPDevice.objects.create(user=hr, name="phone", confirmed=True)
    sign_in(client, "hr", password)
    page = client.get(reverse("accounts:two_factor_verify")).content.decode()
    assert "手机丢失且恢复码用完时，请联系安全管理员重置。" in page
    assert "系统管理员" not in page


def test_the_set_up_page_of_an_enrolled_person_names_the_security_administrator(client, hr, password):
    device = TOTPDevice.objects.create(user=hr, name="phone", confirmed=True)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"
    sign_in(client, "hr", password)
    client.post(reverse("accounts:two_factor_verify"), {"token": code})
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert "如需更换手机，请联系安全管理员重置。" in page
    response = client.post(reverse("accounts:two_factor_setup"), {"action": "start"}, follow=True)
    assert "已启用双因素登录；如需更换手机，请联系安全管理员重置。" in response.content.decode()


def test_the_set_up_step_says_recovery_codes_come_after_it(client, hr, password, organisation):
    policy_with(organisation, two_factor_required=True)
    sign_in(client, "hr", password)
    client.post(reverse("accounts:two_factor_setup"), {"action": "start"})
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    assert 'data-testid="two-factor-qr"' in page
    assert "设置完成后将给出一组备用恢复码" in page
    assert "可输入一个备用恢复码" not in page
    # The sign-in code page still offers them: by then they exist.
    assert "可输入一个备用恢复码" in str(TwoFactorTokenForm().fields["token"].help_text)
