"""The board (/publicity/), a publication and its notice, objections and 复核/申诉 cases."""

from __future__ import annotations

from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import periods
from accounts.audit import record_event
from accounts.decorators import permission_required
from accounts.formerrors import error_text, form_submitted, run_service
from accounts.models import User
from accounts.pages import keep_refused_text, stored_file_download
from accounts.pagination import filtered_page, page_of
from accounts.pdf import pdf_render, pdf_response
from accounts.selectors import OWN_MATTER_RECUSED, OWN_MATTER_SOLE, own_matter, policy_for_organisation
from accounts.storage import upload_limited
from accounts.textlimits import MEDIUM
from evaluations.annual.models import AnnualResult
from evaluations.annual.services import decisions_against_the_rules, deviations_without_reason
from evaluations.grading.models import AppraisalQuarter
from summaries.services import attachment_limit, attachment_too_large_message

from . import review_cases as cases
from . import selectors, services
from .forms import (
    EntryFilter,
    ObjectionAnswerForm,
    ObjectionForm,
    ObjectionSendBackForm,
    ObjectionVerifyForm,
    PublishForm,
    ReviewCaseDecideForm,
    ReviewCaseOpenForm,
    ReviewCaseRequestForm,
)
from .models import EntryState, Objection, ObjectionState, Publication, PublicationEntry, PublicationKind, ReviewCase

PAGE_SIZE = 50


def _publish_form(request: HttpRequest, data=None) -> PublishForm:
    organisation_id = request.user.organisation_id
    return PublishForm(
        data,
        quarters=list(services.publishable_quarters(organisation_id=organisation_id)[:8]),
        years=services.publishable_years(organisation_id=organisation_id)[:3],
        welfare=services.publishable_welfare(organisation_id=organisation_id)[:3],
        in_window=services.quarters_in_window(organisation_id=organisation_id),
        window=services.publication_window(organisation_id=organisation_id, starts=periods.today()),
    )


@permission_required("publicity.view_publications")
def board(request: HttpRequest) -> HttpResponse:
    """Every publication of the organisation, newest first, with its window; HR publishes here."""
    publish_form = _publish_form(request) if request.user.has_perm("publicity.publish_results") else None
    return _board(request, publish_form)


def _board(request: HttpRequest, publish_form: PublishForm | None, status: int = 200) -> HttpResponse:
    organisation_id = request.user.organisation_id
    today = periods.today()
    page = page_of(request, selectors.publications(organisation_id=organisation_id, today=today), per_page=20)
    for publication in page:
        publication.status = publication.status_on(today, republished_until=publication.republished_until)
    context = {"page": page, "today": today}
    if publish_form is not None:
        context["publish_form"] = publish_form
    return render(request, "publicity/publication/board.html", context, status=status)


@require_POST
@permission_required("publicity.publish_results")
def publish(request: HttpRequest) -> HttpResponse:
    form = _publish_form(request, request.POST)
    if not form.is_valid():
        if request.POST.get("target"):
            # Chosen on a page loaded before it was published (a second tab, a double submit): no
            # longer offered. A user test's second POST answered the bare board without a word.
            messages.error(request, _("所选内容已经公示或当前不能公示，请在列表中重新选择。"))
        else:
            messages.error(request, _("请选择要公示的内容。"))
        return _board(request, form, status=400)
    kind, _sep, value = form.cleaned_data["target"].partition(":")
    try:
        if kind == "q":
            quarter = get_object_or_404(AppraisalQuarter, pk=value, organisation_id=request.user.organisation_id)
            publication = services.publication_open_quarter(actor=request.user, appraisal_quarter=quarter)
        elif kind == "w":
            publication = services.publication_open_welfare(
                actor=request.user, organisation=request.user.organisation, year=int(value)
            )
        else:
            publication = services.publication_open_annual(
                actor=request.user, organisation=request.user.organisation, year=int(value)
            )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("publicity:board")
    messages.success(
        request,
        _("已发布公示，公示期%(start)s至%(end)s。")
        % {"start": publication.starts_on.isoformat(), "end": publication.ends_on.isoformat()},
    )
    return redirect(publication)


def _publication(request: HttpRequest, pk: int) -> Publication:
    publication = selectors.publication_for(pk=pk, organisation_id=request.user.organisation_id)
    if publication is None or not request.user.has_perm("publicity.view_publication", publication):
        raise Http404
    return publication


@permission_required("publicity.view_publications")
def publication_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The list with start, end and time left; scores and ranking only where the policy says so."""
    publication = _publication(request, pk)
    today = periods.today()
    policy = policy_for_organisation(organisation_id=publication.organisation_id)
    filterset = EntryFilter(
        request.GET, queryset=selectors.entries(publication=publication), organisation=publication.organisation_id
    )
    listed = filtered_page(request, filterset, per_page=PAGE_SIZE)
    page = listed["page"]
    # The regraded entries on this page that are the HR administrator's own or that they objected to,
    # which another would publish again (回避). The rule's answer is the same for each of them (the
    # same person, organisation and other HR administrators), so it is asked once.
    can_manage = request.user.has_perm("publicity.manage_publication", publication)
    for entry in _with_reviews(page):
        entry.status = entry.status_on(today)
    regrading = [e for e in page if e.state == EntryState.REGRADING]
    republished_until = selectors.republished_until(publication=publication)
    recused = set()
    if can_manage and regrading:
        objected = selectors.objected_to(user=request.user, entry_ids=[e.pk for e in regrading])
        mine = [e for e in regrading if e.person_id == request.user.pk or e.pk in objected]
        if mine:
            mine[0].publication = publication
            if not request.user.has_perm("publicity.republish_entry", mine[0]):
                recused = {e.pk for e in mine}
    closes_year = (
        can_manage
        and services.publication_may_lock(publication, today)
        and publication.kind == PublicationKind.ANNUAL_EXCELLENT
    )
    against = (
        decisions_against_the_rules(organisation_id=publication.organisation_id, year=publication.year)
        if closes_year
        else []
    )
    return render(
        request,
        "publicity/publication/detail.html",
        {
            "recused_entry_ids": recused,
            # Offered once the regrade is confirmed again, as entry_republish requires.
            "republishable_entry_ids": {e.pk for e in regrading if services.entry_may_republish(e)},
            "publication": publication,
            **listed,
            "today": today,
            # Entries published again after a regrade have windows of their own, later than the list's.
            "republished_until": republished_until,
            # Objections are invited while a window of the list (or of a line published again) has
            # not run out; afterwards the page says the window is over instead.
            "objections_invited": publication.closed_at is None
            and today <= max(publication.ends_on, republished_until or publication.ends_on),
            "status": publication.status_on(today, republished_until=republished_until),
            "days_left": services.working_days_left(
                organisation_id=publication.organisation_id, ends_on=publication.ends_on, today=today
            ),
            "show_scores": policy.publish_scores,
            "can_manage": can_manage,
            "can_lock": can_manage and services.publication_may_lock(publication, today),
            "can_object": request.user.has_perm("publicity.lodge_objection"),
            # HR only (a veto is appraisal content): the listed 优秀 vetoed since, marked on the page
            # and named in 定等's question (a year's 优秀 list is short: read whole, once).
            "vetoed_on_list": selectors.vetoed_on_the_list(publication=publication) if can_manage else {},
            # The year's decisions the rules now forbid (a sanction recorded after the committee
            # decided): 定等 of the 优秀 list closes the year but leaves them open; its question says so.
            "against_rules": [row.person.get_full_name() for row, _why in against],
            # Decisions the suggestion left since, with no reason yet: named, for the reason first.
            "unexplained": [
                row.person.get_full_name()
                for row in deviations_without_reason(organisation_id=publication.organisation_id, year=publication.year)
            ]
            if closes_year
            else [],
            # What the year's close locks besides the list: as the message after it counts them.
            "year_close_count": selectors.decided_not_locked_count(
                organisation_id=publication.organisation_id,
                year=publication.year,
                exclude=[row.pk for row, _why in against],
                publication_id=publication.pk,
            )
            if closes_year
            else 0,
        },
    )


def _with_reviews(entries) -> list:
    """The entries, each with the grade a review after 定等 set since it was posted (``reviewed_grade``,
    "" for none): the board and the printed notice say it beside the posted grade alike."""
    entries = list(entries)
    for entry in entries:
        entry.reviewed_grade = selectors.reviewed_grade_label(entry)
    return entries


@require_safe
@permission_required("publicity.publish_results")
def notice_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printed notice (公示通知): A4, zh-CN, the list, the window, the objection channel, the seal."""
    publication = _publication(request, pk)
    if not request.user.has_perm("publicity.manage_publication", publication):
        raise Http404
    policy = policy_for_organisation(organisation_id=publication.organisation_id)
    pdf = pdf_render(
        template_name="publicity/publication/notice.html",
        context={
            "publication": publication,
            # A notice lists everyone on it: an organisation's staff, a few hundred lines at most.
            # Not a line taken off the list (已撤下: sent back and decided other than 优秀).
            "entries": _with_reviews(selectors.entries(publication=publication).exclude(state=EntryState.WITHDRAWN)),
            "show_scores": policy.publish_scores,
        },
    )
    record_event(event="download", obj=publication, request=request, label=f"{publication.title}.pdf")
    return pdf_response(pdf=pdf, filename=f"{publication.title}公示.pdf")


@require_POST
@permission_required("publicity.publish_results")
def publication_lock(request: HttpRequest, pk: int) -> HttpResponse:
    publication = _publication(request, pk)
    run_service(
        request,
        lambda: services.publication_lock(actor=request.user, publication=publication),
        success=lambda outcome: (
            (
                _("已定等%(locked)s人；%(waiting)s人等待异议答复或重新公示后定等。")
                if outcome["waiting"]
                else _("已定等%(locked)s人，本次公示已全部定等。")
            )
            % outcome
            # The year's close locks the year's other decided results with its 优秀 list: said (a
            # user test found 称职 and 不称职 locked with nothing said).
            + (
                _("本年度其他已确定等次的%(year_locked)s人的年度考核结果一并定等。") % outcome
                if outcome["year_locked"]
                else ""
            )
        ),
    )
    return redirect(publication)


@require_POST
@permission_required("publicity.publish_results")
def entry_republish(request: HttpRequest, pk: int) -> HttpResponse:
    entry = get_object_or_404(
        PublicationEntry.objects.select_related("publication"),
        pk=pk,
        publication__organisation_id=request.user.organisation_id,
    )
    run_service(
        request,
        lambda: services.entry_republish(actor=request.user, entry=entry),
        success=_("已重新公示%(person)s的结果。") % {"person": entry.person},
    )
    # Back to the list as HR left it (its search and page, posted back as ``back``); only a query
    # string is taken from the form, never a place to go.
    back = QueryDict(request.POST.get("back", "")).urlencode()
    url = entry.publication.get_absolute_url()
    return redirect(f"{url}?{back}" if back else url)


# --- Objections ---------------------------------------------------------------------------------


@permission_required("publicity.view_objections")
def objections(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    state = state if state in ObjectionState.values else ""
    page = page_of(request, selectors.objections_for(user=request.user, state=state), per_page=25)
    return render(
        request,
        "publicity/publication/objections.html",
        {"page": page, "state": state, "states": ObjectionState.choices},
    )


def _objection_upload_limit(request: HttpRequest) -> int:
    if not request.user.is_authenticated:  # sent on to the sign-in page; no body is wanted
        return settings.REQUEST_BODY_MAX_BYTES
    return attachment_limit(policy_for_organisation(organisation_id=request.user.organisation_id))


def _objection_upload_message(request: HttpRequest) -> str:
    return attachment_too_large_message(policy_for_organisation(organisation_id=request.user.organisation_id))


# An objection may carry an attachment up to the policy's limit, above the pages' body cap
# (accounts.middleware.RequestBodyLimitMiddleware): its size is checked before the body is read.
# The permission check comes first and reads no body: someone without the right is refused before
# the body is parsed (spooled to disk) at all.
@permission_required("publicity.lodge_objection")
@upload_limited(limit=_objection_upload_limit, message=_objection_upload_message)
def objection_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Lodge an objection to one entry (GET: the form; refused outside the window, on the server)."""
    entry = get_object_or_404(
        PublicationEntry.objects.select_related("publication__appraisal_quarter", "person", "department"),
        pk=pk,
        publication__organisation_id=request.user.organisation_id,
    )
    today = periods.today()
    refusal = services.objection_window_refusal(entry=entry, day=today)
    if refusal is not None:
        # Outside the window the page says why, once, in the service's words, and offers no form: a
        # form sent anyway (a page left open until the window closed) is answered the same way,
        # not with the refusal repeated as a message, above the form and at its box. What was typed
        # is said back to copy (a user test: typed on the window's last day, sent the next, lost).
        if request.method == "POST":
            keep_refused_text(request, _("您填写的异议内容未提交：%(text)s"), request.POST.get("text", "")[:MEDIUM])
        return render(
            request,
            "publicity/publication/objection_new.html",
            {"entry": entry, "refusal": refusal},
            status=400 if request.method == "POST" else 200,
        )
    if request.method != "POST" and (earlier := services.unanswered_objection_of(entry=entry, objector=request.user)):
        # Said before anything is typed (a user test typed a second objection, then was refused
        # and lost the text): the earlier objection is linked instead of a form.
        return render(
            request,
            "publicity/publication/objection_new.html",
            {"entry": entry, "refusal": services.ObjectionStillOpen(earlier).messages[0], "earlier": earlier},
        )
    form = ObjectionForm(request.POST or None, request.FILES or None)
    still_open: list[Objection] = []

    def lodge(data: dict) -> Objection:
        try:
            return services.objection_lodge(
                actor=request.user, entry=entry, text=data["text"], uploaded=data["attachment"], today=today
            )
        except services.ObjectionStillOpen as refusal:
            still_open.append(refusal.objection)
            raise

    objection, status = form_submitted(request, form, lodge, success=_("异议已提交，人事部门将受理并答复。"))
    if objection is not None:
        return redirect(objection)
    if still_open:
        # The form sent again (Back, then submit): the refusal is flashed; show the objection it names.
        return redirect(still_open[0])
    return render(
        request,
        "publicity/publication/objection_new.html",
        {"entry": entry, "form": form},
        status=status,
    )


def _objection(request: HttpRequest, pk: int):
    objection = selectors.objection_for(pk=pk, user=request.user)
    if objection is None:
        raise Http404
    return objection


def _step_posted(request: HttpRequest, target, step_forms: dict, step, *, without_form: tuple[str, ...] = ()):
    """HR's page of one form per step (an objection, a 复核/申诉 case): (the redirect to ``target``
    when a posted step went through, else None; each step's form, the posted one bound; the status).
    ``step(action, cleaned_data)`` gives the service call and its success message. A step that is
    invalid or refused leaves the posted form bound, so the page shows again what was typed with the
    message at its box (400), never a redirect that would lose the text."""
    forms_shown = {action: form_class() for action, form_class in step_forms.items()}
    if request.method != "POST":
        return None, forms_shown, 200
    action = request.POST.get("action", "")
    if action not in step_forms and action not in without_form:
        messages.error(request, _("请按提示填写。"))
        return None, forms_shown, 400
    form = None
    if action in step_forms:
        form = forms_shown[action] = step_forms[action](request.POST)
    if form is None or form.is_valid():
        call, success = step(action, form.cleaned_data if form else {})
        if run_service(request, call, success=success, form=form):
            return redirect(target), forms_shown, 302
    return None, forms_shown, 400


# HR's steps on an objection: the form that carries each step's text (受理 has none).
OBJECTION_STEP_FORMS = {
    "verify": ObjectionVerifyForm,
    "send_back": ObjectionSendBackForm,
    "answer": ObjectionAnswerForm,
}


def _objection_step(request: HttpRequest, objection: Objection, action: str, data: dict):
    """The service call and the message that says what was done, for one of HR's steps."""
    actor = request.user
    if action == "accept":
        return partial(services.objection_accept, actor=actor, objection=objection), _("已受理异议。")
    if action == "verify":
        step = partial(services.objection_verify, actor=actor, objection=objection, notes=data["notes"])
        return step, _("已记录核实情况。")
    if action == "send_back":
        step = partial(services.objection_send_back, actor=actor, objection=objection, reason=data["reason"])
        if objection.entry.annual_result_id:
            said = _("已将%(person)s的年度等次退回考核委员会重新确定。")
        elif objection.entry.welfare_assessment_id:
            said = _("已将%(person)s的考核结果撤下公示，退回单位重新集体研究。")
        else:
            said = _("已将%(person)s的等次退回评鉴人重评。")
        return step, said % {"person": objection.entry.person.get_full_name()}
    step = partial(services.objection_answer, actor=actor, objection=objection, answer=data["answer"])
    return step, _("已答复并办结。")


def _objection_own_matter(user: User, objection: Objection, can_handle: bool) -> str:
    if not can_handle:
        manages = user.has_perm("publicity.manage_publication", objection.entry.publication)
        return OWN_MATTER_RECUSED if manages else ""
    return OWN_MATTER_SOLE if user.pk in (objection.objector_id, objection.entry.person_id) else ""


@permission_required("publicity.view_objections")
def objection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The objection, its status and answer; HR's steps (POST: accept, verify, send back, answer).

    A step that is invalid or refused shows the page again with what was typed and the message at
    its box, never a redirect that would lose the text."""
    objection = _objection(request, pk)
    can_handle = request.user.has_perm("publicity.handle_objection", objection)
    if request.method == "POST" and not can_handle:
        raise PermissionDenied
    done, step_forms, status = _step_posted(
        request,
        objection,
        OBJECTION_STEP_FORMS,
        partial(_objection_step, request, objection),
        without_form=("accept",),
    )
    if done is not None:
        return done
    if request.method == "POST":
        # A refused step is shown on the objection as it is now, not as this request first read it:
        # a second tab or a double click may have moved it meanwhile, and the message names the new state.
        objection = _objection(request, pk)
        can_handle = request.user.has_perm("publicity.handle_objection", objection)
    if objection.entry.annual_result_id or objection.entry.welfare_assessment_id:
        # A year's grade goes back to the committee, a public-welfare result to the unit's 集体研究,
        # to decide again, not to be regraded (their buttons say so).
        step_forms["send_back"].fields["reason"].label = _("退回理由")
    return render(
        request,
        "publicity/publication/objection_detail.html",
        {
            "objection": objection,
            "entry_status": objection.entry.status_on(periods.today()),
            "can_handle": can_handle,
            # For those who handle it only: the objector may be a colleague.
            "discipline": selectors.objection_discipline(objection) if can_handle else {},
            # The line sent back has been regraded (or decided again) and waits to be published again:
            # the step is on the publication's page, which this page names.
            "may_republish": can_handle
            and objection.entry.welfare_assessment_id is None
            and services.entry_may_republish(objection.entry),
            "verify_form": step_forms["verify"],
            "send_back_form": step_forms["send_back"],
            "answer_form": step_forms["answer"],
            # HR whom the objection concerns (their result, or they lodged it) see why they cannot
            # handle it, or, the organisation's only HR administrator, that they handle it all the same
            # (本人事项; the rule's 回避 is accounts.selectors.own_matter's).
            "own_matter": _objection_own_matter(request.user, objection, can_handle),
        },
        status=status,
    )


@permission_required("publicity.view_objections")
def objection_attachment(request: HttpRequest, pk: int) -> FileResponse:
    objection = _objection(request, pk)
    return stored_file_download(
        request,
        objection.attachment,
        obj=objection,
        filename=objection.attachment_name,
        content_type=objection.attachment_type,
    )


# --- 复核 / 申诉 cases ------------------------------------------------------------------------------


@permission_required("publicity.manage_review_cases")
def review_cases(request: HttpRequest) -> HttpResponse:
    organisation_id = request.user.organisation_id
    results = selectors.incompetent_results_without_case(organisation_id=organisation_id)
    form = ReviewCaseOpenForm(request.POST or None, results=results)
    case, status = form_submitted(
        request,
        form,
        lambda data: cases.review_case_open(
            actor=request.user,
            annual_result=get_object_or_404(AnnualResult, pk=data["annual_result"], organisation_id=organisation_id),
            notified_on=data["notified_on"],
            kind=data["kind"],
        ),
        success=_("已登记。"),
    )
    if case is not None:
        return redirect(case)
    page = page_of(request, selectors.review_cases(organisation_id=organisation_id), per_page=25)
    return render(
        request,
        "publicity/publication/review_cases.html",
        {"page": page, "form": form, "today": periods.today()},
        status=status,
    )


# HR's steps on a 复核/申诉 case: the form that carries each step's date and text.
REVIEW_CASE_STEP_FORMS = {
    "request": ReviewCaseRequestForm,
    "decide": ReviewCaseDecideForm,
}


def _review_case_step(request: HttpRequest, case: ReviewCase, action: str, data: dict):
    """The service call and the message that says what was done, for one of HR's steps."""
    if action == "request":
        step = partial(cases.review_case_request, actor=request.user, case=case, requested_on=data["requested_on"])
        return (
            step,
            lambda done: (
                _("已登记%(kind)s申请，决定截止日为%(date)s。")
                % {
                    "kind": done.get_kind_display(),
                    "date": done.decide_by.isoformat(),
                }
            ),
        )

    def decided(done: ReviewCase) -> str:
        said = {"kind": done.get_kind_display(), "person": done.person.get_full_name(), "year": done.annual_result.year}
        if done.changed_to:
            return _("已记录%(kind)s决定：%(person)s的%(year)s年度考核等次改为%(grade)s，已告知本人。") % {
                **said,
                "grade": done.get_changed_to_display(),
            }
        return _("已记录%(kind)s决定：%(person)s的%(year)s年度考核等次维持不变。") % said

    step = partial(
        cases.review_case_decide,
        actor=request.user,
        case=case,
        decided_on=data["decided_on"],
        decision=data["decision"],
        new_grade=data["new_grade"],
    )
    return step, decided


def _review_case(request: HttpRequest, pk: int) -> ReviewCase:
    return get_object_or_404(
        ReviewCase.objects.select_related("person", "annual_result", "opened_by"),
        pk=pk,
        organisation_id=request.user.organisation_id,
    )


@permission_required("publicity.manage_review_cases")
def review_case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case, its deadlines and decision; HR's steps (POST: request, decide).

    A step that is invalid or refused shows the page again with what was typed and the message at
    its box, never a redirect that would lose the text."""
    case = _review_case(request, pk)
    done, step_forms, status = _step_posted(
        request, case, REVIEW_CASE_STEP_FORMS, partial(_review_case_step, request, case)
    )
    if done is not None:
        return done
    if request.method == "POST":
        # A refused step is shown on the case as it is now (see objection_detail).
        case = _review_case(request, pk)
    if why := cases.review_case_excellent_barred(case):
        step_forms["decide"].bar_excellent(why)
    return render(
        request,
        "publicity/publication/review_case_detail.html",
        {
            "case": case,
            "today": periods.today(),
            "request_form": step_forms["request"],
            "decide_form": step_forms["decide"],
            "decision_days": cases.REVIEW_DECISION_DAYS,
            # 本人事项: HR's own case is another's to handle, or theirs alone where no other can.
            "own_matter": own_matter(
                user=request.user, person_ids=[case.person_id], organisation_id=case.organisation_id
            ),
        },
        status=status,
    )
