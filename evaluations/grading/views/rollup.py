"""HR's roll-up pages: the quarters with their last roll-up, a job's progress (JSON), the results."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import IntegerField, OuterRef, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import jobs, listing
from accounts import views as job_views
from accounts.decorators import permission_required
from accounts.models import Job
from accounts.pagination import page_of, query_without_page

from .. import lists
from ..models import AppraisalQuarter
from ..services import rollup as services

PAGE_SIZE = 50


def _get_quarter_for_user(request: HttpRequest, pk: int) -> AppraisalQuarter:
    """A quarter of the signed-in person's organisation; another organisation's pk is a 404."""
    return get_object_or_404(AppraisalQuarter, pk=pk, organisation_id=request.user.organisation_id)


@permission_required("evaluations.run_rollup")
def rollup_list(request: HttpRequest) -> HttpResponse:
    """The organisation's quarters, their last roll-up and latest roll-up job, and a button to run one."""
    # The job names its quarter in its params; the key is cast so the comparison is the same on
    # SQLite and PostgreSQL.
    latest = (
        Job.objects.filter(kind=services.ROLLUP_QUARTER, organisation_id=OuterRef("organisation_id"))
        .annotate(quarter_id=Cast(KeyTextTransform("appraisal_quarter", "params"), IntegerField()))
        .filter(quarter_id=OuterRef("pk"))
        .order_by("-created_at", "-pk")
    )
    quarters = (
        AppraisalQuarter.objects.filter(organisation_id=request.user.organisation_id)
        .annotate(
            job_id=Subquery(latest.values("pk")[:1]),
            job_state=Subquery(latest.values("state")[:1]),
            job_progress=Subquery(latest.values("progress")[:1]),
            job_message=Subquery(latest.values("message")[:1]),
            job_error=Subquery(latest.values("error")[:1]),
            job_summary=Subquery(latest.values("summary")[:1]),
        )
        .order_by("-year", "-quarter")
    )
    rows = list(quarters)
    states = dict(Job.State.choices)
    for row in rows:
        row.job_state_label = states.get(row.job_state, "")
        row.job_active = row.job_state in (Job.State.PENDING, Job.State.RUNNING)
        # A failed job explains itself in its error; a pending one whose enqueue failed, in its message.
        row.job_text = (
            row.job_error
            if row.job_state == Job.State.FAILED
            else jobs.job_message(
                kind=services.ROLLUP_QUARTER, state=row.job_state, message=row.job_message, summary=row.job_summary
            )
        )
    return render(request, "evaluations/rollup/list.html", {"quarters": rows})


@require_POST
@permission_required("evaluations.run_rollup")
def rollup_run(request: HttpRequest, pk: int) -> HttpResponse:
    appraisal_quarter = _get_quarter_for_user(request, pk)
    job = services.rollup_job_request(appraisal_quarter=appraisal_quarter, actor=request.user)
    # Without a broker the job has already run by now; with one it is queued (or waiting for
    # the sweeper when the broker could not be reached).
    job.refresh_from_db()
    if job.state == Job.State.PENDING and job.message:
        messages.warning(request, job.message)
    elif job.state == Job.State.FAILED:
        messages.error(request, job.error)
    elif job.state == Job.State.DONE:
        messages.success(request, job.message)
    else:
        messages.info(request, _("已提交汇总任务。"))
    return redirect("evaluations:rollup")


@never_cache
@permission_required("evaluations.run_rollup")
def rollup_job(request: HttpRequest, pk: int) -> JsonResponse:
    """A roll-up job's status, polled by static/js/rollup.js: the background job's own status JSON."""
    get_object_or_404(Job, pk=pk, kind=services.ROLLUP_QUARTER, organisation_id=request.user.organisation_id)
    return job_views.job_status(request, pk)


@permission_required("evaluations.run_rollup")
def rollup_results(request: HttpRequest, pk: int) -> HttpResponse:
    """The department stats and the person rows (paginated) of a rolled-up quarter."""
    appraisal_quarter = _get_quarter_for_user(request, pk)
    department_stats = lists.department_stats(appraisal_quarter)
    results, sorting = lists.rollup_results(appraisal_quarter, request.GET)
    page = page_of(request, results, PAGE_SIZE)
    for row in page:
        row.flag_labels = [services.FLAG_LABELS.get(flag, flag) for flag in row.flags]
    return render(
        request,
        "evaluations/rollup/results.html",
        {
            "appraisal_quarter": appraisal_quarter,
            "department_stats": department_stats,
            "page": page,
            "sorting": sorting,
            "query": query_without_page(request.GET),
        },
    )


# 导出Excel: the quarter's person rows in the page's sort (another organisation's quarter is a 404).
rollup_export = listing.export_view(lists.ROLLUP_EXPORT)
