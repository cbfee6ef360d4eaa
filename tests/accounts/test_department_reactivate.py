"""HR opens a deactivated department again (a POST the list's button asks before, audited); its
posts wait for a second person's confirmation; nobody else can."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts import services
from accounts.models import AuditEntry, Department, PendingRoleChange, Role
from tests.factories import DepartmentFactory, UserFactory


@pytest.fixture
def closed_department(organisation, leader):
    """Closed when its head left: the head's account is deactivated, the leader still serves."""
    department = DepartmentFactory(
        organisation=organisation, code="D009", name="原档案科", supervising_leader=leader, is_active=False
    )
    department.head = UserFactory(department=department, full_name="原科长", is_active=False)
    department.save()
    return department


def _reactivate(client, department):
    return client.post(reverse("accounts:department_reactivate", args=[department.pk]), follow=True)


def test_hr_reactivates_a_department_and_the_change_is_audited(client_for, hr, closed_department):
    response = _reactivate(client_for(hr), closed_department)

    assert response.status_code == 200
    assert "科室“原档案科”已重新启用。" in response.content.decode()
    closed_department.refresh_from_db()
    assert closed_department.is_active
    entry = AuditEntry.objects.filter(
        content_type__model="department", object_pk=str(closed_department.pk), actor=hr
    ).get()
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.changes_dict["is_active"] == ["False", "True"]


def test_the_posts_wait_for_a_second_person_and_a_departed_head_is_not_asked_for(
    client_for, hr, leader, closed_department
):
    """A post gives the power to grade: one person never restores it alone."""
    former_head = closed_department.head

    _reactivate(client_for(hr), closed_department)

    closed_department.refresh_from_db()
    assert closed_department.head is None and closed_department.supervising_leader is None
    [waiting] = PendingRoleChange.objects.filter(department=closed_department, state=PendingRoleChange.State.PENDING)
    assert (waiting.user, waiting.role, waiting.requested_by) == (leader, Role.SUPERVISING_LEADER, hr)
    assert not PendingRoleChange.objects.filter(user=former_head).exists()


def test_a_former_head_now_in_another_department_is_not_asked_for_again(hr, department, closed_department):
    moved = UserFactory(department=department)
    Department.objects.filter(pk=closed_department.pk).update(head=moved)

    waiting = services.department_reactivate(department=closed_department, actor=hr)

    assert [change.role for change in waiting] == [Role.SUPERVISING_LEADER]
    closed_department.refresh_from_db()
    assert closed_department.is_active and closed_department.head is None


def test_an_active_department_is_not_reactivated_again(client_for, hr, department, head):
    response = _reactivate(client_for(hr), department)

    assert "科室“办公室”已是启用状态。" in response.content.decode()
    department.refresh_from_db()
    assert department.head == head
    assert not AuditEntry.objects.filter(content_type__model="department", actor=hr).exists()


def test_a_get_only_asks_and_writes_nothing(client_for, hr, closed_department):
    response = client_for(hr).get(reverse("accounts:department_reactivate", args=[closed_department.pk]))

    assert response.status_code == 405
    closed_department.refresh_from_db()
    assert not closed_department.is_active


@pytest.mark.parametrize("persona", ["staff", "head", "leader", "sysadmin", "security_admin", "auditor"])
def test_only_hr_reactivates_a_department(request, client_for, closed_department, persona):
    response = client_for(request.getfixturevalue(persona)).post(
        reverse("accounts:department_reactivate", args=[closed_department.pk])
    )

    assert response.status_code == 403
    closed_department.refresh_from_db()
    assert not closed_department.is_active


def test_hr_of_another_organisation_does_not_find_the_department(client_for, other_organisation, closed_department):
    other_hr = UserFactory(organisation=other_organisation, department=None, roles=[Role.HR_ADMIN])

    response = client_for(other_hr).post(reverse("accounts:department_reactivate", args=[closed_department.pk]))

    assert response.status_code == 404
    closed_department.refresh_from_db()
    assert not closed_department.is_active


def test_the_service_refuses_an_actor_without_the_right(staff, closed_department):
    with pytest.raises(PermissionDenied):
        services.department_reactivate(department=closed_department, actor=staff)


def test_the_list_offers_reactivation_behind_a_confirmation_only_for_a_deactivated_department(
    client_for, hr, department, closed_department
):
    body = client_for(hr).get(reverse("accounts:department_list")).content.decode()

    rows = body.split('data-testid="department-row"')[1:]
    [closed_row] = [row for row in rows if "原档案科" in row]
    [open_row] = [row for row in rows if "办公室" in row]
    url = reverse("accounts:department_reactivate", args=[closed_department.pk])
    assert f'action="{url}"' in closed_row and 'method="post"' in closed_row
    assert "确定重新启用科室“原档案科”吗？" in closed_row and "data-confirm=" in closed_row
    assert "department-reactivate" not in open_row


def test_a_reactivated_department_takes_a_head_again(hr, closed_department):
    services.department_reactivate(department=closed_department, actor=hr)
    newcomer = UserFactory(department=closed_department)

    closed_department.head = newcomer
    services.department_save(department=closed_department)

    newcomer.refresh_from_db()
    assert Role.DEPARTMENT_HEAD in newcomer.roles


def test_an_appointment_waiting_when_the_department_closes_ends_with_it(hr, organisation):
    department = DepartmentFactory(organisation=organisation, code="D010", name="临时科")
    candidate = UserFactory(organisation=organisation, department=None, full_name="候任科长")
    department.head = candidate
    services.department_save(department=department, actor=hr)
    [waiting] = PendingRoleChange.objects.filter(department=department, state=PendingRoleChange.State.PENDING)

    services.department_deactivate(department=department)

    waiting.refresh_from_db()
    assert waiting.state == PendingRoleChange.State.WITHDRAWN
    services.department_reactivate(department=department, actor=hr)
    assert not PendingRoleChange.objects.filter(
        department=department, user=candidate, state=PendingRoleChange.State.PENDING
    ).exists()


def test_a_person_of_a_closed_department_is_not_reactivated_there(client_for, hr, organisation):
    closed = DepartmentFactory(organisation=organisation, code="D011", name="信息中心")
    person = UserFactory(organisation=organisation, department=closed, full_name="龚建嘉")
    services.staff_set_active(user=person, active=False, actor=hr)
    services.department_deactivate(department=closed)

    response = client_for(hr).post(
        reverse("accounts:staff_reactivate", args=[person.pk]), {"reason": "返岗"}, follow=True
    )

    assert "已停用：请先将其调整到启用的科室" in response.content.decode()
    person.refresh_from_db()
    assert not person.is_active
