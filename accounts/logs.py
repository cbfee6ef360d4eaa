"""Structured logs: one JSON object per line on stdout, for the journal and for containers.

Every record carries the request it belongs to — ``request_id``, ``user_id``, ``organisation`` —
or, in a Celery worker, the task (``task_id``, ``task``). :class:`RequestLogMiddleware` (first in
``MIDDLEWARE``) sets the request id, answers it in ``X-Request-ID`` and logs one line per request
on the ``appraisal.request`` logger; :class:`ContextFilter` (on the handler, settings.LOGGING)
adds the fields to every record; :class:`JsonFormatter` writes them. ``LOG_FORMAT=text`` keeps
plain lines (the development default).

The formatter is small and uses the standard library only; it is loaded while Django configures
logging, before the apps, so this module imports no models.
"""

from __future__ import annotations

import json
import logging
import re
import time
import traceback
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

_request: ContextVar[HttpRequest | None] = ContextVar("log_request", default=None)
_request_id: ContextVar[str | None] = ContextVar("log_request_id", default=None)

# A request id nginx sends ($request_id: 32 hex digits) or another proxy's: short, printable.
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
request_logger = logging.getLogger("appraisal.request")

# What every LogRecord has; anything else on a record came from ``extra=`` and is written out.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
CONTEXT_FIELDS = ("request_id", "user_id", "organisation", "task_id", "task")


def _user_of(request: HttpRequest) -> tuple[int | None, int | None]:
    """The signed-in person and organisation, only if the request has already looked the user up:
    logging never costs a query."""
    user = getattr(request, "user", None)
    if user is None or (isinstance(user, SimpleLazyObject) and user._wrapped is empty):
        return None, None
    if not user.is_authenticated:
        return None, None
    return user.pk, getattr(user, "organisation_id", None)


def _current_task() -> tuple[str | None, str | None]:
    from celery import current_task

    task = current_task._get_current_object() if current_task else None
    request = getattr(task, "request", None)
    if task is None or request is None or getattr(request, "id", None) is None:
        return None, None
    return request.id, task.name


def _request_of(record: logging.LogRecord) -> HttpRequest | None:
    request = getattr(record, "request", None)
    return request if isinstance(request, HttpRequest) else None


class ContextFilter(logging.Filter):
    """Adds the request's (or the Celery task's) context to every record; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs an error answer ("Service Unavailable: /healthz") after the middleware has
        # returned, with the request on the record: its id is read from there (an operator test
        # found such lines without one).
        request = _request.get() or _request_of(record)
        user_id, organisation = _user_of(request) if request is not None else (None, None)
        task_id, task = _current_task()
        values = {
            "request_id": _request_id.get() or getattr(request, "request_id", None),
            "user_id": user_id,
            "organisation": organisation,
            "task_id": task_id,
            "task": task,
        }
        for name, value in values.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the context
    fields that are set, anything passed as ``extra=``, and the traceback if there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name, value in vars(record).items():
            if name not in _STANDARD and value is not None and name not in entry:
                entry[name] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        elif record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_id_for(request: HttpRequest) -> str:
    """The proxy's request id when a trusted proxy (settings.TRUSTED_PROXIES) sent one, so nginx's
    access log and ours share it; a new one otherwise (a client's own header is not believed)."""
    offered = request.META.get("HTTP_X_REQUEST_ID", "")
    if offered and REQUEST_ID.match(offered):
        from .audit import _is_trusted, _parse_address, _trusted_networks

        networks = _trusted_networks()
        address = _parse_address(request.META.get("REMOTE_ADDR") or "")
        if networks and address is not None and _is_trusted(address, networks):
            return offered
    return uuid.uuid4().hex


class RequestLogMiddleware:
    """First in MIDDLEWARE: gives the request its id (answered in ``X-Request-ID``), makes it the
    context of every record logged while it runs, and logs one line when it is answered."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = _request_id_for(request)
        request.request_id = request_id
        request_token = _request.set(request)
        id_token = _request_id.set(request_id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.monotonic() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request.reset(request_token)
            _request_id.reset(id_token)
