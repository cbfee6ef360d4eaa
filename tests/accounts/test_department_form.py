"""The department form as HR uses it to set up a department and its posts.

An HR user test (a new department, its new people and their new head) found the head removed at
once with no question, a waiting appointment missing from the form, and a head picker that listed
the whole organisation in no helpful order."""

import re

from django.urls import reverse

from accounts.models import PendingRoleChange, Role
from tests.factories import UserFactory


def _edit(department) -> str:
    return reverse("accounts:department_edit", args=[department.pk])


def _data(department, **changes) -> dict:
    data = {"code": department.code, "name": department.name, "sort_order": department.sort_order}
    data["head"] = department.head_id or ""
    data["supervising_leader"] = department.supervising_leader_id or ""
    return {**data, **changes}


def _options(page: str, field: str) -> list[str]:
    select = page.split(f'name="{field}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_the_form_asks_before_a_save_that_removes_the_head(client_for, hr, department, head):
    page = client_for(hr).get(_edit(department)).content.decode()

    form = page.split('<form method="post" novalidate', 1)[1].split(">", 1)[0]
    assert "data-confirm-when=\"select[name=head] option[value='']:checked\"" in form
    assert f"保存后“{head}”立即不再是科室“{department.name}”的负责人" in form


def test_a_department_without_a_head_has_nothing_to_ask(client_for, hr, department):
    page = client_for(hr).get(_edit(department)).content.decode()

    assert "data-confirm-when" not in page


def test_removing_the_head_says_the_staff_now_have_no_reviewer(client_for, hr, department, head, staff):
    response = client_for(hr).post(_edit(department), _data(department, head=""), follow=True)

    department.refresh_from_db()
    assert department.head is None
    said = [str(message) for message in response.context["messages"]]
    assert f"科室“{department.name}”已保存。" in said
    assert any(f"“{head}”已不再是科室“{department.name}”的负责人" in text and "无人审核" in text for text in said)


def test_saving_a_department_whose_head_stays_says_nothing_of_reviewers(client_for, hr, department, head, staff):
    response = client_for(hr).post(_edit(department), _data(department, name="新名称"), follow=True)

    assert not any("无人审核" in str(message) for message in response.context["messages"])


def test_the_form_shows_an_appointment_waiting_for_confirmation_beside_its_field(
    client_for, hr, department, head, colleague, organisation
):
    deputy = UserFactory(organisation=organisation, department=None, full_name="分管副局长", roles=[Role.STAFF])
    client = client_for(hr)
    assert client.post(_edit(department), _data(department, supervising_leader=deputy.pk)).status_code == 302
    assert client.post(_edit(department), _data(department, head=colleague.pk)).status_code == 302
    assert PendingRoleChange.objects.filter(state=PendingRoleChange.State.PENDING).count() == 2

    page = client.get(_edit(department)).content.decode()

    leader_field = page.split('name="supervising_leader"', 1)[1].split('name="sort_order"', 1)[0]
    assert "待确认：分管副局长" in leader_field
    head_field = page.split('name="head"', 1)[1].split('name="supervising_leader"', 1)[0]
    assert f"待确认：{colleague}" in head_field
