"""The roster as an Excel workbook, and its export job.

One builder, :func:`roster_file`, serves both GET /review/roster.xlsx and the background job the
roster page's 导出 Excel button asks for; both show exactly what the viewer's roster page shows.
It streams at every step: value tuples from one query read in chunks (no model instances, no list of
ids), a write-only sheet, a temporary file on disk, and a FileResponse (or the job's stored file)
that sends it in blocks — 100 000 rows add a few MB of memory, not hundreds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook

from accounts import jobs, periods
from accounts.excel import new_sheet, write_table
from accounts.listing import export_filename
from accounts.models import Job, Policy, User
from accounts.selectors import policy_for_organisation, seconded_ids
from accounts.workflow import HANDED_IN_STATUSES, ReviewStatus, met_deadline

from . import review

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_EXPORT = "summaries.roster_export"


# Rows read from the database per round trip while the workbook is written.
CHUNK = 2000


def roster_filename(*, year: int, month: int) -> str:
    """The workbook's name, as every export is named (2026年10月提交情况-20261105.xlsx)."""
    return export_filename(periods.Month(year, month).label, _("提交情况"))


def roster_headers() -> list[str]:
    return [_("科室"), _("工号"), _("姓名"), _("月小结"), _("月小结迟交/逾期"), _("季度目标"), _("季度目标迟交/逾期")]


def roster_sheet_rows(people: QuerySet[User], *, year: int, month: int, policy: Policy) -> Iterator[list]:
    """The workbook's rows of ``people`` (:func:`review.roster_people`), streamed: value tuples read
    in chunks from one query, each status label looked up once, not per row. A document's second
    column is the page's badge: 迟交 (handed in after the deadline), 逾期 (not handed in, past the
    person's deadline, ``policy`` the organisation's: periods.past_deadline), else empty."""
    labels = {status: review.roster_status_label(status) for status in (None, *ReviewStatus.values)}
    late, overdue, not_due = _("迟交"), _("逾期"), _("无需填报")
    values = review.roster_values(people, year=year, month=month)
    # A newcomer who began after the month (the quarter) ended owes nothing of it: the roster page's rule.
    period = periods.Month(year, month)
    today = periods.today()
    # A month (a quarter) that has not begun: its missing documents are 未到, as on the page.
    not_yet = _("未到")
    not_started, quarter_not_started = not period.has_begun(today), not period.quarter.has_begun(today)

    def badge(handed_late: bool, status: str | None, due, start, owed: bool, handed_at) -> str:
        if handed_late:
            return late
        # Handed in, or on time and returned since: not 逾期 (accounts.workflow.met_deadline).
        if not owed or met_deadline(status, handed_late, handed_at):
            return ""
        return overdue if periods.past_deadline(policy, due, start, today) else ""

    # Seconded out for the whole month (quarter): nothing asked of it, as on the page (the few away,
    # read once: not a subquery for each of 100 000 rows).
    away_month = seconded_ids(organisation_id=policy.organisation_id, period=period)
    away_quarter = seconded_ids(organisation_id=policy.organisation_id, period=period.quarter)
    for row in values.iterator(chunk_size=CHUNK):
        department, number, full_name, username, summary, summary_late, targets, targets_late, start, pk, *handed = row
        summary_due = periods.is_due_for(period, start) and pk not in away_month
        targets_due = periods.is_due_for(period.quarter, start) and pk not in away_quarter
        summary_label = labels.get(summary) or review.roster_status_label(summary)
        targets_label = labels.get(targets) or review.roster_status_label(targets)
        # Not handed in (none, a draft, returned) and not asked: 无需填报, as the page says it.
        if summary not in HANDED_IN_STATUSES and not summary_due:
            summary_label = not_due
        elif summary is None and not_started:
            summary_label = not_yet
        if targets not in HANDED_IN_STATUSES and not targets_due:
            targets_label = not_due
        elif targets is None and quarter_not_started:
            targets_label = not_yet
        yield [
            department or "",
            number,
            full_name or username,
            summary_label,
            badge(summary_late, summary, period, start, summary_due, handed[0]),
            targets_label,
            badge(targets_late, targets, period.quarter, start, targets_due, handed[1]),
        ]


def roster_workbook(target: str | IO[bytes], *, people: QuerySet[User], year: int, month: int, policy: Policy) -> int:
    """Write the roster of ``people`` to ``target`` (a path or a binary file) in openpyxl's write-only
    mode: memory stays flat however many people there are. Returns the rows written."""
    workbook = Workbook(write_only=True)
    sheet = new_sheet(workbook, _("%(year)s年%(month)s月") % {"year": year, "month": month})
    written = write_table(sheet, roster_headers(), roster_sheet_rows(people, year=year, month=month, policy=policy))
    workbook.save(target)
    return written


def roster_file(
    *, viewer: User, year: int, month: int, department_id: int | None = None, show: str = ""
) -> jobs.JobFile:
    """The roster workbook as ``viewer``'s roster page shows it now (their departments only), in an
    anonymous temporary file, rewound: the caller streams it (FileResponse) or stores it (a job)."""
    people = review.roster_people(viewer=viewer, year=year, month=month, department_id=department_id, show=show)
    # Not a with block: the file outlives this function (FileResponse or the job's storage closes it).
    handle = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        policy = policy_for_organisation(organisation_id=viewer.organisation_id)
        roster_workbook(handle, people=people, year=year, month=month, policy=policy)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return jobs.JobFile(content=handle, name=roster_filename(year=year, month=month), content_type=XLSX)


def roster_export_request(
    *, viewer: User, year: int, month: int, department_id: int | None = None, show: str = ""
) -> Job:
    """The 导出 Excel button: a background job that builds :func:`roster_file` for ``viewer``."""
    if not viewer.has_perm("summaries.view_roster"):
        raise PermissionDenied(_("您无权查看提交情况。"))
    return jobs.job_request(
        kind=ROSTER_EXPORT,
        organisation=viewer.organisation,
        params={"year": year, "month": month, "department": department_id, "show": show, **jobs.for_the_reader()},
        requested_by=viewer,
    )


def _roster_page(job: Job) -> str:
    params = {
        key: value for key, value in job.params.items() if value not in (None, "") and key != jobs.READER_LANGUAGE
    }
    return f"{reverse('roster')}?{urlencode(params)}"


# Others follow a roster export only if they see every department's roster anyway (HR, the agency
# head): a department head's permission to see the roster covers their own departments, not a
# whole-organisation workbook someone else asked for.
@jobs.kind(ROSTER_EXPORT, gettext_lazy("提交情况导出"), "summaries.view_every_roster", return_url=_roster_page)
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
    with jobs.in_readers_language(job):
        result = roster_file(
            viewer=viewer,
            year=int(params["year"]),
            month=int(params["month"]),
            department_id=int(params["department"]) if params.get("department") else None,
            show=str(params.get("show") or ""),
        )
    # Done, with its 下载结果 button: no closing message, which would stay in the language it ran in
    # (a worker's, Chinese) under the reader's 已完成 (a user test read it in the English UI).
    return result
