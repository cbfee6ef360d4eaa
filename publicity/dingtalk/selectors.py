"""Reads of the DingTalk push records."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import DingTalkMessage


def dingtalk_messages(*, organisation_id: int, state: str | None = None) -> QuerySet[DingTalkMessage]:
    """The organisation's messages, newest first (paginate in SQL: the index covers this order)."""
    queryset = DingTalkMessage.objects.filter(organisation_id=organisation_id)
    if state:
        queryset = queryset.filter(state=state)
    return queryset.order_by("-created_at", "-pk")


def dingtalk_failures(*, organisation_id: int, limit: int = 5) -> list[DingTalkMessage]:
    """The latest messages that could not be sent, for HR's weekly page."""
    return list(dingtalk_messages(organisation_id=organisation_id, state=DingTalkMessage.State.FAILED)[:limit])
