"""The year-end pages (DOMAIN.md §7): the committee's list of suggestions and decisions, the
bulk adoption, and the result-use lists. HR prepares and recomputes; the agency head decides."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import listing, periods
from accounts.decorators import permission_required
from accounts.formerrors import form_submitted, run_service
from accounts.models import Job
from accounts.pagination import filtered_page, page_of, query_without
from accounts.selectors import policy_for_organisation

from ..discipline.selectors import own_veto_flags, vetoed_among
from ..grading.models import Grade
from . import achievements as achievement_services
from . import lists, selectors, services
from .forms import AchievementDecisionForm, AchievementForm, AnnualDecisionForm
from .models import Achievement, AnnualGrade, AnnualResult

PAGE_SIZE = 50
USE_PAGE_SIZE = 25
HISTORY_PAGE_SIZE = 12
HISTORY_YEARS = 40


def _get_result_for_user(request: HttpRequest, year: int, pk: int) -> AnnualResult:
    """A result of the signed-in person's organisation; another organisation's pk is a 404."""
    return get_object_or_404(
        AnnualResult.objects.select_related("person", "department", "organisation", "decided_by"),
        pk=pk,
        year=year,
        organisation_id=request.user.organisation_id,
    )


@permission_required("evaluations.view_annual")
def annual_index(request: HttpRequest) -> HttpResponse:
    """The latest year with results, or the current year."""
    latest = (
        AnnualResult.objects.filter(organisation_id=request.user.organisation_id)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    return redirect("evaluations:annual", year=latest or periods.today().year)


@permission_required("evaluations.view_annual")
def annual(request: HttpRequest, year: int) -> HttpResponse:
    """The suggestions of the year with their reasons, rank and decision, filtered and paginated."""
    organisation = request.user.organisation
    policy = policy_for_organisation(organisation_id=organisation.pk)
    filterset, sorting, data = lists.annual_list(request.user, request.GET, year)
    context = filtered_page(request, filterset, per_page=PAGE_SIZE, data=data)
    page = context["page"]
    records = services.quarter_records(person_ids=[row.person_id for row in page], organisation=organisation, year=year)
    can_decide = request.user.has_perm("evaluations.decide_annual")
    # What the committee can no longer change opens its decision page to read (查看), not 修改 (a
    # user test: the agency head was offered 修改 on results the page then refused).
    posted = services.posted_of([row.pk for row in page]) if can_decide else set()
    for row in page:
        row.quarter_record = records.get(row.person_id, "—/—/—/—")
        row.deviates = bool(row.decided_grade) and row.decided_grade != row.suggested_grade
        row.decision_closed = row.locked_at is not None or row.pk in posted
    return render(
        request,
        "evaluations/annual/list.html",
        {
            **context,
            "year": year,
            "status": services.excellent_status(organisation=organisation, year=year, policy=policy),
            "policy": policy,
            "unapproved_quarters": selectors.quarters_outstanding(organisation=organisation, year=year),
            "freshness": services.suggestions_freshness(organisation=organisation, year=year),
            "sorting": sorting,
            "can_decide": can_decide,
            "can_recompute": request.user.has_perm("evaluations.run_annual_rollup"),
            "undecided": services.undecided_count(organisation=organisation, year=year),
            # A year none of whose quarters has ended has nothing to roll up yet: 重新计算 would find
            # nobody (a user test pressed it in January and was asked to press it again).
            "no_quarter_ended": periods.Quarter(year, 1).last_day >= periods.today(),
            # A year that ended before the organisation began in the system has nothing to roll up
            # (a user test pressed 重新计算 there and was asked to press it again).
            "before_start": not periods.is_due(policy, periods.Quarter(year, 4)),
        },
    )


@require_POST
@permission_required("evaluations.run_annual_rollup")
def annual_recompute(request: HttpRequest, year: int) -> HttpResponse:
    """重新计算: a background job. Back to this page when it has already run (no broker: it runs on
    commit, in this request), otherwise to its progress page, which links back here when done."""
    job = services.rollup_year_job_request(organisation=request.user.organisation, year=year, actor=request.user)
    job.refresh_from_db()
    if job.state == Job.State.DONE:
        messages.success(request, services.rollup_year_message(job.summary))
        return redirect("evaluations:annual", year=year)
    return redirect(job)


@permission_required("evaluations.decide_annual")
def annual_decide(request: HttpRequest, year: int, pk: int) -> HttpResponse:
    result = _get_result_for_user(request, year, pk)
    initial = {
        "grade": result.decided_grade or result.suggested_grade,
        "reason": result.decision_reason,
        "seen": services.decision_token(result),
    }
    closed = services.decision_closed(result)
    form = AnnualDecisionForm(
        request.POST or None,
        initial=initial,
        excellent_barred=services.excellent_barred(result),
        fixed=services.grade_fixed(result),
    )
    status = 200
    if request.method == "POST" and closed:
        # Sent from a page opened before the close (a stale tab): refused, and said so, where the
        # page shows no form to carry the error.
        messages.error(request, _("未保存：%(why)s") % {"why": closed})
        status = 409
    elif request.method == "POST" and form.is_valid():
        decided = run_service(
            request,
            lambda: services.annual_decide(
                result=result,
                actor=request.user,
                grade=form.cleaned_data["grade"],
                reason=form.cleaned_data["reason"],
                seen=form.cleaned_data["seen"] if "seen" in request.POST else None,
            ),
            success=_("已确定%(name)s的年度等次。") % {"name": result.person.get_full_name()},
            form=form,
            flash_refusal=False,
        )
        if decided:
            return redirect("evaluations:annual", year=year)
    records = services.quarter_records(person_ids=[result.person_id], organisation=result.organisation, year=year)
    return render(
        request,
        "evaluations/annual/decide.html",
        {
            "year": year,
            "result": result,
            "form": form,
            "closed": closed,
            "quarter_record": records.get(result.person_id, "—/—/—/—"),
            "status": services.excellent_status(organisation=result.organisation, year=year),
            "unapproved_quarters": selectors.quarters_outstanding(organisation=result.organisation, year=year),
            # Why it came back to be decided again (an objection to the posted 优秀, upheld).
            "sent_back": selectors.sent_back_for(result_id=result.pk),
            # Suggestions older than their inputs: no decision until recomputed (as the list says).
            "freshness": services.suggestions_freshness(organisation=result.organisation, year=year),
        },
        status=status,
    )


@permission_required("evaluations.decide_annual")
def annual_adopt(request: HttpRequest, year: int) -> HttpResponse:
    """采用全部建议, after a confirmation page."""
    organisation = request.user.organisation
    if request.method == "POST":
        run_service(
            request,
            lambda: services.annual_adopt_suggestions(organisation=organisation, year=year, actor=request.user),
            success=lambda count: _("已采用%(count)s人的建议等次。") % {"count": count},
        )
        return redirect("evaluations:annual", year=year)
    undecided = AnnualResult.objects.filter(organisation=organisation, year=year, decided_grade="")
    return render(
        request,
        "evaluations/annual/adopt_confirm.html",
        {
            "year": year,
            "undecided": undecided.count(),
            "status": services.excellent_status(organisation=organisation, year=year),
            "unapproved_quarters": selectors.quarters_outstanding(organisation=organisation, year=year),
        },
    )


@permission_required("evaluations.view_annual")
def annual_use(request: HttpRequest, year: int) -> HttpResponse:
    """结果运用: award, training, 三等功, 诫勉谈话 and dismissal-review lists."""
    use, sorting = lists.use_lists(request.user, request.GET, year)
    # Each list pages on its own (``?award=2``); the award and training lists are the same people.
    tables = [
        {
            "title": title,
            "page": Paginator(rows, USE_PAGE_SIZE).get_page(request.GET.get(param)),
            "param": param,
            "query": query_without(request.GET, param),
            "testid": testid,
        }
        for title, rows, param, testid in lists.use_sections(use)
        if param != "pool"
    ]
    pool_page = Paginator(use.promotion_pool, USE_PAGE_SIZE).get_page(request.GET.get("pool"))
    labels = dict(AnnualGrade.choices)
    for row in pool_page:
        for name in ("minus_3", "minus_2", "minus_1", "final"):
            setattr(row, f"{name}_label", labels.get(getattr(row, name) or "", ""))
    pool = {
        "page": pool_page,
        "query": query_without(request.GET, "pool"),
        "years": [year - 3, year - 2, year - 1, year],
    }
    return render(
        request, "evaluations/annual/use.html", {"year": year, "tables": tables, "pool": pool, "sorting": sorting}
    )


# 导出Excel: the year's list as filtered and sorted on the page.
annual_export = listing.export_view(lists.ANNUAL_EXPORT)


# 导出Excel: every result-use list in one sheet, one row per person and list, in the page's sort.
annual_use_export = listing.export_view(lists.USE_EXPORT)


@permission_required("evaluations.view_achievements")
def achievements_index(request: HttpRequest) -> HttpResponse:
    """The 创新突破 of the year at work (the year before in January and February)."""
    return redirect("evaluations:achievements", year=periods.year_at_work())


@permission_required("evaluations.view_achievements")
def achievements(request: HttpRequest, year: int) -> HttpResponse:
    """创新突破 of the year: the leader's proposals (and the form), HR's confirmations."""
    return _achievements_page(request, year)


def _achievements_page(request: HttpRequest, year: int, *, form=None, status: int = 200) -> HttpResponse:
    """The page; ``form``, a proposal as posted when it was incomplete or refused (what was typed
    stays, the message at its field)."""
    user = request.user
    if form is None and user.has_perm("evaluations.propose_achievements"):
        people = achievement_services.proposable_people(actor=user)
        form = AchievementForm(people=people, searchable=user.has_perm("accounts.search_people"))
    page = page_of(request, achievement_services.achievements_for(actor=user, year=year), per_page=PAGE_SIZE)
    # The buttons by the rule the service applies: HR sees none on their own or their proposal.
    # Who holds a veto of the year (to those who see veto flags): confirmed, their 创新突破 stays
    # off the award list, which HR should know before confirming it (a user test did not).
    vetoed = (
        vetoed_among(person_ids=[a.person_id for a in page], year=year)
        if user.has_perm("evaluations.view_veto_flags")
        else set()
    )
    for achievement in page:
        achievement.can_decide = user.has_perm("evaluations.decide_this_achievement", achievement)
        achievement.vetoed = achievement.person_id in vetoed
    return render(
        request,
        "evaluations/annual/achievements.html",
        {
            "year": year,
            "page": page,
            "form": form,
            "decision_form": AchievementDecisionForm() if user.has_perm("evaluations.decide_achievement") else None,
        },
        status=status,
    )


@require_POST
@permission_required("evaluations.propose_achievements")
def achievement_propose(request: HttpRequest, year: int) -> HttpResponse:
    form = AchievementForm(
        request.POST,
        people=achievement_services.proposable_people(actor=request.user),
        searchable=request.user.has_perm("accounts.search_people"),
    )
    made, status = form_submitted(
        request,
        form,
        lambda data: achievement_services.achievement_propose(
            actor=request.user, person=data["person"], year=year, title=data["title"], description=data["description"]
        ),
        success=_("已提出创新突破，待组织人事部门确认。"),
    )
    if made is None:
        return _achievements_page(request, year, form=form, status=status)
    return redirect("evaluations:achievements", year=year)


@require_POST
@permission_required("evaluations.decide_achievement")
def achievement_decide(request: HttpRequest, pk: int) -> HttpResponse:
    achievement = get_object_or_404(Achievement, pk=pk, organisation_id=request.user.organisation_id)
    form = AchievementDecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择确认或不予确认。"))
    else:
        run_service(
            request,
            lambda: achievement_services.achievement_decide(
                actor=request.user,
                achievement=achievement,
                confirm=form.cleaned_data["confirm"],
                note=form.cleaned_data["note"],
            ),
            success=_("已处理创新突破。"),
        )
    return redirect("evaluations:achievements", year=achievement.year)


# Grades as a height on the person's chart (不确定等次 has none).
GRADE_LEVEL = {Grade.GOOD: 4, Grade.FAIRLY_GOOD: 3, Grade.AVERAGE: 2, Grade.POOR: 1}


def _history_chart_rows(person) -> list[list]:
    """The last HISTORY_PAGE_SIZE approved quarters, oldest first: label, grade, level, score (one query)."""
    rows = selectors.own_quarter_grades(person=person).prefetch_related(None)[:HISTORY_PAGE_SIZE]
    labels = dict(Grade.choices)
    return [
        [
            _("%(year)s年第%(quarter)s季度") % {"year": year, "quarter": quarter},
            str(labels.get(grade, "")) if grade else "",
            GRADE_LEVEL.get(grade),
            score,
        ]
        for year, quarter, grade, score in reversed(
            list(rows.values_list("appraisal_quarter__year", "appraisal_quarter__quarter", "grade", "composite_score"))
        )
    ]


@permission_required("evaluations.view_own_history")
def my_history(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own quarterly grades and comments (approved quarters) and decided
    year results. It takes no person: nobody reads another's history here."""
    person = request.user
    chart_rows = _history_chart_rows(person)
    return render(
        request,
        "evaluations/annual/my_history.html",
        {
            "chart_rows": chart_rows,
            # Drawn by static/js/dashboard.js (the dashboards' drawing), the table beneath it the same rows.
            "chart_data": [
                {
                    "key": "history",
                    "title": str(_("近年季度等次")),
                    "labels": [row[0] for row in chart_rows],
                    "stacked": False,
                    "unit": "",
                    "datasets": [{"label": str(_("等次分值")), "data": [row[2] for row in chart_rows], "type": "bar"}],
                    # One scale for everyone: 好 at the top, whatever the person's best grade.
                    "max": max(GRADE_LEVEL.values()),
                    "tickLabels": {level: str(Grade(grade).label) for grade, level in GRADE_LEVEL.items()},
                }
            ],
            "page": page_of(request, selectors.own_quarter_grades(person=person), per_page=HISTORY_PAGE_SIZE),
            # A career has a few dozen years at most; the newest ones, in one bounded query.
            "years": list(selectors.own_annual_results(person=person)[:HISTORY_YEARS]),
            # What a veto notice leads to: each year's 一票否决 and why (a user test's link read nothing of it).
            "veto_flags": own_veto_flags(person_id=person.pk),
        },
    )
