import pytest
from auditlog.context import disable_auditlog
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from accounts.models import (
    AuditEntry,
    Department,
    DepartmentMembership,
    Organisation,
    Policy,
    Role,
    RoleAssignment,
    StaffStatus,
    User,
)
from accounts.selectors import evaluatees_of, evaluator_of
from appraisal_site.demo.organisation import DEMO_ACCOUNTS, DEMO_PASSWORD, build_demo_organisation
from tests.support.shared_rows import shared_rows

# The demo story is the same on every database: run once, on SQLite (make test-postgres skips it).
pytestmark = pytest.mark.one_database


@pytest.fixture(scope="class")
def demo(django_db_setup, django_db_blocker):
    # Built once for the class (sixty people): its tests read it, and what one writes (sessions,
    # sign-ins) is rolled back with its own savepoint. The accounts' password is hashed with the
    # tests' fast hasher, as the function-scoped settings fixture would have it.
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with override_settings(PASSWORD_HASHERS=hashers), shared_rows(django_db_blocker):
        yield build_demo_organisation(staff=60, seed=7)


@pytest.mark.django_db
class TestTheDemoOrganisation:
    """Sixty people of the demo organisation, built once for these tests."""

    def test_every_demo_account_signs_in_with_the_documented_password(self, demo, client):
        for account in DEMO_ACCOUNTS:
            response = client.post(reverse("accounts:login"), {"username": account.username, "password": DEMO_PASSWORD})
            assert response.status_code == 302, account.username
            client.post(reverse("accounts:logout"))

    def test_the_demo_lines_of_evaluation_are_wired(self, demo):
        staff, head, leader = (User.objects.get(username=n) for n in ("demo_staff", "demo_head", "demo_leader"))
        assert evaluator_of(person=staff) == head
        assert evaluator_of(person=head) == leader
        assert staff in evaluatees_of(person=head)
        assert User.objects.get(username="demo_chief").has_role(Role.AGENCY_HEAD)
        assert User.objects.get(username="demo_auditor").roles == {Role.AUDITOR}
        assert User.objects.get(username="demo_secadmin").roles == {Role.SECURITY_ADMIN}
        assert User.objects.get(username="demo_sysadmin").roles == {Role.SYSADMIN}

    def test_the_command_does_nothing_on_a_non_empty_database_with_if_empty(self, demo, settings, capsys):
        settings.DEBUG = True
        call_command("seed_demo", "--if-empty")
        assert "not loaded" in capsys.readouterr().out


def _people():
    return list(User.objects.order_by("username").values_list("username", "full_name", "department__code"))


def _wipe_demo():
    # The audit log is append-only (on PostgreSQL a trigger refuses to hide entries from their
    # organisation): it goes first, the way the test runner's flush empties it.
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # The demo's service writes leave deferred foreign-key checks pending in this
            # transaction, and PostgreSQL refuses to TRUNCATE a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE accounts_auditentry")
    else:
        AuditEntry.objects.all().delete()
    with disable_auditlog():
        for model in (DepartmentMembership, StaffStatus, RoleAssignment, Policy):
            model.objects.all().delete()
        Department.objects.update(head=None, supervising_leader=None)
        User.objects.all().delete()
        Department.objects.all().delete()
        Organisation.objects.all().delete()


def test_the_demo_is_deterministic_for_a_seed(db):
    build_demo_organisation(staff=30, seed=11)
    first = _people()
    assert User.objects.filter(organisation__code="demo", department__isnull=False).count() == 30
    _wipe_demo()
    build_demo_organisation(staff=30, seed=11)
    assert _people() == first
    _wipe_demo()
    build_demo_organisation(staff=30, seed=12)
    assert _people() != first


def test_the_command_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo", "--staff", "10")
