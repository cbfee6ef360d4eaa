"""PostgreSQL restarted under the site (issue 13, "Nothing lost when a part fails"):

* a request caught inside its transaction gets a clean 503 page in Chinese (no traceback) and
  leaves nothing half-written: the transaction never committed;
* the next request, once the server is back, works: the persistent connection that died is found
  by the health check (CONN_HEALTH_CHECKS) and replaced, between requests as after the failure.

A real throwaway cluster (tests.support.services.PostgresServer), restarted with ``pg_ctl restart
-m fast`` as an administrator would. For the test the site's default connection is pointed at
that cluster (the suite's own test database stays untouched); the view (tests.support.db_outage_urls)
writes two rows of a ``probe`` table in one transaction and waits between them while the test
restarts the server from another thread.
"""

from __future__ import annotations

import threading

import psycopg
import pytest
from django.db import close_old_connections, connections
from django.db.utils import load_backend
from django.test import Client

from tests.support import db_outage_urls
from tests.support.services import PostgresServer

pytestmark = [pytest.mark.postgres, pytest.mark.urls("tests.support.db_outage_urls")]

URL = "/tests/two-rows/"


@pytest.fixture
def restartable_postgres(django_db_blocker):
    """A throwaway cluster as the site's default database, for this test only."""
    server = PostgresServer().start()
    original = connections["default"]
    wrapper = load_backend("django.db.backends.postgresql").DatabaseWrapper(
        server.database_settings(original.settings_dict), "default"
    )
    with django_db_blocker.unblock():
        connections["default"] = wrapper
        try:
            with wrapper.cursor() as cursor:
                cursor.execute("CREATE TABLE probe (id serial PRIMARY KEY, step text NOT NULL)")
            yield server
        finally:
            wrapper.close()
            connections["default"] = original
            server.stop()


def _steps(server: PostgresServer) -> list[str]:
    """The probe rows as another client sees them (only what was committed)."""
    with psycopg.connect(host="127.0.0.1", port=server.port, user="postgres", dbname="postgres") as db:
        return [step for (step,) in db.execute("SELECT step FROM probe ORDER BY id").fetchall()]


def _post(client: Client, url: str = URL, **extra):
    """A request as the WSGI handler serves it: old connections are checked at its start and end
    (request_started / request_finished), which the test client skips to keep test transactions."""
    close_old_connections()
    try:
        return client.post(url, **extra)
    finally:
        close_old_connections()


def test_a_restart_inside_a_request_answers_503_in_chinese_and_writes_nothing(restartable_postgres):
    server = restartable_postgres
    client = Client(raise_request_exception=False)
    assert _post(client).status_code == 200
    assert _steps(server) == ["first", "second"]

    # Restarted between two requests: the kept connection is dead; the health check replaces it.
    server.restart()
    assert _post(client).status_code == 200
    assert _steps(server) == ["first", "second"] * 2

    # Restarted while a request is inside its transaction, one row written.
    db_outage_urls.inside_transaction.clear()
    db_outage_urls.carry_on.clear()
    failures = []

    def restart_under_the_request():
        try:
            assert db_outage_urls.inside_transaction.wait(30), "the view never reached its transaction"
            server.restart()
        except BaseException as error:  # noqa: BLE001 — reported by the test thread
            failures.append(error)
        finally:
            db_outage_urls.carry_on.set()

    restarter = threading.Thread(target=restart_under_the_request)
    restarter.start()
    try:
        response = _post(client, f"{URL}?pause=1")
    finally:
        db_outage_urls.carry_on.set()
        restarter.join(60)
    assert not failures, failures

    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "数据库暂时无法连接，您刚才的操作没有保存" in page
    assert "Traceback" not in page and "OperationalError" not in page and "psycopg" not in page
    # Nothing half-written: the first row of the interrupted transaction is not there.
    assert _steps(server) == ["first", "second"] * 2

    # The server is back: the next request works on a new connection.
    assert _post(client).status_code == 200
    assert _steps(server) == ["first", "second"] * 3
