"""Tasks of the year-end room. Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organisation

from . import services as annual


@shared_task(name="evaluations.tasks.rollup_year", acks_late=True, reject_on_worker_lost=True)
def rollup_year(organisation_id: int, year: int) -> dict:
    """Suggest one organisation's annual grades; idempotent, and committee decisions are kept."""
    organisation = Organisation.objects.filter(pk=organisation_id).first()
    if organisation is None:
        return {"state": "missing"}
    stats = annual.rollup_year(organisation=organisation, year=year)
    return {
        "state": "done",
        "people": stats.people,
        "excellent_quota": stats.excellent_quota,
        "excellent_suggested": stats.excellent_suggested,
    }
