"""A serious finding recorded while Redis is down: the inspector's request answers at once (not a
500), the finding is saved with a pending job beside it, and once Redis is back the sweeper hands
the job to a real worker, which raises the veto flag.

The processes share one SQLite file, as in test_job_broker_outage: a "web" process that posts the
inspection form, ``manage.py sweep_jobs``, and a Celery worker. The test itself only reads the file.
"""

from __future__ import annotations

import json

import pytest

from tests.support.services import broker_site, run_python, sqlite_rows, wait_for

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
    with broker_site(tmp_path, database=site_database) as site:
        run_python(SETUP, site.env)
        site.redis.stop()
        asked = json.loads(run_python(ASK, site.env).strip().splitlines()[-1])
        assert asked["status"] == 302, asked
        assert asked["elapsed"] < 10, f"recording the inspection took {asked['elapsed']:.1f} s with Redis down"
        assert len(asked["findings"]) == 1
        assert (asked["kind"], asked["state"]) == ("evaluations.veto_for_finding", "pending")
        assert asked["params"] == {"finding": asked["findings"][0]}
        assert sqlite_rows(site.database, "SELECT * FROM evaluations_vetoflag") == []

        site.redis.start()
        site.start_worker()
        # Past the grace minute the sweeper leaves to a request still enqueueing (see the other test).
        site.sweep(sent=1)

        flags = wait_for(
            lambda: sqlite_rows(site.database, "SELECT * FROM evaluations_vetoflag"),
            bool,
            what=f"no veto flag after {FLAG_TIMEOUT} s",
            timeout=FLAG_TIMEOUT,
            log=site.worker_log,
        )
        assert len(flags) == 1
        assert (flags[0]["person_id"], flags[0]["finding_id"]) == (asked["person"], asked["findings"][0])
        # The job row may be marked done a moment after the flag is written.
        job = wait_for(
            lambda: site.job(asked["job"]),
            lambda row: row["state"] == "done",
            what="job not done",
            timeout=FLAG_TIMEOUT,
        )
        assert (job["state"], job["attempts"]) == ("done", 1)
        assert "accounts.tasks.run_job[" in site.worker_log.read_text()
