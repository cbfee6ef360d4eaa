"""System checks of the security configuration (``manage.py check --deploy``)."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


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


@register(Tags.database)
def squashed_migrations_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """Refuse, before ``migrate`` starts, a database part-way through a chain of migrations that a
    squash replaced and whose files are gone (the 2026-12-04 squash of every app's 0001–00NN).

    A database that applied all of a chain takes its squash as applied, a new one applies the squash;
    one that stopped in the middle cannot go on without the old files, and Django's own error there
    is an unrelated-looking ``ValueError`` of a model it cannot resolve. Only ``migrate`` and
    ``check --database`` run this (a database check): it reads ``django_migrations`` once.
    """
    from django.db import connections
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.recorder import MigrationRecorder

    errors = []
    loader = None  # the migration files, read once for every database
    for alias in databases or ():
        recorder = MigrationRecorder(connections[alias])
        if not recorder.has_table():
            continue
        applied = set(recorder.applied_migrations())
        loader = loader or MigrationLoader(None, ignore_no_migrations=True)
        for (app_label, name), migration in sorted(loader.replacements.items()):
            replaced = list(migration.replaces)
            done = [key for key in replaced if key in applied]
            gone = [key for key in replaced if key not in loader.disk_migrations]
            if done and len(done) < len(replaced) and gone:
                errors.append(
                    Error(
                        f"The database {alias!r} stopped at {app_label} migration {done[-1][1]}, part-way "
                        f"through the migrations that {name} replaces, and their files are gone.",
                        hint="Migrate it to the end with a release from before the squash (commit 64abbfb), "
                        "then upgrade: README, 'Upgrading'.",
                        id="accounts.E001",
                    )
                )
    return errors
