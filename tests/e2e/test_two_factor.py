"""Two-factor sign-in in a real browser: enrolment required by policy, the QR code under the CSP,
recovery codes, and the code asked after the password; on a desktop and on a phone."""

import time

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.models import Organisation, Policy
from appraisal_site.demo.organisation import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def _code(device: TOTPDevice, drift: int = 0) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def _next_code(device: TOTPDevice) -> str:
    """A code the device takes now and has not taken before: the time step django-otp centres on
    (the current one moved by the drift the device learnt at enrolment — one step back when the
    enrolment code was typed just before a step boundary and checked just after), or the one after
    the last used, whichever is later."""
    device.refresh_from_db()
    now = int((time.time() - device.t0) // device.step)
    step = max(now + device.drift, device.last_t + 1)
    return _code(device, drift=step - now)


def _walk(ui, layout_check) -> None:
    Policy.objects.filter(organisation__in=Organisation.objects.all()).update(two_factor_required=True)
    ui.login("demo_hr", DEMO_PASSWORD)
    # Required of HR and no authenticator yet: enrolment comes before anything else.
    ui.page.wait_for_url("**/accounts/two-factor/")
    expect(ui.page.get_by_test_id("two-factor-required")).to_be_visible()
    ui.goto("/accounts/staff/")
    ui.page.wait_for_url("**/accounts/two-factor/")

    with ui.page.expect_navigation():
        ui.page.get_by_test_id("two-factor-start").click()
    qr = ui.page.get_by_test_id("two-factor-qr").locator("svg")
    expect(qr).to_be_visible()
    assert qr.bounding_box()["width"] > 100
    device = TOTPDevice.objects.get(user__username="demo_hr", confirmed=False)
    from base64 import b32encode

    expect(ui.page.get_by_test_id("two-factor-secret")).to_have_text(b32encode(device.bin_key).decode())
    layout_check()
    ui.screenshot("enrol")

    ui.page.fill("input[name=token]", _code(device))
    with ui.page.expect_navigation():
        ui.page.click("main form button[type=submit]")
    codes = ui.page.get_by_test_id("recovery-codes").locator("li")
    expect(codes).to_have_count(10)
    layout_check()
    ui.screenshot("recovery-codes")

    # Next sign-in: the password, then the code (a used code is not taken twice: :func:`_next_code`).
    ui.sign_in_through_the_menu("demo_hr")
    ui.page.wait_for_url("**/accounts/two-factor/verify/**")
    ui.page.fill("input[name=token]", "000000")
    with ui.page.expect_navigation():
        ui.page.click("main form[data-testid=two-factor-verify] button[type=submit]")
    expect(ui.page.locator("main")).to_contain_text("验证码不正确")
    ui.page.wait_for_timeout(1100)  # django-otp throttles: a second after one failure
    ui.page.fill("input[name=token]", _next_code(device))
    with ui.page.expect_navigation():
        ui.page.click("main form[data-testid=two-factor-verify] button[type=submit]")
    assert ui.page.url == ui.base_url + "/"
    expect(ui.page.locator("h1")).to_contain_text("人事干部")
    layout_check()
    ui.assert_no_csp_errors()


def test_hr_enrols_and_signs_in_with_a_code_on_a_desktop(ui, demo):
    _walk(ui, ui.assert_fits_screen)


def test_hr_enrols_and_signs_in_with_a_code_on_a_phone(phone_ui, demo):
    _walk(phone_ui, phone_ui.assert_scrolls_not_sideways)
