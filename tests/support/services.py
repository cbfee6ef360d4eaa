"""Helpers for tests that start real services (Redis, a Celery worker, PostgreSQL).

Run as a script it prints a free TCP port on 127.0.0.1 (used by the shell helpers).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[2]
WORKER_READY_TIMEOUT = 60

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout} s") from None
            time.sleep(0.05)


class RedisServer:
    """A throwaway redis-server: no persistence, daemonized, its pid file in ``directory``."""

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = Path(directory)
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        server = shutil.which("redis-server")
        if server is None:
            raise RuntimeError("redis-server is not installed (apt-get install redis-server)")
        self.directory.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                server,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--daemonize", "yes",
                "--dir", str(self.directory),
                "--pidfile", str(self.directory / "redis.pid"),
                "--logfile", str(self.directory / "redis.log"),
            ],
            check=True,
        )  # fmt: skip
        wait_for_port(self.port)
        return self

    def stop(self) -> None:
        subprocess.run(
            ["redis-cli", "-p", str(self.port), "shutdown", "nosave"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
            timeout=10,
        )


class PostgresServer:
    """A throwaway PostgreSQL 15 cluster on a free port of 127.0.0.1 (trust authentication, no
    durability), in its own temporary directory; it can be restarted, as an administrator would.

    initdb and pg_ctl refuse to run as root: as root they run as the ``postgres`` user, on a
    directory that user owns (not pytest's tmp_path, which only root can enter).
    """

    PGBIN = Path(os.environ.get("PGBIN", "/usr/lib/postgresql/15/bin"))

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.directory: Path | None = None

    def _as_postgres(self, *command: str, timeout: float = 60) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        subprocess.run([*prefix, *command], check=True, capture_output=True, timeout=timeout)

    @property
    def data(self) -> Path:
        assert self.directory is not None
        return self.directory / "data"

    def start(self) -> PostgresServer:
        if not (self.PGBIN / "initdb").exists():
            raise RuntimeError(f"{self.PGBIN}/initdb not found (apt-get install postgresql)")
        if self.directory is None:
            import tempfile

            self.directory = Path(tempfile.mkdtemp(prefix="appraisal-pg-"))
            if os.geteuid() == 0:
                shutil.chown(self.directory, "postgres", "postgres")
            self._as_postgres(
                str(self.PGBIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--no-locale", "-N",
            )  # fmt: skip
        self._pg_ctl("start")
        return self

    def _pg_ctl(self, action: str) -> None:
        options = (
            f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='{self.directory}'"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        self._as_postgres(
            str(self.PGBIN / "pg_ctl"), action, "-D", str(self.data), "-w", "-t", "60", "-s", "-m", "fast",
            "-l", str(self.directory / "postgres.log"), "-o", options,
        )  # fmt: skip

    def restart(self) -> None:
        """Stop (fast: open connections are cut, open transactions rolled back) and start again."""
        self._pg_ctl("restart")

    def stop(self) -> None:
        if self.directory is None:
            return
        subprocess.run(
            [*(["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []),
             str(self.PGBIN / "pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-s"],
            capture_output=True, check=False, timeout=60,
        )  # fmt: skip
        shutil.rmtree(self.directory, ignore_errors=True)
        self.directory = None

    def database_settings(self, base: dict) -> dict:
        """Django's settings of a connection to this cluster's ``postgres`` database, as the site
        configures PostgreSQL (persistent connections, health checks), on top of ``base``."""
        return {
            **base,
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "postgres",
            "USER": "postgres",
            "PASSWORD": "",
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "OPTIONS": {"connect_timeout": 2},
            "CONN_MAX_AGE": 60,
            "CONN_HEALTH_CHECKS": True,
            "ATOMIC_REQUESTS": False,
            "AUTOCOMMIT": True,
        }


# --- The site in other processes: a web side, the sweeper and a real worker sharing one SQLite file.


def site_env(broker_url: str, database: Path, private: Path) -> dict[str, str]:
    """The environment of a process of the site that uses ``database`` and the broker at ``broker_url``."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="appraisal_site.settings",
        DATABASE_URL=f"sqlite:///{database}",
        PRIVATE_FILES_ROOT=str(private),
        CELERY_BROKER_URL=broker_url,
        CELERY_RESULT_BACKEND=broker_url,
    )
    return env


def run_python(code: str, env: dict[str, str], timeout: float = 120, args: Sequence[str] = ()) -> str:
    """Run ``code`` (with ``args`` as its argv) in a fresh interpreter at the project root; its stdout
    (a failure fails the test)."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def run_manage(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def sqlite_rows(database: Path, sql: str, params: tuple = ()) -> list[dict]:
    """Rows read straight from the shared SQLite file (the test's own database is another one)."""
    with sqlite3.connect(database) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(sql, params).fetchall()]


def start_worker(
    env: dict[str, str], log_path: Path, include: tuple[str, ...] = (), pool: str = "solo"
) -> subprocess.Popen:
    """A real Celery worker (solo pool unless told), returned once it says it is ready."""
    import pytest

    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "appraisal_site", "worker",
                f"--pool={pool}", "--concurrency=1", "--loglevel=INFO", "--hostname=jobs@%h",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
                *(f"--include={module}" for module in include),
            ],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + WORKER_READY_TIMEOUT
    while b" ready." not in log_path.read_bytes():
        if process.poll() is not None:
            pytest.fail(f"celery worker exited with {process.returncode}:\n{log_path.read_text()}")
        if time.monotonic() > deadline:
            pytest.fail(f"celery worker not ready after {WORKER_READY_TIMEOUT} s:\n{log_path.read_text()}")
        time.sleep(0.1)
    return process


def wait_for(
    read: Callable[[], T],
    done: Callable[[T], bool],
    *,
    what: str,
    timeout: float,
    failed: Callable[[T], bool] = lambda value: False,
    log: Path | None = None,
) -> T:
    """What ``read()`` answers once ``done`` holds of it; the test fails when ``failed`` holds first
    or after ``timeout`` seconds, showing the last value (and the worker's ``log``)."""
    deadline = time.monotonic() + timeout
    while not done(value := read()):
        if failed(value) or time.monotonic() > deadline:
            import pytest

            pytest.fail(f"{what}: {value}" + (f"\n{log.read_text()}" if log is not None else ""))
        time.sleep(0.2)
    return value


# --- Echo jobs (tests.support.job_kinds) asked for through the page of tests.support.job_urls.

# On the shared file (a migrated copy: the site_database fixture), an organisation and the person who asks.
ASKER_SETUP = """
import django
django.setup()
from accounts.models import Organisation, User
organisation = Organisation.objects.create(code="outage", name="断网测试局")
User.objects.create_user(username="asker", password="x", organisation=organisation)
"""

# The web side: a signed-in person posts the page that asks for a job, once per text (argv).
ASK_ECHO = """
import json, sys, time
import django
django.setup()
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
setup_test_environment()
from accounts.models import Job, User
client = Client()
client.force_login(User.objects.get(username="asker"))
answers = []
with override_settings(ROOT_URLCONF="tests.support.job_urls"):
    for text in json.loads(sys.argv[1]):
        started = time.monotonic()
        response = client.post("/tests/echo/", {"text": text})
        elapsed = time.monotonic() - started
        job = Job.objects.order_by("-pk").first()
        answers.append({"status": response.status_code, "location": response.get("Location", ""),
                        "elapsed": elapsed, "job": job.pk, "text": text, "state": job.state,
                        "message": job.message, "enqueued": job.enqueued_at is not None})
print(json.dumps(answers))
"""


def ask_for_echo_jobs(env: dict[str, str], texts: list[str]) -> list[dict]:
    """Post the echo page once per text, as a browser would; per request its status, Location,
    time taken and the job row it left (id, state, message, whether it reached the broker)."""
    out = run_python(ASK_ECHO, env, args=[json.dumps(texts, ensure_ascii=False)])
    return json.loads(out.strip().splitlines()[-1])


def sweep_jobs(database: Path, env: dict[str, str], *, lost: Sequence[int] = ()) -> subprocess.CompletedProcess:
    """``manage.py sweep_jobs`` once every job is past the minute the sweeper leaves a request still
    enqueueing, and the jobs ``lost`` past the 15 minutes after which it believes a message lost:
    the rows are aged rather than the test waiting."""
    with sqlite3.connect(database) as db:
        db.execute("UPDATE accounts_job SET created_at = datetime(created_at, '-5 minutes')")
        for job_id in lost:
            db.execute(
                "UPDATE accounts_job SET enqueued_at = datetime(enqueued_at, '-20 minutes') WHERE id = ?", (job_id,)
            )
    return run_manage("sweep_jobs", env=env)


def stop_process(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@dataclass
class BrokerSite:
    """The site of a broker test: one SQLite file in ``directory``, a throwaway Redis, and at most one
    worker (its log in ``worker_log``); see :func:`broker_site`."""

    directory: Path
    redis: RedisServer
    database: Path
    env: dict[str, str]
    worker: subprocess.Popen | None = None

    @property
    def private(self) -> Path:
        return self.directory / "private"

    @property
    def worker_log(self) -> Path:
        return self.directory / "worker.log"

    def start_worker(self, include: tuple[str, ...] = (), pool: str = "solo") -> subprocess.Popen:
        self.worker = start_worker(self.env, self.worker_log, include=include, pool=pool)
        return self.worker

    def job(self, job_id: int) -> dict:
        """The job row ``job_id`` as the shared file holds it now."""
        return sqlite_rows(self.database, "SELECT * FROM accounts_job WHERE id = ?", (job_id,))[0]

    def sweep(self, *, sent: int, lost: Sequence[int] = ()) -> None:
        """Run the sweeper (:func:`sweep_jobs`) and check that it found ``sent`` pending jobs and sent them."""
        swept = sweep_jobs(self.database, self.env, lost=lost)
        assert swept.returncode == 0, swept.stderr
        assert f"pending {sent}" in swept.stdout and f"sent {sent}" in swept.stdout, swept.stdout


@contextmanager
def broker_site(directory: Path, *, database: Path) -> Iterator[BrokerSite]:
    """A Redis started for the block and the environment of the site's processes (the SQLite file
    ``database``, a migrated copy: the site_database fixture, and private files in ``directory``);
    the worker and Redis are stopped at the end, whatever happened."""
    redis = RedisServer(directory / "redis").start()
    site = BrokerSite(directory, redis, database, site_env(redis.url, database, directory / "private"))
    try:
        yield site
    finally:
        stop_process(site.worker)
        redis.stop()


if __name__ == "__main__":
    print(free_port())
