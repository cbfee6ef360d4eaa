"""Length limits of free text: the one place that says how long a typed text may be.

Every free-text column is a ``TextField`` made by :func:`bounded_text`: its ``max_length`` puts a
``maxlength`` on the form's textarea (and ``static/js/app.js`` shows a counter under it), and its
validator states the limit in the model. Services do not call ``full_clean``, so each service that
writes typed text calls :func:`check_text_limits` (a model instance) or :func:`check_length` (a
plain argument) before saving: the same refusal for a form, an import and a script.

A line break is one character everywhere (:func:`text_length`), as the browser counts it under
``maxlength`` and the counter shows it: a form's textarea is a :class:`accounts.text.MultiLineCharField`
(a ``bounded_text`` column gives one to a model form), which stores each line break as ``\\n``
though the browser sends CRLF; a service counts a CRLF it is handed directly (a script) as one.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext as _

from .text import MultiLineCharField

# A reason, a comment, one target item: a paragraph.
SHORT = 500
# A return reason, measures, a finding, a progress note: a few paragraphs.
MEDIUM = 2000
# One part of a monthly summary.
LONG = 5000


class BoundedTextField(models.TextField):
    """The column of :func:`bounded_text`: a ``TextField`` whose model-form field is a
    :class:`MultiLineCharField` (line breaks stored as ``\\n``, each one character)."""

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MultiLineCharField, **kwargs})

    def deconstruct(self):
        # In the database and in migrations it is a plain TextField: only its form field differs.
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.TextField", args, kwargs


def bounded_text(verbose_name, *, limit: int, **kwargs) -> models.TextField:
    """A ``TextField`` that holds at most ``limit`` characters (a form shows the limit)."""
    return BoundedTextField(verbose_name, max_length=limit, validators=[MaxLengthValidator(limit)], **kwargs)


def text_length(value: str) -> int:
    """How many characters ``value`` counts against a limit: a line break is one, CRLF included."""
    return len(value) - value.count("\r\n")


def too_long_message(label, limit: int, length: int) -> str:
    """The refusal of a text of ``length`` characters where ``limit`` are allowed."""
    return _("“%(label)s”不能超过%(limit)s字（现为%(length)s字）。") % {
        "label": label,
        "limit": limit,
        "length": length,
    }


def check_length(value: str | None, *, limit: int, label, field: str | None = None) -> None:
    """Refuse ``value`` when it is longer than ``limit`` characters (under ``field`` when given)."""
    if value and text_length(value) > limit:
        message = too_long_message(label, limit, text_length(value))
        raise ValidationError({field: message} if field else message, code="too_long")


def check_text_limits(instance: models.Model, *names: str) -> None:
    """Refuse a model instance whose text fields (``names``, default: all) exceed their ``max_length``,
    with one message per field."""
    errors: dict[str, list[str]] = {}
    for model_field in instance._meta.concrete_fields:
        if names and model_field.name not in names:
            continue
        if not isinstance(model_field, models.CharField | models.TextField) or not model_field.max_length:
            continue
        value = getattr(instance, model_field.attname)
        if isinstance(value, str) and text_length(value) > model_field.max_length:
            errors[model_field.name] = [
                too_long_message(model_field.verbose_name, model_field.max_length, text_length(value))
            ]
    if errors:
        raise ValidationError(errors, code="too_long")
