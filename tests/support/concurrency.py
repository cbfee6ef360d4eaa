"""Writers in threads, each with its own database connection (tests of concurrent edits).

On SQLite the suite's test database is in memory, shared in-process: :func:`file_copy_of_the_test_database`
copies it to a file and returns the settings of a connection to that file with the site's own
SQLite options (WAL, BEGIN IMMEDIATE, busy timeout), so the writers contend as the web workers
of a SQLite installation do. On PostgreSQL the writers use the test database itself (the test
must be transactional, so that they see its rows).
"""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path

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
