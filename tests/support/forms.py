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


def refused_return(client, url: str, reason: str = "") -> str:
    """A 退回 without a reason (``reason`` blank) posted to the review form at ``url``: refused with
    400 and the message under the reason's box, tied to it. The page."""
    response = client.post(url, {"action": "return", "reason": reason})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'aria-invalid="true" aria-describedby="id_reason_error"' in page and "退回时请填写退回原因。" in page
    return page
