"""The roster as an Excel workbook (write-only mode: flat memory for any size), and its export job.

One builder, :func:`roster_file`, serves both GET /review/roster.xlsx and the background job the
roster page's 导出 Excel button asks for; both show exactly what the viewer's roster page shows.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accounts import jobs
from accounts.excel import new_sheet, workbook_file, write_table
from accounts.models import Job, User

from . import review
from .review import RosterRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_EXPORT = "summaries.roster_export"


def roster_workbook(*, rows: list[RosterRow], year: int, month: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, _("%(year)s年%(month)s月") % {"year": year, "month": month})
    headers = [_("科室"), _("工号"), _("姓名"), _("月小结"), _("月小结迟交"), _("季度目标"), _("季度目标逾期")]
    yes, no = _("是"), _("否")
    write_table(
        sheet,
        headers,
        (
            [
                str(row.person.department or ""),
                row.person.employee_number,
                row.person.get_full_name(),
                str(row.summary_label),
                yes if row.summary_late else no,
                str(row.targets_label),
                yes if row.targets_late else no,
            ]
            for row in rows
        ),
    )
    return workbook_file(workbook)


def roster_file(
    *, viewer: User, year: int, month: int, department_id: int | None = None, show: str = ""
) -> jobs.JobFile:
    """The roster workbook as ``viewer``'s roster page shows it now: their departments only."""
    rows = review.roster(viewer=viewer, year=year, month=month, department_id=department_id, show=show)
    return jobs.JobFile(
        content=roster_workbook(rows=rows, year=year, month=month),
        name=f"roster-{year}-{month:02d}.xlsx",
        content_type=XLSX,
    )


def roster_export_request(
    *, viewer: User, year: int, month: int, department_id: int | None = None, show: str = ""
) -> Job:
    """The 导出 Excel button: a background job that builds :func:`roster_file` for ``viewer``."""
    if not viewer.has_perm("summaries.view_roster"):
        raise PermissionDenied(_("您无权查看提交情况。"))
    return jobs.job_request(
        kind=ROSTER_EXPORT,
        organisation=viewer.organisation,
        params={"year": year, "month": month, "department": department_id, "show": show},
        requested_by=viewer,
    )


def run_roster_export(job: Job, report: jobs.Report) -> jobs.JobFile:
    """The export job's runner. The visibility is checked again here, when it runs: the person who
    asked must still see the roster, and sees only the departments they see at this moment."""
    viewer = job.requested_by
    if (
        viewer is None
        or not viewer.is_active
        or viewer.organisation_id != job.organisation_id
        or not viewer.has_perm("summaries.view_roster")
    ):
        raise jobs.JobError(_("提交人已无权查看提交情况，未导出。"))
    report(10, _("正在生成Excel……"))
    params = job.params
    result = roster_file(
        viewer=viewer,
        year=int(params["year"]),
        month=int(params["month"]),
        department_id=int(params["department"]) if params.get("department") else None,
        show=str(params.get("show") or ""),
    )
    report(100, _("Excel已生成，可以下载。"))
    return result
