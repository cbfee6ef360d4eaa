"""The welfare room's background-job kind (accounts.jobs): the results workbook."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs
from accounts.models import Job
from accounts.pages import XLSX

from .exports import results_workbook

RESULTS_EXPORT = "evaluations.welfare_results"


@jobs.kind(
    RESULTS_EXPORT, gettext_lazy("公益性岗位考核结果导出"), "evaluations.view_welfare", ("evaluations:welfare", "year")
)
def run_results_export(job: Job, report: jobs.Report) -> jobs.JobFile:
    """The year's results workbook; the right is checked again when the job runs."""
    requested_by = job.requested_by
    if requested_by is None or not requested_by.has_perm("evaluations.view_welfare"):
        raise jobs.JobError(_("无权导出公益性岗位考核结果。"))
    year = int(job.params["year"])
    report(10, _("正在生成"))
    with jobs.in_readers_language(job):
        content = results_workbook(organisation_id=job.organisation_id, year=year)
        name = _("%(year)s年度公益性岗位考核结果.xlsx") % {"year": year}
    return jobs.JobFile(content=content, name=name, content_type=XLSX)
