"""Turning a service's refusal into form errors, for the views of every app.

Services are the only validators (see STYLE.md), so a view calls the service and shows what it
raised on the form the person just filled in, next to the field it is about where there is one.
"""

from __future__ import annotations

from collections.abc import Mapping

from django import forms
from django.core.exceptions import ValidationError


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
    for key, messages in error.message_dict.items():
        name = renamed.get(key, key)
        form.add_error(name if name in form.fields else None, messages)


def error_text(error: ValidationError) -> str:
    """All the messages of a refusal on one line, for a flash message."""
    return " ".join(error.messages)
