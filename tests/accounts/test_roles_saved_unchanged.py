"""Saving a person's roles page as it was shown says nothing changed and writes nothing."""

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import AuditEntry, Notification, PendingRoleChange, Role, User

pytestmark = pytest.mark.engine_neutral


def _state(person: User):
    return (
        set(User.objects.get(pk=person.pk).roles),
        AuditEntry.objects.count(),
        Notification.objects.count(),
        list(PendingRoleChange.objects.values_list("pk", "state", "withdraw_on_confirm").order_by("pk")),
    )


def test_saving_the_roles_unchanged_says_so_and_writes_nothing(client_for, security_admin, staff):
    services.role_grant(user=staff, role=Role.INSPECTOR)
    client = client_for(security_admin)
    before = _state(staff)

    response = client.post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["inspector", "staff"]}, follow=True
    )

    page = response.content.decode()
    assert "角色未作更改。" in page
    assert "角色已更新" not in page
    assert _state(staff) == before


def test_saving_unchanged_while_a_withdrawal_waits_for_a_grant_says_so_and_keeps_it(client_for, security_admin, staff):
    # 工作人员 is held until the grant of 纪检督查 lands, and shows unticked.
    [grant] = services.roles_set(actor=security_admin, user=staff, roles={Role.INSPECTOR})
    client = client_for(security_admin)
    before = _state(staff)

    response = client.post(reverse("accounts:staff_roles", args=[staff.pk]), {}, follow=True)

    page = response.content.decode()
    assert "角色未作更改。" in page
    assert "无须重复提交" not in page
    assert _state(staff) == before
    grant.refresh_from_db()
    assert grant.withdraw_on_confirm == Role.STAFF


def test_a_real_change_is_still_saved(client_for, security_admin, staff):
    services.role_grant(user=staff, role=Role.INSPECTOR)
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["inspector"]}, follow=True
    )
    assert f"“{staff}”的角色已更新。" in response.content.decode()
    assert User.objects.get(pk=staff.pk).roles == {Role.INSPECTOR}
