"""Celery tasks of the accounts app."""

import os

from celery import shared_task
from django.db import connection

from . import jobs
from .models import Organisation


# ignore_result=False: the caller reads the answer, whatever CELERY_TASK_IGNORE_RESULT says.
@shared_task(ignore_result=False)
def ping() -> dict:
    """Prove that a worker runs this project's code against its database.

    Answers with the database vendor and the number of organisations the *running process*
    sees, and that process's id: a real worker answers with another pid than the caller, an
    eager (in-process) run with the caller's own.
    """
    return {
        "pong": True,
        "database": connection.vendor,
        "organisations": Organisation.objects.count(),
        "pid": os.getpid(),
    }


@shared_task(acks_late=True)
def run_job(job_id: int) -> str:
    """Run one background job. Safe to receive twice: only one delivery claims the row."""
    job = jobs.job_run(job_id)
    return job.state if job is not None else "skipped"


@shared_task(acks_late=True)
def sweep_jobs() -> dict:
    """Every minute: re-enqueue jobs left pending or abandoned, and remove expired result files."""
    return jobs.jobs_sweep()
