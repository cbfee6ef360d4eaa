"""Rows built once per test run and copied into each later test's database (browser tests).

The browser tests run on pytest-django's live server, so each test is a transactional test: its
rows are committed, and every table is emptied after it. A fixture that builds the demo (seconds;
a year of it, a minute on a busy machine) would build it again for every test. ``built_once`` builds
it for the first test and keeps a copy of the whole database (SQLite's online backup, milliseconds
for the demo); a later test asking for the same rows gets the copy restored instead: the same rows,
with the same ids, as the first test had.

A copy is restored only onto the database it was taken from: an empty one for a first step (no rows
but those every flush leaves: content types, permissions, migrations), or, for a step built on an
earlier one (the demo's year on the demo organisation), the database as that earlier step left it,
unchanged since (SQLite counts every row written on the connection). Anything else (rows a fixture
wrote before, another database than the in-memory SQLite) builds as before.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

# Tables an emptied (flushed) test database still has rows in: written by migrate and post_migrate.
_LEFT_BY_FLUSH = {"django_migrations", "django_content_type", "auth_permission", "sqlite_sequence"}


@dataclass
class _Copy:
    database: sqlite3.Connection
    result: Any
    changes: int  # the connection's count of written rows right after the copy was taken or restored


_copies: dict[str, _Copy] = {}
_last: dict[str, Any] = {"key": None, "changes": None}


def _sqlite():
    """The raw connection to the in-memory SQLite test database, or None on any other database."""
    if connection.vendor != "sqlite" or not connection.is_in_memory_db():
        return None
    connection.ensure_connection()
    return connection.connection


def _empty() -> bool:
    tables = [t for t in connection.introspection.table_names() if t not in _LEFT_BY_FLUSH]
    if not tables:
        return True
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f'SELECT 1 FROM (SELECT 1 FROM "{t}" LIMIT 1)' for t in tables))
        return cursor.fetchone() is None


def _starts_from(raw, base: str | None) -> bool:
    """Is the database where the rows of ``key`` were (or would be) built from?"""
    if base is None:
        return _empty()
    return _last["key"] == base and _last["changes"] == raw.total_changes


def _result(value):
    """What the build returned, for the copy: a model instance is fetched again by its id."""
    from django.db.models import Model

    if isinstance(value, Model):
        return type(value), value.pk
    return None, value


def _restored(result):
    model, value = result
    return model._default_manager.get(pk=value) if model is not None else value


def built_once(key: str, build: Callable[[], Any], *, on: str | None = None):
    """Run ``build()`` (which writes rows) the first time, and restore its rows for later tests.

    ``key`` names the rows; ``on`` the key of the rows the build starts from (built the same way just
    before, in the same fixture chain), None for an empty database. Returns what ``build`` returned
    (a model instance is fetched again)."""
    from django.contrib.contenttypes.models import ContentType

    raw = _sqlite()
    if raw is None or not _starts_from(raw, on):
        return build()
    copy = _copies.get(key)
    if copy is None:
        value = build()
        database = sqlite3.connect(":memory:", check_same_thread=False)
        raw.backup(database)
        copy = _copies[key] = _Copy(database, _result(value), raw.total_changes)
    else:
        copy.database.backup(raw)
        # The restored content types may have other ids than the ones the previous test cached.
        ContentType.objects.clear_cache()
    _last.update(key=key, changes=raw.total_changes)
    return _restored(copy.result)
