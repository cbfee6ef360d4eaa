"""Sign-in with user names that are unique per organisation, not across them (see accounts.models.User)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import User


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
