"""The model backend's permission rows (Django's own, assigned in the admin) read in one query, and
not at all for a right that only the rules define; the signed-in person comes with their organisation."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.backends import OrganisationUsernameBackend, model_permission_names
from accounts.models import User


def _permission(app_label: str, codename: str) -> Permission:
    return Permission.objects.get(content_type__app_label=app_label, codename=codename)


def test_a_persons_own_and_their_groups_permission_rows_grant_as_djangos_backend_does(staff):
    staff.user_permissions.add(_permission("accounts", "view_policy"))
    group = Group.objects.create(name="政策查看")
    group.permissions.add(_permission("accounts", "change_department"), _permission("accounts", "view_policy"))
    staff.groups.add(group)

    ours = OrganisationUsernameBackend().get_all_permissions(User.objects.get(pk=staff.pk))
    djangos = ModelBackend().get_all_permissions(User.objects.get(pk=staff.pk))

    assert ours == djangos == {"accounts.view_policy", "accounts.change_department"}
    assert User.objects.get(pk=staff.pk).has_perm("accounts.view_policy")


def test_the_permission_rows_cost_one_query_a_request(staff):
    person = User.objects.get(pk=staff.pk)
    with CaptureQueriesContext(connection) as captured:
        OrganisationUsernameBackend().get_all_permissions(person)
        OrganisationUsernameBackend().get_all_permissions(person)
    assert len(captured) == 1


def test_a_right_only_the_rules_define_reads_no_permission_rows(staff):
    person = User.objects.get(pk=staff.pk)
    assert "summaries.use_review_inbox" not in model_permission_names()
    with CaptureQueriesContext(connection) as captured:
        assert not OrganisationUsernameBackend().has_perm(person, "summaries.use_review_inbox")
    assert len(captured) == 0


def test_a_right_of_a_model_still_reads_the_rows(staff):
    staff.user_permissions.add(_permission("accounts", "view_policy"))
    assert OrganisationUsernameBackend().has_perm(User.objects.get(pk=staff.pk), "accounts.view_policy")
    assert not OrganisationUsernameBackend().has_perm(User.objects.get(pk=staff.pk), "accounts.delete_policy")


def test_an_inactive_person_has_no_permission_rows(staff):
    staff.user_permissions.add(_permission("accounts", "view_policy"))
    staff.is_active = False
    staff.save()
    assert OrganisationUsernameBackend().get_all_permissions(User.objects.get(pk=staff.pk)) == set()


def test_the_signed_in_person_comes_with_their_organisation(staff):
    person = OrganisationUsernameBackend().get_user(staff.pk)
    with CaptureQueriesContext(connection) as captured:
        assert person.organisation == staff.organisation
    assert len(captured) == 0
