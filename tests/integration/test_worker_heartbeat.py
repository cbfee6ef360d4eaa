"""/healthz tells an operator whether a Celery worker is running (an operator test: a stopped worker
was invisible there, jobs only saying after five minutes that they were still waiting).

A real Redis and a real worker (the prefork pool, as deployed) share one SQLite file with a "web"
process that asks /healthz as a load balancer would. The worker's main process records a heartbeat
when it starts and then on its own timer (every second here, WORKER_HEARTBEAT_SECONDS), also while
its only pool process is busy with a long task: a busy worker is not a stopped one. Once it is
stopped, /healthz says for how long it has been silent (the row is aged rather than the test
waiting three minutes) and still answers 200.
"""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from tests.support.services import broker_site, run_python, sqlite_rows, stop_process, wait_for

pytestmark = pytest.mark.broker

HEALTHZ = """
import json
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, **response.json()}))
"""

SEND_SLOW_TASK = """
import django
django.setup()
from appraisal_site.celery import app
app.send_task("tests.support.slow_tasks.sleep", args=[6])
"""


def _healthz(env: dict[str, str]) -> dict:
    return json.loads(run_python(HEALTHZ, env).strip().splitlines()[-1])


def _seen(database) -> dict[str, str]:
    return {row["worker"]: row["seen_at"] for row in sqlite_rows(database, "SELECT * FROM accounts_workerheartbeat")}


def test_healthz_reports_a_running_worker_busy_or_not_and_how_long_a_stopped_one_has_been_silent(
    tmp_path, site_database
):
    with broker_site(tmp_path, database=site_database) as site:
        assert _healthz(site.env) == {"status": 200, "database": "ok", "broker": "ok", "worker": "never seen"}

        site.env["WORKER_HEARTBEAT_SECONDS"] = "1"
        site.start_worker(include=("tests.support.slow_tasks",), pool="prefork")
        started = wait_for(lambda: _seen(site.database), bool, what="worker not recorded as started", timeout=20)
        [name] = started
        assert name.startswith("jobs@")
        assert _healthz(site.env)["worker"] == "ok"

        # Its one pool process busy for six seconds: the main process keeps beating meanwhile.
        run_python(SEND_SLOW_TASK, site.env)
        wait_for(
            lambda: site.worker_log.read_text(),
            lambda log: "tests.support.slow_tasks.sleep[" in log,
            what="the slow task was not received",
            timeout=20,
        )
        busy_from = _seen(site.database)[name]
        time.sleep(3)
        assert "succeeded" not in site.worker_log.read_text().split("tests.support.slow_tasks.sleep[", 1)[1]
        assert _seen(site.database)[name] > busy_from, "no heartbeat while the pool was busy"

        # The worker stops; ten minutes later (the row aged) /healthz says so and the site still serves.
        stop_process(site.worker)
        with sqlite3.connect(site.database) as db:
            db.execute("UPDATE accounts_workerheartbeat SET seen_at = datetime(seen_at, '-10 minutes')")
        answer = _healthz(site.env)
        assert (answer["status"], answer["database"], answer["broker"]) == (200, "ok", "ok")
        assert answer["worker"].startswith("silent for 6"), answer
