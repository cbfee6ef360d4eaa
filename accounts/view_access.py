"""Refusing someone who may see a row but not act on it, for the views of every app.

A row a person may not see is a 404 (:func:`accounts.pages.visible_or_404`), so its id is not
confirmed to exist. A row whose page they may see, but whose action (review, grade, correct) is not
theirs, is a 403: the row is no secret to them, the right is what they lack.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

T = TypeVar("T")


def permitted_or_403(request: HttpRequest, obj: T, perm: str) -> T:
    """``obj``, when the signed-in person holds ``perm`` on it; otherwise the request is refused (403)."""
    if not request.user.has_perm(perm, obj):
        raise PermissionDenied
    return obj


def reviewable_or_403(request: HttpRequest, document: T, perm: str) -> T:
    """``document`` (a reviewed document whose page the person may see), when they hold ``perm`` (its
    review) on it; otherwise refused (403) saying who reviews it now, and the reason they typed said
    back to copy. A user test: the owner moved to another department while the head's page was
    open; 退回 answered a bare 没有权限 and the reason typed was lost."""
    if request.user.has_perm(perm, document):
        return document
    from .pages import keep_refused_reason
    from .selectors import evaluator_of

    keep_refused_reason(request, request.POST.get("reason", ""))
    reviewer = evaluator_of(person=document.owner)
    if reviewer is None:
        raise PermissionDenied(_("这份材料目前没有审核人（可能因人员调动），您的操作未执行。"))
    raise PermissionDenied(
        _("这份材料现由%(reviewer)s审核（可能因人员调动），您的操作未执行。") % {"reviewer": reviewer.get_full_name()}
    )
