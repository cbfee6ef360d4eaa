"""Celery tasks of the publication room: thin, each runs one service through the job mechanism."""

from __future__ import annotations

from celery import shared_task

from accounts import jobs
from accounts.models import Organisation

from .jobs import LOCK_PUBLICATIONS
from .models import Publication


def lock_publications_now() -> list[int]:
    """Run the locking job, in this process, for every organisation with a publication not yet
    wholly locked; returns the job ids (the beat task and ``manage.py lock_publications``)."""
    organisations = Organisation.objects.filter(
        is_active=True, pk__in=Publication.objects.filter(closed_at__isnull=True).values("organisation_id")
    ).order_by("pk")
    return [jobs.job_run_here(kind=LOCK_PUBLICATIONS, organisation=organisation).pk for organisation in organisations]


@shared_task(name="publicity.tasks.lock_publications", acks_late=True, reject_on_worker_lost=True)
def lock_publications() -> dict:
    """Daily: lock (定等) every entry whose window closed without an open objection. Safe to run twice."""
    return {"jobs": lock_publications_now()}


@shared_task(name="publicity.tasks.remind_review_cases", acks_late=True, reject_on_worker_lost=True)
def remind_review_cases() -> dict:
    """Daily: 复核/申诉 deadlines into HR's digest, lapsed requests marked."""
    from .review_cases import review_cases_remind

    return {"reminded": review_cases_remind()}
