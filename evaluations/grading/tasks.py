"""Tasks of the grading room. Thin: each finds its rows by id and calls one service.

Task names keep the ``evaluations.tasks.`` prefix they had before the rooms, so messages already
queued and the beat schedule stay valid.
"""

from __future__ import annotations

from celery import shared_task

from accounts import periods
from accounts.models import Organisation

from .models import AppraisalQuarter
from .services import rollup


@shared_task(name="evaluations.tasks.rollup_quarter", acks_late=True)
def rollup_quarter(organisation_id: int, year: int, quarter: int, job_id: int | None = None) -> dict:
    """Roll up one organisation's quarter, reporting on the RollupJob row (created if not given).

    Safe to run twice: a job already done is skipped, and the roll-up itself is idempotent.
    """
    appraisal_quarter = AppraisalQuarter.objects.filter(
        organisation_id=organisation_id, year=year, quarter=quarter
    ).first()
    if appraisal_quarter is None:
        return {"state": "missing"}
    job = rollup.rollup_job_claim(appraisal_quarter=appraisal_quarter, job_id=job_id)
    if job is None:
        return {"state": "skipped"}
    stats = rollup.rollup_job_run(job=job)
    if stats is None:
        return {"state": "failed", "job": job.pk}
    return {"state": "done", "job": job.pk, "people": stats.people, "departments": stats.departments}


@shared_task(name="evaluations.tasks.rollup_due_quarters", acks_late=True)
def rollup_due_quarters() -> dict:
    """Daily: roll up each organisation's just-ended quarter once its grading deadline has passed
    and whenever a grade changed since its last roll-up."""
    today = periods.today()
    done = []
    for organisation in Organisation.objects.filter(is_active=True):
        for appraisal_quarter in rollup.quarters_due_for_rollup(organisation=organisation, today=today):
            rollup_quarter(organisation.pk, appraisal_quarter.year, appraisal_quarter.quarter)
            done.append(appraisal_quarter.pk)
    return {"rolled_up": done}
