"""The notice of a role change that waits names who confirms it: the other side.

A user test: after the security administrator asked for 纪检督查, the flash said it must be confirmed
by "另一人（组织人事或安全管理员）" — but only HR confirms what the security administrator asked
for (``accounts.services._confirming_side``); another security administrator cannot."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.engine_neutral


def test_the_security_administrators_request_says_hr_confirms_it(client_for, security_admin, staff):
    response = client_for(security_admin).post(
        reverse("accounts:staff_roles", args=[staff.pk]), {"roles": ["staff", "inspector"]}, follow=True
    )

    page = response.content.decode()
    assert "以下变更须由组织人事确认后生效：" in page
    assert "另一人" not in page and "安全管理员确认" not in page


def test_an_appointment_hr_asks_for_says_the_security_administrator_confirms_it(
    client_for, hr, department, head, leader, colleague
):
    data = {"code": department.code, "name": department.name, "sort_order": 0}
    data.update(head=colleague.pk, supervising_leader=leader.pk)

    response = client_for(hr).post(reverse("accounts:department_edit", args=[department.pk]), data, follow=True)

    page = response.content.decode()
    assert "须由安全管理员确认后生效，已提交待确认。" in page and "另一人" not in page
