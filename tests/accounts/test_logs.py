"""Structured logs (accounts.logs): JSON lines with the request id, user and organisation, or the task."""

import io
import json
import logging
import sys
from contextlib import contextmanager

from celery import shared_task
from django.http import HttpResponse
from django.test import RequestFactory

from accounts.logs import ContextFilter, JsonFormatter, RequestLogMiddleware


@contextmanager
def json_lines(logger_name: str):
    """What ``logger_name`` writes, as the production handler writes it (the filter, the formatter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(ContextFilter())
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger(logger_name)
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    lines: list[dict] = []
    try:
        yield lines
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        lines.extend(json.loads(line) for line in stream.getvalue().splitlines())


def test_every_request_is_logged_as_json_with_its_id_user_and_organisation(hr, client, client_for):
    with json_lines("appraisal.request") as lines:
        response = client.get("/healthz")
    (line,) = lines
    assert line["request_id"] == response["X-Request-ID"]
    assert "user_id" not in line and "organisation" not in line  # anonymous
    client = client_for(hr)
    with json_lines("appraisal.request") as lines:
        response = client.get("/")
    (line,) = lines
    assert (line["method"], line["path"], line["status"]) == ("GET", "/", 200)
    assert line["request_id"] == response["X-Request-ID"]
    assert (line["user_id"], line["organisation"]) == (hr.pk, hr.organisation_id)
    assert line["level"] == "INFO" and line["logger"] == "appraisal.request" and line["duration_ms"] >= 0


def test_a_client_cannot_choose_its_request_id(client, db, settings):
    settings.TRUSTED_PROXIES = []
    response = client.get("/healthz", HTTP_X_REQUEST_ID="chosen-by-the-client")
    assert response["X-Request-ID"] != "chosen-by-the-client"
    assert len(response["X-Request-ID"]) == 32


def test_the_trusted_proxys_request_id_is_kept_so_its_log_and_ours_join(client, db, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    response = client.get("/healthz", HTTP_X_REQUEST_ID="0f1e2d3c4b5a69788796a5b4c3d2e1f0", REMOTE_ADDR="127.0.0.1")
    assert response["X-Request-ID"] == "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
    refused = client.get("/healthz", HTTP_X_REQUEST_ID='bad"id\nx', REMOTE_ADDR="127.0.0.1")
    assert refused["X-Request-ID"] != 'bad"id\nx'


def test_a_line_logged_while_a_view_runs_carries_the_request(hr):
    logger = logging.getLogger("tests.inside_a_view")

    def view(request):
        logger.warning("导出 %s 行", 12, extra={"rows": 12})
        return HttpResponse()

    request = RequestFactory().get("/anything/")
    request.user = hr
    with json_lines("tests.inside_a_view") as lines:
        response = RequestLogMiddleware(view)(request)
    (line,) = lines
    assert line["message"] == "导出 12 行" and line["rows"] == 12
    assert (line["request_id"], line["user_id"], line["organisation"]) == (
        response["X-Request-ID"],
        hr.pk,
        hr.organisation_id,
    )


@shared_task(name="tests.log_something")
def log_something():
    logging.getLogger("tests.in_a_task").info("working")


def test_a_line_logged_by_a_task_carries_the_task():
    with json_lines("tests.in_a_task") as lines:
        result = log_something.apply()
    (line,) = lines
    assert (line["task_id"], line["task"]) == (result.id, "tests.log_something")
    assert "request_id" not in line


def test_an_exception_is_written_with_its_traceback():
    formatter = JsonFormatter()
    try:
        raise ValueError("坏了")
    except ValueError:
        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), exc_info=sys.exc_info())
    line = json.loads(formatter.format(record))
    assert line["message"] == "failed"
    assert "ValueError: 坏了" in line["exception"]


def test_djangos_line_of_an_error_answer_carries_the_request_id(client, db, monkeypatch):
    """An operator test: "Service Unavailable: /healthz" (django.request, logged after the
    middleware returned) had no request id; the request's own line did."""
    from django.db.backends.utils import CursorWrapper
    from django.db.utils import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("the server went away")

    with json_lines("django.request") as lines, monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", down)  # a database that is down
        response = client.get("/healthz")
    assert response.status_code == 503
    (line,) = lines
    assert line["message"] == "Service Unavailable: /healthz" and line["request_id"] == response["X-Request-ID"]


def test_a_page_asked_for_while_the_database_is_down_is_logged_once(hr, client_for, monkeypatch):
    """An operator test: every 503 while the database was down was logged twice, each line with its
    traceback (the private-pages middleware looked the user up again on the way out)."""
    from django.db.backends.utils import CursorWrapper
    from django.db.utils import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("the server went away")

    client = client_for(hr)
    client.raise_request_exception = False
    with json_lines("django.request") as lines, monkeypatch.context() as patch:
        patch.setattr(CursorWrapper, "execute", down)
        response = client.get("/")
    assert response.status_code == 503 and "no-store" in response["Cache-Control"]
    assert [line["message"] for line in lines] == ["Service Unavailable: /"]
