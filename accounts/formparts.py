"""Pieces the forms of every app declare alike: a paragraph limited to its model field's length,
the 科室 filter of a list of people's rows, and a formset's initial rows read from the rows stored."""

from __future__ import annotations

from collections.abc import Iterable

import django_filters
from django import forms
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from .models import Department
from .text import MultiLineCharField


def model_limit(model: type[Model], name: str) -> int:
    """The model field's length: given to a form field, the page's maxlength and the service's
    refusal never disagree."""
    return model._meta.get_field(name).max_length


def paragraph_field(label, *, max_length: int, rows: int, missing: str = "", **options) -> MultiLineCharField:
    """A paragraph typed in a textarea of ``rows`` lines, at most ``max_length`` characters;
    ``missing`` is what a required one says when left empty (Django's words if not given).
    ``options``: the form field's own (``required``, ``help_text``, ``initial``)."""
    if missing:
        options["error_messages"] = {"required": missing}
    return MultiLineCharField(
        label=label, max_length=max_length, widget=forms.Textarea(attrs={"rows": rows}), **options
    )


# The largest version a page may send back: a PostgreSQL integer column's (a larger number, typed into
# a crafted POST, answered 500 where the summary keeps the stale text's version).
MAX_VERSION = 2**31 - 1


def version_field(**attrs) -> forms.IntegerField:
    """The version of the document the page was rendered from, sent back hidden so that a stale save
    is refused (``accounts.workflow.lock``); ``attrs``: the hidden input's own."""
    return forms.IntegerField(widget=forms.HiddenInput(attrs=attrs), min_value=1, max_value=MAX_VERSION)


def posted_version(data) -> int | None:
    """The version a page posted back (its hidden ``version``), None when absent or not one: the
    service then does not compare (a decision from a page without one)."""
    field = version_field()
    try:
        return field.clean(data.get("version"))
    except forms.ValidationError:
        return None


class PersonDepartmentFilter(django_filters.ModelChoiceFilter):
    """科室 in the list filter of rows about a person: the rows of the people in that department.
    The filter set fills in the departments offered (``OrganisationFilterSet`` and its kin)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label", _("科室"))
        kwargs.setdefault("queryset", Department.objects.none())
        kwargs.setdefault("field_name", "person__department")
        super().__init__(*args, **kwargs)


def formset_initial(rows: Iterable[Model], names: Iterable[str], **attributes: str) -> list[dict]:
    """A formset's initial data, one dict a stored row: each of ``names`` read from the attribute of
    the same name, or of the name ``attributes`` gives it (``goal="goal_id"``)."""
    names = tuple(names)
    return [{name: getattr(row, attributes.get(name, name)) for name in names} for row in rows]
