"""Refusing someone who may see a row but not act on it, for the views of every app.

A row a person may not see is a 404 (:func:`accounts.pages.visible_or_404`), so its id is not
confirmed to exist. A row whose page they may see, but whose action (review, grade, correct) is not
theirs, is a 403: the row is no secret to them, the right is what they lack.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

T = TypeVar("T")


def permitted_or_403(request: HttpRequest, obj: T, perm: str) -> T:
    """``obj``, when the signed-in person holds ``perm`` on it; otherwise the request is refused (403)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
    return obj
