"""User names are unique within an organisation, not across organisations: HR cannot learn that
another agency has a person of a name, and sign-in finds the namesake whose password matches."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts import services
from accounts.models import User
from tests.accounts.helpers import post_new_person
from tests.factories import UserFactory


def test_hr_creates_a_person_with_another_organisations_user_name_as_with_a_new_one(
    client_for, hr, department, outsider
):
    client = client_for(hr)
    for username, number in ((outsider.username, "N001"), ("nobody-here", "N002")):
        response = post_new_person(client, department, username=username, employee_number=number)
        assert response.status_code == 200 and "password" in response.context, username
    assert User.objects.filter(username=outsider.username).count() == 2


NAMESAKE_PASSWORD = "Namesake#2026"


@pytest.fixture
def namesake(department, outsider):
    """A person of this organisation with the outsider's user name (and NAMESAKE_PASSWORD)."""
    person, _password = services.staff_create(
        organisation=department.organisation,
        username=outsider.username,
        full_name="同名人",
        department=department,
        password=NAMESAKE_PASSWORD,
    )
    return person


def _sign_in(client, username, password, organisation=None):
    data = {"username": username, "password": password}
    if organisation is not None:
        data["organisation"] = organisation.code
    return client.post(reverse("accounts:login"), data)


def test_namesakes_of_two_organisations_each_sign_in_naming_their_organisation(client, department, outsider, namesake):
    from tests.factories import PASSWORD

    response = _sign_in(client, outsider.username, NAMESAKE_PASSWORD, department.organisation)
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == namesake.pk
    client.logout()
    response = _sign_in(client, outsider.username, PASSWORD, outsider.organisation)
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == outsider.pk
    client.logout()
    # One organisation's person with the other's password is refused like any wrong password.
    response = _sign_in(client, outsider.username, PASSWORD, department.organisation)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "用户名或密码错误" in response.content.decode()


def test_a_shared_name_without_the_organisation_code_fails_like_a_wrong_password_and_no_password_is_tried(
    client, department, outsider
):
    from tests.factories import PASSWORD

    response = _sign_in(client, outsider.username, PASSWORD)
    assert response.status_code == 302  # the only person of the name signs in with name and password
    client.logout()
    UserFactory(username=outsider.username, department=department)
    for password in (PASSWORD, "wrong-Pass#1"):
        response = _sign_in(client, outsider.username, password)
        assert response.status_code == 200 and "_auth_user_id" not in client.session
        # The same answer whatever the password, and the same as a wrong password.
        assert "用户名或密码错误" in response.content.decode()


def _error_and_form(page: str) -> tuple[str, str]:
    """The sign-in page's error and its form's fields, as an anonymous visitor sees them."""
    import re

    errors = re.findall(r'class="[^"]*alert[^"]*"[^>]*>(.*?)</', page, flags=re.S)
    fields = re.findall(r'<(?:input|select)[^>]*name="([^"]+)"', page)
    return "".join(errors), ",".join(fields)


def test_an_anonymous_visitor_cannot_tell_a_name_used_in_another_organisation(
    client, department, outsider, other_organisation
):
    """The answer for a name used by ours and another organisation is the answer for a name only
    ours uses: the same message, the same fields, and no list of the organisations."""
    UserFactory(username=outsider.username, department=department)  # shared with the outsider's organisation
    UserFactory(username="onlyours", department=department)
    shared = _sign_in(client, outsider.username, "wrong-Pass#1").content.decode()
    ours_only = _sign_in(client, "onlyours", "wrong-Pass#1").content.decode()
    assert _error_and_form(shared) == _error_and_form(ours_only)
    assert "用户名或密码错误" in _error_and_form(shared)[0]
    for page in (shared, ours_only, client.get(reverse("accounts:login")).content.decode()):
        assert "<select" not in page
        assert other_organisation.name not in page and outsider.organisation.name not in page
        assert 'name="organisation"' in page  # the optional code, always offered, typed


def test_the_demo_accounts_sign_in_with_name_and_password_only(client, db):
    from appraisal_site.demo.organisation import DEMO_PASSWORD, build_demo_organisation

    build_demo_organisation(staff=0)  # the named accounts only: demo_staff is one of them
    response = client.post(reverse("accounts:login"), {"username": "demo_staff", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_a_namesake_elsewhere_cannot_test_guesses_of_our_password(client, chief, other_organisation):
    """A person of the same name elsewhere sets a guess as their own password: their sign-in and
    ours both work, naming the organisation, and nothing tells whether the guess was right."""
    from tests.factories import PASSWORD

    mine = UserFactory(username="chief", organisation=other_organisation, department=None)
    mine.set_password(PASSWORD)  # the guess happens to be our chief's password
    mine.save()
    assert _sign_in(client, "chief", PASSWORD, other_organisation).status_code == 302
    assert int(client.session["_auth_user_id"]) == mine.pk
    client.logout()
    assert _sign_in(client, "chief", PASSWORD, chief.organisation).status_code == 302
    assert int(client.session["_auth_user_id"]) == chief.pk


@pytest.mark.parametrize("spelling", ["staff", "STAFF"])
def test_a_name_used_in_the_organisation_is_refused_whatever_its_case(client_for, hr, department, staff, spelling):
    response = post_new_person(client_for(hr), department, username=spelling, employee_number="N003")
    assert response.status_code == 200
    # (Was 本单位已有人员使用该用户名: the refusal now names who holds it, as the import's does.)
    assert f"已被本单位的“{staff.full_name}”" in str(response.context["form"].errors.get("username"))
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username=spelling.upper(), department=department)


def test_the_organisation_code_is_typed_in_any_case(client, department, outsider, namesake):
    """单位代码 as people type it: ``ORG1`` or ``Org1`` designates ``org1``, at sign-in and in the
    lockout's count (the failures are that person's whatever the case typed)."""
    from axes.models import AccessAttempt

    from accounts.lockout import account_key

    code = department.organisation.code
    data = {"username": outsider.username, "password": "wrong-Guess#1", "organisation": code.upper()}
    assert client.post(reverse("accounts:login"), data).status_code == 200
    assert AccessAttempt.objects.filter(username=account_key(namesake)).exists()
    data.update(password=NAMESAKE_PASSWORD, organisation=f" {code.swapcase().capitalize()} ")
    response = client.post(reverse("accounts:login"), data)
    assert response.status_code == 302 and int(client.session["_auth_user_id"]) == namesake.pk
