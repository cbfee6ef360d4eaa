"""Scheduled reminders. Thin: each task runs one service per organisation, each organisation as a
recorded job (accounts.jobs: one that fails is retried by the sweeper and stops none after it)."""

from celery import shared_task

from accounts import jobs, periods

from . import reminders


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_deadline_reminders() -> dict:
    """Remind people who have not yet submitted targets or last month's summary, before the
    deadline and, still owed after it, once a week.
    Safe to run twice: one reminder per person and period (and week) (the notification's dedupe_key)."""
    params = {"today": periods.today().isoformat()}
    ran = jobs.job_run_each_organisation(kind=reminders.DEADLINE_REMINDERS, params=params)
    return jobs.jobs_totals(ran, "targets", "summaries", "targets_overdue", "summaries_overdue")


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_review_reminders() -> dict:
    """Remind reviewers of items waiting longer than the policy allows.
    Safe to run twice: one reminder per reviewer and day (the notification's dedupe_key)."""
    params = {"today": periods.today().isoformat()}
    return jobs.jobs_totals(jobs.job_run_each_organisation(kind=reminders.REVIEW_REMINDERS, params=params), "reviewers")
