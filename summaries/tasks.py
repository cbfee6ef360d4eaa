"""Scheduled reminders. Thin: each task calls one service per organisation."""

from celery import shared_task

from accounts import periods
from accounts.models import Organisation

from . import reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_deadline_reminders() -> dict:
    """Remind people who have not yet submitted targets or last month's summary.
    Safe to run twice: one reminder per person and period (the notification's dedupe_key)."""
    today = periods.today()
    totals = {"targets": 0, "summaries": 0}
    for organisation in Organisation.objects.filter(is_active=True):
        run = reminders.send_deadline_reminders(organisation=organisation, today=today)
        totals["targets"] += run.targets
        totals["summaries"] += run.summaries
    return totals


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_review_reminders() -> dict:
    """Remind reviewers of items waiting longer than the policy allows.
    Safe to run twice: one reminder per reviewer and day (the notification's dedupe_key)."""
    today = periods.today()
    created = sum(
        reminders.send_review_reminders(organisation=organisation, today=today).reviewers
        for organisation in Organisation.objects.filter(is_active=True)
    )
    return {"reviewers": created}
