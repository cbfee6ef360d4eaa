from django.shortcuts import redirect
from django.urls import reverse


class IdleTimeoutMiddleware:
    """Expire an idle session after the organisation's policy timeout (default 30 minutes).

    ``SESSION_SAVE_EVERY_REQUEST`` renews the expiry on each request, so this is an
    idle timeout, not an absolute one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.organisation_id:
            from .selectors import policy_for_organisation

            minutes = policy_for_organisation(organisation_id=user.organisation_id).session_idle_minutes
            request.session.set_expiry(minutes * 60)
        return self.get_response(request)


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
