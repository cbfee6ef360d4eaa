"""A department with people at work and no head at work: nobody reviews their targets and summaries
or grades them. HR's department list says so on the row and above the list, and HR's home page
counts such departments among the to-dos."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Department
from tests.factories import DepartmentFactory, UserFactory
from tests.support.home import todo


def _rows(body: str) -> dict[str, str]:
    rows = body.split('data-testid="department-row"')[1:]
    return {row.split("</td>", 2)[1].rsplit(">", 1)[-1]: row.split("</tr>", 1)[0] for row in rows}


@pytest.fixture
def headless(organisation):
    department = DepartmentFactory(organisation=organisation, code="D010", name="信息科")
    UserFactory(department=department)
    return department


def test_the_row_of_a_staffed_department_without_head_carries_a_warning(client_for, hr, head, headless):
    empty = DepartmentFactory(organisation=headless.organisation, code="D011", name="新设科")
    closed = DepartmentFactory(organisation=headless.organisation, code="D012", name="原档案科", is_active=False)
    UserFactory(department=closed, is_active=False)

    rows = _rows(client_for(hr).get(reverse("accounts:department_list")).content.decode())

    assert 'data-testid="lacks-head"' in rows["信息科"] and "缺少科室负责人" in rows["信息科"]
    for name in ("办公室", empty.name, closed.name):  # headed; nobody to review; closed
        assert 'data-testid="lacks-head"' not in rows[name]


def test_a_head_whose_account_was_deactivated_leaves_the_department_without_head(client_for, hr, department, head):
    UserFactory(department=department)
    head.is_active = False
    head.save()

    rows = _rows(client_for(hr).get(reverse("accounts:department_list")).content.decode())

    assert "（账号已停用）" in rows["办公室"] and 'data-testid="lacks-head"' in rows["办公室"]


def test_the_list_says_how_many_and_filters_on_them(client_for, hr, head, headless):
    client = client_for(hr)

    body = client.get(reverse("accounts:department_list")).content.decode()
    warning = body.split('data-testid="departments-without-head"', 1)[1].split("</div>", 1)[0]
    assert "有1个科室有在职人员、却没有在职的科室负责人" in warning

    response = client.get(reverse("accounts:department_list"), {"lacks_head": "true"})
    assert [d.name for d in response.context["page"]] == ["信息科"]
    response = client.get(reverse("accounts:department_list"), {"lacks_head": "false"})
    assert [d.name for d in response.context["page"]] == ["办公室"]


def test_no_warning_when_every_staffed_department_has_a_head(client_for, hr, staff):
    body = client_for(hr).get(reverse("accounts:department_list")).content.decode()

    assert "departments-without-head" not in body and 'data-testid="lacks-head"' not in body


def test_hrs_home_counts_the_departments_without_head_and_opens_them(client_for, hr, head, headless):
    body = client_for(hr).get(reverse("home")).content.decode()

    assert todo(body, "departments-without-head") == 1
    assert f"{reverse('accounts:department_list')}?lacks_head=true" in body


def test_the_to_do_goes_once_a_head_is_appointed(client_for, hr, headless):
    Department.objects.filter(pk=headless.pk).update(head=headless.members.get())

    assert todo(client_for(hr).get(reverse("home")).content.decode(), "departments-without-head") is None


@pytest.mark.parametrize("persona", ["staff", "head", "leader", "sysadmin", "auditor"])
def test_the_to_do_is_hrs_only(request, client_for, headless, persona):
    body = client_for(request.getfixturevalue(persona)).get(reverse("home")).content.decode()

    assert todo(body, "departments-without-head") is None


def test_the_department_list_asks_as_many_queries_for_few_and_many_departments(client_for, hr, organisation):
    def grow(n):
        for _i in range(n):
            headed = DepartmentFactory(organisation=organisation)
            headed.head = UserFactory(department=headed)
            headed.save()
            UserFactory(department=DepartmentFactory(organisation=organisation))  # without head

    client = client_for(hr)
    grow(2)
    client.get(reverse("accounts:department_list"))
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("accounts:department_list")).status_code == 200
    grow(20)
    with CaptureQueriesContext(connection) as many:
        body = client.get(reverse("accounts:department_list")).content.decode()
    assert len(many) == len(few)
    assert body.count('data-testid="lacks-head"') >= 10


def test_the_list_offers_no_deactivation_of_a_department_with_people_at_work_and_says_why(
    client_for, hr, department, staff, organisation
):
    """A user test: 停用 was offered for every department, and pressing it for one with staff only
    said 该科室仍有在职人员…; the server still refuses it (test_a_department_with_staff_cannot_be_deactivated)."""
    empty = DepartmentFactory(organisation=organisation, code="D011", name="新设科")
    left = DepartmentFactory(organisation=organisation, code="D012", name="撤并科")
    UserFactory(department=left, is_active=False)

    rows = _rows(client_for(hr).get(reverse("accounts:department_list")).content.decode())

    staffed = rows["办公室"]
    assert 'data-testid="department-deactivate-unavailable"' in staffed and "仍有在职人员，调出后才能停用" in staffed
    assert reverse("accounts:department_deactivate", args=[department.pk]) not in staffed
    for name, other in (("新设科", empty), ("撤并科", left)):  # nobody at work there
        assert reverse("accounts:department_deactivate", args=[other.pk]) in rows[name]
        assert "department-deactivate-unavailable" not in rows[name]
