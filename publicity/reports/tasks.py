"""The reports room's Celery tasks: thin, each calls one service."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="publicity.tasks.remove_expired_reports", acks_late=True)
def remove_expired_reports() -> int:
    """Daily: remove exported workbooks past their retention (REPORTS_RETENTION_DAYS)."""
    return services.year_workbooks_expire()
