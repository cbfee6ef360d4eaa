"""Query counts of a page, for the tests that a list costs the same for few and many rows."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext


def warm_page_queries(client, url: str) -> int:
    """How many queries a GET of ``url`` makes once a first GET (not counted) has warmed the session,
    the policy and the caches."""
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)
