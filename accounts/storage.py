"""Private file storage: files that only a permission-checking view hands out."""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import FileSystemStorage
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
