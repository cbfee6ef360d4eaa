import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db.utils import OperationalError

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_reports_the_database_and_the_in_process_broker(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "eager"}


def test_healthz_is_503_when_the_database_is_unreachable(client, db):
    # A database outage cannot be caused inside the test's own transaction, so this fault is simulated.
    with mock.patch("appraisal_site.views.connection.cursor", side_effect=OperationalError("unreachable")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"].startswith("error")


def test_the_deploy_check_passes_with_production_settings():
    env = {
        "PATH": "/usr/bin:/bin",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 20 + "-production-secret-key-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "appraisal.example.gov.cn",
        "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    env = {"PATH": "/usr/bin:/bin", "DEBUG": "0", "ALLOWED_HOSTS": "x"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.postgres
def test_page_queries_run_without_postgresql_jit(db):
    """A page's query whose estimated cost crosses jit_above_cost must not pay for compiling."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def _closed_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again when the block ends: nothing listens there


def test_healthz_answers_quickly_and_reports_the_broker_down_when_it_is_unreachable(client, db, settings):
    import time

    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 200  # the site still serves; tasks wait
    assert response.json()["database"] == "ok"
    assert response.json()["broker"].startswith("error")
    assert elapsed < 2, elapsed  # loose on purpose: the check's own budget is a fraction of a second
