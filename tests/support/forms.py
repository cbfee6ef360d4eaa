"""Posting a form back as the page showed it."""

from __future__ import annotations

from django import forms


def data_as_shown(form: forms.BaseForm) -> dict:
    """The POST data of ``form`` submitted unchanged: each field's initial value, a ticked box as
    "on" and an unticked one left out, as a browser sends them."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data
