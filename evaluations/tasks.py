"""Evaluations tasks (roll-ups, veto flags). Thin: each finds its rows by id and calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts.models import Organisation
from summaries.services import china_today

from .models import AppraisalQuarter
from .services import inspections, rollup, veto


@shared_task(acks_late=True)
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


@shared_task(acks_late=True)
def rollup_due_quarters() -> dict:
    """Daily: roll up each organisation's just-ended quarter once its grading deadline has passed
    and whenever a grade changed since its last roll-up."""
    today = china_today()
    done = []
    for organisation in Organisation.objects.filter(is_active=True):
        for appraisal_quarter in rollup.quarters_due_for_rollup(organisation=organisation, today=today):
            rollup_quarter(organisation.pk, appraisal_quarter.year, appraisal_quarter.quarter)
            done.append(appraisal_quarter.pk)
    return {"rolled_up": done}


@shared_task(acks_late=True)
def raise_veto_for_finding(finding_id: int) -> bool:
    """Raise the veto flag of a serious finding (enqueued when the finding commits)."""
    return veto.veto_flags_for_finding(finding_id=finding_id) is not None


@shared_task(acks_late=True)
def raise_veto_for_sanction(sanction_id: int) -> int:
    """Raise the veto flags of a sanction (enqueued when the sanction commits)."""
    return len(veto.veto_flags_for_sanction(sanction_id=sanction_id))


@shared_task(acks_late=True)
def reconcile_veto_flags() -> dict:
    """Nightly: re-derive every organisation's veto flags from findings and sanctions."""
    totals = {"raised": 0, "removed": 0}
    for organisation in Organisation.objects.filter(is_active=True):
        result = veto.veto_reconcile(organisation=organisation)
        totals["raised"] += result.raised
        totals["removed"] += result.removed
    return totals


@shared_task(acks_late=True)
def check_discipline_months(year: int | None = None, month: int | None = None) -> dict:
    """Daily: judge the previous month's number of inspections for every organisation (a month
    is judged only once it has ended). Idempotent: one alert per organisation-month."""
    if year is None or month is None:
        year, month = inspections.previous_month()
    short = []
    for organisation in Organisation.objects.filter(is_active=True).order_by("code"):
        alert = inspections.discipline_check(organisation=organisation, year=year, month=month)
        if alert is not None:
            short.append(organisation.pk)
    return {"year": year, "month": month, "short": short}


@shared_task(acks_late=True)
def rollup_year(organisation_id: int, year: int) -> dict:
    """Suggest one organisation's annual grades; idempotent, and committee decisions are kept."""
    from .services import annual

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
