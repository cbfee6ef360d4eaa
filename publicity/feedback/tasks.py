"""Celery tasks of the feedback room. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts import jobs

from . import services


@shared_task(name="publicity.tasks.send_feedback_reminders", acks_late=True, reject_on_worker_lost=True)
def send_feedback_reminders() -> dict:
    """Daily: remind the talkers of talks overdue after locking, each organisation as a recorded job.
    Safe to run twice: a talker is reminded once per quarter."""
    return jobs.jobs_totals(jobs.job_run_each_organisation(kind=services.FEEDBACK_REMINDERS), "reminded")
