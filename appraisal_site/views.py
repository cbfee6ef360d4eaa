"""The role-aware home page and the health check: the composition root reads every app."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Count, Q
from django.db.utils import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.defaults import server_error as django_server_error

from accounts import audit, jobs, periods, selectors
from accounts.decorators import permission_required
from accounts.models import AuditEntry, Department, Role, User
from accounts.pages import int_param
from accounts.selectors import participants_of, policy_for_organisation
from evaluations.discipline.selectors import open_compliance_alerts
from evaluations.grading import selectors as grading_selectors

from . import dashboards
from .celery import app
from .dashboards import dashboard_for
from .todos import OwnPeriod, own_period, todos_for


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The role-aware home page: one panel per role the person holds."""
    user = request.user
    ctx: dict = {"roles": [Role(r).label for r in Role.values if r in user.roles]}
    if user.has_perm("accounts.see_appraisal_content"):
        if user.department_id:
            # The person's department, which the page names, with its head and leader, one of
            # whom is the evaluator: one query, not one for the department and one for the evaluator.
            user.department = Department.objects.select_related("head", "supervising_leader").get(pk=user.department_id)
        # Only for someone appraised routinely: a public-welfare worker writes no targets and has
        # no quarterly grade, and read an evaluator they do not have (a user test).
        if user.has_perm("targets.write_targets"):
            ctx["evaluator"] = selectors.evaluator_of(person=user)
            ctx["quarter_graders"] = grading_selectors.quarter_graders_other_than(
                person=user, evaluator_id=ctx["evaluator"].pk if ctx["evaluator"] else None
            )
        # The active departments the person heads and supervises, read once for both panels.
        scope = selectors.review_scope(person=user, active_only=True)
        ctx["evaluatees"] = list(selectors.evaluatees_of(person=user, scope=scope)[:50])
        ctx["supervised_departments"] = (
            list(
                Department.objects.filter(pk__in=scope.supervised)
                .select_related("head")
                .annotate(staff_count=Count("members", filter=Q(members__is_active=True)))
            )
            if scope.supervised
            else []
        )
    today = periods.today()
    own = None
    # A public-welfare worker has no targets or monthly summaries: no panel of them either.
    if user.has_perm("targets.write_targets"):
        own = own_period(user, today=today, policy=policy_for_organisation(organisation_id=user.organisation_id))
    ctx.update(_work_panels(user, own))
    ctx["todos"] = todos_for(user, today=today, own=own)
    if user.has_perm("summaries.use_review_inbox"):
        # The review panel's number is the review to-do's count (counted once, in todos_for).
        ctx["waiting_count"] = next((todo.count for todo in ctx["todos"] if todo.key == "review"), 0)
    if user.has_perm("evaluations.approve_quarter") and user.organisation_id:
        # The agency head approves and decides: where the quarter and the year stand, at a glance.
        ctx["agency_progress"] = dashboards.agency_progress(organisation_id=user.organisation_id)
    if user.has_perm("accounts.manage_staff") and user.organisation_id:
        ctx["organisation_counts"] = {
            "departments": Department.objects.filter(organisation_id=user.organisation_id, is_active=True).count(),
            # The staff list's 在职 (every active account), and of them who take part in routine
            # appraisal (graded every quarter): the numbers of the staff and quarters pages, one query.
            **User.objects.filter(organisation_id=user.organisation_id, is_active=True).aggregate(
                staff=Count("pk"),
                participants=Count("pk", filter=Q(pk__in=participants_of(organisation=user.organisation).values("pk"))),
            ),
        }
        if settings.CELERY_BROKER_URL:
            # Those who ask for roll-ups and exports, and who run the system, see that the background
            # worker has stopped (its heartbeat, as /healthz reads it): their jobs would only wait.
            state = jobs.worker_state()
            ctx["worker_silent"] = None if state.running else {"since": state.last_seen}
    if user.has_perm("accounts.view_audit_log"):
        ctx["recent_audit"] = list(
            AuditEntry.objects.filter(organisation_id=user.organisation_id).select_related("actor", "content_type")[:10]
        )
        # Named as on the audit page (人员：张三, 季度等次：张三 · 2026年第3季度), a query per kind.
        audit.prefetch_related_labels(ctx["recent_audit"])
    return render(request, "accounts/home.html", ctx)


def _work_panels(user: User, own: OwnPeriod | None) -> dict:
    """This period's own targets and summary, what waits for review, and months short of inspections."""
    panels: dict = {}
    if own is not None:
        # The month actually due first: on 1 December a November draft (due 5 December) comes first.
        panels["my_period"] = {
            "year": own.quarter.year,
            "quarter": own.quarter.quarter,
            "month": own.due.month,
            "summary_deadline": own.due.deadline,
            "target_set": own.target_set,
            "summary": own.due.summary,
            # Said as the targets and summaries pages say it: a newcomer's first period may ask nothing.
            "target_due": own.target_due,
            "summary_due": own.summary_due,
            # Seconded out, and so asked nothing of this period or of last month: the panel says why
            # (无需提交 alone read as a fault).
            "seconded": own.seconded,
        }
    if user.has_perm("evaluations.see_inspection_alerts") and user.organisation_id:
        panels["compliance_alerts"] = open_compliance_alerts(organisation_id=user.organisation_id)
    return panels


@permission_required("publicity.view_dashboard")
@require_safe
def dashboard(request: HttpRequest) -> HttpResponse:
    """The year's figures (appraisal_site.dashboards): charts drawn by static/js/dashboard.js from
    the json_script data, each with the same numbers as a table beneath it."""
    at_work = periods.quarter_at_work()
    year = int_param(request, "year", at_work.year, range(2000, 2101))
    default_quarter = dashboards.dashboard_default_quarter(user=request.user, year=year) or (
        at_work.quarter if year == at_work.year else 4
    )
    quarter = int_param(request, "quarter", default_quarter, range(1, 5))
    board = dashboard_for(
        user=request.user,
        year=year,
        quarter=quarter,
        policy=policy_for_organisation(organisation_id=request.user.organisation_id),
    )
    return render(
        request,
        "appraisal_site/dashboard.html",
        {
            "board": board,
            "chart_data": [chart.as_json() for chart in board.charts],
            "years": list(range(periods.today().year, periods.today().year - 6, -1)),
            "quarters": (1, 2, 3, 4),
            "rotation_rho": dashboards.ROTATION_RHO_BELOW,
            "rotation_turns": dashboards.ROTATION_TURNS_AT_LEAST,
        },
    )


HEALTHZ_BROKER_TIMEOUT = 0.3  # seconds


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, broker and worker status for the load balancer: 503 when the database is
    unreachable. With a broker, ``worker`` says whether a Celery worker's heartbeat was seen lately
    (accounts.jobs.worker_status): a stopped worker reads ``silent for N s`` while the site still
    serves (200), jobs waiting until one is back."""
    status = {"database": "ok", "broker": "eager"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 — any database failure means unhealthy
        status["database"] = f"error: {exc.__class__.__name__}"
        code = 503
    if settings.CELERY_BROKER_URL:
        # One attempt with a short socket timeout: the answer comes within half a second even when
        # the broker is down or its address swallows packets.
        try:
            with app.connection_for_write(
                settings.CELERY_BROKER_URL,
                connect_timeout=HEALTHZ_BROKER_TIMEOUT,
                transport_options={
                    "socket_timeout": HEALTHZ_BROKER_TIMEOUT,
                    "socket_connect_timeout": HEALTHZ_BROKER_TIMEOUT,
                },
            ) as conn:
                conn.ensure_connection(max_retries=0, timeout=HEALTHZ_BROKER_TIMEOUT)
            status["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001 — tasks wait in the queue; the site still serves
            status["broker"] = f"error: {exc.__class__.__name__}"
        if code == 200:
            try:
                status["worker"] = jobs.worker_status()
            except DatabaseError as exc:  # the heartbeats' table not migrated yet: still JSON, still 200
                status["worker"] = f"error: {exc.__class__.__name__}"
    return JsonResponse(status, status=code)


# --- Error pages -----------------------------------------------------------

# Seconds a client is asked to wait before trying again while the database is away (a restart
# takes a few seconds; the next request reconnects: CONN_HEALTH_CHECKS).
DATABASE_RETRY_AFTER = 10


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database that went away (restarted, unreachable, a connection cut mid-request)
    answers 503 with a page saying that nothing was saved and to try again shortly; anything else,
    the plain 500 page. Both without a query and without a traceback (the log has it: django.request).

    Services run in one transaction (@transaction.atomic), so a statement that failed because the
    server went away leaves nothing half-written: the transaction never committed.
    """
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        # Rendered without the request: no context processor may query the missing database.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    try:
        return django_server_error(request)
    except Exception:  # noqa: BLE001 — the error page itself must not fail
        return HttpResponseServerError("<h1>Server Error (500)</h1>")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a form whose token no longer matches (left open while its person
    signed in again elsewhere, or kept from before a sign-out) gets the site's page in plain Chinese
    with the way back and what to do, not Django's bare page that speaks of DEBUG (a security test).
    Nothing was saved; the reason goes to the log, not to the page."""
    referer = request.headers.get("referer", "")
    ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return render(request, "403_csrf.html", {"back_url": referer if ours else None}, status=403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: the page says that the record may have been deleted (in another tab, or by
    someone else) and leads back to the page the user came from when that is one of ours."""
    referer = request.headers.get("referer", "")
    ours = url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    back_url = referer if ours and urlsplit(referer).path != request.path else None
    return render(request, "404.html", {"back_url": back_url}, status=404)
