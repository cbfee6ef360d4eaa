"""Celery tasks of the feedback room. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organisation

from . import services


@shared_task(name="publicity.tasks.send_feedback_reminders", acks_late=True, reject_on_worker_lost=True)
def send_feedback_reminders() -> dict:
    """Daily: remind the talkers of talks overdue after locking, each organisation as a recorded job.
    Safe to run twice: a talker is reminded once per quarter."""
    reminded = 0
    for organisation in Organisation.objects.filter(is_active=True).order_by("code"):
        job = services.feedback_reminders_now(organisation=organisation)
        reminded += (job.summary or {}).get("reminded", 0)
    return {"reminded": reminded}
