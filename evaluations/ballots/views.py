"""民主测评 pages: HR's list, opening, the ballot's page, codes and their print page, the tally and
its export; a rater's list and paper; a code holder's entry page and paper (no account)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import listing
from accounts.audit import source_address
from accounts.decorators import permission_required
from accounts.formerrors import run_service, service_result
from accounts.pages import visible_or_404
from accounts.pagination import page_of
from accounts.view_access import permitted_or_403

from . import exports, selectors, services
from .forms import BallotOpenForm, CodeEntryForm, CodesForm, paper_answers
from .models import Ballot, BallotRater, BallotSubject, Dimension

PAGE_SIZE = 25
TALLY_PAGE_SIZE = 50
# The session key holding the rater row a code holder unlocked with their code.
CODE_SESSION_KEY = "ballot_code_rater"


def _get_ballot_for_user(request: HttpRequest, pk: int) -> Ballot:
    """A ballot of the signed-in HR's organisation; another organisation's is a 404."""
    return visible_or_404(
        request,
        lambda: Ballot.objects.select_related("organisation", "closed_by").get(
            pk=pk, organisation_id=request.user.organisation_id
        ),
        perm="evaluations.manage_ballot",
    )


# --- HR ----------------------------------------------------------------------------------------------


@permission_required("evaluations.manage_ballots")
def ballot_list(request: HttpRequest) -> HttpResponse:
    ballots = selectors.ballots_for_organisation(organisation=request.user.organisation)
    return render(request, "evaluations/ballots/list.html", {"page": page_of(request, ballots, PAGE_SIZE)})


@permission_required("evaluations.manage_ballots")
def ballot_open(request: HttpRequest) -> HttpResponse:
    organisation = request.user.organisation
    form = BallotOpenForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ballot = service_result(
            request,
            lambda: services.ballot_open(
                actor=request.user,
                organisation=organisation,
                title=data["title"],
                year=data["year"],
                subjects=data["subjects"],
                raters=data["raters"],
                leaders=data["leaders"],
                service_user_codes=data["service_user_codes"] or 0,
                scale=data["scale"],
                with_scores=data["with_scores"],
            ),
            success=lambda ballot: _("已发起民主测评“%(title)s”。") % {"title": ballot.title},
            form=form,
            flash_refusal=False,
            # A refusal of the people rated, or of raters, is said where they are typed (其他被测评人/测评人).
            fields={"subjects": "subject_numbers", "raters": "rater_numbers"},
        )
        if ballot is not None:
            return redirect("evaluations:ballot_detail", pk=ballot.pk)
    return render(request, "evaluations/ballots/open.html", {"form": form})


@permission_required("evaluations.manage_ballots")
def ballot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The ballot's subjects, the turnout per rater (who has voted, never what) and its actions."""
    ballot = _get_ballot_for_user(request, pk)
    raters = BallotRater.objects.filter(ballot=ballot).select_related("user", "ballot").order_by("group", "pk")
    page = page_of(request, raters, PAGE_SIZE)
    counts = selectors.ballot_turnout(ballot=ballot)
    return render(
        request,
        "evaluations/ballots/detail.html",
        {
            "ballot": ballot,
            "page": page,
            "turnout": counts,
            "subjects": BallotSubject.objects.filter(ballot=ballot)
            .select_related("person")
            .order_by("sort_order")[:TALLY_PAGE_SIZE],
            "codes_form": CodesForm(),
            "service_codes_left": selectors.service_user_codes_left(ballot=ballot) if ballot.is_open else None,
            # 撤销测评 is offered while the service would take it (nobody has voted yet).
            "withdraw_refusal": services.ballot_withdraw_refusal(ballot=ballot) if ballot.is_open else None,
        },
    )


@require_POST
@permission_required("evaluations.manage_ballots")
def ballot_close(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _get_ballot_for_user(request, pk)
    if run_service(
        request,
        lambda: services.ballot_close(actor=request.user, ballot=ballot),
        success=_("测评已结束，可查看计票结果。"),
    ):
        return redirect("evaluations:ballot_tally", pk=ballot.pk)
    return redirect("evaluations:ballot_detail", pk=ballot.pk)


@require_POST
@permission_required("evaluations.manage_ballots")
def ballot_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """撤销测评: a ballot opened by mistake, withdrawn before anyone voted (the page asks first)."""
    ballot = _get_ballot_for_user(request, pk)
    run_service(
        request,
        lambda: services.ballot_withdraw(actor=request.user, ballot=ballot),
        success=_("测评已撤销，测评人的待办已一并撤回。"),
    )
    return redirect("evaluations:ballot_detail", pk=ballot.pk)


@require_POST
@permission_required("evaluations.manage_ballots")
def ballot_codes(request: HttpRequest, pk: int) -> HttpResponse:
    ballot = _get_ballot_for_user(request, pk)
    form = CodesForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("增发测评码数量须为1至%(max)s。") % {"max": services.MAX_CODES})
        return redirect("evaluations:ballot_detail", pk=ballot.pk)
    run_service(
        request,
        lambda: services.codes_issue(actor=request.user, ballot=ballot, count=form.cleaned_data["count"]),
        success=_("已增发测评码。"),
    )
    return redirect("evaluations:ballot_detail", pk=ballot.pk)


@permission_required("evaluations.manage_ballots")
def ballot_codes_print(request: HttpRequest, pk: int) -> HttpResponse:
    """The unused codes as slips to cut out and hand over (a used code is not shown again)."""
    ballot = _get_ballot_for_user(request, pk)
    raters = BallotRater.objects.filter(ballot=ballot, code__isnull=False, has_voted=False).order_by("pk")
    page = page_of(request, raters, 100)
    code_url = request.build_absolute_uri(reverse("evaluations:ballot_code"))
    return render(
        request, "evaluations/ballots/codes_print.html", {"ballot": ballot, "page": page, "code_url": code_url}
    )


@permission_required("evaluations.manage_ballots")
def ballot_tally(request: HttpRequest, pk: int) -> HttpResponse:
    """Per person the counts and percentages (a page of people at a time); after the ballot closed."""
    ballot = _get_ballot_for_user(request, pk)
    if ballot.is_open:
        messages.info(request, _("测评尚未结束，结束后才能查看计票结果。"))
        return redirect("evaluations:ballot_detail", pk=ballot.pk)
    if ballot.is_withdrawn:
        messages.info(request, _("该测评已撤销，没有计票结果。"))
        return redirect("evaluations:ballot_detail", pk=ballot.pk)
    subjects = BallotSubject.objects.filter(ballot=ballot).order_by("sort_order", "pk").values_list("pk", flat=True)
    page = page_of(request, subjects, TALLY_PAGE_SIZE)
    tally = selectors.ballot_tally(ballot=ballot, subject_ids=list(page))
    return render(
        request,
        "evaluations/ballots/tally.html",
        {"ballot": ballot, "tally": tally, "page": page, "dimensions": Dimension.choices},
    )


ballot_tally_export = listing.export_view(exports.TALLY_EXPORT)


# --- Raters --------------------------------------------------------------------------------------------


def _paper_errors(error: ValidationError) -> tuple[list[str], dict[str, list[str]]]:
    """A refused paper's messages: those above the paper, and those beside each person (by subject
    id). A message about one person is said beside them only; above the paper, once, a pointer to
    them (on a phone the banner and the person are a screen apart: the same words twice read as two
    problems)."""
    if not hasattr(error, "error_dict"):
        return error.messages, {}
    by_key = error.message_dict
    above = list(by_key.get(services.PAPER_ERRORS, []))
    beside = {key: texts for key, texts in by_key.items() if key != services.PAPER_ERRORS}
    if beside:
        above.append(_("请按提示修改后再提交。"))
    return above, beside


def _not_counted(refusal: str, ballot: Ballot) -> str:
    """Said of a paper sent after the rater had voted, or after the ballot closed (or was
    withdrawn): it was not counted (and nothing about the first paper, which stays anonymous)."""
    if refusal == services.CLOSED and ballot.is_withdrawn:
        return _("该测评已撤销，您刚才提交的测评票未计入。")
    if refusal == services.CLOSED:
        return _("测评已结束，您刚才提交的测评票未计入。")
    return _("您此前已投票，刚才提交的这份测评票未计入；以第一次提交的为准。")


def _paper(request: HttpRequest, rater: BallotRater, *, actor=None, code=None, url: str) -> HttpResponse:
    """The paper page shared by account holders and code holders: GET shows it with the draft, POST
    保存 keeps the draft, POST 提交 casts it (the page asks first); a refusal is shown beside each
    person it names (above the paper: what concerns the whole paper, and a pointer to the people),
    with the answers as entered."""
    ballot = rater.ballot
    # Each named with their department and post: seven 科长 read alike (a user test).
    subjects = list(selectors.paper_subjects(ballot=ballot, rater=rater).select_related("person__department"))
    answers = rater.draft or {}
    errors: list[str] = []
    row_errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = paper_answers(request.POST, [s.pk for s in subjects])
        # Only 提交 casts; anything else (保存, Enter in a score box) keeps a draft.
        cast = request.POST.get("action") == "cast"
        try:
            if cast:
                services.paper_cast(rater=rater, answers=answers, actor=actor, code=code, holder=request.user)
                messages.success(request, _("投票成功，感谢参与。"))
                return redirect(url)
            services.paper_save(rater=rater, answers=answers, actor=actor, code=code, holder=request.user)
            messages.success(request, _("已保存，可稍后继续填写。"))
            return redirect(url)
        except ValidationError as error:
            refusal = getattr(error, "code", None)
            if refusal in (services.ALREADY_VOTED, services.CLOSED):
                # The page shows the rater's state as it now is (已投票 / 测评已结束), and says
                # plainly that what was just sent did not count.
                rater.refresh_from_db(fields=["has_voted", "draft"])
                ballot.refresh_from_db(fields=["state"])
                errors = [_not_counted(refusal, ballot) if cast else error.messages[0]]
            else:
                errors, row_errors = _paper_errors(error)
    rows = []
    for subject in subjects:
        answer = answers.get(str(subject.pk), {})
        rows.append(
            {
                "subject": subject,
                "choice": answer.get("choice", ""),
                "scores": [
                    (value, label, (answer.get("scores") or {}).get(value, "")) for value, label in Dimension.choices
                ],
                "errors": row_errors.get(str(subject.pk), []),
            }
        )
    return render(
        request,
        "evaluations/ballots/paper.html",
        {
            "ballot": ballot,
            "rater": rater,
            "rows": rows,
            "errors": errors,
            "excellent_limit": services.excellent_limit(ballot=ballot, subjects=len(subjects)),
            "void_rules": services.void_rules(ballot=ballot, subjects=len(subjects)),
            "action_url": url,
        },
    )


@login_required
def my_ballots(request: HttpRequest) -> HttpResponse:
    page = page_of(request, selectors.ballots_for_rater(user=request.user), PAGE_SIZE)
    return render(request, "evaluations/ballots/mine.html", {"page": page})


@login_required
def paper(request: HttpRequest, pk: int) -> HttpResponse:
    """A rater's own paper; someone who is not a rater of the ballot gets a 404."""
    rater = permitted_or_403(
        request, selectors.rater_for_user(ballot_id=pk, user=request.user), "evaluations.fill_ballot_paper"
    )
    return _paper(request, rater, actor=request.user, url=reverse("evaluations:ballot_paper", kwargs={"pk": pk}))


# --- Code holders (no account) -----------------------------------------------------------------------


def code_entry(request: HttpRequest) -> HttpResponse:
    """Type the printed code: a usable one opens its paper for this browser session."""
    form = CodeEntryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rater = services.code_attempt(
                code=form.cleaned_data["code"], address=source_address(request), holder=request.user
            )
        except ValidationError as exc:
            form.add_error("code", exc)
            status = 429 if exc.code == "throttled" else 200
            return render(request, "evaluations/ballots/code_entry.html", {"form": form}, status=status)
        request.session[CODE_SESSION_KEY] = rater.code
        return redirect("evaluations:ballot_code_paper")
    return render(request, "evaluations/ballots/code_entry.html", {"form": form})


def code_paper(request: HttpRequest) -> HttpResponse:
    """The paper of the code this session unlocked; after casting, the code is spent."""
    code = request.session.get(CODE_SESSION_KEY, "")
    rater = BallotRater.objects.select_related("ballot").filter(code=code).first() if code else None
    if rater is None:
        return redirect("evaluations:ballot_code")
    if request.method != "POST" and (rater.has_voted or not rater.ballot.is_open):
        # The spent code stays in the session (a GET writes nothing); it opens nothing any more.
        # A paper sent with it is refused by the service, and the page says it was not counted.
        return render(request, "evaluations/ballots/code_done.html", {"ballot": rater.ballot, "rater": rater})
    return _paper(request, rater, code=code, url=reverse("evaluations:ballot_code_paper"))
