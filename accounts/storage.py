"""Private file storage: files that only a permission-checking view hands out."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.functional import LazyObject


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
