"""Turning a service's refusal into form errors, for the views of every app.

Services are the only validators (see STYLE.md), so a view calls the service and shows what it
raised on the form the person just filled in, next to the field it is about where there is one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import gettext as _

T = TypeVar("T")


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, fields: Mapping[str, str] | None = None
) -> None:
    """Put ``error`` on ``form``: messages keyed by one of the form's fields go on that field,
    everything else (a plain message, a list, ``__all__``, a model field the form does not show)
    on top of the form. ``fields`` renames the service's keys where the form calls a field
    differently (``{"lift_reason": "reason"}``)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    renamed = fields or {}
    for key, texts in error.message_dict.items():
        name = renamed.get(key, key)
        form.add_error(name if name in form.fields else None, texts)


def flash_form_errors(request: HttpRequest, form: forms.BaseForm) -> None:
    """Every error of a form that has no page of its own to show them on (a small form POSTed from
    a list or detail page), one flash message each."""
    for errors in form.errors.values():
        for text in errors:
            messages.error(request, text)


def error_text(error: ValidationError) -> str:
    """All the messages of a refusal on one line, for a flash message."""
    return " ".join(error.messages)


def run_service(
    request: HttpRequest,
    call: Callable[[], object],
    *,
    success: str | Callable[[object], str],
    form: forms.BaseForm | None = None,
    flash_refusal: bool = True,
) -> bool:
    """Call a service for a view and tell the person how it went; True when it went through.

    A refusal goes on ``form`` (when there is one) and, unless ``flash_refusal`` is off, into an
    error message; otherwise ``success`` (a text, or a function of what the service returned) is
    flashed. The view then decides where to go: back to the page with the form, or on.
    """
    went_through, _result = _call(request, call, success=success, form=form, flash_refusal=flash_refusal)
    return went_through


def service_result(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    success: str | Callable[[T], str],
    form: forms.BaseForm | None = None,
    flash_refusal: bool = True,
    fields: Mapping[str, str] | None = None,
) -> T | None:
    """:func:`run_service` for a service that returns what it made (an objection, a case): that
    thing when it went through, so the view can go on to it, else None. ``fields`` renames the
    service's keys to the form's fields (:func:`add_service_errors`)."""
    went_through, result = _call(request, call, success=success, form=form, flash_refusal=flash_refusal, fields=fields)
    return result if went_through else None


def form_submitted(
    request: HttpRequest,
    form: forms.BaseForm,
    call: Callable[[dict], T],
    *,
    success: str | Callable[[T], str],
    refusal_on_form: bool = True,
) -> tuple[T | None, int]:
    """A page whose form is handed to a service: on a valid POST, ``call(form.cleaned_data)``
    through :func:`service_result` (a refusal flashed, and put on the form unless
    ``refusal_on_form`` is off). Returns what the service made when it went through, for the view
    to go on to, else None and the status to render the page with: 200 for a GET, 400 for a POST
    that was invalid or refused."""
    if request.method != "POST":
        return None, 200
    if form.is_valid():
        made = service_result(
            request, lambda: call(form.cleaned_data), success=success, form=form if refusal_on_form else None
        )
        if made is not None:
            return made, 200
    return None, 400


def _on_fields_only(form: forms.BaseForm, error: ValidationError, fields: Mapping[str, str] | None = None) -> bool:
    """Whether every message of ``error`` stands at one of ``form``'s fields (add_service_errors)."""
    renamed = fields or {}
    return hasattr(error, "error_dict") and all(renamed.get(key, key) in form.fields for key in error.error_dict)


def _call(request, call, *, success, form, flash_refusal, fields=None) -> tuple[bool, object]:
    try:
        result = call()
    except ValidationError as exc:
        if form is not None:
            add_service_errors(form, exc, fields=fields)
        if flash_refusal:
            # A refusal the form shows at its fields is said there, once; the message above the
            # page only points to it.
            on_fields = form is not None and _on_fields_only(form, exc, fields)
            messages.error(request, _("请按提示修改后再提交。") if on_fields else error_text(exc))
        return False, None
    messages.success(request, success(result) if callable(success) else success)
    return True, result
