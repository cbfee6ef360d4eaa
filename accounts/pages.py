"""Responses the views of every app share: the confirmation page and an Excel download."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def confirm_page(
    request: HttpRequest,
    *,
    title: str,
    message: str,
    cancel_url: str,
    detail: str = "",
    form: forms.BaseForm | None = None,
    confirm_label: str = "",
) -> HttpResponse:
    """The page that asks before a destructive action; its form POSTs back to the same URL."""
    return render(
        request,
        "includes/confirm.html",
        {
            "title": title,
            "message": message,
            "cancel_url": cancel_url,
            "detail": detail,
            "form": form,
            "confirm_label": confirm_label,
        },
    )


def xlsx_download(content: bytes, filename: str) -> HttpResponse:
    """An ``.xlsx`` attachment; the name is sent RFC 5987-style so it may be non-ASCII."""
    from .audit import record_event

    record_event(event="download", label=filename)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
