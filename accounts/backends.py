"""Sign-in with user names that are unique per organisation, not across them (see accounts.models.User)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import User

# Set on the request when the name is several organisations' and none was chosen: the sign-in
# form then asks for the organisation (accounts.forms.LoginForm).
NEEDS_ORGANISATION = "sign_in_needs_organisation"


class OrganisationUsernameBackend(ModelBackend):
    """Django's model backend, except that several organisations may each have a person of the
    name: then the person names their organisation (``organisation``, its code) and only that
    person's password is checked. A password is never tested against several namesakes: a person
    of the same name elsewhere could otherwise set a guess as their own password and learn from
    the answer whether it is ours."""

    def authenticate(self, request, username=None, password=None, organisation=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        people = User._default_manager.filter(username=username)
        if organisation:
            people = people.filter(organisation__code=organisation)
        found = list(people[:2])
        if len(found) != 1:
            # Hash once, as Django does, so an unknown or shared name answers as slowly as a known one.
            User().set_password(password)
            if len(found) > 1 and request is not None:
                setattr(request, NEEDS_ORGANISATION, True)
            return None
        person = found[0]
        if person.check_password(password) and self.user_can_authenticate(person):
            return person
        return None
