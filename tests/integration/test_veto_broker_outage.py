"""A serious finding recorded while Redis is down: the inspector's request answers at once (not a
500), the finding is saved with a pending job beside it, and once Redis is back the sweeper hands
the job to a real worker, which raises the veto flag.

The processes share one SQLite file, as in test_job_broker_outage: a "web" process that posts the
inspection form, ``manage.py sweep_jobs``, and a Celery worker. The test itself only reads the file.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.support.services import (
    RedisServer,
    run_python,
    site_env,
    sqlite_rows,
    start_worker,
    stop_process,
    sweep_jobs,
    wait_for,
)

pytestmark = pytest.mark.broker

FLAG_TIMEOUT = 60

SETUP = """
import django
django.setup()
from accounts.models import Role
from tests.factories import DepartmentFactory, OrganisationFactory, UserFactory
organisation = OrganisationFactory(code="outage", name="断网测试局")
department = DepartmentFactory(organisation=organisation, name="办公室")
UserFactory(username="inspector", organisation=organisation, department=None, roles=[Role.INSPECTOR])
UserFactory(username="drinker", full_name="饮酒者", department=department)
"""

# The web side: the inspector posts the inspection form with a 严重 finding, as a browser would.
ASK = """
import json, time
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
from accounts import periods
from accounts.models import Job, User
from evaluations.models import Finding, InspectionKind, Severity
drinker = User.objects.get(username="drinker")
client = Client()
client.force_login(User.objects.get(username="inspector"))
started = time.monotonic()
response = client.post("/evaluations/inspections/new/", {
    "date": periods.today().isoformat(), "kind": InspectionKind.values[0],
    "departments": [drinker.department_id], "note": "断网时检查",
    "findings-TOTAL_FORMS": "1", "findings-INITIAL_FORMS": "0",
    "findings-0-person": drinker.pk, "findings-0-severity": Severity.SERIOUS,
    "findings-0-description": "上班时间饮酒", "findings-0-evidence": "",
})
elapsed = time.monotonic() - started
job = Job.objects.get()
print(json.dumps({"status": response.status_code, "elapsed": elapsed, "person": drinker.pk,
                  "findings": list(Finding.objects.values_list("pk", flat=True)),
                  "job": job.pk, "kind": job.kind, "state": job.state, "params": job.params}))
"""


def test_a_serious_finding_recorded_while_redis_is_down_raises_its_flag_once_redis_is_back(tmp_path, site_database):
    database = site_database
    redis = RedisServer(tmp_path / "redis").start()
    env = site_env(redis.url, database, tmp_path / "private")
    worker = None
    try:
        run_python(SETUP, env)
        redis.stop()
        asked = json.loads(run_python(ASK, env).strip().splitlines()[-1])
        assert asked["status"] == 302, asked
        assert asked["elapsed"] < 10, f"recording the inspection took {asked['elapsed']:.1f} s with Redis down"
        assert len(asked["findings"]) == 1
        assert (asked["kind"], asked["state"]) == ("evaluations.veto_for_finding", "pending")
        assert asked["params"] == {"finding": asked["findings"][0]}
        assert sqlite_rows(database, "SELECT * FROM evaluations_vetoflag") == []

        redis.start()
        worker = start_worker(env, tmp_path / "worker.log")
        # Past the grace minute the sweeper leaves to a request still enqueueing (see the other test).
        swept = sweep_jobs(database, env)
        assert swept.returncode == 0, swept.stderr
        assert "pending 1" in swept.stdout and "sent 1" in swept.stdout, swept.stdout

        flags = wait_for(
            lambda: sqlite_rows(database, "SELECT * FROM evaluations_vetoflag"),
            bool,
            what=f"no veto flag after {FLAG_TIMEOUT} s",
            timeout=FLAG_TIMEOUT,
            log=tmp_path / "worker.log",
        )
        assert len(flags) == 1
        assert (flags[0]["person_id"], flags[0]["finding_id"]) == (asked["person"], asked["findings"][0])
        job = sqlite_rows(database, "SELECT * FROM accounts_job WHERE id = ?", (asked["job"],))[0]
        deadline = time.monotonic() + FLAG_TIMEOUT
        while job["state"] != "done" and time.monotonic() < deadline:
            time.sleep(0.2)
            job = sqlite_rows(database, "SELECT * FROM accounts_job WHERE id = ?", (asked["job"],))[0]
        assert (job["state"], job["attempts"]) == ("done", 1)
        assert "accounts.tasks.run_job[" in (tmp_path / "worker.log").read_text()
    finally:
        stop_process(worker)
        redis.stop()
