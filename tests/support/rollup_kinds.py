"""A test-only job kind: the real quarterly roll-up, whose first attempt then hangs until killed.

Imported by tests/integration/test_job_worker_killed.py and, through ``celery worker --include``,
by the real worker it kills: the first attempt has written its rows when it reports 70 % and its
process id, and waits there to be SIGKILLed; later attempts finish normally.
"""

from __future__ import annotations

import os
import time

from accounts import jobs
from accounts.models import Job
from evaluations.grading.services.rollup import run_rollup_job

ROLLUP_THEN_HANG = "tests.rollup_then_hang"
HANG_SECONDS = 120


def rollup_then_hang(job: Job, report: jobs.Report) -> dict:
    summary = run_rollup_job(job, report)
    if job.attempts == 1:
        report(70, f"pid={os.getpid()}")
        deadline = time.monotonic() + HANG_SECONDS
        while time.monotonic() < deadline:
            time.sleep(0.05)
        raise jobs.JobError("the first attempt was not killed")
    return summary


jobs.register(ROLLUP_THEN_HANG, rollup_then_hang, label="汇总后挂起", permission="evaluations.run_rollup")
