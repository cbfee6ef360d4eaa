"""A job asked for while Redis is down is not lost: the request answers at once, the row waits,
and once Redis is back the sweeper enqueues it and a real worker runs it.

Three processes share one SQLite file (the test database of pytest-django is in memory and
invisible to other processes): a "web" process that posts the test page asking for an echo job
(tests.support.job_urls), ``manage.py sweep_jobs``, and a Celery worker that imports the echo
kind with ``--include``. The test itself only reads the file.
"""

from __future__ import annotations

import pytest

from tests.support.services import ASKER_SETUP, ask_for_echo_jobs, broker_site, run_python, wait_for

pytestmark = pytest.mark.broker

JOB_DONE_TIMEOUT = 60


def test_a_job_asked_for_while_redis_is_down_runs_once_redis_is_back(tmp_path, site_database):
    with broker_site(tmp_path, database=site_database) as site:
        run_python(ASKER_SETUP, site.env)
        # Redis goes away (a real server, stopped): its port now refuses connections.
        site.redis.stop()
        [asked] = ask_for_echo_jobs(site.env, ["断网时提交"])
        assert asked["status"] == 302 and asked["location"] == f"/accounts/jobs/{asked['job']}/"
        assert asked["elapsed"] < 10, f"asking for a job took {asked['elapsed']:.1f} s with Redis down"
        assert asked["state"] == "pending" and "未能提交到任务队列" in asked["message"]
        row = site.job(asked["job"])
        assert (row["state"], row["enqueued_at"], row["attempts"]) == ("pending", None, 0)

        site.redis.start()
        site.start_worker(include=("tests.support.job_kinds",))
        # The grace minute is what the sweeper waits for a request still enqueueing; this row's
        # request is long finished, so it is aged rather than the test waiting for a minute.
        site.sweep(sent=1)

        row = wait_for(
            lambda: site.job(asked["job"]),
            lambda row: row["state"] == "done",
            failed=lambda row: row["state"] == "failed",
            what="job not done",
            timeout=JOB_DONE_TIMEOUT,
            log=site.worker_log,
        )
        assert (row["attempts"], row["progress"], row["result_name"]) == (1, 100, "花名册.txt")
        stored = site.private / row["file"]
        assert stored.read_text(encoding="utf-8") == f"任务{asked['job']}：断网时提交\n"
        assert "accounts.tasks.run_job[" in site.worker_log.read_text()
