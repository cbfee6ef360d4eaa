"""Writers in threads, each with its own database connection (tests of concurrent edits).

On SQLite the suite's test database is in memory, shared in-process: :func:`file_copy_of_the_test_database`
copies it to a file and returns the settings of a connection to that file with the site's own
SQLite options (WAL, BEGIN IMMEDIATE, busy timeout), so the writers contend as the web workers
of a SQLite installation do. On PostgreSQL the writers use the test database itself (the test
must be transactional, so that they see its rows).
"""

from __future__ import annotations

import sqlite3
import threading
import traceback
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.utils import load_backend


def file_copy_of_the_test_database(directory: Path) -> dict | None:
    """Settings of a connection to a file copy of the (committed) SQLite test database; None on PostgreSQL."""
    if connection.vendor != "sqlite":
        return None
    options = settings.DATABASES["default"].get("OPTIONS", {})
    assert options.get("transaction_mode") == "IMMEDIATE" and "journal_mode=WAL" in options["init_command"]
    path = Path(directory) / "site.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(path) as target:
        connection.connection.backup(target)
        # In WAL already (the copy of an in-memory database is not): the writers' own
        # "PRAGMA journal_mode=WAL" (init_command) is then a no-op, not a switch that needs the
        # database to itself and can answer "database is locked" to threads opening it together.
        target.execute("PRAGMA journal_mode=WAL")
    return {**connection.settings_dict, "NAME": str(path), "OPTIONS": dict(options)}


@contextmanager
def connected(database_settings: dict | None):
    """This thread's default connection: to ``database_settings``, or its own to the test database."""
    original = connections["default"] if database_settings else None
    if database_settings:
        connections["default"] = load_backend(database_settings["ENGINE"]).DatabaseWrapper(database_settings, "default")
    try:
        yield
    finally:
        connections["default"].close()
        if original is not None:
            connections["default"] = original


def _where(error: BaseException) -> str:
    """Where the error came from: the last frames of the project's own code (not the libraries'),
    so a rare failure (a "database is locked" under load) says which statement met it."""
    root = str(Path(__file__).resolve().parents[2])
    frames = [
        f"{Path(frame.filename).relative_to(root)}:{frame.lineno} {frame.name}"
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename.startswith(root) and "/.venv/" not in frame.filename
    ]
    return "at " + " ← ".join(reversed(frames[-3:])) if frames else ""


def run_at_once(database_settings: dict | None, runs: int, fn: Callable[[int], Any]) -> list:
    """Call ``fn(0)`` … ``fn(runs - 1)`` in as many threads, each on its own connection, released together.

    Returns each call's answer in order; an exception escaping ``fn`` becomes ``"raised <repr> at <where>"``
    (any database error escaping is a test's failure, and shows in its assertion message), and a
    thread still running after a minute leaves ``None``.
    """
    start = threading.Barrier(runs)
    answers: list = [None] * runs

    def run(n: int) -> None:
        with connected(database_settings):
            try:
                start.wait(30)
                answers[n] = fn(n)
            except Exception as error:  # noqa: BLE001 — reported in the answers, for the test to judge
                answers[n] = f"raised {error!r} {_where(error)}"

    threads = [threading.Thread(target=run, args=(n,)) for n in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers
