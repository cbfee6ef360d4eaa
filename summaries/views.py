from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from accounts import periods
from accounts.audit import record_event
from accounts.decorators import permission_required
from accounts.formerrors import error_text
from accounts.formparts import posted_version
from accounts.models import Department
from accounts.pages import confirm_page, confirm_then, review_decision, stored_file_download, visible_or_404
from accounts.pagination import query_without, query_without_page
from accounts.selectors import policy_for_organisation
from accounts.storage import SizeLimitedUploadHandler, body_too_large, own_body_limit
from accounts.view_access import reviewable_or_403
from accounts.workflow import review_history

from . import exports, reminders, review, selectors, services
from .filters import InboxFilter
from .forms import AttachmentForm, BulkApproveConfirmForm, ReturnForm, SummaryTextForm
from .models import MonthlySummary, SummaryAttachment, SummaryConflictCopy


def _get_summary_for_user(request: HttpRequest, pk: int) -> MonthlySummary:
    """A summary the signed-in person may see; anyone else gets a 404, not a 403, so the ids of
    other people's summaries are not confirmed to exist."""
    summaries = MonthlySummary.objects.select_related("owner__department", "department", "organisation", "reviewer")
    return visible_or_404(request, lambda: summaries.get(pk=pk), perm="summaries.view_summary")


def _get_editable_summary(request: HttpRequest, pk: int) -> MonthlySummary:
    summary = _get_summary_for_user(request, pk)
    if summary.owner_id != request.user.pk:
        raise Http404
    return summary


def _text_form(summary: MonthlySummary, data=None) -> SummaryTextForm:
    return SummaryTextForm(data, progress=selectors.progress_rows(summary=summary), initial=_initial(summary))


def _refused_form(summary: MonthlySummary, posted, refused: ValidationError) -> SummaryTextForm:
    """The text as posted (already saved, so on the new version) with the refusal on its first field."""
    data = posted.copy()
    data["version"] = summary.version
    form = _text_form(summary, data)
    form.is_valid()
    first = form.note_fields()[0][1].name if form.progress else "other_work"
    form.add_error(first, refused)
    # The page takes the refusal away once any field holds text (static/js/app.js, data-until-filled).
    form.empty_refusal_on = first
    return form


def _save_text(request: HttpRequest, summary: MonthlySummary, form: SummaryTextForm) -> MonthlySummary:
    """Save the posted text (the page's 保存 and the autosave alike); raises SummaryConflict for a
    page based on an older version."""
    return services.summary_autosave(
        summary=summary,
        actor=request.user,
        based_on_version=form.cleaned_data["version"],
        text=form.text(),
        **form.writer(),
    )


def _initial(summary: MonthlySummary) -> dict:
    return {
        "version": summary.version,
        "other_work": summary.other_work,
        "problems": summary.problems,
        "next_month_plan": summary.next_month_plan,
    }


def _conflict_context(summary: MonthlySummary, conflict: services.SummaryConflict) -> dict:
    server = conflict.summary
    return {
        "conflict": {
            "message": conflict.messages[0],
            "server": server,
            "server_notes": selectors.progress_rows(summary=server),
            "copy_url": reverse("summaries:conflict_copy", args=[summary.pk, conflict.copy.pk])
            if conflict.copy
            else "",
        }
    }


# --- List and start ------------------------------------------------------------------


@permission_required("summaries.write_own_summary")
def summary_list(request: HttpRequest) -> HttpResponse:
    """My summaries: the months of a year with their status, and "write this month's"."""
    today = periods.today()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), today.year)
    # A newcomer's own start (入职、调入) stands in for the organisation's.
    policy = periods.person_policy(policy_for_organisation(organisation_id=request.user.organisation_id), request.user)
    rows = selectors.summary_months(owner=request.user, year=year, today=today, policy=policy)
    before = selectors.months_before_start(rows)
    return render(
        request,
        "summaries/summary_list.html",
        {
            # Two months or more before the start are one line (1月–11月), a single one its own row.
            "rows": rows[len(before) :] if len(before) > 1 else rows,
            "before_start": {"first": before[0], "last": before[-1]} if len(before) > 1 else None,
            "year": year,
            "today": today,
            "previous_year": year - 1,
            "next_year": year + 1 if year < today.year else None,
            "current": next((row for row in rows if row.is_current), None),
            # The year's rows hold this month's and last month's summaries, but in January.
            "due": selectors.summary_month_due(
                owner=request.user, today=today, policy=policy, known={(year, row.month): row.summary for row in rows}
            ),
        },
    )


@login_required
@require_POST
@permission_required("summaries.write_own_summary")
def summary_start(request: HttpRequest) -> HttpResponse:
    """Open (creating if needed) a month's summary; this month's unless another is named."""
    today = periods.today()
    try:
        year = int(request.POST.get("year", today.year))
        month = int(request.POST.get("month", today.month))
    except ValueError:
        year, month = today.year, today.month
    try:
        summary = services.summary_get_or_create(owner=request.user, year=year, month=month)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("summaries:list")
    return redirect("summaries:detail", pk=summary.pk)


# --- One summary ---------------------------------------------------------------------


@never_cache
@login_required
def summary_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """View a summary; its owner edits it here while it is a draft or returned.

    The plain form carries the version it was based on, like the autosave requests, so a stale
    page cannot overwrite newer text either.
    """
    summary = _get_summary_for_user(request, pk)
    can_edit = request.user.has_perm("summaries.change_summary", summary)
    ctx: dict = {"summary": summary, "can_edit": can_edit, "status": 200}
    form = None
    if request.method == "POST":
        if summary.owner_id != request.user.pk:
            raise PermissionDenied
        form = _text_form(summary, request.POST)
        if form.is_valid():
            refused = None
            try:
                # For a locked summary this raises SummaryConflict and keeps the typed text.
                summary = _save_text(request, summary, form)
                if request.POST.get("action") == "submit":
                    summary = services.summary_submit(summary=summary, actor=request.user)
                    messages.success(request, _("小结已提交，等待审核。"))
                elif summary.is_editable:
                    messages.success(request, _("已保存。"))
                return redirect("summaries:detail", pk=summary.pk)
            except services.SummaryConflict as conflict:
                ctx.update(_conflict_context(summary, conflict))
                ctx["status"] = 409
            except ValidationError as exc:
                refused = exc
            summary = _get_summary_for_user(request, pk)
            can_edit = request.user.has_perm("summaries.change_summary", summary)
            ctx["can_edit"] = can_edit
            form = None
            if refused is not None and getattr(refused, "code", None) == "empty" and can_edit:
                # Nothing written: say so at the first field, where the page puts the keyboard.
                form = _refused_form(summary, request.POST, refused)
            elif refused is not None:
                messages.error(request, error_text(refused))
        elif not can_edit:
            form = None
    if can_edit and form is None:
        form = _text_form(summary)
    return _detail_page(request, summary, form=form, ctx=ctx)


def _detail_page(request: HttpRequest, summary: MonthlySummary, *, form, ctx: dict, return_form=None) -> HttpResponse:
    """The summary's page: ``form`` the owner's text form (None when they cannot edit), ``ctx``
    what the caller already knows (can_edit, status, a conflict), ``return_form`` a refused return."""
    policy = policy_for_organisation(organisation_id=summary.organisation_id)
    can_edit = ctx["can_edit"]
    can_review = summary.status == "submitted" and request.user.has_perm("summaries.review_summary", summary)
    ctx.update(
        {
            "summary": summary,
            "form": form,
            "progress": selectors.progress_rows(summary=summary),
            "attachments": list(summary.attachments.all()),
            "attachment_form": AttachmentForm() if can_edit else None,
            "max_mb": policy.attachment_max_mb,
            "max_bytes": services.attachment_limit(policy),
            "can_review": can_review,
            # Approved also once its quarter is closed, never returned then (the service refuses).
            "closed": can_review and periods.is_period_locked(summary.organisation_id, summary.period.quarter),
            "return_form": return_form or ReturnForm(),
            "is_owner": summary.owner_id == request.user.pk,
            # Why the owner's draft of a month they did not owe offers no form (a newcomer's month).
            "not_owed": (
                selectors.month_not_owed(owner=summary.owner, period=summary.period)
                if summary.owner_id == request.user.pk and summary.is_editable
                else ""
            ),
            "missing_items": selectors.summary_missing_target_items(summary=summary) if can_edit else 0,
            # No target set of the quarter at all: the owner is sent to write it first (a user test's
            # staff, their targets overdue, read only "本季度暂无目标事项").
            "targets_missing": can_edit and not selectors.quarter_targets_exist(summary=summary),
            "submit_question": (
                selectors.early_submission_question(summary=summary, today=periods.today()) if can_edit else ""
            ),
            "review_history": review_history(summary),
            # The owner's text kept from refused saves, to be found again after the alert is gone.
            "conflict_copies": (
                list(summary.conflict_copies.filter(author=request.user).only("pk", "created_at")[:10])
                if summary.owner_id == request.user.pk
                else []
            ),
        }
    )
    return render(request, "summaries/summary_detail.html", ctx, status=ctx.pop("status"))


@login_required
@require_POST
def summary_autosave(request: HttpRequest, pk: int) -> JsonResponse:
    """The autosave endpoint: 200 with the new version, or 409 with the server's text when the
    page was based on an older version (the posted text is kept as a conflict copy)."""
    summary = _get_editable_summary(request, pk)
    form = _text_form(summary, request.POST)
    if not form.is_valid():
        return JsonResponse({"ok": False, "errors": form.errors.get_json_data()}, status=400)
    try:
        summary = _save_text(request, summary, form)
    except services.SummaryConflict as conflict:
        server = conflict.summary
        return JsonResponse(
            {
                "ok": False,
                "conflict": True,
                "message": conflict.messages[0],
                "version": server.version,
                "status": server.status,
                "server": {
                    "other_work": server.other_work,
                    "problems": server.problems,
                    "next_month_plan": server.next_month_plan,
                    "notes": [
                        {"item": row.wording, "note": row.note} for row in selectors.progress_rows(summary=server)
                    ],
                },
                "copy_url": reverse("summaries:conflict_copy", args=[summary.pk, conflict.copy.pk]),
            },
            status=409,
        )
    saved_at = timezone.localtime(summary.updated_at, services.CHINA)
    return JsonResponse({"ok": True, "version": summary.version, "saved_at": saved_at.strftime("%H:%M:%S")})


@login_required
def conflict_copy(request: HttpRequest, pk: int, copy_pk: int) -> HttpResponse:
    """Text a stale page tried to save, kept for its author to copy back."""
    summary = _get_editable_summary(request, pk)
    copy = get_object_or_404(SummaryConflictCopy, pk=copy_pk, summary=summary, author=request.user)
    labels = {str(row.pk): row.wording for row in selectors.progress_rows(summary=summary)}
    notes = [(labels.get(key, _("（已删除的事项）")), note) for key, note in copy.payload.get("notes", {}).items()]
    return render(request, "summaries/conflict_copy.html", {"summary": summary, "copy": copy, "notes": notes})


@login_required
@require_POST
def summary_review(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer approves, or returns with a reason."""
    summary = reviewable_or_403(request, _get_summary_for_user(request, pk), "summaries.review_summary")

    def refused(form) -> HttpResponse:
        # Said under the reason's box, where the page puts the keyboard, as on a target set's page.
        can_edit = request.user.has_perm("summaries.change_summary", summary)
        text_form = _text_form(summary) if can_edit else None
        return _detail_page(
            request, summary, form=text_form, ctx={"can_edit": can_edit, "status": 400}, return_form=form
        )

    return review_decision(
        request,
        summary,
        # The version the reviewer read: a summary returned in another tab and handed in again since
        # is refused with what became of it, not approved unread (a user test).
        approve=lambda: services.summary_approve(
            summary=summary, actor=request.user, version=posted_version(request.POST)
        ),
        return_=lambda reason: services.summary_return(
            summary=summary, actor=request.user, reason=reason, version=posted_version(request.POST)
        ),
        return_form=ReturnForm,
        refused=refused,
        approved=_("已审核通过。"),
        returned=_("已退回。"),
    )


# --- Attachments ---------------------------------------------------------------------


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _upload_answer(request: HttpRequest, summary: MonthlySummary, *, ok: bool, message: str, status: int = 200):
    """The page's script gets JSON with the refreshed list (the page is not reloaded, so text typed
    meanwhile stays, and the autosave version is untouched); a plain form gets a redirect."""
    if _wants_json(request):
        html = render_to_string(
            "summaries/_attachment_list.html",
            {"summary": summary, "attachments": list(summary.attachments.all()), "can_edit": True},
            request=request,
        )
        return JsonResponse({"ok": ok, "message": message, "html": html}, status=status)
    # Tagged so the page shows it next to the file field (summary_detail.html), not at the top.
    (messages.success if ok else messages.error)(request, message, extra_tags="attachment")
    return redirect("summaries:detail", pk=summary.pk)


@own_body_limit
@csrf_exempt  # checked in _attachment_receive, after the size: checking it first reads the body
@login_required
@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attach a file. An oversized body is refused on its Content-Length before a byte of it is
    read (413); one without an honest length is cut off at the policy's limit by the upload handler."""
    summary = _get_editable_summary(request, pk)
    policy = policy_for_organisation(organisation_id=summary.organisation_id)
    limit = services.attachment_limit(policy)
    if body_too_large(request, limit):
        return _upload_answer(
            request, summary, ok=False, message=services.attachment_too_large_message(policy), status=413
        )
    handler = SizeLimitedUploadHandler(request, limit=limit)
    request.upload_handlers.insert(0, handler)
    return _attachment_receive(request, summary, handler, policy)


@csrf_protect
def _attachment_receive(request, summary, handler, policy) -> HttpResponse:
    form = AttachmentForm(request.POST, request.FILES)
    if handler.too_large:
        return _upload_answer(
            request, summary, ok=False, message=services.attachment_too_large_message(policy), status=413
        )
    if not form.is_valid():
        return _upload_answer(request, summary, ok=False, message=_("请选择要上传的文件。"), status=400)
    try:
        attachment = services.summary_attachment_add(
            summary=summary, actor=request.user, uploaded=form.cleaned_data["file"]
        )
    except ValidationError as exc:
        return _upload_answer(request, summary, ok=False, message=error_text(exc), status=400)
    message = _("附件“%(name)s”已上传。") % {"name": attachment.original_name}
    return _upload_answer(request, summary, ok=True, message=message)


@never_cache
@login_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    """Evidence files are served only here, to people who may see the summary."""
    summary = _get_summary_for_user(request, pk)
    attachment = get_object_or_404(SummaryAttachment, pk=attachment_pk, summary=summary)
    return stored_file_download(
        request,
        attachment.file,
        obj=attachment,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@login_required
def attachment_delete(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    summary = _get_editable_summary(request, pk)
    attachment = get_object_or_404(SummaryAttachment, pk=attachment_pk, summary=summary)
    return confirm_then(
        request,
        act=lambda: services.summary_attachment_delete(attachment=attachment, actor=request.user),
        success=_("附件“%(name)s”已删除。") % {"name": attachment.original_name},
        back_url=reverse("summaries:detail", args=[summary.pk]),
        title=_("删除附件"),
        message=_("确定删除附件“%(name)s”吗？") % {"name": attachment.original_name},
        confirm_label=_("确定删除"),
    )


# --- Review inbox and roster ----------------------------------------------------------------


@never_cache
@permission_required("summaries.use_review_inbox")
def review_inbox(request: HttpRequest) -> HttpResponse:
    """Everything waiting for the signed-in reviewer, every kind, oldest first."""
    querysets = review.inbox_querysets(reviewer=request.user)
    departments = Department.objects.filter(
        Q(head=request.user) | Q(supervising_leader=request.user), is_active=True
    ).order_by("sort_order", "code")
    filters = {kind: InboxFilter(request.GET, queryset=qs, departments=departments) for kind, qs in querysets.items()}
    form = filters[review.TARGETS].form
    kind = request.GET.get("kind") if form.is_valid() else ""
    shown = {k: f.qs for k, f in filters.items() if not kind or k == kind}
    sort = request.GET.get("sort", review.DEFAULT_INBOX_SORT)
    if sort not in review.INBOX_SORTS:
        sort = review.DEFAULT_INBOX_SORT
    page = review.inbox_page(querysets=shown, sort=sort, number=request.GET.get("page"))
    without_sort = request.GET.copy()
    without_sort.pop("sort", None)
    return render(
        request,
        "summaries/review_inbox.html",
        {
            "page": page,
            "filter_form": form,
            "query": query_without_page(request.GET),
            "sort": sort,
            "sort_query": query_without_page(without_sort),
            "return_form": ReturnForm(),
        },
    )


def _back_to_inbox(request: HttpRequest) -> str:
    """The inbox as the reviewer left it (its filters, sort and page, posted back as ``back``), so
    deciding some items keeps the list they were working through."""
    query = QueryDict(request.POST.get("back", "")).urlencode()
    return f"{reverse('review')}?{query}" if query else reverse("review")


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required("summaries.use_review_inbox")
def review_decide(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # The batch approval's confirmation posts here, so Back, the history or a bookmark brings
        # the address back as a GET: it goes to the inbox to decide again, and never writes.
        return redirect("review")
    refs = list(dict.fromkeys(request.POST.getlist("items")))
    back = _back_to_inbox(request)
    approve = request.POST.get("action") == "approve"
    if not refs:
        messages.error(request, _("请先勾选要审核的事项。"))
        return redirect(back)
    if approve and (len(refs) > 1 or "bulk" in request.POST) and request.POST.get("confirm") != "1":
        # Approving several at once is asked once more, with the list, whatever the browser did;
        # so is the bulk button with one ticked (a row's own 通过 is the one-click approval). What
        # was decided since the inbox was drawn (another tab) is said apart and not asked about.
        described = review.describe_refs(actor=request.user, refs=refs)
        notes = []
        if described.decided:
            notes.append(
                ngettext(
                    "以下%(n)s项已不在待审核状态（可能已在另一个窗口处理），不再处理：%(items)s",
                    "以下%(n)s项已不在待审核状态（可能已在另一个窗口处理），不再处理：%(items)s",
                    len(described.decided),
                )
                % {"n": len(described.decided), "items": "；".join(described.decided)}
            )
        if described.changed:
            # Returned in another tab and handed in again: what would be approved is not what was listed.
            notes.append(
                ngettext(
                    "以下%(n)s项在您打开待审核列表后已重新提交，请打开查看后再审核：%(items)s",
                    "以下%(n)s项在您打开待审核列表后已重新提交，请打开查看后再审核：%(items)s",
                    len(described.changed),
                )
                % {"n": len(described.changed), "items": "；".join(described.changed)}
            )
        if not described.waiting:
            for note in notes:
                messages.info(request, note)
            return redirect(back)
        return confirm_page(
            request,
            title=_("批量通过"),
            message=_("确定通过所选的%(n)s项吗？通过后不能在此撤回。") % {"n": len(described.waiting)},
            detail="\n".join([*described.lines, *notes]),
            cancel_url=back,
            form=BulkApproveConfirmForm(initial={"items": described.waiting, "back": request.POST.get("back", "")}),
            confirm_label=_("确认通过"),
        )
    try:
        outcome = review.review_decide(
            actor=request.user, refs=refs, approve=approve, reason=request.POST.get("reason", "")
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect(back)
    if outcome.done:
        if approve:
            done_message = ngettext("已审核通过%(n)s项。", "已审核通过%(n)s项。", outcome.done)
        else:
            done_message = ngettext("已退回%(n)s项。", "已退回%(n)s项。", outcome.done)
        messages.success(request, done_message % {"n": outcome.done})
    for failure in outcome.failed:
        messages.error(request, failure)
    return redirect(back)


def _roster_params(request: HttpRequest) -> tuple[int, int, int | None, str]:
    opening = periods.roster_default_month(policy_for_organisation(organisation_id=request.user.organisation_id))
    try:
        year = int(request.GET.get("year") or opening.year)
        month = int(request.GET.get("month") or opening.month)
        department_id = int(request.GET["department"]) if request.GET.get("department") else None
    except ValueError as exc:
        raise Http404 from exc
    if not (1 <= month <= 12 and 2000 <= year <= 2100):
        raise Http404
    return year, month, department_id, request.GET.get("show", "")


@permission_required("summaries.view_roster")
def roster(request: HttpRequest) -> HttpResponse:
    """Who has not submitted, who is late, who was returned — for a month and its quarter."""
    year, month, department_id, show = _roster_params(request)
    departments = list(
        review.roster_departments(viewer=request.user, year=year, month=month).order_by("sort_order", "code")
    )
    by_department = department_id is not None
    # Only on opening (no department asked for): 全部, chosen in the form, still lists everyone.
    if (
        "department" not in request.GET
        and len(departments) > 1
        and review.roster_too_large_for_one_page(viewer=request.user, department_ids=[d.pk for d in departments])
    ):
        # A large organisation's roster opens on its first department and pages by department: the
        # whole organisation's counts were anti-joins over everyone (2.7 s at 100 000 people).
        department_id, by_department = departments[0].pk, True
    people = review.roster_people(viewer=request.user, year=year, month=month, department_id=department_id, show=show)
    counts = review.roster_counts(people, year=year, month=month)
    paginator = Paginator(people, 100)
    # The pager's count is the counts' total (the same people): the department is read once for
    # both, not once more for a COUNT (at 12 500 people in a department, a pass over them).
    paginator.count = counts["total"]
    page = paginator.get_page(request.GET.get("page"))
    policy = policy_for_organisation(organisation_id=request.user.organisation_id)
    today, period = periods.today(), periods.Month(year, month)
    page.object_list = review.roster_rows(page.object_list, year=year, month=month, policy=policy, today=today)
    before_start, quarter_before_start = not periods.is_due(policy, period), not periods.is_due(policy, period.quarter)
    # A month (a quarter) that has not begun asks nothing yet: its empty cells say 未到, the counts leave it out.
    not_started, quarter_not_started = not period.has_begun(today), not period.quarter.has_begun(today)
    position = next((i for i, d in enumerate(departments) if d.pk == department_id), None)
    return render(
        request,
        "summaries/roster.html",
        {
            "page": page,
            "year": year,
            "month": month,
            "quarter": periods.Month(year, month).quarter.quarter,
            "months": range(1, 13),
            "department_id": department_id,
            "show": show,
            "departments": departments,
            "previous_department": departments[position - 1] if by_department and position else None,
            "next_department": departments[position + 1]
            if by_department and position is not None and position + 1 < len(departments)
            else None,
            "query": query_without_page(request.GET),
            # The department pager's links keep the month and filter, and start at the first page.
            "department_query": query_without(QueryDict(query_without_page(request.GET)), "department"),
            "counts": counts,
            # A month (or its quarter) that ended before the organisation began in the system asked
            # nothing of anyone: its cells say so instead of 未提交.
            "before_start": before_start,
            "quarter_before_start": quarter_before_start,
            "not_started": not_started,
            "quarter_not_started": quarter_not_started,
            "summaries_counted": not (before_start or not_started),
            "targets_counted": not (quarter_before_start or quarter_not_started),
            # 催交 is offered while the counts show someone owing what may be urged: the month's summary
            # once its last day has come, the quarter's targets (summaries.reminders.roster_owing,
            # which checks again).
            "anyone_owing": (
                today >= period.last_day
                and not before_start
                and bool(counts["summary_missing"] + counts["summary_returned"])
            )
            or (not quarter_before_start and bool(counts["targets_missing"] + counts["targets_returned"])),
        },
    )


@permission_required("summaries.view_roster")
def roster_export(request: HttpRequest) -> FileResponse:
    """The roster workbook at once (a URL others link to); the page's button asks for a job instead."""
    year, month, department_id, show = _roster_params(request)
    workbook = exports.roster_file(viewer=request.user, year=year, month=month, department_id=department_id, show=show)
    record_event(
        event="export",
        obj=request.user.organisation,
        request=request,
        label=workbook.name,
        detail={"filters": request.GET.urlencode()},
    )
    # Streamed from the temporary file, which FileResponse closes (and so deletes) when sent.
    return FileResponse(
        workbook.content, as_attachment=True, filename=workbook.name, content_type=workbook.content_type
    )


@never_cache
@permission_required("summaries.view_roster")
def roster_urge(request: HttpRequest) -> HttpResponse:
    """催交: the roster's month and department (its query string), whoever owes the month's summary
    or the quarter's targets is told at once, after a confirmation that names them (a user test's
    HR chased them by WeChat: the roster listed them and offered nothing to do)."""
    year, month, department_id, _show = _roster_params(request)
    back = f"{reverse('roster')}?{query_without_page(request.GET)}"
    owing = reminders.roster_owing(viewer=request.user, year=year, month=month, department_id=department_id)
    title = _("催交")
    if not owing.people:
        return confirm_page(
            request,
            title=title,
            message=_("没有需要催交的人员：所列人员均已提交或无需填报。"),
            cancel_url=back,
            refused=True,
        )
    quarter = periods.Month(year, month).quarter.quarter
    lines = []
    for people, what in (
        (owing.summaries, _("%(year)s年%(month)s月工作小结") % {"year": year, "month": month}),
        (owing.targets, _("%(year)s年第%(q)s季度目标") % {"year": year, "q": quarter}),
    ):
        if people:
            names = "、".join(person.get_full_name() for person in people[:30])
            more = _("等%(n)s人") % {"n": len(people)} if len(people) > 30 else ""
            lines.append(
                _("%(what)s（%(n)s人）：%(names)s%(more)s")
                % {"what": what, "n": len(people), "names": names, "more": more}
            )
    return confirm_then(
        request,
        act=lambda: reminders.roster_urge(viewer=request.user, year=year, month=month, department_id=department_id),
        success=lambda run: (
            _("已发送催交提醒：月小结%(s)s人，季度目标%(t)s人（今天已提醒过的人不再重复发送）。")
            % {"s": run.summaries, "t": run.targets}
        ),
        back_url=back,
        title=title,
        message=_("将以您的名义向以下%(n)s人发送提醒（站内通知；留有电子邮箱的同时发送邮件），请其尽快提交：")
        % {"n": len(owing.people)},
        detail="\n".join(lines),
        confirm_label=_("发送提醒"),
    )


@require_POST
@permission_required("summaries.view_roster")
def roster_export_job(request: HttpRequest) -> HttpResponse:
    """导出 Excel: the roster's filters (in the query string) become an export job; its progress
    page offers the download."""
    year, month, department_id, show = _roster_params(request)
    job = exports.roster_export_request(
        viewer=request.user, year=year, month=month, department_id=department_id, show=show
    )
    return redirect(job)
