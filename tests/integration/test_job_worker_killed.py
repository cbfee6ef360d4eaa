"""A worker process killed (SIGKILL) in the middle of a roll-up loses nothing: Redis gets the
message back (acks_late + reject_on_worker_lost), the redelivered run takes the job over at once,
and it writes the same rows as the killed run.

A real Redis and a real Celery worker (prefork, one child: the child is what gets killed, as the
kernel's OOM killer would) share one SQLite file with the process that asks for the job; the test
reads the file. The job kind (tests.support.rollup_kinds) is the real roll-up whose first attempt
hangs after writing its rows.
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from tests.support.services import RedisServer, run_python, site_env, sqlite_rows, start_worker, stop_process

pytestmark = pytest.mark.broker

TIMEOUT = 60

# Seed and ask in one process (one start of Django; the file is a migrated copy, site_database);
# the message waits in Redis until the worker is ready.
ASK = """
import json
import django
django.setup()
from tests.support.stack_check import seed
seed()
from django.db import transaction
from accounts import jobs
from accounts.models import User
from evaluations.models import AppraisalQuarter
from tests.support.rollup_kinds import ROLLUP_THEN_HANG
hr = User.objects.get(username="stackhr")
quarter = AppraisalQuarter.objects.get()
with transaction.atomic():
    job = jobs.job_request(kind=ROLLUP_THEN_HANG, organisation=hr.organisation,
                           params={"appraisal_quarter": quarter.pk}, requested_by=hr)
print(json.dumps({"job": job.pk}))
"""

RESULT_COLUMNS = "id, person_id, department_id, final_grade, target_items, summaries_missing, praise_count, flags"


def _wait_for(read, done, what: str):
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = read()
        if done(value):
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} after {TIMEOUT} s: {value}")
        time.sleep(0.1)


def _results(database: Path) -> list[dict]:
    return sqlite_rows(database, f"SELECT {RESULT_COLUMNS} FROM evaluations_quarterresult ORDER BY person_id")


def test_a_roll_up_whose_worker_is_killed_is_redelivered_and_writes_the_same_rows(tmp_path, site_database):
    database = site_database
    redis = RedisServer(tmp_path / "redis").start()
    env = site_env(redis.url, database, tmp_path / "private")
    worker = None
    try:
        # Generous: a loaded 2-core machine is slow.
        job_id = json.loads(run_python(ASK, env, timeout=400).strip().splitlines()[-1])["job"]
        worker = start_worker(env, tmp_path / "worker.log", include=("tests.support.rollup_kinds",), pool="prefork")

        def job():
            return sqlite_rows(database, "SELECT * FROM accounts_job WHERE id = ?", (job_id,))[0]

        hanging = _wait_for(job, lambda row: row["progress"] == 70, "the first attempt did not reach 70 %")
        assert (hanging["state"], hanging["attempts"]) == ("running", 1)
        first_rows = _results(database)
        assert len(first_rows) == 5

        os.kill(int(hanging["message"].removeprefix("pid=")), signal.SIGKILL)

        finished = _wait_for(job, lambda row: row["state"] == "done", "the redelivered run did not finish")
        assert finished["attempts"] == 2
        assert _results(database) == first_rows
        log = (tmp_path / "worker.log").read_text(errors="replace")
        assert "WorkerLostError" in log or "exited with 'signal 9" in log
    finally:
        stop_process(worker)
        redis.stop()
