"""Writes of the reports room: the year-export job (request and runner), the stored workbook and
its expiry, and the department's batch of record forms (a job when it is large)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs
from accounts.models import Department, Job, Organisation, User

from . import exports, pdf
from .models import YearWorkbook

YEAR_EXPORT = "publicity.year_export"
DEPARTMENT_FORMS = "publicity.department_forms"
DEFAULT_RETENTION_DAYS = 30


def retention() -> timedelta:
    """How long an exported workbook is kept (``settings.REPORTS_RETENTION_DAYS``, default 30 days)."""
    return timedelta(days=int(getattr(settings, "REPORTS_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)))


def _check_year(year: int) -> None:
    if not 2000 <= year <= 2100:
        raise ValueError(f"year out of range: {year}")


@transaction.atomic
def year_export_request(*, actor: User, year: int) -> Job:
    """The reports page's 导出 button: a background job that writes the year's workbook."""
    if not actor.has_perm("publicity.export_year"):
        raise PermissionDenied(_("您无权导出年度考核汇总。"))
    _check_year(year)
    return jobs.job_request(
        kind=YEAR_EXPORT,
        organisation=actor.organisation,
        # The organisation's workbook of the year, shared by everyone who may export it (the latest
        # is offered to all of them): written in the site's language, not the asker's.
        params={"year": year},
        requested_by=actor,
    )


def year_workbook_store(
    *, organisation: Organisation, year: int, actor: User | None, job: Job | None = None, progress=None
) -> YearWorkbook:
    """Write the workbook to a temporary file (flat memory), then keep it on the private storage."""
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "workbook.xlsx"
        counts = exports.write_workbook(str(path), organisation=organisation, year=year, progress=progress)
        with path.open("rb") as handle:
            workbook = YearWorkbook(
                organisation=organisation,
                year=year,
                job=job,
                created_by=actor,
                people=counts.get("people", 0),
                size=path.stat().st_size,
                expires_at=timezone.now() + retention(),
            )
            workbook.file.save(f"{year}-{timezone.now():%Y%m%d%H%M%S}.xlsx", File(handle), save=False)
            workbook.save()
    return workbook


def _year_export_page(job: Job) -> str:
    return f"{reverse('reports:index')}?job={job.pk}"


@jobs.kind(YEAR_EXPORT, gettext_lazy("年度考核汇总导出"), "publicity.export_year", return_url=_year_export_page)
def run_year_export(job: Job, report: jobs.Report) -> dict:
    """The export job's runner. The right is checked again when it runs: the person who asked must
    still be HR of the organisation."""
    actor = job.requested_by
    if actor is None or not actor.is_active or actor.organisation_id != job.organisation_id:
        raise jobs.JobError(_("提交人已无权导出年度考核汇总，未导出。"))
    if not actor.has_perm("publicity.export_year"):
        raise jobs.JobError(_("提交人已无权导出年度考核汇总，未导出。"))
    year = int(job.params["year"])
    existing = YearWorkbook.objects.filter(job=job).first()
    if existing is not None:
        # A second delivery of a job that had stored its file: nothing to write again.
        return {"year": year, "people": existing.people, "workbook": existing.pk}
    workbook = year_workbook_store(organisation=job.organisation, year=year, actor=actor, job=job, progress=report)
    # No closing message: it would stay in the worker's Chinese under the English UI (see
    # summaries.exports.run_roster_export); the page says 已完成 and offers 下载结果.
    return {"year": year, "people": workbook.people, "workbook": workbook.pk}


def year_workbooks_expire(*, now=None) -> int:
    """Remove the workbooks past their retention: the file, then the row. Safe to run twice."""
    now = now or timezone.now()
    removed = 0
    for pk, name in YearWorkbook.objects.filter(expires_at__lt=now).values_list("pk", "file").iterator():
        if name:
            YearWorkbook.file.field.storage.delete(name)
        removed += YearWorkbook.objects.filter(pk=pk).delete()[0]
    return removed


# --- A department's forms as one PDF ---------------------------------------------------------


def inline_forms_limit() -> int:
    """Up to this many people a department's forms render in the request; beyond, a job."""
    return int(getattr(settings, "REPORTS_INLINE_FORMS_MAX", 15))


@transaction.atomic
def department_forms_request(*, actor: User, department: Department, year: int, quarter: int) -> Job:
    """The 打印全科室登记表 button: one PDF of the department's record forms, made in the background."""
    if not actor.has_perm("publicity.view_department_forms", department):
        raise PermissionDenied(_("您无权打印该科室的登记表。"))
    _check_year(year)
    return jobs.job_request(
        kind=DEPARTMENT_FORMS,
        organisation=department.organisation,
        params={"department": department.pk, "year": year, "quarter": quarter, **jobs.for_the_reader()},
        requested_by=actor,
    )


def _forms_page(job: Job) -> str:
    """Back to the forms page of the job's quarter (a user test's 返回查看结果 lost the chosen quarter)."""
    return f"{reverse('reports:forms')}?year={job.params['year']}&quarter={job.params['quarter']}"


@jobs.kind(DEPARTMENT_FORMS, gettext_lazy("科室登记表打印"), "publicity.view_every_form", return_url=_forms_page)
def run_department_forms(job: Job, report: jobs.Report) -> jobs.JobFile:
    actor = job.requested_by
    department = Department.objects.filter(pk=job.params["department"], organisation_id=job.organisation_id).first()
    if (
        actor is None
        or not actor.is_active
        or department is None
        or not actor.has_perm("publicity.view_department_forms", department)
    ):
        raise jobs.JobError(_("提交人已无权打印该科室的登记表。"))
    year, quarter = int(job.params["year"]), int(job.params["quarter"])
    report(10, _("正在生成登记表……"))
    with jobs.in_readers_language(job):
        content = pdf.department_forms_pdf(department=department, year=year, quarter=quarter)
        name = pdf.department_forms_filename(department, year, quarter)
    # No closing message: it would stay in the worker's Chinese under the English UI (see
    # summaries.exports.run_roster_export); the page says 已完成 and offers 下载结果.
    return jobs.JobFile(content=content, name=name, content_type="application/pdf")
