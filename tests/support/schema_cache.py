"""The migrated SQLite test database, kept once per schema and restored instead of migrated again.

``migrate`` from nothing costs about 18 s of CPU here (Python working out each migration's state),
and every test process that uses the database pays it: the SQLite run's two workers, the browser
tests, the one_database run, the broker tests' site file. The first process to migrate an
in-memory SQLite test database saves a copy (SQLite's online backup) in
``var/schema-cache/test-sqlite-KEY.sqlite3``; a later process restores that copy into its own
in-memory database instead of migrating, which takes milliseconds. KEY is made of every migration
file of the installed apps, the installed packages (apps without migrations, such as auditlog, get
their tables from the models), the Python version and ``MIGRATION_MODULES``, so a changed migration
or package migrates again. On PostgreSQL every test database is a copy of one migrated template
(``use_postgres_template``, below); other databases (a file) migrate as always.
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
    for old in [*directory.glob(f"{PREFIX}*.sqlite3"), *directory.glob(f"{PREFIX}*.lock")]:
        if old not in (path, path.with_suffix(".lock")):
            old.unlink(missing_ok=True)
    os.replace(partial, path)


@contextmanager
def _migration_lock():
    import fcntl

    directory = Path(DIRECTORY)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / f"{PREFIX}{_key()}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@contextmanager
def _migrate_from_cache(connection):
    """While Django creates ``connection``'s test database: its ``migrate`` restores the saved
    copy if there is one, and saves a copy after migrating if not."""
    from django.core import management

    original = management.call_command

    def call_command(name, *args, **options):
        if name != "migrate":
            return original(name, *args, **options)
        connection.ensure_connection()
        # One process migrates; another starting meanwhile (the second xdist worker) waits for its
        # copy instead of migrating too: the same wall time on an idle machine, half the CPU.
        with _migration_lock():
            saved = cached_file()
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


# --- PostgreSQL: the test databases are copies of one migrated template --------------------------
#
# On PostgreSQL each test process (two under ``-n 2``) created its test database empty and migrated
# it: 12–50 s of CPU each. Instead the first process creates ``test_schema_KEY`` beside them and
# brings it to the current schema with tests/support/migrate_cached.sh (which restores the
# ``pg_dump`` in var/schema-cache that make stack-check and make restore-drill also use, or migrates
# and saves it), under an advisory lock so the other process waits rather than migrating too; every
# test database is then ``CREATE DATABASE … TEMPLATE test_schema_KEY`` (Django's TEST TEMPLATE
# setting), a file copy, and Django's ``migrate`` finds every migration applied. KEY is
# migrate_cached.sh's (migration files, packages, server version), so a changed migration makes a
# new template. Only the throwaway clusters of the tests hold it.

_LOCK = 0x5CE7A  # pg_advisory_lock's key for building the template


def use_postgres_template() -> None:
    """On PostgreSQL, make the test database a copy of a migrated template (built once per schema)."""
    import subprocess

    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    if not DIRECTORY or database["ENGINE"] != "django.db.backends.postgresql":
        return
    test = database.setdefault("TEST", {})
    if test.get("TEMPLATE"):
        return
    template = f"test_schema_{_key()}"
    params = {
        "dbname": "postgres",
        "user": database.get("USER") or None,
        "password": database.get("PASSWORD") or None,
        "host": database.get("HOST") or None,
        "port": database.get("PORT") or None,
    }
    params = {key: value for key, value in params.items() if value}
    with psycopg.connect(**params, autocommit=True) as maintenance:
        maintenance.execute("SELECT pg_advisory_lock(%s)", [_LOCK])
        try:
            exists = maintenance.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
            if not exists:
                # Templates of older schemas (a cluster kept between runs) are of migrations gone.
                for (old,) in maintenance.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE 'test\\_schema\\_%'"
                ).fetchall():
                    maintenance.execute(f'DROP DATABASE IF EXISTS "{old}"')
                maintenance.execute(f'CREATE DATABASE "{template}"')
                url = "postgres://{user}{password}@{host}:{port}/{name}".format(
                    user=database.get("USER") or "",
                    password=f":{database['PASSWORD']}" if database.get("PASSWORD") else "",
                    host=database.get("HOST") or "127.0.0.1",
                    port=database.get("PORT") or 5432,
                    name=template,
                )
                env = {
                    **os.environ,
                    "DATABASE_URL": url,
                    "BIN": str(Path(sys.executable).parent),
                    "SCHEMA_CACHE": DIRECTORY,
                }
                built = subprocess.run(
                    [str(ROOT / "tests" / "support" / "migrate_cached.sh")],
                    cwd=ROOT,
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if built.returncode != 0:
                    maintenance.execute(f'DROP DATABASE IF EXISTS "{template}"')
                    raise RuntimeError(f"migrate_cached.sh failed:\n{built.stdout}\n{built.stderr}")
        finally:
            maintenance.execute("SELECT pg_advisory_unlock(%s)", [_LOCK])
    test["TEMPLATE"] = template
