"""Tasks of the grading room. Thin: each finds its rows by id and calls one service.

Task names keep the ``evaluations.tasks.`` prefix they had before the rooms, so messages already
queued and the beat schedule stay valid.
"""

from __future__ import annotations

from celery import shared_task

from accounts import periods
from accounts.models import Job

from .models import AppraisalQuarter
from .services import rollup


@shared_task(name="evaluations.tasks.rollup_quarter", acks_late=True, reject_on_worker_lost=True)
def rollup_quarter(organisation_id: int, year: int, quarter: int, job_id: int | None = None) -> dict:
    """Roll up one organisation's quarter now, recorded as a roll-up job that HR sees on the page.

    ``job_id`` is accepted and ignored: it named a row of the roll-up's former job table, and a
    message queued before that table went must still roll the quarter up. Safe to run twice:
    the roll-up is idempotent.
    """
    appraisal_quarter = (
        AppraisalQuarter.objects.select_related("organisation")
        .filter(organisation_id=organisation_id, year=year, quarter=quarter)
        .first()
    )
    if appraisal_quarter is None:
        return {"state": "missing"}
    job = rollup.rollup_quarter_now(appraisal_quarter=appraisal_quarter)
    return {"state": job.state, "job": job.pk, **(job.summary if job.state == Job.State.DONE else {})}


@shared_task(name="evaluations.tasks.rollup_due_quarters", acks_late=True, reject_on_worker_lost=True)
def rollup_due_quarters() -> dict:
    """Daily: roll up each organisation's just-ended quarter once its grading deadline has passed
    and whenever a grade changed since its last roll-up; found for every organisation at once (a
    fixed number of queries), then one job (one task) per organisation, so the workers share a
    province's organisations."""
    due = rollup.quarters_due_for_rollups(today=periods.today())
    requested = rollup.rollup_fan_out(appraisal_quarters=due)
    return {"rolled_up": [appraisal_quarter.pk for appraisal_quarter in due], "jobs": [job.pk for job in requested]}
