"""Break-glass: the operator restores the access of an administrator whom no second administrator
can reset (``manage.py break_glass_reset``).

The user test that found it: one system and one security administrator; the security administrator
locked out and without their phone. The system administrator's request for the password's reset
waits for a second administrator the organisation does not have, and only another security
administrator could even ask for the second factor's reset.
"""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from accounts.lockout import failed_sign_ins
from accounts.models import AuditEntry, AuditEvent, Notification, PendingPasswordReset, Role, User
from tests.accounts.helpers import fresh, lock_out, sign_in
from tests.factories import PASSWORD, UserFactory

REASON = "安全管理员手机丢失且账号被锁定，本单位无第二名管理员（工单 2026-118）"


@pytest.fixture(autouse=True)
def operating_system_user(monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops-zhang")
    return "ops-zhang"


def break_glass(*args: str) -> str:
    out = StringIO()
    call_command("break_glass_reset", *args, stdout=out)
    return out.getvalue()


def _locked_out_without_a_phone(client, person: User) -> None:
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    StaticDevice.objects.create(user=person, name="recovery", confirmed=True)
    lock_out(client, person.username)
    assert sign_in(client, person.username, PASSWORD).status_code == 429


def test_the_operator_restores_the_lone_security_administrators_access_as_a_confirmed_reset_would(
    client, organisation, sysadmin, security_admin, auditor
):
    _locked_out_without_a_phone(client, security_admin)
    # The system administrator's request waits for nobody (no second administrator to confirm it).
    assert services.staff_reset_password(user=security_admin, actor=sysadmin) is None
    waiting = PendingPasswordReset.objects.get(user=security_admin)
    assert not services.second_admin_exists(user=security_admin, actor=sysadmin)
    failures = failed_sign_ins(security_admin)

    printed = break_glass("secadmin", "--reason", REASON)

    person = fresh(security_admin)
    [password] = [line.split("\t")[1] for line in printed.splitlines() if line.startswith("  secadmin\t")]
    assert person.check_password(password) and not person.check_password(PASSWORD)
    assert person.must_change_password
    assert not TOTPDevice.objects.filter(user=person).exists()
    assert not StaticDevice.objects.filter(user=person).exists()
    assert person.two_factor_reset_at is not None
    assert failed_sign_ins(person) == 0
    assert f"已清除失败登录{failures}次" in printed and "已删除其双因素登录验证器" in printed
    # The request nobody could confirm is closed: a later confirmation must not reset it again.
    waiting.refresh_from_db()
    assert waiting.state == PendingPasswordReset.State.WITHDRAWN
    assert Notification.objects.filter(recipient=sysadmin, message__contains="应急重置").exists()
    # The person is told, and so are the auditors.
    assert Notification.objects.filter(recipient=person, message__contains="您的密码已由").exists()
    assert Notification.objects.filter(recipient=auditor, message__contains="重置了安全管理员的密码").exists()
    # And they sign in again with it, sent to change it first.
    response = sign_in(client, "secadmin", password)
    assert response.status_code == 302
    assert client.get(reverse("accounts:staff_list"))["Location"].startswith(reverse("accounts:password_change"))


def test_the_break_glass_reset_is_one_audit_entry_with_the_reason_and_the_operating_system_user(
    organisation, security_admin
):
    TOTPDevice.objects.create(user=security_admin, name="phone", confirmed=True)

    break_glass("secadmin", "--reason", REASON)

    entry = AuditEntry.objects.get(event=AuditEvent.BREAK_GLASS_RESET)
    assert entry.object_pk == str(security_admin.pk) and entry.organisation_id == organisation.pk
    assert entry.actor is None and entry.reason == REASON
    assert entry.changes_dict["source"][1] == "命令行"
    assert entry.changes_dict["os_user"][1] == "ops-zhang"
    assert entry.changes_dict["second_factor"][1] == "是"
    # The new password is a reset, not the owner's own change, and carries the reason too.
    assert AuditEntry.objects.get(event=AuditEvent.PASSWORD_RESET).reason == REASON
    assert not AuditEntry.objects.filter(event=AuditEvent.PASSWORD_CHANGE).exists()


def test_the_auditor_reads_the_break_glass_reset_on_the_audit_page(client_for, organisation, security_admin, auditor):
    break_glass("secadmin", "--reason", REASON)

    page = client_for(auditor).get(reverse("accounts:audit_list")).content.decode()

    assert "应急重置管理员账号（命令行）" in page
    assert REASON in page
    assert "<strong>操作系统用户</strong>：ops-zhang" in page
    assert "<strong>来源</strong>：命令行" in page


def test_it_refuses_without_a_reason_and_changes_nothing(organisation, security_admin):
    with pytest.raises(CommandError, match="--reason"):
        break_glass("secadmin")
    with pytest.raises(CommandError, match="须说明应急重置的原因"):
        break_glass("secadmin", "--reason", "   ")

    assert fresh(security_admin).check_password(PASSWORD)
    assert not AuditEntry.objects.filter(event=AuditEvent.BREAK_GLASS_RESET).exists()


def test_it_refuses_an_unknown_user_name(organisation, security_admin):
    with pytest.raises(CommandError, match="没有用户名为“nobody”的人员"):
        break_glass("nobody", "--reason", REASON)
    with pytest.raises(CommandError, match="单位代码为“otherorg”的单位中没有用户名为“secadmin”的人员"):
        break_glass("secadmin", "--organisation", "otherorg", "--reason", REASON)


@pytest.mark.parametrize("persona", ["staff", "chief", "hr", "head"])
def test_it_refuses_someone_who_is_not_an_administrator(request, persona):
    """Their resets have a second administrator to confirm them (or need none): the command would
    only be a way round the two-person rule for the people who grade and decide."""
    person = request.getfixturevalue(persona)

    with pytest.raises(CommandError, match="应急重置只用于管理员"):
        break_glass(person.username, "--reason", REASON)

    assert fresh(person).check_password(PASSWORD)
    assert not fresh(person).must_change_password
    assert not AuditEntry.objects.filter(event=AuditEvent.BREAK_GLASS_RESET).exists()


def test_it_refuses_a_deactivated_administrator(organisation, security_admin):
    User.objects.filter(pk=security_admin.pk).update(is_active=False)

    with pytest.raises(CommandError, match="已停用"):
        break_glass("secadmin", "--reason", REASON)

    assert fresh(security_admin).check_password(PASSWORD)


def test_a_user_name_several_organisations_use_needs_the_organisation_code(
    organisation, other_organisation, security_admin
):
    namesake = UserFactory(
        username="secadmin", organisation=other_organisation, department=None, roles=[Role.SECURITY_ADMIN]
    )

    with pytest.raises(CommandError, match="请用 --organisation 指定单位代码"):
        break_glass("secadmin", "--reason", REASON)
    assert fresh(security_admin).check_password(PASSWORD) and fresh(namesake).check_password(PASSWORD)

    break_glass("secadmin", "--organisation", "OTHERORG", "--reason", REASON)

    assert fresh(security_admin).check_password(PASSWORD)
    assert not fresh(namesake).check_password(PASSWORD) and fresh(namesake).must_change_password


@pytest.mark.engine_neutral
def test_the_reset_administrator_signs_in_from_an_address_that_sprayed_made_up_names(
    client, organisation, security_admin
):
    office = "10.9.9.9"
    for n in range(30):
        sign_in(client, f"nobody{n % 10}", "wrong-password", address=office)

    [password] = [
        line.split("\t")[1]
        for line in break_glass("secadmin", "--reason", REASON).splitlines()
        if line.startswith("  secadmin\t")
    ]

    assert sign_in(client, "secadmin", password, address=office).status_code == 302
    client.logout()
    # The address stays stopped for everyone else.
    assert sign_in(client, "nobody0", password, address=office).status_code == 429


# --- The web page that says nobody can confirm names the command -------------------------------


def test_the_reset_nobody_can_confirm_names_the_operators_command_for_an_administrator(
    client_for, sysadmin, security_admin
):
    url = reverse("accounts:staff_reset_password", args=[security_admin.pk])
    command = "manage.py break_glass_reset secadmin --organisation testorg --reason"

    assert command in client_for(sysadmin).get(url).content.decode()
    page = client_for(sysadmin).post(url, follow=True).content.decode()
    assert "没有可以确认此项申请" in page and command in page


def test_a_reset_nobody_can_confirm_of_someone_not_an_administrator_does_not_offer_the_command(
    client_for, sysadmin, chief
):
    """The organisation's only administrator asks for the agency head's reset: nobody can confirm it,
    and the command, which resets administrators only, is no way out."""
    page = client_for(sysadmin).post(reverse("accounts:staff_reset_password", args=[chief.pk]), follow=True)

    text = page.content.decode()
    assert "没有可以确认此项申请" in text
    assert "break_glass_reset" not in text
