"""The site's URLs (and its error handlers) plus one test-only view that writes two rows in one
transaction and, when asked, waits between them for the test to restart PostgreSQL.

Used with ``@pytest.mark.urls("tests.support.db_outage_urls")`` by tests/integration/test_database_restart.py,
which creates the ``probe`` table on its throwaway cluster.
"""

from __future__ import annotations

import threading

from django.db import connection, transaction
from django.db.utils import InterfaceError
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_POST

from appraisal_site import urls as site_urls

# Set by the view once its first row is written and its transaction is open.
inside_transaction = threading.Event()
# Set by the test once the database has been restarted under the waiting view.
carry_on = threading.Event()
WAIT_SECONDS = 30


@require_POST
def write_two_rows(request: HttpRequest) -> HttpResponse:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO probe (step) VALUES ('first')")
        if request.GET.get("pause"):
            inside_transaction.set()
            carry_on.wait(WAIT_SECONDS)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO probe (step) VALUES ('second')")
    return HttpResponse("saved")


def connection_gone(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def plain_bug(request: HttpRequest) -> HttpResponse:
    raise ZeroDivisionError("division by zero")


urlpatterns = [
    path("tests/two-rows/", write_two_rows),
    path("tests/connection-gone/", connection_gone),
    path("tests/plain-bug/", plain_bug),
    *site_urls.urlpatterns,
]
handler500 = site_urls.handler500
