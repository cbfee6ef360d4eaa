"""Sign-in lockout by account-and-address and by address (django-axes handler).

Two counters over the cool-off window (``AXES_COOLOFF_TIME``):

* the pair (account, source address): ``AXES_FAILURE_LIMIT`` failures (default 5) lock that
  account *from that address only*, so an attacker elsewhere cannot lock the owner out of their
  own desk;
* the source address alone: ``AXES_ADDRESS_FAILURE_LIMIT`` failures (default 30) over any accounts
  stop every sign-in from that address, so spraying 40 guesses over 10 accounts is stopped.

A successful sign-in clears only the pair's failures; a guesser cannot clear the address counter
by signing in to an account of their own. The address is the connection's (``REMOTE_ADDR``):
django-ipware is not installed and no ``AXES_CLIENT_IP_CALLABLE`` is set, so a client's own
``X-Forwarded-For`` is never believed.
"""

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum


def failed_sign_ins(username: str) -> int:
    """Failed sign-ins of an account still counted (within the cool-off window), from any address."""
    attempts = AccessAttempt.objects.filter(username=username)
    if settings.AXES_COOLOFF_TIME is not None:
        from django.utils import timezone

        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return _failures(attempts)


def unlock_account(username: str) -> int:
    """Forget the failed sign-ins of an account from every address; how many were forgotten."""
    failures = _failures(AccessAttempt.objects.filter(username=username))
    AccessAttempt.objects.filter(username=username).delete()
    return failures


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PairAndAddressHandler(AxesDatabaseHandler):
    def _recent(self, request):
        attempts = AccessAttempt.objects.all()
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        return attempts

    def get_failures(self, request, credentials=None) -> int:
        """Failures counted against ``AXES_FAILURE_LIMIT``: the pair's, or the limit itself once
        the address has reached its own limit."""
        recent = self._recent(request)
        ip_address = request.axes_ip_address
        username = get_client_username(request, credentials)
        pair = _failures(recent.filter(username=username, ip_address=ip_address)) if username else 0
        if _failures(recent.filter(ip_address=ip_address)) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(pair, get_failure_limit(request, credentials))
        return pair

    def reset_user_attempts(self, request, credentials=None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username, ip_address=request.axes_ip_address).delete()
        return count
