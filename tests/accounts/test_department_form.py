"""The department form as HR uses it to set up a department and its posts.

An HR user test (a new department, its new people and their new head) found the head removed at
once with no question, a waiting appointment missing from the form, and a head picker that listed
the whole organisation in no helpful order."""

import re

from django.urls import reverse

from accounts.models import Department, PendingRoleChange, Role
from tests.factories import DepartmentFactory, UserFactory


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
    assert (
        f"保存后“{head}（{head.employee_number}，{department.name}）”立即不再是科室“{department.name}”的负责人" in form
    )


def test_a_department_without_a_head_has_nothing_to_ask(client_for, hr, department):
    page = client_for(hr).get(_edit(department)).content.decode()

    assert "data-confirm-when" not in page


def test_removing_the_head_says_the_staff_now_have_no_reviewer(client_for, hr, department, head, staff):
    response = client_for(hr).post(_edit(department), _data(department, head=""), follow=True)

    department.refresh_from_db()
    assert department.head is None
    said = [str(message) for message in response.context["messages"]]
    assert f"科室“{department.name}”已保存。" in said
    removed = f"“{head}（{head.employee_number}，{department.name}）”已不再是科室“{department.name}”的负责人"
    assert any(removed in text and "无人审核" in text for text in said)


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
    assert f"待确认：分管副局长（{deputy.employee_number}）" in leader_field
    head_field = page.split('name="head"', 1)[1].split('name="supervising_leader"', 1)[0]
    assert f"待确认：{colleague}（{colleague.employee_number}，{department.name}）" in head_field
    # Names are typed by people (the system administrator, HR): escaped, though crispy writes a help
    # text as it is (a security test's <i> in a name came out as markup).
    type(deputy).objects.filter(pk=deputy.pk).update(full_name="<i>副局长</i>")
    page = client.get(_edit(department)).content.decode()
    leader_field = page.split('name="supervising_leader"', 1)[1].split('name="sort_order"', 1)[0]
    assert "待确认：&lt;i&gt;副局长&lt;/i&gt;" in leader_field and "<i>副局长" not in page


def test_the_head_picker_lists_the_departments_own_people_first(client_for, hr, department, head, staff):
    department.sort_order = 5
    department.save()
    earlier = DepartmentFactory(organisation=department.organisation, code="D000", name="前科", sort_order=0)
    stranger = UserFactory(department=earlier, full_name="外科员")

    options = _options(client_for(hr).get(_edit(department)).content.decode(), "head")

    own = [i for i, label in enumerate(options) if department.name in label]
    assert own and max(own) < options.index(next(label for label in options if stranger.full_name in label))
    assert options[0] == "（暂不指定）"


def test_a_leader_outside_every_department_is_named_without_a_dash(client_for, hr, department, leader):
    options = _options(client_for(hr).get(_edit(department)).content.decode(), "supervising_leader")

    assert f"{leader.full_name}（{leader.employee_number}）" in options


def test_a_new_department_is_offered_the_place_after_the_last_one(client_for, hr, department):
    DepartmentFactory(organisation=department.organisation, code="D009", name="末科", sort_order=7)

    form = client_for(hr).get(reverse("accounts:department_create")).context["form"]

    assert form["sort_order"].value() == 8
    assert Department.objects.filter(organisation=department.organisation).count() == 2


def test_a_department_cannot_take_the_word_the_staff_import_reads_as_in_no_department(client_for, hr, department):
    """The staff import reads 不在科室 as "out of every department" (the leadership): a department so
    named or coded could never have anyone imported into it, so the form refuses the word."""
    client = client_for(hr)
    for data, field in (
        ({"code": "D010", "name": "不在科室", "sort_order": 9}, "name"),
        ({"code": "不在科室（领导班子成员）", "name": "新科", "sort_order": 9}, "code"),
    ):
        response = client.post(reverse("accounts:department_create"), data)
        assert response.status_code == 200
        assert "在人员导入中表示不在任何科室" in " ".join(response.context["form"].errors[field])
    assert not Department.objects.filter(organisation=department.organisation, sort_order=9).exists()
