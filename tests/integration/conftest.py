"""Fixtures of the tests that run the site in other processes (a worker, a "web" process) on a
shared SQLite file."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from tests.support import schema_cache
from tests.support.services import run_python, site_env

MIGRATE = """
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
"""


@pytest.fixture(scope="session")
def migrated_site_database(tmp_path_factory):
    """An SQLite file migrated once per run (``migrate`` from nothing is about 18 s of CPU here), or
    the schema cache's copy when there is one; each test gets its own copy (``site_database``).
    Nobody writes to this one."""
    directory = tmp_path_factory.mktemp("migrated-site")
    database = directory / "site.sqlite3"
    if (saved := schema_cache.cached_file()) is not None:
        # The same schema, as an earlier test run migrated it (tests/support/schema_cache.py).
        shutil.copyfile(saved, database)
        return database
    # The broker is never used: migrating sends nothing.
    run_python(MIGRATE, site_env("redis://127.0.0.1:1/0", database, directory / "private"), timeout=400)
    # Everything in the main file (the site opens it in WAL mode), so a copy of that file is whole.
    with sqlite3.connect(database) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return database


@pytest.fixture
def site_database(migrated_site_database, tmp_path):
    """This test's SQLite file for the site's processes: a copy of the migrated one (the processes'
    own ``migrate`` then has nothing to do)."""
    database = tmp_path / "site.sqlite3"
    shutil.copyfile(migrated_site_database, database)
    return database
