"""Nobody is left without a role because a grant waits.

The user test that found it: on a person's roles page the security administrator ticked 审计员 and
unticked 工作人员 in one save. 审计员 waited for HR's confirmation, 工作人员 went at once: the person
held no role while the grant waited, and none at all once HR rejected it. Now the withdrawal that
would leave nothing waits with the grant (``PendingRoleChange.withdraw_on_confirm``): it goes in the
step that confirms the grant, and stays undone if the grant is rejected or withdrawn.
"""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import AuditEntry, Role
from tests.accounts.helpers import fresh, waiting_for

pytestmark = pytest.mark.engine_neutral


def test_staff_unticked_as_the_auditor_role_is_asked_for_stays_until_the_grant_is_confirmed(
    client_for, security_admin, hr, staff
):
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["auditor"]}, follow=True
    )

    page = response.content.decode()
    assert "角色变更已登记" in page
    assert "“工作人员”角色在待确认的授予确认后才撤销，在此之前保留" in page
    assert fresh(staff).roles == {Role.STAFF}
    grant = waiting_for(staff).get()
    assert (grant.role, grant.withdraw, grant.withdraw_on_confirm) == (Role.AUDITOR, False, Role.STAFF)
    # The roles page says what waits, and so does the page where HR decides.
    roles_page = client_for(security_admin).get(reverse("accounts:staff_roles", args=[staff.pk])).content.decode()
    assert "待确认：授予 审计员（" in roles_page
    assert "；确认后同时撤销 工作人员（在此之前保留，被拒绝或撤回时不撤销）" in roles_page
    pending_page = client_for(hr).get(reverse("accounts:pending_changes")).content.decode()
    assert f"授予 {staff} · 审计员（确认后同时撤销“工作人员”）" in pending_page

    client_for(hr).post(reverse("accounts:role_change_confirm", args=[grant.pk]))

    # In one step: never both (三员分立), never neither.
    assert fresh(staff).roles == {Role.AUDITOR}
    assert not waiting_for(staff).exists()


@pytest.mark.parametrize("decision", ["reject", "withdraw"])
def test_staff_unticked_with_a_grant_stays_when_the_grant_is_rejected_or_withdrawn(security_admin, hr, staff, decision):
    [grant] = services.roles_set(actor=security_admin, user=staff, roles={Role.AUDITOR})

    if decision == "withdraw":
        services.pending_withdraw(actor=security_admin, pending=grant)
    else:
        services.role_change_decide(actor=hr, change=grant, confirm=False)

    assert fresh(staff).roles == {Role.STAFF}
    assert not waiting_for(staff).exists()


def test_staff_unticked_while_an_earlier_grant_waits_waits_for_that_grant(client_for, security_admin, hr, staff):
    [grant] = services.roles_set(actor=security_admin, user=staff, roles={Role.STAFF, Role.INSPECTOR})

    # The page shows 工作人员 held and 纪检督查 waiting: the save unticks 工作人员 and asks nothing new.
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["inspector"]}, follow=True
    )

    page = response.content.decode()
    assert "角色变更已登记" in page and "以下变更已在等待确认，未重复登记" in page
    assert "“工作人员”角色在待确认的授予确认后才撤销" in page
    assert fresh(staff).roles == {Role.STAFF}
    grant.refresh_from_db()
    assert grant.withdraw_on_confirm == Role.STAFF
    # The change of the waiting request is in the audit trail.
    assert AuditEntry.objects.filter(object_pk=str(grant.pk), changes__icontains="withdraw_on_confirm").exists()

    services.role_change_decide(actor=hr, change=grant, confirm=True)

    assert fresh(staff).roles == {Role.INSPECTOR}


def test_unticking_staff_again_while_its_withdrawal_waits_is_refused_as_a_repeat(security_admin, staff):
    [grant] = services.roles_set(actor=security_admin, user=staff, roles={Role.AUDITOR})

    with pytest.raises(ValidationError, match="已在等待确认.*无须重复提交") as refused:
        services.roles_set(actor=security_admin, user=fresh(staff), roles=set())

    assert "确认后同时撤销“工作人员”" in " ".join(refused.value.messages)
    assert list(waiting_for(staff)) == [grant]
    assert fresh(staff).roles == {Role.STAFF}


def test_of_two_grants_the_first_confirmed_takes_staff_away_and_the_other_no_longer_carries_it(
    security_admin, hr, staff
):
    grants = services.roles_set(actor=security_admin, user=staff, roles={Role.INSPECTOR, Role.HR_ADMIN})
    assert {grant.withdraw_on_confirm for grant in grants} == {Role.STAFF}
    inspector = next(grant for grant in grants if grant.role == Role.INSPECTOR)
    hr_admin = next(grant for grant in grants if grant.role == Role.HR_ADMIN)

    services.role_change_decide(actor=hr, change=inspector, confirm=True)

    assert fresh(staff).roles == {Role.INSPECTOR}
    hr_admin.refresh_from_db()
    assert hr_admin.withdraw_on_confirm == ""
    # 工作人员 given back meanwhile is not taken away again by the second grant.
    services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.INSPECTOR, Role.STAFF})
    services.role_change_decide(actor=hr, change=hr_admin, confirm=True)
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR, Role.HR_ADMIN}


def test_a_role_whose_withdrawal_waits_does_not_count_as_kept(security_admin, hr, staff):
    """纪检督查's withdrawal may be confirmed before 组织人事's grant: 工作人员 waits for the grant."""
    services.role_grant(user=staff, role=Role.INSPECTOR)

    changes = services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.HR_ADMIN})

    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}
    withdrawal = next(change for change in changes if change.withdraw)
    grant = next(change for change in changes if not change.withdraw)
    assert (withdrawal.withdraw_on_confirm, grant.withdraw_on_confirm) == ("", Role.STAFF)
    services.role_change_decide(actor=hr, change=withdrawal, confirm=True)
    assert fresh(staff).roles == {Role.STAFF}
    services.role_change_decide(actor=hr, change=grant, confirm=True)
    assert fresh(staff).roles == {Role.HR_ADMIN}


def test_staff_goes_at_once_when_the_person_keeps_another_role(security_admin, staff):
    services.role_grant(user=staff, role=Role.INSPECTOR)

    [grant] = services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.INSPECTOR, Role.HR_ADMIN})

    assert fresh(staff).roles == {Role.INSPECTOR}
    assert grant.withdraw_on_confirm == ""


def test_staff_unticked_as_the_last_role_without_any_grant_waiting_is_refused(security_admin, staff):
    # (It went at once, leaving the person no role: tests/accounts/test_last_role.py.)
    with pytest.raises(ValidationError, match="将没有任何角色"):
        services.roles_set(actor=security_admin, user=staff, roles=set())
    assert fresh(staff).roles == {Role.STAFF}


def test_staff_unticked_while_an_appointment_to_a_post_waits_goes_when_the_appointment_is_confirmed(
    department, head, leader, hr, security_admin, staff
):
    department.head = staff
    [appointment] = services.department_save(
        department=department, previous_head=head, previous_leader=leader, actor=hr
    )

    services.roles_set(actor=security_admin, user=fresh(staff), roles=set())

    assert fresh(staff).roles == {Role.STAFF}
    appointment.refresh_from_db()
    assert appointment.withdraw_on_confirm == Role.STAFF
    services.role_change_decide(actor=security_admin, change=appointment, confirm=True)
    assert fresh(staff).roles == {Role.DEPARTMENT_HEAD}


def test_staff_ticked_again_while_its_withdrawal_waits_stays_when_the_grant_is_confirmed(
    client_for, security_admin, hr, staff
):
    [grant] = services.roles_set(actor=security_admin, user=staff, roles={Role.INSPECTOR})
    roles_url = reverse("accounts:staff_roles", args=[staff.pk])

    # The page shows 工作人员 as asked (unticked) and says how to keep it.
    page = client_for(security_admin).get(roles_url).content.decode()
    assert 'value="staff" checked' not in page.replace("\n", " ")
    assert "如要保留，重新勾选“工作人员”并保存" in page

    response = client_for(security_admin).post(roles_url, {"roles": ["staff"]}, follow=True)

    assert "“工作人员”角色保留，待确认的授予确认后不再撤销。" in response.content.decode()
    grant.refresh_from_db()
    assert grant.withdraw_on_confirm == ""
    # The change of the waiting request is in the audit trail: 工作人员 → nothing.
    latest = AuditEntry.objects.filter(object_pk=str(grant.pk)).latest("pk")
    assert "withdraw_on_confirm" in str(latest.changes) and "staff" in str(latest.changes)
    services.role_change_decide(actor=hr, change=grant, confirm=True)
    assert fresh(staff).roles == {Role.STAFF, Role.INSPECTOR}


def test_staff_ticked_again_with_the_grant_asked_again_keeps_it_and_says_so_once(security_admin, staff):
    services.roles_set(actor=security_admin, user=staff, roles={Role.INSPECTOR})

    [grant] = services.roles_set(actor=security_admin, user=fresh(staff), roles={Role.STAFF, Role.INSPECTOR})

    assert (grant.already_waiting, grant.withdrawal_detached, grant.withdraw_on_confirm) == (True, "工作人员", "")
