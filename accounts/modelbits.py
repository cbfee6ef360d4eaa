"""Small pieces many models share beyond a column (:mod:`accounts.fields` has those): the page a row
links to, and the rule "unique where filled in". The foundation's, so every room can use them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse


class DetailPage:
    """A row with a page of its own, the URL named ``detail_url_name`` taking the row's id: where its
    notifications, lists and messages link to (``get_absolute_url``)."""

    detail_url_name = ""

    def get_absolute_url(self) -> str:
        return reverse(self.detail_url_name, args=[self.pk])


def unique_where_set(scope: str, field: str, *, name: str, **kwargs) -> models.UniqueConstraint:
    """``field`` once per ``scope`` where it is filled in: empty ("") means it has none, which any
    number of rows may share (a person without a 工号, a message without a key)."""
    return models.UniqueConstraint(fields=[scope, field], condition=~Q(**{field: ""}), name=name, **kwargs)
