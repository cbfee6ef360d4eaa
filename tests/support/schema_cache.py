"""The migrated SQLite test database, kept once per schema and restored instead of migrated again.

``migrate`` from nothing costs about 18 s of CPU here (Python working out each migration's state),
and every test process that uses the database pays it: the SQLite run's two workers, the browser
tests, the one_database run, the broker tests' site file. The first process to migrate an
in-memory SQLite test database saves a copy (SQLite's online backup) in
``var/schema-cache/test-sqlite-KEY.sqlite3``; a later process restores that copy into its own
in-memory database instead of migrating, which takes milliseconds. KEY is made of every migration
file of the installed apps, the installed packages (apps without migrations, such as auditlog, get
their tables from the models), the Python version and ``MIGRATION_MODULES``, so a changed migration
or package migrates again. Other databases (PostgreSQL, a file) migrate as always.
``TEST_SCHEMA_CACHE=`` (empty) switches the cache off.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DIRECTORY = os.environ.get("TEST_SCHEMA_CACHE", str(ROOT / "var" / "schema-cache"))
PREFIX = "test-sqlite-"


def _key() -> str:
    import django
    from django.apps import apps
    from django.conf import settings

    digest = hashlib.sha256()
    digest.update(sys.version.encode())
    digest.update(repr(sorted((settings.MIGRATION_MODULES or {}).items())).encode())
    packages = Path(django.__file__).resolve().parents[1]
    digest.update("\n".join(sorted(os.listdir(packages))).encode())
    for app in sorted(apps.get_app_configs(), key=lambda app: app.label):
        digest.update(app.label.encode())
        for path in sorted((Path(app.path) / "migrations").glob("*.py")):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def cached_file() -> Path | None:
    """The saved copy of the current schema, if a process has saved one."""
    if not DIRECTORY:
        return None
    path = Path(DIRECTORY) / f"{PREFIX}{_key()}.sqlite3"
    return path if path.exists() else None


def _save(raw: sqlite3.Connection) -> None:
    directory = Path(DIRECTORY)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{PREFIX}{_key()}.sqlite3"
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    with sqlite3.connect(partial) as copy:
        raw.backup(copy)
    copy.close()
    # Copies of older schemas are of migrations that no longer exist.
    for old in directory.glob(f"{PREFIX}*.sqlite3"):
        if old != path:
            old.unlink(missing_ok=True)
    # Two processes migrating at once both save; either copy is the same schema.
    os.replace(partial, path)


@contextmanager
def _migrate_from_cache(connection):
    """While Django creates ``connection``'s test database: its ``migrate`` restores the saved
    copy if there is one, and saves a copy after migrating if not."""
    from django.core import management

    original = management.call_command

    def call_command(name, *args, **options):
        if name != "migrate":
            return original(name, *args, **options)
        saved = cached_file()
        connection.ensure_connection()
        if saved is not None:
            with sqlite3.connect(saved) as copy:
                copy.backup(connection.connection)
            copy.close()
            return None
        result = original(name, *args, **options)
        connection.ensure_connection()
        _save(connection.connection)
        return result

    management.call_command = call_command
    try:
        yield
    finally:
        management.call_command = original


def install() -> None:
    """Route the creation of in-memory SQLite test databases through the cache (once per process)."""
    from django.db.backends.sqlite3.creation import DatabaseCreation

    if not DIRECTORY or getattr(DatabaseCreation, "_schema_cache", False):
        return
    create_test_db = DatabaseCreation.create_test_db

    def cached_create_test_db(self, *args, **kwargs):
        if not self.is_in_memory_db(self._get_test_db_name()):
            return create_test_db(self, *args, **kwargs)
        with _migrate_from_cache(self.connection):
            return create_test_db(self, *args, **kwargs)

    DatabaseCreation.create_test_db = cached_create_test_db
    DatabaseCreation._schema_cache = True
