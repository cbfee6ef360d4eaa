"""三员分立 at every moment: while a role change waits for its second person, the person may hold
what they held or what was asked for, in any order of the decisions — and an administrator role
never goes together with another role at any of those moments.

The user test that found the hole: the security administrator unticked 系统管理员 and ticked
工作人员 in one save; the withdrawal waited for HR, 工作人员 was granted at once, and the system
administrator read the appraisal (and kept both roles when the withdrawal was withdrawn).
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Notification, PendingRoleChange, Role
from tests.accounts.helpers import fresh, waiting_for
from tests.factories import UserFactory

pytestmark = pytest.mark.engine_neutral

SEPARATION = "不得兼任其他角色"


# --- An administrator is not given another role while the withdrawal of theirs waits -------------


def test_the_page_refuses_to_grant_staff_while_the_system_administrators_role_is_only_asked_away(
    client_for, security_admin, hr, sysadmin
):
    url = reverse("accounts:staff_roles", args=[sysadmin.pk])

    response = client_for(security_admin).post(url, {"roles": ["staff"]})

    assert response.status_code == 200
    page = response.content.decode()
    assert "不得兼任其他角色（三员分立）" in page
    assert "须先撤销该角色，待撤销确认生效后，才能授予其他角色" in page
    assert fresh(sysadmin).roles == {Role.SYSADMIN}
    assert not waiting_for(sysadmin).exists()
    assert not fresh(sysadmin).has_perm("accounts.see_appraisal_content")


@pytest.mark.parametrize("role", [Role.SYSADMIN, Role.AUDITOR, Role.OVERSIGHT])
def test_the_service_refuses_another_role_beside_a_separated_role_whose_withdrawal_is_asked_for(
    organisation, security_admin, role
):
    person = UserFactory(organisation=organisation, department=None, roles=[role])

    with pytest.raises(ValidationError, match="须先撤销该角色") as refused:
        services.roles_set(actor=security_admin, user=fresh(person), roles={Role.STAFF})

    assert any(SEPARATION in message for message in refused.value.messages)
    assert fresh(person).roles == {role}
    assert not waiting_for(person).exists()


@pytest.mark.parametrize("decision", ["confirm", "reject", "withdraw"])
def test_a_separated_role_whose_withdrawal_waits_keeps_its_holder_alone_however_it_is_decided(
    security_admin, hr, sysadmin, decision
):
    [change] = services.roles_set(actor=security_admin, user=sysadmin, roles=set())
    assert change.withdraw and change.role == Role.SYSADMIN

    # While it waits, nothing may be granted beside it.
    with pytest.raises(ValidationError, match="须先撤销该角色"):
        services.roles_set(actor=security_admin, user=fresh(sysadmin), roles={Role.STAFF})
    assert fresh(sysadmin).roles == {Role.SYSADMIN}

    if decision == "withdraw":
        services.pending_withdraw(actor=security_admin, pending=change)
    else:
        services.role_change_decide(actor=hr, change=change, confirm=decision == "confirm")

    held = fresh(sysadmin).roles
    assert held == (set() if decision == "confirm" else {Role.SYSADMIN})
    # Once the withdrawal has taken effect, and only then, the person may take part in the appraisal.
    if decision == "confirm":
        services.roles_set(actor=security_admin, user=fresh(sysadmin), roles={Role.STAFF})
        assert fresh(sysadmin).roles == {Role.STAFF}
    else:
        with pytest.raises(ValidationError, match=SEPARATION):
            services.roles_set(actor=security_admin, user=fresh(sysadmin), roles={Role.STAFF})
        assert fresh(sysadmin).roles == {Role.SYSADMIN}


# --- Two waiting requests, confirmed in either order -------------------------------------------


@pytest.mark.parametrize(("first", "second"), [(Role.AUDITOR, Role.INSPECTOR), (Role.INSPECTOR, Role.AUDITOR)])
def test_a_request_that_could_join_an_administrator_role_with_one_waiting_is_refused(
    organisation, security_admin, first, second
):
    person = UserFactory(organisation=organisation, department=None, roles=[])
    [waiting] = services.roles_set(actor=security_admin, user=person, roles={first})

    # The page shows what the person holds (nothing yet): the second save asks only for ``second``.
    with pytest.raises(ValidationError, match=SEPARATION):
        services.roles_set(actor=security_admin, user=fresh(person), roles={second})

    assert list(waiting_for(person)) == [waiting]
    assert fresh(person).roles == set()


@pytest.mark.parametrize("order", [(Role.AUDITOR, Role.INSPECTOR), (Role.INSPECTOR, Role.AUDITOR)])
def test_of_two_requests_waiting_from_before_the_one_confirmed_second_is_refused(
    organisation, security_admin, hr, order
):
    """Requests made before the rule above (or through another path) are checked again, against the
    roles held at the moment of confirming: the second to be confirmed is refused, either way."""
    person = UserFactory(organisation=organisation, department=None, roles=[])
    changes = {
        role: PendingRoleChange.objects.create(
            organisation=organisation, user=person, role=role, requested_by=security_admin
        )
        for role in order
    }
    services.role_change_decide(actor=hr, change=changes[order[0]], confirm=True)

    with pytest.raises(ValidationError, match=SEPARATION):
        services.role_change_decide(actor=hr, change=changes[order[1]], confirm=True)

    assert fresh(person).roles == {order[0]}
    assert waiting_for(person).get() == changes[order[1]]


# --- The reverse: an administrator role for someone who holds or awaits another ----------------


def test_an_administrator_role_is_not_asked_for_while_another_role_waits_to_be_withdrawn(
    client_for, security_admin, staff
):
    services.role_grant(user=staff, role=Role.INSPECTOR)
    url = reverse("accounts:staff_roles", args=[staff.pk])

    # 工作人员 would go at once, 纪检督查 only once HR confirms: 审计员 could come first.
    response = client_for(security_admin).post(url, {"roles": ["auditor"]})

    assert response.status_code == 200
    assert "才能申请授予“审计员”" in response.content.decode()
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}
    assert not waiting_for(staff).exists()
    with pytest.raises(ValidationError, match="纪检督查"):
        services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.AUDITOR})
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}


def test_no_role_is_granted_at_once_while_an_administrator_role_waits_to_be_granted(organisation, security_admin, hr):
    person = UserFactory(organisation=organisation, department=None, roles=[])
    [change] = services.roles_set(actor=security_admin, user=person, roles={Role.AUDITOR})

    with pytest.raises(ValidationError, match="“审计员”角色正在等待确认"):
        services.roles_set(actor=security_admin, user=fresh(person), roles={Role.STAFF})

    assert fresh(person).roles == set()
    services.role_change_decide(actor=hr, change=change, confirm=True)
    assert fresh(person).roles == {Role.AUDITOR}


def test_a_role_withdrawn_with_an_administrator_role_does_not_stand_in_the_way_of_it(security_admin, hr, staff):
    """工作人员 goes in the step that confirms 审计员 (tests/accounts/test_withdrawal_waits_for_the_grant.py):
    there is no moment with both, nor one with neither."""
    [change] = services.roles_set(actor=security_admin, user=staff, roles={Role.AUDITOR})
    assert fresh(staff).roles == {Role.STAFF}
    services.role_change_decide(actor=hr, change=change, confirm=True)
    assert fresh(staff).roles == {Role.AUDITOR}


# --- The roles page says what waits, and a repeat is not registered again ----------------------


def _when(change: PendingRoleChange) -> str:
    return timezone.localtime(change.requested_at).strftime("%Y-%m-%d %H:%M")


def test_the_roles_page_shows_the_changes_waiting_for_the_person(client_for, organisation, security_admin, sysadmin):
    [change] = services.roles_set(actor=security_admin, user=sysadmin, roles=set())

    page = client_for(security_admin).get(reverse("accounts:staff_roles", args=[sysadmin.pk])).content.decode()

    assert f"待确认：撤销 系统管理员（{security_admin} 于 {_when(change)} 申请）" in page
    # Someone with nothing waiting has no such line.
    other = UserFactory(organisation=organisation, department=None, roles=[Role.STAFF])
    page = client_for(security_admin).get(reverse("accounts:staff_roles", args=[other.pk])).content.decode()
    assert 'data-testid="waiting-role-change"' not in page


def test_the_roles_page_shows_a_waiting_appointment_to_a_post(
    client_for, department, head, leader, hr, security_admin, staff
):
    department.head = staff
    [change] = services.department_save(department=department, previous_head=head, previous_leader=leader, actor=hr)

    page = client_for(security_admin).get(reverse("accounts:staff_roles", args=[staff.pk])).content.decode()

    assert f"待确认：任命{staff}为“{department.name}”的科室负责人（{hr} 于 {_when(change)} 申请）" in page


def test_asking_again_for_a_change_that_waits_says_it_waits_and_registers_nothing(
    client_for, security_admin, hr, sysadmin
):
    client = client_for(security_admin)
    url = reverse("accounts:staff_roles", args=[sysadmin.pk])
    assert "已登记" in client.post(url, {"roles": []}, follow=True).content.decode()
    change = waiting_for(sysadmin).get()
    asks = Notification.objects.filter(recipient=hr).count()

    response = client.post(url, {"roles": []})

    assert response.status_code == 200
    page = response.content.decode()
    assert "已在等待确认" in page and "无须重复提交" in page
    assert "已登记" not in page
    assert list(waiting_for(sysadmin)) == [change]
    assert Notification.objects.filter(recipient=hr).count() == asks


def test_a_save_that_changes_a_role_at_once_and_repeats_a_waiting_one_says_which_is_which(
    client_for, security_admin, staff
):
    services.role_grant(user=staff, role=Role.INSPECTOR)
    services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.STAFF, Role.INSPECTOR, Role.HR_ADMIN})

    # 工作人员 goes at once: the person keeps 纪检督查 while 组织人事 waits.
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["inspector", "hr_admin"]}, follow=True
    )

    page = response.content.decode()
    assert "角色已更新" in page and "已登记" not in page
    assert "以下变更已在等待确认，未重复登记" in page
    assert fresh(staff).roles == {Role.INSPECTOR}
    assert waiting_for(staff).count() == 1
