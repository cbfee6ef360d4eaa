"""The reports room's Celery tasks: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="publicity.tasks.remove_expired_reports", acks_late=True, reject_on_worker_lost=True)
def remove_expired_reports() -> int:
    """Daily: remove exported workbooks past their retention (REPORTS_RETENTION_DAYS).
    Safe to run twice: a second run finds nothing more to remove."""
    return services.year_workbooks_expire()
