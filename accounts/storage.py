"""Private file storage: files that only a permission-checking view hands out."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.functional import LazyObject
from django.views.decorators.csrf import csrf_exempt, csrf_protect


class PrivateStorage(LazyObject):
    """Evidence files and job results live under PRIVATE_FILES_ROOT, outside the web root; only a
    view that checks permissions hands them out."""

    def _setup(self):
        self._wrapped = FileSystemStorage(location=settings.PRIVATE_FILES_ROOT, base_url=None)


private_storage = PrivateStorage()


def get_private_storage() -> PrivateStorage:
    # A callable, so migrations record a reference, not this machine's PRIVATE_FILES_ROOT.
    return private_storage


# --- Uploads bounded by the policy -----------------------------------------------------

# What a multipart body carries besides the file: boundaries, part headers, the CSRF token.
MULTIPART_ALLOWANCE = 64 * 1024


def body_too_large(request: HttpRequest, limit: int) -> bool:
    """Whether the request announces a body too large for a file of ``limit`` bytes: judged on the
    Content-Length header alone, before a byte of the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    return length > limit + MULTIPART_ALLOWANCE


class SizeLimitedUploadHandler(FileUploadHandler):
    """Stops reading an upload as soon as a file passes ``limit`` bytes (a body sent without an
    honest Content-Length), so an oversized file is never stored whole; ``too_large`` tells the
    view why the file is missing. Put it first in ``request.upload_handlers`` before the body is
    read (the view must be ``csrf_exempt`` and check CSRF itself afterwards)."""

    def __init__(self, request: HttpRequest | None = None, *, limit: int):
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.too_large = False

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.too_large = True
            raise StopUpload(connection_reset=True)
        return raw_data  # the next handler (memory, then a temporary file) keeps it

    def file_complete(self, file_size: int) -> None:
        return None


def own_body_limit(view):
    """Mark a view that bounds its own request bodies (an upload with the policy's or the import's
    limit, checked before the body is read): :class:`accounts.middleware.RequestBodyLimitMiddleware`
    lets its larger bodies through. The mark survives the decorators above (``functools.wraps``)."""
    view.own_body_limit = True
    return view


def upload_limited(*, limit: int | Callable[[HttpRequest], int], message: Callable[[HttpRequest], str]):
    """Bound a view's uploads (an Excel import, an attachment) to ``limit`` bytes before the body is
    read whole. ``limit`` is a number or, where the organisation's policy sets it, a function of the
    request; ``message(request)`` says the limit in words.

    Django's CSRF check reads the whole multipart body (spooling files to disk) before any view
    runs, so the view is exempted from the middleware and checked here *after* the size: a body
    whose Content-Length is too large is refused unread, one without an honest length is cut off
    by :class:`SizeLimitedUploadHandler` at the limit; both answer 413 with ``message()`` (in
    Chinese, stating the limit). Put it under ``never_cache`` and under a permission check that
    reads no body (``accounts.decorators.permission_required``), so someone without the right is
    refused before the body is parsed.
    """

    def decorator(view):
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "POST":
                return protected(request, *args, **kwargs)
            bound = limit(request) if callable(limit) else limit
            if body_too_large(request, bound):
                return _upload_refused(request, message(request))
            handler = SizeLimitedUploadHandler(request, limit=bound)
            request.upload_handlers.insert(0, handler)
            request.POST  # noqa: B018 — parse now, through the handler, before the view sees the files
            if handler.too_large:
                return _upload_refused(request, message(request))
            return protected(request, *args, **kwargs)

        return own_body_limit(wrapped)

    return decorator


def _upload_refused(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "includes/upload_refused.html", {"message": message, "back_url": request.path}, status=413)
