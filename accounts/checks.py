"""System checks of the security configuration (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def trusted_proxies_check(app_configs=None, **kwargs) -> list[Warning]:
    """Warn when production names no trusted proxy and does not say it has none.

    Behind nginx every connection comes from the proxy's address: without ``TRUSTED_PROXIES`` the
    lockout and the audit trail would see one address for everyone, so five wrong passwords typed
    anywhere would lock an account for all (and thirty, everyone). ``TRUSTED_PROXIES=none`` says
    the application is served directly, without a proxy.
    """
    if settings.DEBUG or settings.TRUSTED_PROXIES or getattr(settings, "SERVED_WITHOUT_PROXY", False):
        return []
    return [
        Warning(
            "TRUSTED_PROXIES is not set: behind a reverse proxy every sign-in would come from the "
            "proxy's address, and the lockout would lock an account for everyone.",
            hint="Set TRUSTED_PROXIES to the proxy's address (e.g. 127.0.0.1 for nginx on the same "
            "host, which must set X-Forwarded-For), or TRUSTED_PROXIES=none when served without a proxy.",
            id="accounts.W001",
        )
    ]
