"""Sign-in with user names that are unique per organisation, not across them (see accounts.models.User)."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .models import User

# More people of one name than this across all agencies is not a real case; the bound keeps a
# sign-in to a few password checks.
MAX_NAMESAKES = 10


class OrganisationUsernameBackend(ModelBackend):
    """Django's model backend, except that several organisations may each have a person of the
    name: the one whose password matches signs in. Two namesakes with the same password (or
    none) sign nobody in, and the answer is the same as for a wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        namesakes = list(User._default_manager.filter(username=username)[:MAX_NAMESAKES])
        if not namesakes:
            # Hash once, as Django does, so an unknown name answers as slowly as a known one.
            User().set_password(password)
            return None
        matches = [
            person for person in namesakes if person.check_password(password) and self.user_can_authenticate(person)
        ]
        return matches[0] if len(matches) == 1 else None
