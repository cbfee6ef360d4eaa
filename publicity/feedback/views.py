"""Feedback talks (/publicity/feedback/…): the talker's list and form, the person's talks and annual
result to confirm, and the printable annual result. Every object is checked server side: a person
sees only their own, a talker only the people they talk with; anyone else gets a 404."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts import periods
from accounts.audit import record_event
from accounts.decorators import permission_required
from accounts.formerrors import error_text, service_result
from accounts.pages import visible_or_404
from accounts.pagination import filtered_page, page_of
from accounts.pdf import pdf_render, pdf_response
from accounts.selectors import policy_for_organisation
from evaluations.annual.models import AnnualResult
from evaluations.grading.models import AppraisalQuarter, QuarterGrade

from . import selectors, services
from .forms import ConfirmForm, FeedbackListFilter, TalkForm
from .models import FeedbackTalk

PER_PAGE = 25
# The overview's quarter filter lists the latest locked quarters (three years' worth).
QUARTER_CHOICES = 12


@permission_required("publicity.record_feedback")
def feedback_list(request: HttpRequest) -> HttpResponse:
    """The talker's locked grades, talks still to record first (``?show=pending`` for those only)."""
    filterset = FeedbackListFilter(request.GET, queryset=selectors.locked_grades_for_talker(talker=request.user))
    listed = filtered_page(request, filterset, per_page=PER_PAGE)
    page = listed["page"]
    policy = policy_for_organisation(organisation_id=request.user.organisation_id)
    today = periods.today()
    cutoff = selectors.overdue_before(
        organisation_id=request.user.organisation_id, today=today, working_days=policy.feedback_talk_working_days
    )
    rows = []
    for grade in page.object_list:
        talk = getattr(grade, "feedback_talk", None)
        # A talk about an earlier grade (a review since) is to record again; overdue counts from locking
        # for a grade never talked about only.
        rows.append(
            {"grade": grade, "talk": talk, "due": grade.talk_is_due, "overdue": not talk and grade.locked_at < cutoff}
        )
    return render(
        request,
        "publicity/feedback/list.html",
        {**listed, "rows": rows, "policy": policy, "show": filterset.form.cleaned_data.get("show") or "all"},
    )


@permission_required("publicity.view_feedback_overview")
def feedback_overview(request: HttpRequest) -> HttpResponse:
    """HR's overview per department: locked grades, talks recorded, confirmed and overdue; one
    aggregate query per page, optionally for one quarter (``?quarter=<appraisal quarter id>``)."""
    organisation_id = request.user.organisation_id
    quarters = list(
        AppraisalQuarter.objects.filter(organisation_id=organisation_id, locked_at__isnull=False).order_by(
            "-year", "-quarter"
        )[:QUARTER_CHOICES]
    )
    chosen = next((q for q in quarters if str(q.pk) == request.GET.get("quarter", "")), None)
    departments = selectors.feedback_overview(
        organisation_id=organisation_id,
        today=periods.today(),
        appraisal_quarter_id=chosen.pk if chosen else None,
    )
    page = page_of(request, departments, per_page=PER_PAGE)
    policy = policy_for_organisation(organisation_id=organisation_id)
    return render(
        request,
        "publicity/feedback/overview.html",
        {
            "page": page,
            "quarters": quarters,
            "chosen": chosen,
            "policy": policy,
            "query": f"quarter={chosen.pk}" if chosen else "",
        },
    )


def _grade_for_talker(request: HttpRequest, pk: int) -> QuarterGrade:
    # Someone else's person: not there for this talker.
    return visible_or_404(
        request,
        lambda: selectors.grade_for_talk(pk=pk, organisation_id=request.user.organisation_id),
        perm="publicity.record_feedback_for",
    )


@permission_required("publicity.record_feedback")
def feedback_record(request: HttpRequest, pk: int) -> HttpResponse:
    """Record (or correct, until confirmed) the talk about one locked grade."""
    grade = _grade_for_talker(request, pk)
    talk: FeedbackTalk | None = getattr(grade, "feedback_talk", None)
    initial = {"talked_on": periods.today(), "based_on": services.talk_seen_token(talk) if talk else ""}
    if talk is not None and not talk.about_an_earlier_grade:
        initial |= {
            "talked_on": talk.talked_on,
            "content": talk.content,
            "reasons": talk.reasons,
            "shortcomings": talk.shortcomings,
            "improvements": talk.improvements,
        }
    form = TalkForm(request.POST or None, initial=initial, texts=selectors.talk_texts_for(grade.grade))
    current = None
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        based_on = fields.pop("based_on")
        data = services.TalkData(**fields)
        recorded = service_result(
            request,
            lambda: services.feedback_talk_record(actor=request.user, grade=grade, data=data, based_on=based_on),
            success=_("谈话记录已保存，已通知%(person)s阅读并确认。") % {"person": grade.person},
            form=form,
            flash_refusal=False,
        )
        if recorded is not None:
            return redirect(recorded.get_absolute_url())
        fresh = _grade_for_talker(request, pk)
        current = getattr(fresh, "feedback_talk", None)
        if current is not None and services.talk_seen_token(current) != based_on:
            # Saved in another tab meanwhile: that record above the form, what was typed kept in it
            # with the refusal, and the form now based on that record (saving again replaces it knowingly).
            form.data = form.data.copy()
            form.data["based_on"] = services.talk_seen_token(current)
        else:
            current = None
    return render(
        request,
        "publicity/feedback/record.html",
        {
            "grade": grade,
            "talk": talk,
            "current": current,
            "form": form,
            "needs_reasons": grade.grade in selectors.GRADES_NEEDING_REASONS,
            "needs_shortcomings": grade.grade in selectors.GRADES_NEEDING_SHORTCOMINGS,
        },
    )


def _talk_for_user(request: HttpRequest, pk: int) -> FeedbackTalk:
    return visible_or_404(
        request,
        lambda: selectors.talk_for_detail(pk=pk, organisation_id=request.user.organisation_id),
        perm="publicity.view_feedback_talk",
    )


@permission_required("publicity.view_own_feedback")
def feedback_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _talk_page(request, _talk_for_user(request, pk))


def _talk_page(request: HttpRequest, talk, form: ConfirmForm | None = None, status: int = 200) -> HttpResponse:
    """The talk; for its person while unconfirmed, the confirmation form (``form``: as they sent it),
    carrying the token of the talk this page shows."""
    is_person = talk.person_id == request.user.pk
    if form is None and is_person and not talk.is_confirmed and not talk.about_an_earlier_grade:
        form = ConfirmForm(initial={"seen": services.talk_seen_token(talk)})
    return render(
        request,
        "publicity/feedback/detail.html",
        {
            "talk": talk,
            "grade": talk.quarter_grade,
            "is_person": is_person,
            "form": form if is_person and not talk.is_confirmed and not talk.about_an_earlier_grade else None,
            "can_edit": not is_person and (not talk.is_confirmed or talk.about_an_earlier_grade),
        },
        status=status,
    )


@require_POST
@permission_required("publicity.view_own_feedback")
def feedback_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    talk = _talk_for_user(request, pk)
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        # Back on the page with what was typed and the field's error (too long: its limit).
        messages.error(request, _("确认失败，请检查填写的意见。"))
        return _talk_page(request, talk, form, status=400)
    opinion = form.cleaned_data["opinion"]
    try:
        services.feedback_talk_confirm(actor=request.user, talk=talk, opinion=opinion, seen=form.cleaned_data["seen"])
    except ValidationError as refused:
        messages.error(request, error_text(refused))
        if getattr(refused, "code", None) != services.CHANGED_SINCE_SEEN:
            return redirect(talk.get_absolute_url())
        # Changed since the person read it: the talk as it stands now, with what they typed, to
        # read and confirm again.
        talk = _talk_for_user(request, pk)
        return _talk_page(
            request, talk, ConfirmForm(initial={"opinion": opinion, "seen": services.talk_seen_token(talk)}), status=400
        )
    messages.success(request, _("已确认谈话记录。"))
    return redirect(talk.get_absolute_url())


@permission_required("publicity.view_own_feedback")
def feedback_mine(request: HttpRequest) -> HttpResponse:
    """The person's talks (unconfirmed first) and decided annual results to confirm."""
    page = page_of(request, selectors.talks_of_person(person=request.user), per_page=PER_PAGE)
    annual = list(selectors.decided_annual_results_of(person=request.user)[:10])
    for result in annual:
        result.confirmed_now = selectors.current_confirmation(result) is not None
    return render(request, "publicity/feedback/mine.html", {"page": page, "annual_results": annual})


def _annual_for(request: HttpRequest, pk: int, perm: str) -> AnnualResult:
    try:
        result = selectors.annual_result_for_confirmation(pk=pk, organisation_id=request.user.organisation_id)
    except AnnualResult.DoesNotExist:
        raise Http404 from None
    if not result.decided_grade or not request.user.has_perm(perm, result):
        raise Http404
    return result


def _confirmation(result: AnnualResult):
    return selectors.current_confirmation(result)


@permission_required("publicity.view_own_feedback")
def annual_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The written annual result, to read and sign on screen (签字确认)."""
    return _annual_page(request, _annual_for(request, pk, "publicity.confirm_annual_result"))


def _annual_page(request: HttpRequest, result: AnnualResult, form: ConfirmForm | None = None, status: int = 200):
    confirmation = _confirmation(result)
    return render(
        request,
        "publicity/feedback/annual.html",
        {
            "result": result,
            "confirmation": confirmation,
            "stale": selectors.stale_confirmation(result),
            "form": None
            if confirmation
            else (form or ConfirmForm(initial={"seen": services.annual_seen_token(result)})),
        },
        status=status,
    )


@require_POST
@permission_required("publicity.view_own_feedback")
def annual_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    result = _annual_for(request, pk, "publicity.confirm_annual_result")
    form = ConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("确认失败，请检查填写的意见。"))
        return _annual_page(request, result, form, status=400)
    opinion = form.cleaned_data["opinion"]
    try:
        services.annual_result_confirm(
            actor=request.user, annual_result=result, opinion=opinion, seen=form.cleaned_data["seen"]
        )
    except ValidationError as refused:
        messages.error(request, error_text(refused))
        if getattr(refused, "code", None) == services.CHANGED_SINCE_SEEN:
            # The grade changed since the page showed it: the result as it stands, with the opinion typed.
            result = _annual_for(request, pk, "publicity.confirm_annual_result")
            form = ConfirmForm(initial={"opinion": opinion, "seen": services.annual_seen_token(result)})
            return _annual_page(request, result, form, status=400)
    else:
        messages.success(request, _("已确认%(year)s年度考核结果。") % {"year": result.year})
    return redirect("publicity:feedback_annual", pk=result.pk)


@require_safe
@permission_required("publicity.view_own_feedback")
def annual_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable annual result: the person's (and HR's, who files it) A4 with the signature line."""
    result = _annual_for(request, pk, "publicity.print_annual_result")
    pdf = pdf_render(
        template_name="publicity/feedback/annual_pdf.html",
        context={"result": result, "confirmation": _confirmation(result)},
        request=request,
    )
    name = _("%(year)s年度考核结果-%(person)s.pdf") % {"year": result.year, "person": result.person}
    # A person's result leaving the system is a download of personal data, audited like the others.
    record_event(event="download", obj=result, request=request, label=name)
    return pdf_response(pdf=pdf, filename=name)
