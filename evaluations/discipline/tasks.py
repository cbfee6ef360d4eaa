"""Tasks of the discipline room (veto flags, monthly inspection check). Thin: each calls one service."""

from __future__ import annotations

from celery import shared_task

from accounts import jobs

from .services import inspections, veto


@shared_task(name="evaluations.tasks.raise_veto_for_finding", acks_late=True, reject_on_worker_lost=True)
def raise_veto_for_finding(finding_id: int) -> bool:
    """Raise the veto flag of a serious finding.

    New findings ask for a background job instead (veto.finding_recorded); the task stays for
    messages queued before that change."""
    return veto.veto_flags_for_finding(finding_id=finding_id) is not None


@shared_task(name="evaluations.tasks.raise_veto_for_sanction", acks_late=True, reject_on_worker_lost=True)
def raise_veto_for_sanction(sanction_id: int) -> int:
    """Raise the veto flags of a sanction.

    New sanctions ask for a background job instead (veto.sanction_recorded); the task stays for
    messages queued before that change."""
    return len(veto.veto_flags_for_sanction(sanction_id=sanction_id))


@shared_task(name="evaluations.tasks.reconcile_veto_flags", acks_late=True, reject_on_worker_lost=True)
def reconcile_veto_flags() -> dict:
    """Nightly: re-derive every organisation's veto flags from findings and sanctions, each
    organisation as a recorded job (one that fails is retried by the sweeper; the others still run)."""
    return jobs.jobs_totals(jobs.job_run_each_organisation(kind=veto.VETO_RECONCILE), "raised", "removed")


@shared_task(name="evaluations.tasks.check_discipline_months", acks_late=True, reject_on_worker_lost=True)
def check_discipline_months(year: int | None = None, month: int | None = None) -> dict:
    """Daily: judge the previous month's number of inspections for every organisation (a month
    is judged only once it has ended), each organisation as a recorded job. Idempotent: one alert
    per organisation-month."""
    if year is None or month is None:
        year, month = inspections.previous_month()
    ran = jobs.job_run_each_organisation(kind=inspections.DISCIPLINE_CHECK, params={"year": year, "month": month})
    short = [job.organisation_id for job in ran if (job.summary or {}).get("short")]
    return {"year": year, "month": month, "short": short, "failed": jobs.jobs_totals(ran)["failed"]}
