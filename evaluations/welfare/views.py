"""The pages of the public-welfare-post assessment (DOMAIN.md §8): the unit's list of the year,
one worker's assessment with the step the actor may take, the worker's own 述职, the posts, the
consequences and the results export. Views parse and call one service; the services decide."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import jobs, periods
from accounts.audit import record_event
from accounts.decorators import permission_required
from accounts.formerrors import form_submitted, run_service
from accounts.pages import review_decision, stored_file_download
from accounts.pagination import page_of, query_without_page
from accounts.selectors import policy_for_organisation
from accounts.storage import upload_limited
from accounts.view_access import permitted_or_403
from summaries.services import attachment_limit, attachment_too_large_message

from ..ballots import services as ballot_services
from ..ballots.models import SCALE_CHOICES, BallotScale, BallotState, Choice
from ..ballots.selectors import ballot_turnout, ballots_with_low_turnout, subject_suggestions
from . import selectors, services
from .forms import AbsenceForm, ConsequenceForm, DecisionForm, InterviewForm, PostForm, ReportForm, ReturnForm
from .jobs import RESULTS_EXPORT
from .models import WelfareConsequence, WelfarePost, WelfareStage
from .selectors import WorkerTally

# Room in a report's request body for its text (at most LONG characters, 3 bytes each in UTF-8)
# beside the file.
REPORT_TEXT_BYTES = 64 * 1024

PAGE_SIZE = 50
SATISFACTION_LABELS = [dict(Choice.choices)[choice] for choice in SCALE_CHOICES[BallotScale.SATISFACTION]]


def _get_assessment_for_user(request: HttpRequest, pk: int, perm: str = ""):
    """An assessment the user may see (anything else is a 404); with ``perm``, one on which they also
    hold that right (a visible one without it is refused, 403)."""
    found = selectors.assessment_for(pk=pk, user=request.user)
    if found is None:
        raise Http404
    return permitted_or_403(request, found, perm) if perm else found


@permission_required("evaluations.view_welfare")
def welfare_index(request: HttpRequest) -> HttpResponse:
    return redirect("evaluations:welfare", year=periods.year_at_work())


@permission_required("evaluations.view_welfare")
def welfare(request: HttpRequest, year: int) -> HttpResponse:
    """The unit's workers of the year, each at their step (filter by step), paginated."""
    organisation_id = request.user.organisation_id
    stage = request.GET.get("stage", "")
    page = page_of(
        request, selectors.assessments_for_unit(organisation_id=organisation_id, year=year, stage=stage), PAGE_SIZE
    )
    policy = policy_for_organisation(organisation_id=organisation_id)
    first, last = periods.welfare_window(policy, year)
    # Opened late, the 述职 is due later than the window says (periods.welfare_report_deadline).
    opened = selectors.last_opened_on(organisation_id=organisation_id, year=year)
    report_deadline = periods.welfare_report_deadline(policy, year, opened) if opened else None
    open_refusal = services.welfare_open_refusal(organisation_id=organisation_id, year=year, today=periods.today())
    return render(
        request,
        "evaluations/welfare/list.html",
        {
            "year": year,
            "page": page,
            "query": query_without_page(request.GET),
            "stage": stage,
            "stages": WelfareStage.choices,
            "counts": selectors.stage_counts(organisation_id=organisation_id, year=year),
            "window": (first, last),
            "report_deadline": report_deadline if report_deadline and report_deadline > last else None,
            "open_refusal": open_refusal,
            # Who 开展本年度考核 takes in, said in its question (it notifies them and cannot be undone).
            "open_count": 0
            if open_refusal
            else selectors.posts_to_open(organisation_id=organisation_id, year=year).count(),
            "ballot_all_refusal": services.welfare_ballot_all_refusal(organisation_id=organisation_id, year=year),
            "can_manage": request.user.has_perm("evaluations.manage_welfare"),
            "service_users_min": policy.welfare_service_users_min,
            "service_users_max": policy.welfare_service_users_max,
        },
    )


@require_POST
@permission_required("evaluations.manage_welfare")
def welfare_open(request: HttpRequest, year: int) -> HttpResponse:
    organisation = request.user.organisation
    # A second press (another tab, a page shown before the first went through) has nothing to do:
    # say so, as the page's button does, rather than "opened for 0 people".
    refusal = services.welfare_open_refusal(organisation_id=organisation.pk, year=year, today=periods.today())
    if refusal:
        messages.error(request, refusal)
        return redirect("evaluations:welfare", year=year)
    run_service(
        request,
        lambda: services.welfare_assessments_open(actor=request.user, organisation=organisation, year=year),
        success=lambda count: _("已为%(count)s名公益性岗位人员开展年度考核。") % {"count": count},
    )
    return redirect("evaluations:welfare", year=year)


@require_POST
@permission_required("evaluations.view_welfare")
def welfare_export(request: HttpRequest, year: int) -> HttpResponse:
    """导出Excel (补贴发放依据): a background job; its page offers the file."""
    job = jobs.job_request(
        kind=RESULTS_EXPORT,
        organisation=request.user.organisation,
        params={"year": year, **jobs.for_the_reader()},
        requested_by=request.user,
    )
    record_event(event="export", obj=request.user.organisation, request=request, label=_("公益性岗位考核结果"))
    return redirect(job)


@login_required
def welfare_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """One worker's year: the 述职, each step done, and the form of the step the viewer may take."""
    return _assessment_page(request, _get_assessment_for_user(request, pk))


def _assessment_page(
    request: HttpRequest,
    assessment,
    *,
    interview_form: InterviewForm | None = None,
    decision_form: DecisionForm | None = None,
    return_form: ReturnForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """The worker's page; ``interview_form``, ``decision_form``: the 谈话 or 集体研究 form as
    posted, when it was invalid or refused, so the page shows again what was typed with the message
    at its field."""
    user = request.user
    if decision_form is None:
        decision_form = DecisionForm(
            initial={
                "grade": assessment.grade,
                # Only a decision already recorded is shown chosen; a new one starts unanswered.
                "renew": None if assessment.renew is None else ("1" if assessment.renew else "0"),
                "notes": assessment.decision_notes,
            }
        )
    return render(
        request,
        "evaluations/welfare/assessment.html",
        {
            "assessment": assessment,
            "stages": WelfareStage.choices,
            "can_review": assessment.status == "submitted"
            and user.has_perm("evaluations.review_welfare_report", assessment),
            "can_conduct": user.has_perm("evaluations.conduct_welfare", assessment),
            "return_form": return_form or ReturnForm(),
            "interview_form": interview_form or InterviewForm(),
            "decision_form": decision_form,
            "consequences": list(assessment.consequences.all()),
            # The publication's own window (it opens on the first working day on or after the day
            # HR published), so this page says the same dates as the board.
            "publication_window": selectors.publication_window_of(assessment_id=assessment.pk)
            if assessment.published_at
            else None,
            "today": periods.today(),
            **_ballot_context(request, assessment),
        },
        status=status,
    )


def _ballot_context(request: HttpRequest, assessment) -> dict:
    """The worker's 民主测评 on their page: the tally (one GROUP BY for this worker) and, once it is
    closed, what its thresholds suggest, where the unit decides (集体研究); for HR the codes still
    unused, to print for the service users, and the ballot's own tally page."""
    subject = assessment.ballot_subject
    policy = policy_for_organisation(organisation_id=assessment.organisation_id)
    context = {
        "service_users_min": policy.welfare_service_users_min,
        "service_users_max": policy.welfare_service_users_max,
        "can_open_ballot": request.user.has_perm("evaluations.manage_ballots")
        and request.user.has_perm("evaluations.conduct_welfare", assessment),
    }
    if subject is None:
        return {**context, "ballot": None, "ballot_ready": False}
    ballot = subject.ballot
    manages = request.user.has_perm("evaluations.manage_ballot", ballot)
    closed = ballot.state == BallotState.CLOSED
    turnout = ballot_turnout(ballot=ballot)
    return {
        **context,
        "ballot": ballot,
        "ballot_ready": closed,
        "ballot_reasons": subject_suggestions(subject_ids=[subject.pk]).get(subject.pk, []) if closed else [],
        "can_view_ballot_tally": closed and manages and request.user.has_perm("evaluations.manage_ballots"),
        "tally": selectors.welfare_tally(subject_ids=[subject.pk]).get(subject.pk, WorkerTally()),
        "can_close_ballot": manages and ballot.state == BallotState.OPEN,
        "codes": list(ballot.raters.filter(code__isnull=False, has_voted=False).order_by("pk"))
        if manages and ballot.state == BallotState.OPEN
        else [],
        # Fewer than two thirds voted: said on the page, in 结束测评's question and beside the tally,
        # as on the ballot's own page (a user test closed a 3/13 ballot here unwarned).
        "raters": {"all": turnout["raters"], "voted": turnout["voted"], "low": turnout["low"]},
    }


@require_POST
@login_required
def welfare_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    """Open the worker's 民主测评 (a ballot of the ballots room)."""
    assessment = _get_assessment_for_user(request, pk)
    if not request.user.has_perm("evaluations.manage_ballots"):
        raise PermissionDenied
    run_service(
        request,
        lambda: services.welfare_ballot_open(
            actor=request.user, assessments=[assessment], service_users=_int(request.POST.get("service_users"))
        ),
        success=_("民主测评已发起，请打印测评码交给服务对象。"),
    )
    return redirect(assessment)


@require_POST
@permission_required("evaluations.manage_ballots")
def welfare_ballot_all(request: HttpRequest, year: int) -> HttpResponse:
    """One 民主测评 for every worker of the unit now at that step."""
    run_service(
        request,
        lambda: services.welfare_ballot_open_all(
            actor=request.user,
            organisation=request.user.organisation,
            year=year,
            service_users=_int(request.POST.get("service_users")),
        ),
        success=lambda ballot: _("已发起民主测评：%(title)s") % {"title": ballot.title},
    )
    return redirect("evaluations:welfare", year=year)


@require_POST
@login_required
def welfare_ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    """End the worker's 民主测评 (the ballots room's service), so the unit can decide."""
    assessment = _get_assessment_for_user(request, pk)
    if assessment.ballot_subject is None or not request.user.has_perm(
        "evaluations.manage_ballot", assessment.ballot_subject.ballot
    ):
        raise PermissionDenied
    run_service(
        request,
        lambda: ballot_services.ballot_close(actor=request.user, ballot=assessment.ballot_subject.ballot),
        success=_("民主测评已结束。"),
    )
    return redirect(assessment)


@permission_required("evaluations.view_welfare")
def welfare_tally(request: HttpRequest, year: int) -> HttpResponse:
    """The unit's 民主测评 results, per worker the counts and shares and what the thresholds suggest:
    the page's workers' papers in a GROUP BY or two, so the page costs the same in a unit of ten or
    in a province of 400 000."""
    page = page_of(
        request, selectors.assessments_with_ballot(organisation_id=request.user.organisation_id, year=year), PAGE_SIZE
    )
    subject_ids = [row.ballot_subject_id for row in page]
    tallies = selectors.welfare_tally(subject_ids=subject_ids)
    # What the closed ballots' thresholds suggest (基本合格, with the share that reached it): the
    # decision is the unit's, but it decides with this before it.
    reasons = subject_suggestions(subject_ids=subject_ids)
    # Said beside each worker, as on the ballot's own pages (a re-test found it on the worker's only).
    low = ballots_with_low_turnout(ballot_ids={row.ballot_subject.ballot_id for row in page if row.ballot_subject_id})
    for row in page:
        row.tally = tallies.get(row.ballot_subject_id, WorkerTally())
        row.ballot_reasons = reasons.get(row.ballot_subject_id, [])
        row.low_turnout = bool(row.ballot_subject_id) and row.ballot_subject.ballot_id in low
    return render(
        request,
        "evaluations/welfare/tally.html",
        {"year": year, "page": page, "query": query_without_page(request.GET), "choices": SATISFACTION_LABELS},
    )


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


@never_cache
@login_required
def welfare_report_file(request: HttpRequest, pk: int) -> FileResponse:
    """The uploaded 述职, served only to those who may read the assessment."""
    assessment = _get_assessment_for_user(request, pk)
    return stored_file_download(
        request,
        assessment.report_file,
        obj=assessment,
        filename=assessment.report_file_name or "report",
        content_type=assessment.report_content_type or "application/octet-stream",
        label=assessment.report_file_name,
    )


@permission_required("evaluations.view_own_welfare")
def welfare_mine(request: HttpRequest) -> HttpResponse:
    """The worker's own years (a worker sees only their own)."""
    return render(
        request,
        "evaluations/welfare/mine.html",
        {"page": page_of(request, selectors.own_assessments(user=request.user), 10), "query": ""},
    )


def _report_policy(request: HttpRequest):
    return policy_for_organisation(organisation_id=request.user.organisation_id)


def _own_report_only(view):
    """Let through only the assessment's own worker (anyone else: 404, as the page answers them),
    reading no body: placed above upload_limited, nobody else's upload is parsed at all."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int) -> HttpResponse:
        if not selectors.is_own_assessment(pk=pk, user=request.user):
            raise Http404
        return view(request, pk)

    wrapped.owner_only_page = True  # the 405 page's way back passes it over (accounts.middleware)
    return wrapped


# The report may carry a file up to the policy's attachment limit, above the pages' body cap
# (accounts.middleware.RequestBodyLimitMiddleware), and the text beside it: its size is checked
# before the body is read (a user test's 3 MB PDF met the 2 MB cap and lost the typed text).
@login_required
@_own_report_only
@upload_limited(
    limit=lambda request: attachment_limit(_report_policy(request)) + REPORT_TEXT_BYTES,
    message=lambda request: attachment_too_large_message(_report_policy(request)),
)
def welfare_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The worker writes (or uploads) the 述职 and hands it in; only their own. Once handed in (or
    approved) it is shown read-only with its status: a page left open, or come back to with Back,
    offers no save that the service would refuse."""
    assessment = _get_assessment_for_user(request, pk)
    if assessment.owner_id != request.user.pk:
        raise Http404
    editable = assessment.is_editable
    policy = _report_policy(request)
    form = ReportForm(
        request.POST or None,
        request.FILES or None,
        instance=assessment,
        initial={"version": assessment.version},
        policy=policy,
    )
    if request.method == "POST" and form.is_valid():
        submit = "submit" in request.POST

        # One transaction: a hand-in refused (nothing written yet) takes the save back with it, so
        # the page shown again still holds the version it was read at, not a stale one.
        @transaction.atomic
        def save_and_hand_in():
            saved = services.welfare_report_save(
                actor=request.user,
                assessment=assessment,
                text=form.cleaned_data["report_text"],
                uploaded=form.cleaned_data.get("upload"),
                version=form.cleaned_data["version"],
            )
            if submit:
                services.welfare_report_submit(actor=request.user, assessment=saved, version=saved.version)

        if run_service(
            request,
            save_and_hand_in,
            success=_("述职已提交。") if submit else _("述职已保存。"),
            form=form,
            # The read-only page has no form to hold the service's message, so it is flashed.
            flash_refusal=not editable,
        ):
            return redirect(assessment)
    if not editable:
        return render(
            request,
            "evaluations/welfare/report.html",
            {"assessment": assessment, "form": None},
            status=400 if request.method == "POST" else 200,
        )
    return render(
        request,
        "evaluations/welfare/report.html",
        {
            "assessment": assessment,
            "form": form,
            "deadline": services.report_deadline(assessment, policy),
            "today": periods.today(),
        },
    )


@require_POST
@login_required
def welfare_report_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """The unit approves the 述职 or returns it with a reason."""
    assessment = _get_assessment_for_user(request, pk, perm="evaluations.review_welfare_report")
    return review_decision(
        request,
        assessment,
        approve=lambda: services.welfare_report_approve(actor=request.user, assessment=assessment),
        return_=lambda reason: services.welfare_report_return(actor=request.user, assessment=assessment, reason=reason),
        return_form=ReturnForm,
        refused=lambda form: _assessment_page(request, assessment, return_form=form, status=400),
        approved=_("述职已通过，进入谈话环节。"),
        returned=_("述职已退回。"),
    )


@require_POST
@login_required
def welfare_interview(request: HttpRequest, pk: int) -> HttpResponse:
    """谈话: the unit records the interview; refused, the page comes back with the notes typed."""
    assessment = _get_assessment_for_user(request, pk, perm="evaluations.conduct_welfare")
    form = InterviewForm(request.POST)
    recorded, status = form_submitted(
        request,
        form,
        lambda data: services.welfare_interview_record(actor=request.user, assessment=assessment, notes=data["notes"]),
        success=_("谈话记录已保存，进入民主测评环节。"),
    )
    if recorded is not None:
        return redirect(assessment)
    return _assessment_page(request, assessment, interview_form=form, status=status)


@require_POST
@login_required
def welfare_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """集体研究: the unit records the collective decision. Invalid or refused, the worker's page
    comes back (400) with the form as posted and the message at its field, not a redirect that
    would lose what was typed."""
    assessment = _get_assessment_for_user(request, pk, perm="evaluations.conduct_welfare")
    form = DecisionForm(request.POST)
    decided, status = form_submitted(
        request,
        form,
        lambda data: services.welfare_decision_record(
            actor=request.user, assessment=assessment, grade=data["grade"], renew=data["renew"], notes=data["notes"]
        ),
        success=_("集体研究结果已记录。"),
    )
    if decided is not None:
        return redirect(decided)
    return _assessment_page(request, assessment, decision_form=form, status=status)


@permission_required("evaluations.manage_welfare")
def welfare_posts(request: HttpRequest) -> HttpResponse:
    """The unit's posts and agreements, paginated; absent workers flagged, agreements ending within
    the policy's notice period or ended flagged too (``?ending=1``: only those)."""
    organisation_id = request.user.organisation_id
    today = periods.today()
    until = selectors.notice_until(today=today, policy=policy_for_organisation(organisation_id=organisation_id))
    ending = request.GET.get("ending") == "1"
    posts = selectors.posts_for_unit(organisation_id=organisation_id, ending_until=until if ending else None)
    page = page_of(request, posts, PAGE_SIZE)
    return render(
        request,
        "evaluations/welfare/posts.html",
        {
            "page": page,
            "query": query_without_page(request.GET),
            "year": today.year,
            "today": today,
            "notice_until": until,
            "ending": ending,
        },
    )


@permission_required("evaluations.manage_welfare")
def welfare_post_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Record a worker's post agreement, or change one (``pk``)."""
    post = None
    if pk is not None:
        post = get_object_or_404(WelfarePost, pk=pk, organisation_id=request.user.organisation_id)
    form = PostForm(request.POST or None, instance=post, organisation=request.user.organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if run_service(
            request,
            lambda: services.welfare_post_save(
                actor=request.user,
                person=post.person if post else data["person"],
                post_name=data["post_name"],
                agreement_start=data["agreement_start"],
                agreement_end=data["agreement_end"],
                monthly_subsidy=data["monthly_subsidy"],
            ),
            success=_("公益性岗位已保存。"),
            form=form,
            flash_refusal=False,
        ):
            return redirect("evaluations:welfare_posts")
    absence = AbsenceForm(initial={"since": post.absent_since, "note": post.absent_note}) if post else None
    return render(request, "evaluations/welfare/post_form.html", {"form": form, "post": post, "absence": absence})


@require_POST
@permission_required("evaluations.manage_welfare")
def welfare_post_absence(request: HttpRequest, pk: int) -> HttpResponse:
    """Record (or clear) that the worker is not at the post."""
    post = get_object_or_404(WelfarePost, pk=pk, organisation_id=request.user.organisation_id)
    form = AbsenceForm(request.POST)
    if form.is_valid() and run_service(
        request,
        lambda: services.welfare_post_record_absence(
            actor=request.user, post=post, since=form.cleaned_data["since"], note=form.cleaned_data["note"]
        ),
        success=_("在岗情况已记录。"),
        form=form,
        flash_refusal=False,
    ):
        return redirect("evaluations:welfare_post_edit", pk=post.pk)
    # Refused: the post's page again with what was typed and the message at its box (a re-test
    # lost the note to a flash above an empty form).
    post_form = PostForm(instance=post, organisation=request.user.organisation)
    return render(
        request,
        "evaluations/welfare/post_form.html",
        {"form": post_form, "post": post, "absence": form},
        status=400,
    )


@permission_required("evaluations.manage_welfare")
def welfare_consequences(request: HttpRequest) -> HttpResponse:
    """The consequences of final results: open ones first, with their deadlines."""
    page = page_of(request, selectors.consequences_for_unit(organisation_id=request.user.organisation_id), PAGE_SIZE)
    return render(
        request,
        "evaluations/welfare/consequences.html",
        {
            "page": page,
            "query": query_without_page(request.GET),
            "today": periods.today(),
            "year": periods.today().year,
            "form": ConsequenceForm(),
        },
    )


@require_POST
@permission_required("evaluations.manage_welfare")
def welfare_consequence_complete(request: HttpRequest, pk: int) -> HttpResponse:
    consequence = get_object_or_404(WelfareConsequence, pk=pk, organisation_id=request.user.organisation_id)
    run_service(
        request,
        lambda: services.welfare_consequence_complete(
            actor=request.user, consequence=consequence, note=request.POST.get("note", "")
        ),
        success=_("已记录办理情况。"),
    )
    return redirect("evaluations:welfare_consequences")
