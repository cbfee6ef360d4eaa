"""Nobody at work is left without a role, whichever way the last one goes.

The user test: the security administrator asked for the withdrawal of a person's 纪检督查 (it waits
for HR), then unticked their 工作人员 on the same roles page (saved at once); HR confirmed the
withdrawal and the person held no role at all — silently out of the appraisal, off their
department's 提交情况. The README promised it only for grants that wait. Now a save of the roles
page and a confirmation alike (``accounts.services._role_withdraw``) refuse to take an active
person's last role, a role whose withdrawal waits counting as gone; an administrator's role, held
alone (三员分立), is the exception.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import Role
from tests.accounts.helpers import fresh, waiting_for

pytestmark = pytest.mark.engine_neutral


def test_staff_unticked_while_the_withdrawal_of_the_other_role_waits_is_refused_on_the_roles_page(
    client_for, security_admin, hr, staff
):
    services.role_grant(user=staff, role=Role.INSPECTOR)
    [withdrawal] = services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.STAFF})
    assert withdrawal.withdraw and withdrawal.role == Role.INSPECTOR

    response = client_for(security_admin).post(reverse("accounts:staff_roles", args=[staff.pk]), {"roles": []})

    assert response.status_code == 200
    assert (
        "撤销“工作人员”后，科员甲只剩正在等待撤销确认的“纪检督查”，撤销确认后将没有任何角色，不再参加考核。"
        "请先为其保留或授予其他角色（如“工作人员”）；如其已离开本单位，请停用其账号。"
    ) in response.content.decode()
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}
    services.role_change_decide(actor=hr, change=withdrawal, confirm=True)
    assert fresh(staff).roles == {Role.STAFF}


def test_the_confirmation_that_would_take_the_last_role_is_refused_and_the_request_keeps_waiting(
    client_for, security_admin, hr, staff
):
    services.role_grant(user=staff, role=Role.INSPECTOR)
    # 工作人员 unticked while 纪检督查 is held: at once, as before.
    assert services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.INSPECTOR}) == []
    [withdrawal] = services.roles_set(actor=security_admin, user=fresh(staff), roles=set())

    page = client_for(hr).post(reverse("accounts:role_change_confirm", args=[withdrawal.pk]), follow=True)

    assert "撤销“纪检督查”后，科员甲将没有任何角色，不再参加考核。" in page.content.decode()
    assert fresh(staff).roles == {Role.INSPECTOR}
    assert list(waiting_for(staff)) == [withdrawal]
    # Given 工作人员 again, the withdrawal goes through.
    services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.STAFF, Role.INSPECTOR})
    services.role_change_decide(actor=hr, change=withdrawal, confirm=True)
    assert fresh(staff).roles == {Role.STAFF}


def test_the_last_role_unticked_at_once_is_refused_and_the_person_stays_on_the_roster(
    client_for, security_admin, hr, staff, settings
):
    settings.APPRAISAL_TODAY = date(2026, 12, 5)
    response = client_for(security_admin).post(reverse("accounts:staff_roles", args=[staff.pk]), {"roles": []})

    assert response.status_code == 200 and "科员甲将没有任何角色" in response.content.decode()
    assert fresh(staff).roles == {Role.STAFF}
    roster = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11}).content.decode()
    assert "科员甲" in roster


def test_an_administrators_role_is_still_withdrawn_leaving_none_until_staff_is_granted(security_admin, hr, auditor):
    """三员分立: nothing is held beside an administrator's role, even while its withdrawal waits."""
    [withdrawal] = services.roles_set(actor=security_admin, user=auditor, roles=set())

    services.role_change_decide(actor=hr, change=withdrawal, confirm=True)

    assert fresh(auditor).roles == set()


def test_the_last_role_of_a_deactivated_account_may_go(security_admin, hr, staff):
    services.staff_set_active(user=staff, active=False, reason="调出本单位", actor=hr)

    services.roles_set(actor=security_admin, user=fresh(staff), roles=set())

    assert fresh(staff).roles == set()


def test_the_service_refuses_the_last_role_whoever_asks(security_admin, staff):
    with pytest.raises(ValidationError, match="将没有任何角色"):
        services.roles_set(actor=security_admin, user=staff, roles=set())
