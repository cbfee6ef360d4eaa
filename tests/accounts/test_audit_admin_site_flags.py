"""Django's admin-site flags of an account (is_superuser, is_staff) in the auditor's log: every change
of them is shown — a grant of power the auditor is there to see — under names saying what they
grant, while the creation of an ordinary person (who has neither) says nothing of them."""

import re

from django.urls import reverse

from accounts.models import AuditEntry, User
from tests.accounts.helpers import post_new_person


def _changes_shown(client) -> list[str]:
    body = client.get(reverse("accounts:audit_list")).content.decode()
    cells = re.findall(r'data-testid="audit-changes"[^>]*>(.*?)</td>', body, re.S)
    return [re.sub(r"<[^>]+>", "", cell) for cell in cells]


def test_creating_a_person_shows_the_auditor_no_superuser_or_staff_status(client_for, hr, department, auditor):
    post_new_person(client_for(hr), department, username="newbie", employee_number="E90001")

    shown = _changes_shown(client_for(auditor))

    created = next(cell for cell in shown if "用户名：newbie" in cell)
    assert "超级用户" not in created and "工作人员状态" not in created and "管理后台" not in created
    assert "须修改密码：是" in created


def test_a_grant_of_superuser_status_is_shown_to_the_auditor_by_what_it_grants(client_for, auditor, staff):
    staff.is_superuser = True
    staff.is_staff = True
    staff.save()  # as the Django admin or a shell would

    shown = _changes_shown(client_for(auditor))

    [granted] = [cell for cell in shown if "管理后台" in cell]
    assert "管理后台超级用户（拥有全部权限）：否 → 是" in granted and "可登录管理后台：否 → 是" in granted
    assert not [cell for cell in shown if "超级用户状态" in cell or "工作人员状态" in cell]


def test_a_superuser_created_as_such_says_so_in_the_auditors_workbook(organisation):
    from accounts import audit

    User.objects.create_superuser(username="root", password="Root@2026pw", organisation=organisation)

    entry = AuditEntry.objects.filter(content_type__model="user", action=AuditEntry.Action.CREATE).latest()
    content = audit.export_row(entry)[6]
    assert "管理后台超级用户（拥有全部权限）：是" in content and "可登录管理后台：是" in content
