"""Opening a new organisation on an installation (``manage.py create_organisation``): its policy, the
three separated administrators and the first HR administrator, each signing in with a one-time
password they must change, and nothing written when the command is refused."""

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Organisation, Policy, Role, User
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def _create(*args, **options) -> str:
    out = io.StringIO()
    call_command("create_organisation", *args, stdout=out, **options)
    return out.getvalue()


def _passwords(output: str) -> dict[str, str]:
    """username → one-time password, from the lines the command prints."""
    return {m.group(1): m.group(2) for m in re.finditer(r"^\s+\S+\t(\S+)\t(\S+)$", output, re.MULTILINE)}


def test_a_new_organisation_opens_with_its_first_administrators(client):
    output = _create("swj", "示例市商务局")

    organisation = Organisation.objects.get(code="swj")
    assert organisation.name == "示例市商务局"
    # Nothing before today is due in it (Policy.started_on; HR may move it on the policy page).
    from accounts import periods

    assert Policy.objects.get(organisation=organisation).started_on == periods.today()
    people = {user.username: user for user in User.objects.filter(organisation=organisation)}
    assert {name: people[name].roles for name in people} == {
        "sysadmin": {Role.SYSADMIN},
        "secadmin": {Role.SECURITY_ADMIN},
        "auditor": {Role.AUDITOR},
        "hr": {Role.HR_ADMIN},
    }
    assert all(person.must_change_password for person in people.values())
    passwords = _passwords(output)
    assert set(passwords) == set(people)
    # HR signs in with the printed password and the organisation's code, and is sent to change it.
    response = client.post(
        reverse("accounts:login"), {"username": "hr", "password": passwords["hr"], "organisation": "SWJ"}
    )
    assert response.status_code == 302
    assert client.get(reverse("accounts:staff_list")).url == reverse("accounts:password_change")


def test_the_usernames_and_the_supervising_bureau_are_chosen(client):
    bureau = OrganisationFactory(code="gwyj")
    _create(
        "jtj",
        "示例市交通局",
        sysadmin="jtj_sys",
        security_admin="jtj_sec",
        auditor="jtj_audit",
        hr="jtj_hr",
        supervised_by="GWYJ",
    )
    organisation = Organisation.objects.get(code="jtj")
    assert organisation.supervised_by == bureau
    assert set(User.objects.filter(organisation=organisation).values_list("username", flat=True)) == {
        "jtj_sys",
        "jtj_sec",
        "jtj_audit",
        "jtj_hr",
    }


@pytest.mark.parametrize(
    "args, options, message",
    [
        (("TESTORG", "另一个单位"), {}, "已被其他单位使用"),  # the code is matched whatever its case
        (("new", "新单位"), {"hr": "sysadmin"}, "各不相同"),  # 三员分立: one person, one role
        (("new", "新单位"), {"supervised_by": "nowhere"}, "主管部门"),
        (("bad code", "新单位"), {}, "单位编码"),
    ],
)
def test_a_refused_command_writes_nothing(organisation, args, options, message):
    assert organisation.code == "testorg"
    before = (Organisation.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match=message):
        _create(*args, **options)
    assert (Organisation.objects.count(), User.objects.count()) == before
