"""Celery tasks of the accounts app.

Every task of the project is acknowledged late (after it ran) and put back in the queue when the
worker process running it dies (``reject_on_worker_lost``), because every one is idempotent: run
twice, it writes what one run writes. A task that cannot be made so says why with
``redelivery_unsafe_because="..."`` instead (tests/integration/test_task_options.py checks both).
"""

import os

from celery import shared_task
from django.db import connection

# The job mechanism's own tasks live beside it (accounts.jobs); imported here for autodiscovery.
from .jobs import run_job, sweep_jobs  # noqa: F401
from .models import Organisation


# ignore_result=False: the caller reads the answer, whatever CELERY_TASK_IGNORE_RESULT says.
@shared_task(ignore_result=False, acks_late=True, reject_on_worker_lost=True)
def ping() -> dict:
    """Prove that a worker runs this project's code against its database.

    Answers with the database vendor and the number of organisations the *running process*
    sees, and that process's id: a real worker answers with another pid than the caller, an
    eager (in-process) run with the caller's own.
    """
    return {
        "pong": True,
        "database": connection.vendor,
        "organisations": Organisation.objects.count(),
        "pid": os.getpid(),
    }


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_notification_digests() -> int:
    """Beat, daily: today's digest for every person with pending entries (command of the same name).

    Safe to run twice: one digest per person and day, entries claimed once, each e-mail claimed
    before it is sent (a run killed between the claim and the send loses that e-mail, never
    sends it twice; the bell still shows the digest)."""
    from . import periods, services

    return services.notifications_send_digests(day=periods.today())


@shared_task(name="accounts.tasks.purge_audit_log", acks_late=True, reject_on_worker_lost=True)
def purge_audit_log() -> int:
    """Beat, daily: delete audit entries older than each organisation's retention (policy, at least 180 days).
    Safe to run twice: a second run finds nothing more to delete."""
    from .audit import purge_expired

    return purge_expired()


@shared_task(name="accounts.tasks.purge_jobs", acks_late=True, reject_on_worker_lost=True)
def purge_jobs() -> int:
    """Beat, daily: delete finished background jobs older than JOBS_RETENTION_DAYS (default 90).
    Safe to run twice: a second run finds nothing more to delete."""
    from .jobs import jobs_purge

    return jobs_purge()


@shared_task(name="accounts.tasks.clear_expired_sessions", acks_late=True, reject_on_worker_lost=True)
def clear_expired_sessions() -> int:
    """Beat, daily: delete the sessions past their expiry (Django's ``clearsessions``), so that
    nothing a session kept — a new person's one-time password within its 30 minutes — outlives
    the session in the database or its backups. Safe to run twice. Returns how many went."""
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    deleted, _by_kind = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
