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
from pathlib import Path

import pytest

from tests.support.services import broker_site, run_python, sqlite_rows, wait_for

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

RESULT_COLUMNS = (
    "appraisal_quarter_id, person_id, department_id, final_grade, target_items, summaries_missing, praise_count, "
    "flags, computed_at"
)


def _results(database: Path) -> list[dict]:
    return sqlite_rows(database, f"SELECT {RESULT_COLUMNS} FROM evaluations_quarterresult ORDER BY person_id")


def test_a_roll_up_whose_worker_is_killed_is_redelivered_and_writes_the_same_rows(tmp_path, site_database):
    with broker_site(tmp_path, database=site_database) as site:
        # Generous: migrating from nothing took over 120 s on a loaded 2-core machine.
        job_id = json.loads(run_python(ASK, site.env, timeout=400).strip().splitlines()[-1])["job"]
        site.start_worker(include=("tests.support.rollup_kinds",), pool="prefork")

        hanging = wait_for(
            lambda: site.job(job_id),
            lambda row: row["progress"] == 70,
            what=f"the first attempt did not reach 70 % after {TIMEOUT} s",
            timeout=TIMEOUT,
        )
        assert (hanging["state"], hanging["attempts"]) == ("running", 1)
        first_rows = _results(site.database)
        assert len(first_rows) == 5

        os.kill(int(hanging["message"].removeprefix("pid=")), signal.SIGKILL)

        finished = wait_for(
            lambda: site.job(job_id),
            lambda row: row["state"] == "done",
            what=f"the redelivered run did not finish after {TIMEOUT} s",
            timeout=TIMEOUT,
        )
        assert finished["attempts"] == 2
        assert _results(site.database) == first_rows
        log = site.worker_log.read_text(errors="replace")
        assert "WorkerLostError" in log or "exited with 'signal 9" in log
