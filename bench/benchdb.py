"""The database a benchmark runs on, shared by the bench scripts (export, roll-up, welfare).

A bench sets Django up once per process on a fresh database: a SQLite file in a temporary folder,
or, when ``DATABASE_URL`` names a PostgreSQL server (as ``tests/support/with_postgres.sh`` exports
it), a new database of its own on that server. Several sizes run in one child process each.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def setup_django(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "appraisal_site.settings")
    import django

    django.setup()


def postgres_database(server_url: str, name: str) -> str:
    """A new, empty database ``name`` on the PostgreSQL server of ``server_url``; its URL."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


@contextmanager
def django_on_fresh_database(name: str, *, postgres: bool = True) -> Iterator[bool]:
    """Django set up on a fresh database: ``name`` on the PostgreSQL server ``DATABASE_URL`` names
    (unless ``postgres`` is off), else a SQLite file in a temporary folder, removed afterwards.
    Yields whether it is PostgreSQL."""
    server_url = os.environ.get("DATABASE_URL", "")
    if postgres and server_url.startswith(("postgres://", "postgresql://")):
        setup_django(postgres_database(server_url, name))
        yield True
        return
    with tempfile.TemporaryDirectory(prefix=f"{name}-") as directory:
        setup_django(f"sqlite:///{Path(directory) / 'bench.sqlite3'}")
        yield False


def each_size_in_a_child(script: str, sizes: list[int], *args: str) -> int:
    """Run ``script --sizes N *args`` once per size, one process each (Django is set up once per
    process, on one database); the first failing exit code, else 0."""
    for size in sizes:
        code = subprocess.call([sys.executable, script, "--sizes", str(size), *args])
        if code:
            return code
    return 0
