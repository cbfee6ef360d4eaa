"""Responses the views of every app share: the confirmation page, a reviewer's decision, a row's
create/edit page, an Excel import's upload page, an Excel download, a stored file's download, the
404 for a row the person may not see, and a number read from the query string."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .formerrors import run_service, service_result
from .hooks import Hooks
from .workflow import ReviewStatus

T = TypeVar("T")

# The pages the rooms above offer on a person's staff page (publicity.reports: the person's year,
# 考核档案): functions of (the viewer, the person) giving (label, URL) pairs the viewer may follow
# (a user test's HR found nothing of the person's appraisal from 人员管理).
_PERSON_PAGE_LINKS: Hooks[Callable[..., list[tuple[str, str]]]] = Hooks()
register_person_page_link = _PERSON_PAGE_LINKS.register


def person_page_links(viewer, person) -> list[tuple[str, str]]:
    """The (label, URL) links the rooms offer ``viewer`` on ``person``'s staff page."""
    return _PERSON_PAGE_LINKS.gather(viewer, person)


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
    refused: bool = False,
) -> HttpResponse:
    """The page that asks before a destructive action; its form POSTs back to the same URL.
    ``refused``: the action cannot be done (``message`` says why): the page offers only the way
    back, not a confirmation the service would then refuse."""
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
            "refused": refused,
        },
    )


def confirm_then(
    request: HttpRequest,
    *,
    act: Callable[[], object],
    success: str | Callable[[object], str],
    back_url: str,
    **confirm,
) -> HttpResponse:
    """GET: the confirmation page (``confirm``: title, message, detail, confirm_label); POST: ``act()``
    through the service (its refusal or ``success`` flashed, as :func:`run_service` does), then
    back to ``back_url``."""
    if request.method == "POST":
        run_service(request, act, success=success)
        return redirect(back_url)
    return confirm_page(request, **confirm, cancel_url=back_url)


def review_decision(
    request: HttpRequest,
    document,
    *,
    approve: Callable[[], object],
    return_: Callable[[str], object],
    approved: str,
    returned: str,
    return_form: type[forms.Form] | None = None,
    refused: Callable[[forms.Form], HttpResponse] | None = None,
) -> HttpResponse:
    """A reviewer's decision on a handed-in document, POSTed from its page: ``action=approve``
    calls ``approve()``, anything else ``return_(reason)`` with the posted ``reason`` (the service
    refuses an empty one); the outcome is flashed, as :func:`run_service` does, and the reviewer is
    back on the document's page.

    ``return_form`` (a form with a ``reason`` field) parses the reason: its cleaned text goes to the
    service. A reason it refuses while the document still waits for the decision is shown by
    ``refused(form)``, the page again with the form bound, where the message stands under the box."""
    if request.POST.get("action") == "approve":
        run_service(request, approve, success=approved)
        return redirect(document)
    reason = request.POST.get("reason", "")
    if return_form is not None:
        form = return_form(request.POST)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
        elif refused is not None and document.status == ReviewStatus.SUBMITTED:
            messages.error(request, _("请按提示修改后再提交。"))
            return refused(form)
    if not run_service(request, lambda: return_(reason), success=returned):
        keep_refused_reason(request, reason)
    return redirect(document)


def keep_refused_reason(request: HttpRequest, reason: str) -> None:
    """A return refused after the reason was typed (another tab approved the document meanwhile):
    the reason is said back, to be copied, rather than lost with the page (a user test)."""
    keep_refused_text(request, _("您填写的退回原因未保存：%(text)s"), reason)


def keep_refused_text(request: HttpRequest, message: str, text: str) -> None:
    """Text typed into a form the page no longer shows (someone else decided meanwhile) said back,
    to be copied: ``message`` is the whole sentence, with ``%(text)s`` where the text goes."""
    if text.strip():
        messages.info(request, message % {"text": text})


def form_page(
    request: HttpRequest,
    form: forms.BaseForm,
    *,
    save: Callable[[], T],
    success: str | Callable[[T], str],
    done: Callable[[T], str],
    template: str,
    context: dict | None = None,
) -> HttpResponse:
    """The create/edit page of one row: a valid POST hands the form's data to ``save()`` (a service
    that answers what it saved, never None), flashes ``success`` and goes to the URL ``done(saved)``
    answers; a refusal lands on the form, which is shown again (as on a GET) with ``context``."""
    if request.method == "POST" and form.is_valid():
        saved = service_result(request, save, success=success, form=form, flash_refusal=False)
        if saved is not None:
            return redirect(done(saved))
    return render(request, template, {"form": form, **(context or {})})


# An upload whose changes wait for the importer's confirmation: kept in their server-side session
# (never a cookie) until confirmed, replaced by the next upload, gone when they sign out.
PENDING_UPLOAD_KEY = "import_pending_upload"


def _pending_upload_keep(request: HttpRequest, file) -> str:

    file.seek(0)
    token = secrets.token_urlsafe(16)
    request.session[PENDING_UPLOAD_KEY] = {
        "token": token,
        "path": request.path,
        "name": getattr(file, "name", ""),
        "content": base64.b64encode(file.read()).decode("ascii"),
    }
    return token


def _pending_upload_take(request: HttpRequest, token: str):
    """The upload kept for ``token`` on this page, taken out of the session (None if gone)."""

    pending = request.session.get(PENDING_UPLOAD_KEY)
    if not pending or pending["token"] != token or pending["path"] != request.path:
        return None
    del request.session[PENDING_UPLOAD_KEY]
    return ContentFile(base64.b64decode(pending["content"]), name=pending["name"])


def import_page(
    request: HttpRequest,
    *,
    parse: Callable[..., tuple[list, list[str]]],
    write: Callable[[list], T],
    context: dict,
    template: str,
    result_template: str,
    imported: Callable[[T], object] | None = None,
    result_context: Callable[[T], dict] | None = None,
    preview: Callable[[list], object] | None = None,
    done: Callable[[T], str] | None = None,
) -> HttpResponse:
    """The upload page of an Excel import, and its result page. ``parse(organisation=, file=)``
    checks every row and answers the rows and the problems (with row numbers); nothing is written
    unless all rows are valid. ``write(rows)`` imports them through the service; its ValidationError
    (the data changed between the check and the write, so the import was rolled back) is shown like
    the problems. ``imported(result)`` runs after a successful write, before the result page;
    ``result_context(result)`` adds to (or overrides) ``context`` on the result page, e.g. a list
    link filtered to what was imported. ``preview(rows)``, if given, says what the import would
    change in existing records (a falsy answer: nothing to ask); the page then shows it and writes
    only when the importer confirms (the file is kept until then, checked again on confirmation).
    ``done(result)``, if given, is the URL of a result page the import's ``imported`` kept the result
    for: the POST redirects there (post/redirect/get), so reloading shows the result again rather
    than sending the file once more."""

    from .forms import ExcelImportForm

    token = request.POST.get("confirm_upload", "") if request.method == "POST" else ""
    form = ExcelImportForm(None if token else request.POST or None, None if token else request.FILES or None)
    errors: list[str] = []
    file = None
    if token:
        file = _pending_upload_take(request, token)
        if file is None:
            messages.error(request, _("待确认的导入已失效（已确认过、已被新的上传替换或已退出登录），请重新选择文件。"))
    elif request.method == "POST" and form.is_valid():
        file = form.cleaned_data["file"]
    if file is not None:
        rows, errors = parse(organisation=request.user.organisation, file=file)
        changes = preview(rows) if preview is not None and not errors and not token else None
        if changes:
            return render(
                request,
                template,
                {
                    **context,
                    "form": form,
                    "errors": [],
                    "preview": changes,
                    "confirm_token": _pending_upload_keep(request, file),
                },
            )
        if not errors:
            try:
                result = write(rows)
            except ValidationError as exc:
                errors = exc.messages
            else:
                if imported is not None:
                    imported(result)
                if done is not None:
                    return redirect(done(result))
                extra = result_context(result) if result_context is not None else {}
                return render(request, result_template, {**context, **extra, "result": result})
    return render(request, template, {**context, "form": form, "errors": errors})


def xlsx_download(request: HttpRequest, content: bytes, filename: str) -> HttpResponse:
    """An ``.xlsx`` attachment made for the reader (a template, the initial passwords); the name is
    sent RFC 5987-style so it may be non-ASCII. Its download is audited on the reader's organisation,
    as an export is: it is no record of its own, and recorded on the reader it read as if the
    person had been acted on (人员：initial_passwords.xlsx)."""
    from .audit import record_event

    record_event(event="download", obj=request.user.organisation, request=request, label=filename)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def stored_file_download(
    request: HttpRequest,
    stored: FieldFile | None,
    *,
    obj,
    filename: str,
    content_type: str,
    label: str = "",
) -> FileResponse:
    """A stored file (an upload, a job's result) as an attachment named ``filename``, its download
    audited against ``obj`` (``label``, else the file name). No file, or one gone from storage, is a
    404. Sent with ``nosniff`` so a browser never runs an uploaded file as a page."""
    from .audit import record_event

    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    record_event(event="download", obj=obj, request=request, label=label or filename)
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def visible_or_404(request: HttpRequest, find: Callable[[], T], *, perm: str) -> T:
    """The row ``find()`` answers, when the signed-in person holds ``perm`` on it. A row that does
    not exist and one they may not see are the same 404, so other people's ids are not confirmed."""
    try:
        row = find()
    except ObjectDoesNotExist:
        raise Http404 from None
    if not request.user.has_perm(perm, row):
        raise Http404
    return row


def int_param(request: HttpRequest, name: str, default: int, allowed: range) -> int:
    """The whole number ``?name=`` holds, or ``default`` when it is missing, not a number or
    outside ``allowed`` (a hand-edited URL shows the default page rather than an error)."""
    try:
        value = int(request.GET.get(name, default))
    except (TypeError, ValueError):
        return default
    return value if value in allowed else default
