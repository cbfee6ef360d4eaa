"""Sign-in lockout by account-and-address and by address (django-axes handler).

Two counters over the cool-off window (``AXES_COOLOFF_TIME``):

* the pair (account, source address): ``AXES_FAILURE_LIMIT`` failures (default 5) lock that
  account *from that address only*, so an attacker elsewhere cannot lock the owner out of their
  own desk;
* the source address alone: ``AXES_ADDRESS_FAILURE_LIMIT`` failures (default 30) over any accounts
  stop every sign-in from that address, so spraying 40 guesses over 10 accounts is stopped.

A successful sign-in clears only the pair's failures; a guesser cannot clear the address counter
by signing in to an account of their own.

The account is one person, not a typed name: user names are unique per organisation only, so
failures are counted under :func:`account_key` (``<organisation code>/<user name>``) once the name
(and the organisation, when given) designates one person; a name designating nobody, or several
namesakes, is counted as typed. Another organisation's namesake is thus another account, and its
security administrator's unlock forgets only its own failures.

The address is the one the audit trail records (``AXES_CLIENT_IP_CALLABLE`` =
:func:`accounts.audit.source_address`): the connection's, or behind a proxy named in
``TRUSTED_PROXIES`` the client's address that the proxy forwards; a client's own
``X-Forwarded-For`` is never believed.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def account_key(user) -> str:
    """The name the lockout counts a person's failures under."""
    if not user.organisation_id:
        return user.get_username()
    return f"{user.organisation.code}/{user.get_username()}"


def credentials_of(user) -> dict:
    """Sign-in credentials naming a signed-in person (the password-change form, the second factor)."""
    return {"username": user.get_username(), "organisation": user.organisation.code if user.organisation_id else ""}


def lockout_username(request, credentials: dict | None = None) -> str | None:
    """``AXES_USERNAME_CALLABLE``: the typed name (and organisation) as the account it designates."""
    from .models import User

    credentials = credentials or {}
    data = getattr(request, "POST", {}) if request is not None else {}
    username = credentials.get("username", data.get("username"))
    if not username:
        return username
    organisation = credentials.get("organisation", data.get("organisation")) or ""
    people = User.objects.filter(username=username)
    if organisation:
        people = people.filter(organisation__code__iexact=organisation)
    found = list(people.select_related("organisation")[:2])
    return account_key(found[0]) if len(found) == 1 else username


def failed_sign_ins(user) -> int:
    """Failed sign-ins of a person still counted (within the cool-off window), from any address."""
    attempts = AccessAttempt.objects.filter(username=account_key(user))
    if settings.AXES_COOLOFF_TIME is not None:
        from django.utils import timezone

        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return _failures(attempts)


def unlock_account(user) -> int:
    """Forget the failed sign-ins of a person from every address (their own account only, never a
    namesake's elsewhere); how many were forgotten. The addresses' counts up to now stop the
    person no longer either (:meth:`PairAndAddressHandler.get_failures` reads the unlock's audit entry)."""
    attempts = AccessAttempt.objects.filter(username=account_key(user))
    failures = _failures(attempts)
    attempts.delete()
    return failures


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


def person_counted_as(key: str):
    """The person whose failures are counted under ``key`` (see :func:`lockout_username`), or None."""
    from .models import User

    if "/" in key:
        code, name = key.split("/", 1)
        return User.objects.filter(username=name, organisation__code=code).first()
    namesakes = list(User.objects.filter(username=key)[:2]) if key else []
    return namesakes[0] if len(namesakes) == 1 else None


def _last_unlock(username: str):
    """When the account counted as ``username`` was last unlocked — by the security administrator,
    or by an operator's break-glass reset (``manage.py break_glass_reset``) — or None."""
    from django.contrib.contenttypes.models import ContentType

    from .models import AuditEntry, AuditEvent, User

    person = person_counted_as(username) if "/" in username else None
    if person is None:
        return None
    return (
        AuditEntry.objects.filter(
            event__in=[AuditEvent.UNLOCK, AuditEvent.BREAK_GLASS_RESET],
            content_type=ContentType.objects.get_for_model(User),
            object_pk=str(person.pk),
        )
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)
        .first()
    )


class PairAndAddressHandler(AxesDatabaseHandler):
    def _recent(self, request):
        attempts = AccessAttempt.objects.all()
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts

    def get_failures(self, request, credentials=None) -> int:
        """Failures counted against ``AXES_FAILURE_LIMIT``: the pair's, or the limit itself once
        the address has reached its own limit — counting, for an account the security
        administrator has unlocked, only the address's failures since the unlock: an attacker
        spraying made-up names from the office's address cannot keep a freed person out."""
        recent = self._recent(request)
        ip_address = request.axes_ip_address
        username = get_client_username(request, credentials)
        pair = _failures(recent.filter(username=username, ip_address=ip_address)) if username else 0
        address = recent.filter(ip_address=ip_address)
        if _failures(address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            unlocked = _last_unlock(username) if username else None
            if unlocked is not None:
                address = address.filter(attempt_time__gt=unlocked)
            if _failures(address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
                return max(pair, get_failure_limit(request, credentials))
        return pair

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
