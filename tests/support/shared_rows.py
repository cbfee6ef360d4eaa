"""Rows built once for several tests that only read them (the demo takes seconds to build)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def shared_rows(django_db_blocker) -> Iterator[None]:
    """Open the database for a class- or module-scoped fixture and roll its rows back after the last
    test. Each test still runs in its own savepoint (``django_db``), so what it writes goes too."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)
