"""Sign-in with user names that are unique per organisation, not across them (see accounts.models.User)."""

from __future__ import annotations

from functools import cache

from django.apps import apps
from django.contrib.auth import get_permission_codename
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db.models import Q

from .models import User


@cache
def model_permission_names() -> frozenset[str]:
    """Every ``app_label.codename`` a Django permission row can have here: the models' default
    permissions and their ``Meta.permissions``, which ``migrate`` creates (django.contrib.auth's
    ``create_permissions``). The product's own rights (``summaries.use_review_inbox`` …) are rules
    predicates (accounts.rules), never rows."""
    names = set()
    for model in apps.get_models():
        opts = model._meta
        codenames = [get_permission_codename(action, opts) for action in opts.default_permissions]
        codenames += [codename for codename, _name in opts.permissions]
        names.update(f"{opts.app_label}.{codename}" for codename in codenames)
    return frozenset(names)


class OrganisationUsernameBackend(ModelBackend):
    """Django's model backend, except that several organisations may each have a person of the
    name: then the person types their organisation's code (``organisation``) and only that
    person's password is checked; without it a shared name fails like a wrong password (nothing
    says the name exists elsewhere). A password is never tested against several namesakes: a person
    of the same name elsewhere could otherwise set a guess as their own password and learn from
    the answer whether it is ours."""

    def authenticate(self, request, username=None, password=None, organisation=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        people = User._default_manager.filter(username=username)
        if organisation:
            people = people.filter(organisation__code__iexact=organisation)
        found = list(people[:2])
        if len(found) != 1:
            # Hash once, as Django does, so an unknown or shared name answers as slowly as a known one.
            User().set_password(password)
            return None
        person = found[0]
        if person.check_password(password) and self.user_can_authenticate(person):
            return person
        return None

    def get_user(self, user_id):
        """The signed-in person with their organisation, which every page's menu bar names (one
        query, not two)."""
        try:
            user = User._default_manager.select_related("organisation").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def get_all_permissions(self, user_obj, obj=None):
        """Django's answer (the person's own permission rows and their groups'), in one query
        instead of two: the menu asks for a right that is also a model's (``accounts.view_policy``)
        on every page of everyone who lacks it by role."""
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            if user_obj.is_superuser:
                return super().get_all_permissions(user_obj, obj=obj)
            rows = (
                Permission.objects.filter(Q(user=user_obj) | Q(group__user=user_obj))
                .values_list("content_type__app_label", "codename")
                .order_by()
                .distinct()
            )
            user_obj._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}
        return user_obj._perm_cache

    def has_perm(self, user_obj, perm, obj=None):
        """A right no model defines is never a permission row: answered without reading the
        person's and their groups' rows (two queries a page, for the menu's rules-only rights)."""
        if perm not in model_permission_names():
            return False
        return super().has_perm(user_obj, perm, obj=obj)
