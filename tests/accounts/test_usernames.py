"""User names are unique within an organisation, not across organisations: HR cannot learn that
another agency has a person of a name, and sign-in finds the namesake whose password matches."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.factories import UserFactory


def _create(client, department, username, number):
    data = {
        "username": username,
        "full_name": "新同事",
        "employee_number": number,
        "department": department.pk,
        "staff_type": "civil_servant",
        "position_category": "general",
    }
    return client.post(reverse("accounts:staff_create"), data)


def test_hr_creates_a_person_with_another_organisations_user_name_as_with_a_new_one(
    client_for, hr, department, outsider
):
    client = client_for(hr)
    for username, number in ((outsider.username, "N001"), ("nobody-here", "N002")):
        response = _create(client, department, username, number)
        assert response.status_code == 200 and "password" in response.context, username
    assert User.objects.filter(username=outsider.username).count() == 2


def test_namesakes_of_two_organisations_each_sign_in_with_their_own_password(client, department, outsider):
    namesake, _password = services.staff_create(
        organisation=department.organisation,
        username=outsider.username,
        full_name="同名人",
        department=department,
        password="Namesake#2026",
    )
    response = client.post(reverse("accounts:login"), {"username": outsider.username, "password": "Namesake#2026"})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == namesake.pk
    client.logout()
    from tests.factories import PASSWORD

    response = client.post(reverse("accounts:login"), {"username": outsider.username, "password": PASSWORD})
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == outsider.pk
    client.logout()
    response = client.post(reverse("accounts:login"), {"username": outsider.username, "password": "wrong-Pass#1"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_two_namesakes_with_the_same_password_sign_nobody_in(client, department, outsider):
    from tests.factories import PASSWORD

    UserFactory(username=outsider.username, department=department)  # the factories' shared password
    response = client.post(reverse("accounts:login"), {"username": outsider.username, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@pytest.mark.parametrize("spelling", ["staff", "STAFF"])
def test_a_name_used_in_the_organisation_is_refused_whatever_its_case(client_for, hr, department, staff, spelling):
    response = _create(client_for(hr), department, spelling, "N003")
    assert response.status_code == 200
    assert "本单位已有人员使用该用户名" in str(response.context["form"].errors.get("username"))
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username=spelling.upper(), department=department)
