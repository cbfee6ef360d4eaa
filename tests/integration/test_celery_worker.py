"""A real Redis and a real Celery worker process run the project's tasks.

The fixture starts ``redis-server`` on a free port and ``celery -A appraisal_site worker``
(solo pool) against it, with its own SQLite database file: the worker cannot see the
test's database, so that file (a migrated copy) is given one organisation, which is
how the test knows the answer came from the worker's database. Both are stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from kombu.exceptions import OperationalError

from accounts.tasks import ping
from appraisal_site.celery import app
from tests.support.services import RedisServer, free_port, run_python, site_env, start_worker, stop_process

pytestmark = pytest.mark.broker


@contextmanager
def celery_app_using(broker_url: str):
    """Point the in-process Celery app at ``broker_url`` (broker and results), then restore it.

    The app caches its connection pool, producer pool and result backend once used, so
    those caches are dropped on the way in and on the way out.
    """
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}

    def drop_caches():
        app._pool = None
        app.amqp._producer_pool = None
        if hasattr(app._local, "backend"):
            del app._local.backend

    drop_caches()
    app.conf.update(broker_url=broker_url, result_backend=broker_url, task_always_eager=False)
    try:
        yield app
    finally:
        drop_caches()
        app.conf.update(saved)


@pytest.fixture(scope="module")
def worker(tmp_path_factory, migrated_site_database):
    """Redis + a Celery worker subprocess, ready to take tasks. Yields the broker URL and worker pid."""
    tmp = tmp_path_factory.mktemp("broker")
    redis = RedisServer(tmp / "redis").start()
    process = None
    log_path = tmp / "worker.log"
    try:
        shutil.copyfile(migrated_site_database, tmp / "worker.sqlite3")
        env = site_env(redis.url, tmp / "worker.sqlite3", tmp / "private")
        run_python(
            """
            import django
            django.setup()
            from accounts.models import Organisation
            Organisation.objects.create(code="worker", name="worker database")
            """,
            env,
        )
        process = start_worker(env, log_path)
        yield {"url": redis.url, "pid": process.pid, "log": log_path}
    finally:
        stop_process(process)
        redis.stop()


def test_worker_runs_ping(worker):
    with celery_app_using(worker["url"]):
        result = ping.delay()
        answer = result.get(timeout=30)
    assert answer == {"pong": True, "database": "sqlite", "organisations": 1, "pid": worker["pid"]}
    assert answer["pid"] != os.getpid()
    assert result.id in worker["log"].read_text()


@contextmanager
def _silent_server():
    """A port that accepts connections and never answers (a hung Redis)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept():
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(sock.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"redis://127.0.0.1:{sock.getsockname()[1]}/0"
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in accepted:
            conn.close()
        sock.close()


@contextmanager
def _refusing_port():
    yield f"redis://127.0.0.1:{free_port()}/0"


def _enqueue_within(send, seconds: float) -> BaseException:
    """Call ``send()`` in a thread; return what it raised, or fail if it is still blocked after ``seconds``."""
    outcome: dict = {}

    def run():
        started = time.monotonic()
        try:
            send()
            outcome["raised"] = None
        except BaseException as exc:  # noqa: BLE001 — the test inspects whatever it was
            outcome["raised"] = exc
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=seconds)
    if thread.is_alive():
        pytest.fail(f"enqueueing still blocked after {seconds} s: a web request would hang")
    if outcome["raised"] is None:
        pytest.fail("enqueueing to an unavailable broker did not raise")
    return outcome["raised"]


SENDS = {
    # Fire-and-forget, as views enqueue work: only the broker is involved.
    "fire-and-forget": lambda: ping.apply_async(ignore_result=True),
    # A task whose result is wanted: Celery first subscribes to the result in Redis.
    "with-result": lambda: ping.delay(),
}


@pytest.mark.parametrize("send", SENDS.values(), ids=SENDS.keys())
@pytest.mark.parametrize("broker", [_refusing_port, _silent_server], ids=["refused", "hung"])
def test_enqueue_fails_fast_when_broker_is_unavailable(broker, send):
    """The settings' socket timeouts and single retry: an error within seconds, not a hang."""
    with broker() as url, celery_app_using(url):
        raised = _enqueue_within(send, seconds=15)
    if send is SENDS["fire-and-forget"]:
        # What a caller catches to keep its pending-job row and retry later.
        assert isinstance(raised, OperationalError), repr(raised)
