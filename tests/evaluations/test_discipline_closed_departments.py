"""The sanction and veto-flag lists filter by the person's current department: a deactivated
department (nobody in it works there any more) is not offered, unless the list is already filtered
on it (a link kept from before it closed)."""

import pytest
from django.urls import reverse

from tests.factories import DepartmentFactory, SanctionFactory, UserFactory, VetoFlagFactory

LISTS = ["evaluations:sanction_list", "evaluations:veto_list"]


@pytest.fixture
def closed_department(organisation):
    return DepartmentFactory(organisation=organisation, code="D009", name="原档案科", is_active=False)


@pytest.fixture
def left_person(closed_department):
    """Someone who left with the closed department, with a sanction and its flag on record."""
    person = UserFactory(department=closed_department, is_active=False)
    SanctionFactory(person=person)
    VetoFlagFactory(person=person)
    return person


@pytest.mark.parametrize("list_name", LISTS)
def test_the_department_filter_offers_only_active_departments(client_for, hr, department, closed_department, list_name):
    response = client_for(hr).get(reverse(list_name), {"year": 2026})

    choices = list(response.context["filter"].form.fields["department"].queryset)
    assert department in choices and closed_department not in choices
    assert "原档案科" not in response.content.decode()


@pytest.mark.parametrize("list_name", LISTS)
def test_a_list_filtered_on_a_deactivated_department_keeps_it_chosen(
    client_for, hr, closed_department, left_person, list_name
):
    response = client_for(hr).get(reverse(list_name), {"year": 2026, "department": closed_department.pk})

    form = response.context["filter"].form
    assert not form.errors
    assert [row.person for row in response.context["page"]] == [left_person]
    assert f'<option value="{closed_department.pk}" selected>原档案科</option>' in response.content.decode()
