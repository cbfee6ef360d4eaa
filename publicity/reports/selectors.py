"""Reads of the reports room."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Job

from .models import YearWorkbook


def year_workbooks(*, organisation_id: int) -> QuerySet[YearWorkbook]:
    """The organisation's stored workbooks not yet expired, newest first (paginated by the page)."""
    return (
        YearWorkbook.objects.filter(organisation_id=organisation_id, expires_at__gt=timezone.now())
        .exclude(file="")
        .select_related("created_by")
        .order_by("-created_at", "-pk")
    )


def latest_year_workbook(*, organisation_id: int, year: int) -> YearWorkbook | None:
    return year_workbooks(organisation_id=organisation_id).filter(year=year).first()


def year_export_job(*, organisation_id: int, job_id: int | None, kind: str) -> Job | None:
    """The export job the page follows (the one just asked for, named in the query string)."""
    if not job_id:
        return None
    return Job.objects.filter(pk=job_id, organisation_id=organisation_id, kind=kind).first()
