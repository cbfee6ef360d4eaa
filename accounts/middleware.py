import time

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation


class IdleTimeoutMiddleware:
    """Expire an idle session after the organisation's policy timeout (default 30 minutes).

    The expiry slides: requests renew it, but the session is written only when the last renewal
    is ``SESSION_RENEW_SECONDS`` old (default 60) or the policy's timeout changed, rather than on
    every request, which would cost a write transaction per page view. Sign-in stamps the
    session (:func:`stamp_on_login`), so the first page after it writes nothing either.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.organisation_id:
            from .selectors import policy_for_organisation

            minutes = policy_for_organisation(organisation_id=user.organisation_id).session_idle_minutes
            renewed_minutes, renewed_at = request.session.get(IDLE_SESSION_KEY) or (None, 0)
            if renewed_minutes != minutes or time.time() - renewed_at >= settings.SESSION_RENEW_SECONDS:
                _renew(request.session, minutes)
        return self.get_response(request)


IDLE_SESSION_KEY = "_idle"


def _renew(session, minutes: int) -> None:
    session.set_expiry(minutes * 60)
    session[IDLE_SESSION_KEY] = [minutes, time.time()]


@receiver(user_logged_in)
def stamp_on_login(sender, request, user, **kwargs) -> None:
    if user.organisation_id and request is not None and hasattr(request, "session"):
        from .selectors import policy_for_organisation

        _renew(request.session, policy_for_organisation(organisation_id=user.organisation_id).session_idle_minutes)


class ForcePasswordChangeMiddleware:
    """Send a person whose password was set by an administrator or an import to change it first."""

    ALLOWED_URL_NAMES = ("accounts:password_change", "accounts:logout", "healthz")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED_URL_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("accounts:password_change")
        return self.get_response(request)


class ChosenLanguageMiddleware(LocaleMiddleware):
    """The interface speaks Chinese unless the person chose another language with the navbar's
    switch (Django's ``set_language`` at /i18n/setlang/, remembered in the language cookie).

    Django's own middleware falls back to the browser's Accept-Language; an English-language
    browser on a government PC would then get English nobody asked for.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class AuditContextMiddleware(AuditlogMiddleware):
    """django-auditlog's middleware, with the source address taken as :func:`accounts.audit.source_address`
    gives it: ``X-Forwarded-For`` only counts when a trusted proxy sent it (``TRUSTED_PROXIES``)."""

    @staticmethod
    def _get_remote_addr(request):
        from .audit import source_address

        return source_address(request)

    @staticmethod
    def _get_remote_port(request):
        return None

    def __call__(self, request):
        from .audit import audit_context, source_address

        with audit_context(actor=self._get_actor(request), remote_addr=source_address(request)):
            return super().__call__(request)
