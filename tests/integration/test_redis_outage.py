"""Redis stopped for a while delays jobs and loses none (issue 13, "Nothing lost when a part fails").

A real redis-server without persistence (the worst case: what it held is gone when it comes back)
and a real Celery worker share one SQLite file with a "web" process that asks for jobs through the
app's page (tests.support.job_urls), as a browser would:

1. Redis up, no worker yet: one job is asked for and handed to Redis, where it waits;
2. Redis stopped (``shutdown nosave``): that message is gone; five more jobs are asked for, and
   every request answers at once, its job pending in the database;
3. Redis started again, empty, and a worker: the sweeper (``manage.py sweep_jobs``, every minute
   under beat) sends the five that never reached Redis and the one whose message was lost, and
   the worker runs every one, once.

A few seconds of downtime show the mechanism; a minute, or an hour, is the same rows waiting. The
sweeper's clocks (a minute's grace for a request still enqueueing, 15 minutes for a message it
believes lost) are moved by ageing the rows, not by waiting.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.services import ASKER_SETUP, ask_for_echo_jobs, broker_site, run_python, sqlite_rows, wait_for

pytestmark = pytest.mark.broker

JOBS_DONE_TIMEOUT = 60
ASKED_WHILE_DOWN = 5


def _jobs(database: Path) -> dict[int, dict]:
    return {row["id"]: row for row in sqlite_rows(database, "SELECT * FROM accounts_job ORDER BY id")}


def test_jobs_asked_for_while_redis_is_stopped_are_delayed_and_none_is_lost(tmp_path, site_database):
    with broker_site(tmp_path, database=site_database) as site:
        run_python(ASKER_SETUP, site.env, timeout=400)
        # 1. Handed to Redis; no worker is running yet, so the message waits there.
        [queued] = ask_for_echo_jobs(site.env, ["停机前提交"])
        assert (queued["status"], queued["state"], queued["enqueued"]) == (302, "pending", True)

        # 2. Redis stops without saving: the waiting message is lost with it.
        site.redis.stop()
        down = ask_for_echo_jobs(site.env, [f"停机期间提交{n}" for n in range(1, ASKED_WHILE_DOWN + 1)])
        for answer in down:
            assert answer["status"] == 302, answer
            assert answer["elapsed"] < 10, f"asking took {answer['elapsed']:.1f} s with Redis stopped"
            assert (answer["state"], answer["enqueued"]) == ("pending", False)
            assert "未能提交到任务队列" in answer["message"]

        # 3. Redis back, empty; a worker; the sweeper's clocks moved past their waits.
        site.redis.start()
        site.start_worker(include=("tests.support.job_kinds",))
        site.sweep(sent=ASKED_WHILE_DOWN + 1, lost=[queued["job"]])

        asked = [queued, *down]
        rows = wait_for(
            lambda: _jobs(site.database),
            lambda rows: all(rows[answer["job"]]["state"] == "done" for answer in asked),
            failed=lambda rows: any(row["state"] == "failed" for row in rows.values()),
            what="jobs not done",
            timeout=JOBS_DONE_TIMEOUT,
            log=site.worker_log,
        )
        assert len(rows) == len(asked)
        for answer in asked:
            row = rows[answer["job"]]
            # Run once each: one attempt, the file written once with the text that was asked for.
            assert (row["attempts"], row["progress"], row["error"]) == (1, 100, "")
            stored = site.private / row["file"]
            assert stored.read_text(encoding="utf-8") == f"任务{answer['job']}：{answer['text']}\n"
        log = site.worker_log.read_text()
        assert log.count("accounts.tasks.run_job[") >= len(asked)
