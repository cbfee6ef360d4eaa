import re
import time
from datetime import timedelta
from urllib.parse import urlsplit

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme, urlencode


class RequestBodyLimitMiddleware:
    """Refuse (413) a request announcing a body above ``REQUEST_BODY_MAX_BYTES`` before a byte of it
    is read: the CSRF check and the form parsing would otherwise read it whole (a 25 MB multipart
    POST to the sign-in page, anonymous, was read in full before its 403). The upload views bound
    their own bodies (:func:`accounts.storage.own_body_limit`) and are let through to do so.

    Placed before ``CsrfViewMiddleware``, whose ``process_view`` reads a POST's body. Under WSGI a
    body without a Content-Length is not read at all, so the announced length is the one to judge.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "own_body_limit", False):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= settings.REQUEST_BODY_MAX_BYTES:
            return None
        from django.shortcuts import render
        from django.utils.translation import gettext as _

        message = _("提交的内容过大（超过%(kb)dKB），已拒绝。") % {"kb": settings.REQUEST_BODY_MAX_BYTES // 1024}
        return render(
            request, "includes/upload_refused.html", {"message": message, "back_url": request.path}, status=413
        )


def _post_only(view) -> bool:
    """Whether ``view`` is wrapped in ``require_POST`` (its wrappers' closures hold ["POST"])."""
    while view is not None:
        for cell in getattr(view, "__closure__", None) or ():
            try:
                if cell.cell_contents == ["POST"]:
                    return True
            except ValueError:  # an empty cell
                continue
        view = getattr(view, "__wrapped__", None)
    return False


def _owner_only(view) -> bool:
    """Whether ``view`` (or a view it wraps) is marked ``owner_only_page``: a page only the
    document's own person may open, which would answer anyone else who came back to it 404."""
    while view is not None:
        if getattr(view, "owner_only_page", False):
            return True
        view = getattr(view, "__wrapped__", None)
    return False


def _page_above(path: str, *, steps: int = 6) -> str:
    """The nearest address above ``path`` that is a page (its URL pattern exists and takes a GET),
    up to ``steps`` levels; "" for none but the home page. A re-test found one step up led to a 404
    (/accounts/pending/roles/1/) or another POST-only address on a third of them. A page only its
    owner opens is passed over: HR reloading a welfare report's decision
    (…/assessment/7/report/decide/) is led to the assessment, not to the worker's own report."""
    from django.urls import Resolver404, resolve

    parts = path.rstrip("/").split("/")
    for cut in range(1, steps + 1):
        above = "/".join(parts[:-cut]) + "/"
        if above == "/":
            return ""
        try:
            match = resolve(above)
        except Resolver404:
            continue
        if not _post_only(match.func) and not _owner_only(match.func):
            return above
    return ""


class MethodNotAllowedPageMiddleware:
    """A browser's GET of a POST-only address (a confirmation's form reached again by Back, the
    history or a bookmark) gets the empty 405 of ``require_POST`` as the 405.html page, in Chinese
    with a way home, instead of the browser's own English "HTTP ERROR 405". The status and the
    ``Allow`` header stay; a client that does not ask for HTML (fetch, htmx, scripts) keeps the
    empty answer. Placed after the authentication, CSP and messages middleware that base.html reads.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code != 405 or getattr(response, "streaming", False) or response.content:
            return response
        # The answer depends on these headers: a cache must not give one client's to another.
        patch_vary_headers(response, ("Accept", "HX-Request"))
        if "text/html" not in request.headers.get("Accept", "") or request.headers.get("HX-Request"):
            return response
        # The page the action belongs to, up its address (/targets/82/completion/ → /targets/82/):
        # a user test reloaded a refused save's address and found only the way home.
        page = render(request, "405.html", {"parent": _page_above(request.path)}, status=405)
        if response.has_header("Allow"):
            page["Allow"] = response["Allow"]
        patch_vary_headers(page, ("Accept", "HX-Request"))
        return page


class PrivatePagesMiddleware:
    """A signed-in person's pages are not kept by the browser or a proxy (``Cache-Control: no-store,
    private``): grades, summaries and staff details must not come back with the Back button after
    sign-out on a shared office computer. A view that says how it may be cached keeps its header;
    static files never reach here (WhiteNoise answers them first)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        # An error answer is never kept either, and asks nothing of the user: with the database
        # gone, looking the user up again raised a second time, each logged with its traceback.
        if response.status_code >= 500:
            add_never_cache_headers(response)
            return response
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


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
            minutes = idle_minutes(request_policy(request))
            renewed_minutes, renewed_at = request.session.get(IDLE_SESSION_KEY) or (None, 0)
            if renewed_minutes != minutes or time.time() - renewed_at >= settings.SESSION_RENEW_SECONDS:
                _renew(request.session, minutes)
        return self.get_response(request)


IDLE_SESSION_KEY = "_idle"


def idle_minutes(policy) -> int:
    """The policy's idle timeout, never above the ceiling even if a row holds more (set outside
    the validated form and service)."""
    from .models import MAX_SESSION_IDLE_MINUTES

    return min(policy.session_idle_minutes, MAX_SESSION_IDLE_MINUTES)


def request_policy(request):
    """The signed-in person's organisation policy (read once per request: see ``PolicyMemoMiddleware``)."""
    from .selectors import policy_for_organisation

    return policy_for_organisation(organisation_id=request.user.organisation_id)


class PolicyMemoMiddleware:
    """Each organisation's policy is read at most once per request, whoever asks for it: the idle
    timeout and password age here, the view, the home page's to-dos and panels all call
    :func:`accounts.selectors.policy_for_organisation`, which answers from the request's memo
    after the first read. Saving or deleting a policy drops it from the memo (:func:`forget_saved_policy`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from .selectors import policy_memo

        with policy_memo():
            return self.get_response(request)


def password_expired(user, policy) -> bool:
    """True when the policy sets a maximum age and the person's password is older."""
    days = policy.password_max_age_days
    changed_at = user.password_changed_at
    return bool(days and changed_at and timezone.now() - changed_at > timedelta(days=days))


def _renew(session, minutes: int) -> None:
    session.set_expiry(minutes * 60)
    session[IDLE_SESSION_KEY] = [minutes, time.time()]


@receiver(user_logged_in)
def stamp_on_login(sender, request, user, **kwargs) -> None:
    if user.organisation_id and request is not None and hasattr(request, "session"):
        from .selectors import policy_for_organisation

        policy = policy_for_organisation(organisation_id=user.organisation_id)
        _renew(request.session, idle_minutes(policy))
        if policy.single_session:
            # One session per person: the new stamp changes the session hash, which ends every
            # other session of theirs at its next request (the sign-in page says why); this one
            # takes the new hash.
            user.session_started_at = timezone.now()
            type(user).objects.filter(pk=user.pk).update(session_started_at=user.session_started_at)
            request.session[HASH_SESSION_KEY] = user.get_session_auth_hash()


@receiver(post_save, sender="accounts.Policy", dispatch_uid="policy_memo_save")
@receiver(post_delete, sender="accounts.Policy", dispatch_uid="policy_memo_delete")
def forget_saved_policy(sender, instance, **kwargs) -> None:
    """A policy saved (or deleted) during a request is read afresh by what follows in that request."""
    from .selectors import policy_memo_forget

    policy_memo_forget(organisation_id=instance.organisation_id)


TWO_FACTOR_SESSION_KEY = "_2fa"
TWO_FACTOR_VERIFY = "verify"
TWO_FACTOR_ENROL = "enrol"


@receiver(user_logged_in)
def ask_for_second_factor(sender, request, user, **kwargs) -> None:
    """After the password: a person with an authenticator must give its code; a person whose
    role the policy requires a second factor of, and who has none, must enrol one first."""
    if request is None or not hasattr(request, "session"):
        return
    from django_otp import user_has_device

    from .services import two_factor_required

    if user_has_device(user, confirmed=True):
        request.session[TWO_FACTOR_SESSION_KEY] = TWO_FACTOR_VERIFY
    elif two_factor_required(user=user):
        request.session[TWO_FACTOR_SESSION_KEY] = TWO_FACTOR_ENROL


class TwoFactorMiddleware:
    """Until the second factor is given (or enrolled), a signed-in session reaches only that page
    and sign-out. The state is decided once at sign-in (:func:`ask_for_second_factor`) and kept in
    the session, so pages cost no query for it."""

    ALLOWED_URL_NAMES = {
        TWO_FACTOR_VERIFY: ("accounts:two_factor_verify", "accounts:logout", "healthz"),
        TWO_FACTOR_ENROL: ("accounts:two_factor_setup", "accounts:password_change", "accounts:logout", "healthz"),
    }
    TARGETS = {TWO_FACTOR_VERIFY: "accounts:two_factor_verify", TWO_FACTOR_ENROL: "accounts:two_factor_setup"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            state = request.session.get(TWO_FACTOR_SESSION_KEY)
            if state in self.TARGETS:
                allowed = {reverse(name) for name in self.ALLOWED_URL_NAMES[state]}
                if request.path not in allowed and not request.path.startswith("/static/"):
                    target = reverse(self.TARGETS[state])
                    if request.method == "GET" and state == TWO_FACTOR_VERIFY:
                        target = f"{target}?{urlencode({'next': request.get_full_path()})}"
                    return redirect(target)
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Send a person whose password was set by an administrator or an import, or is older than the
    policy's maximum age, to change it first."""

    ALLOWED_URL_NAMES = (
        "accounts:password_change",
        "accounts:logout",
        "healthz",
        "accounts:two_factor_verify",
        "accounts:two_factor_setup",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and self.must_change(request, user):
            allowed = {reverse(name) for name in self.ALLOWED_URL_NAMES}
            if request.path not in allowed and not request.path.startswith("/static/"):
                return redirect("accounts:password_change")
        return self.get_response(request)

    @staticmethod
    def must_change(request, user) -> bool:
        if user.must_change_password:
            return True
        return bool(user.organisation_id) and password_expired(user, request_policy(request))


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


class RefusedActionAuditMiddleware:
    """A signed-in person's change the server refused (a POST answered 403, or 404 for an object
    they may not see) is an audit entry (操作被拒绝: who, when, from where, the address and the
    answer), so the auditor sees who tried what the pages do not offer (a security test found the
    refused attempts nowhere). Reads and anonymous requests are not entries."""

    UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
    REFUSED_PER_MINUTE = 30

    @classmethod
    def _within_rate(cls, user_id: int) -> bool:
        from django.core.cache import cache

        key = f"refused-audit:{user_id}:{int(time.time() // 60)}"
        cache.add(key, 0, timeout=120)
        try:
            return cache.incr(key) <= cls.REFUSED_PER_MINUTE
        except ValueError:  # expired between the two calls
            return True

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            response.status_code in (403, 404)
            and request.method in self.UNSAFE
            and getattr(user, "is_authenticated", False)
            # Not a form sent after its page expired (the CSRF check refused it: a stale token, no
            # attempt), and at most REFUSED_PER_MINUTE entries a person a minute (the log is append-only).
            and getattr(request, "csrf_processing_done", False)
            and self._within_rate(user.pk)
        ):
            from .audit import record_event
            from .models import AuditEvent, AuditResult

            record_event(
                event=AuditEvent.REFUSED,
                request=request,
                result=AuditResult.FAILURE,
                label=f"{request.method} {request.path}"[:500],
                detail={"status": response.status_code},
            )
        return response


# What a form posted after the session ended carried, kept for the page it was on (see below).
RESTORED_FORM_KEY = "_restored_form"
# Who is signed in on this browser (a signed cookie that outlives the session on the server): a
# form kept after the session ended is handed back only to the same person signing in again, never
# to a colleague signing in next at a shared computer.
SIGNED_IN_COOKIE = "appraisal_signed_in"
_SIGNED_IN_SALT = "accounts.middleware.EndedSessionMiddleware"
# Sent to the sign-in page because the session ended: the page says so.
SESSION_ENDED_KEY = "_session_ended"
# Not kept: the token, passwords and codes, and anything beyond this size (a formset of a few
# dozen rows fits; an attachment is never kept).
_NOT_KEPT = re.compile(r"csrfmiddlewaretoken|password|token|otp|secret", re.I)
_KEPT_AT_MOST = 64 * 1024


class EndedSessionMiddleware:
    """A request sent to the sign-in page because its session ended on the server (the idle
    timeout, a sign-out in another tab) while the browser kept the cookie: the sign-in page says
    why. A form posted so goes back, after signing in, to the page it was on (its ``Referer``, on
    this site) instead of the POST-only address (a 405 page after signing in, a user test found),
    with what was typed: kept in the new session and handed once to that page
    (``accounts.context_processors.restored_form``), whose form ``static/js/app.js`` fills again,
    saying so. Nothing is saved for the person without them pressing save again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            _remember_who_signed_in(request, response)
            return response
        if response.status_code != 302:
            return response
        login = reverse(settings.LOGIN_URL)
        cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        # The session cookie kept but its session gone (timed out, ended elsewhere), or gone with it
        # — a sign-out in another tab deletes the browser's cookie — on a form sent by someone who was
        # signed in on this browser (a re-test landed on the 405 page after signing in again).
        ended = bool(cookie) and not _session_alive(request.session, cookie)
        signed_out_here = not cookie and request.method == "POST" and signed_in_here(request) is not None
        if not response["Location"].startswith(login + "?") or not (ended or signed_out_here):
            return response
        request.session[SESSION_ENDED_KEY] = True
        back = _this_sites_referer(request) if request.method == "POST" else None
        if back is None:
            return response
        fields = {name: values for name, values in request.POST.lists() if not _NOT_KEPT.search(name)}
        if fields and len(repr(fields)) <= _KEPT_AT_MOST:
            request.session[RESTORED_FORM_KEY] = {
                "page": back.split("?")[0],
                "action": request.path,
                "fields": fields,
                "typed_by": signed_in_here(request),
            }
        response["Location"] = f"{login}?{urlencode({'next': back})}"
        return response


def _session_alive(session, key: str) -> bool:
    """Whether the browser's session is still one on the server: not deleted (a sign-out elsewhere)
    nor expired (the idle timeout leaves the row until ``clearsessions``; ``exists()`` counted it
    alive, so the sign-in page after a timeout said nothing of it: a user test)."""
    return session.get_model_class().objects.filter(session_key=key, expire_date__gt=timezone.now()).exists()


def signed_in_here(request) -> str | None:
    """The id of who was last signed in on this browser (:data:`SIGNED_IN_COOKIE`), or None."""
    return request.get_signed_cookie(SIGNED_IN_COOKIE, default=None, salt=_SIGNED_IN_SALT)


def _remember_who_signed_in(request, response) -> None:
    if signed_in_here(request) != str(request.user.pk):
        response.set_signed_cookie(
            SIGNED_IN_COOKIE,
            str(request.user.pk),
            salt=_SIGNED_IN_SALT,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )


def _this_sites_referer(request) -> str | None:
    """The path (and query) of the page a request came from, when it is a page of this site."""
    referer = request.headers.get("Referer", "")
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.get_host():
        return None
    path = parts.path or "/"
    if path.startswith(reverse(settings.LOGIN_URL)):
        return None
    return path + (f"?{parts.query}" if parts.query else "")
