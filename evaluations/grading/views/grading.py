"""Grading pages (审核评鉴, DOMAIN.md §4): the evaluator's work list, one person's page, the
leader's confirmation, and the quarters overview where HR opens a quarter, an inspector gives the
discipline office's opinion (when the policy asks for one) and the agency head approves it.

Views parse input and call one service from ``services.grading``; every rule (who grades whom, the
comment and reason, the 好 quota) is the service's, so a refusal here is the service's message.
Lists load each person's inputs with one query per kind of input, never one per person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import periods
from accounts.decorators import permission_required
from accounts.formerrors import run_service, service_result
from accounts.models import Policy, User
from accounts.pages import keep_refused_text, visible_or_404
from accounts.pagination import filtered_page, query_without
from accounts.selectors import policy_for_organisation, secondments_of_people
from accounts.text import join_list
from accounts.view_access import permitted_or_403
from summaries.models import MonthlySummary
from targets.models import Completion, TargetItem, TargetSet

from ...discipline.selectors import QuarterDiscipline, finding_counts, quarter_discipline
from .. import selectors
from ..forms import ApprovalFilter, ConfirmForm, DisciplineOpinionForm, GradeForm, OpenQuarterForm, ReturnForm
from ..forms_scores import IndicatorScoresForm
from ..models import (
    AppraisalQuarter,
    DepartmentScore,
    Grade,
    GradeState,
    QuarterDisciplineOpinion,
    QuarterGrade,
    QuarterGradeCount,
    SatisfactionScore,
    ServiceEvent,
    ServiceEventKind,
)
from ..services import grading, quota, scores, suggestions

GRADE_LABELS = dict(Grade.choices)


# --- Reading a quarter's inputs --------------------------------------------------------


@dataclass
class MonthStatus:
    month: int
    summary: MonthlySummary | None = None
    # A newcomer began after the month ended: nothing was owed (periods.person_policy).
    not_due: bool = False


@dataclass
class PersonFacts:
    """What an evaluator weighs for one person, gathered for a whole list at once."""

    last_grade: str = ""
    target_set_id: int | None = None
    items_done: int = 0
    items_total: int = 0
    months: list[MonthStatus] = field(default_factory=list)
    satisfaction: Decimal | None = None
    praise: int = 0
    complaints: int = 0
    department_score: Decimal | None = None
    suggested_grade: str = ""
    suggestion_explanation: str = ""
    findings: int = 0
    serious_findings: int = 0
    # An active veto flag of the year, a sanction decided in the quarter (discipline's selector).
    discipline: QuarterDiscipline = field(default_factory=QuarterDiscipline)
    # Where the organisation scores (Policy.score_model_enabled): no indicator scores entered yet
    # for the person (the card says so and links the person's page, where they are entered).
    unscored: bool = False

    @property
    def last_grade_label(self) -> str:
        return GRADE_LABELS.get(self.last_grade, "")

    @property
    def suggested_grade_label(self) -> str:
        return GRADE_LABELS.get(self.suggested_grade, "")


def person_facts(
    *,
    appraisal_quarter: AppraisalQuarter,
    rows: list[QuarterGrade],
    policy: Policy,
    pools: list[quota.PoolStatus] | None = None,
) -> dict[int, PersonFacts]:
    """Inputs for every person of ``rows``: a fixed number of queries, whatever the number of people.

    The queries that fill dictionaries are read without an order: the models' default orders
    (a grade row's quarter, organisation and department; a survey score's person and department)
    joined up to six tables to sort rows whose order nothing here uses. ``pools``: the quarter's
    ``quota.quota_status``, when the page has read it for its banner (the suggestions need it)."""
    if not rows:
        return {}
    year, quarter = appraisal_quarter.year, appraisal_quarter.quarter
    person_ids = [row.person_id for row in rows]
    department_ids = {row.department_id for row in rows}
    period = appraisal_quarter.period
    months = list(period.months)
    facts = {pk: PersonFacts(months=[MonthStatus(m) for m in months]) for pk in person_ids}

    last = period.previous()
    last_year, last_quarter = last.year, last.quarter
    for person_id, grade in (
        QuarterGrade.objects.filter(
            appraisal_quarter__organisation_id=appraisal_quarter.organisation_id,
            appraisal_quarter__year=last_year,
            appraisal_quarter__quarter=last_quarter,
            person_id__in=person_ids,
        )
        .order_by()
        .values_list("person_id", "grade")
    ):
        facts[person_id].last_grade = grade

    target_sets = (
        TargetSet.objects.filter(owner_id__in=person_ids, year=year, quarter=quarter)
        .annotate(total=Count("items"), done=Count("items", filter=Q(items__completion=Completion.DONE)))
        .values_list("owner_id", "pk", "total", "done")
    )
    for owner_id, pk, total, done in target_sets:
        facts[owner_id].target_set_id, facts[owner_id].items_total, facts[owner_id].items_done = pk, total, done

    summaries = (
        MonthlySummary.objects.filter(owner_id__in=person_ids, year=year, month__in=months)
        .only("pk", "owner_id", "month", "status", "is_late")
        .order_by()
    )
    for summary in summaries:
        facts[summary.owner_id].months[summary.month - months[0]].summary = summary
    # A month nobody owes (ended before the organisation went live) or this person does not (ended
    # before their own start): 无需填报, as approval and the roll-up read it (periods.is_due).
    # Nor a month the person spent wholly seconded out (挂职/援派): the host appraises them.
    not_owed = {m for m in months if not periods.is_due(policy, periods.Month(year, m))}
    away = secondments_of_people(person_ids=person_ids)
    for row in rows:
        start = row.person.appraisal_start if QuarterGrade.person.is_cached(row) else None
        for status in facts[row.person_id].months:
            month = periods.Month(year, status.month)
            status.not_due = (
                status.month in not_owed
                or (start is not None and not periods.is_due_for(month, start))
                or (row.person_id in away and away[row.person_id].through(month))
            )

    # A person's own survey result counts; a department's is shown to those without one.
    by_department: dict[int, Decimal] = {}
    for person_id, department_id, score in (
        SatisfactionScore.objects.filter(
            Q(person_id__in=person_ids) | Q(department_id__in=department_ids),
            organisation_id=appraisal_quarter.organisation_id,
            year=year,
            quarter=quarter,
        )
        .order_by()
        .values_list("person_id", "department_id", "score")
    ):
        if person_id:
            facts[person_id].satisfaction = score
        else:
            by_department[department_id] = score
    for row in rows:
        if facts[row.person_id].satisfaction is None:
            facts[row.person_id].satisfaction = by_department.get(row.department_id)

    first_day, last_day = period.first_day, period.last_day
    events = (
        ServiceEvent.objects.filter(person_id__in=person_ids, date__range=(first_day, last_day))
        .values("person_id")
        .annotate(
            praise=Count("pk", filter=Q(kind=ServiceEventKind.PRAISE)),
            complaints=Count("pk", filter=Q(kind=ServiceEventKind.COMPLAINT)),
        )
    )
    for event in events:
        facts[event["person_id"]].praise = event["praise"]
        facts[event["person_id"]].complaints = event["complaints"]

    # Discipline findings about the person in the quarter (纪律作风检查).
    counts = finding_counts(person_ids=person_ids, first_day=first_day, last_day=last_day)
    for person_id, (total, serious) in counts.items():
        facts[person_id].findings = total
        facts[person_id].serious_findings = serious
    # A veto of the year or a sanction of the quarter weighs on the grade: the grader sees it here.
    for person_id, discipline in quarter_discipline(
        person_ids=person_ids, year=year, first_day=first_day, last_day=last_day
    ).items():
        facts[person_id].discipline = discipline

    department_scores = dict(
        DepartmentScore.objects.filter(department_id__in=department_ids, year=year, quarter=quarter).values_list(
            "department_id", "total"
        )
    )
    suggested = suggestions.grade_suggestions(
        appraisal_quarter=appraisal_quarter, rows=rows, policy=policy, pools=pools
    )
    for row in rows:
        facts[row.person_id].department_score = department_scores.get(row.department_id)
        facts[row.person_id].unscored = policy.score_model_enabled and row.personal_score is None
        if suggestion := suggested.get(row.person_id):
            facts[row.person_id].suggested_grade = suggestion.grade
            facts[row.person_id].suggestion_explanation = suggestion.explanation
    return facts


# --- Rows on a page ----------------------------------------------------------------------


@dataclass
class GradingRow:
    grade_row: QuarterGrade
    pool: str
    facts: PersonFacts | None = None
    form: GradeForm | ConfirmForm | None = None
    # The score bands' one binding rule (below ``band_average`` only 较差): the refusal the saved
    # grade now meets (scores entered or changed after it), or, not graded yet, that it applies.
    band_conflict: str = ""
    below_band: bool = False
    # A head's grade given by someone else (by the head before them, when they were staff): on the
    # supervising leader's list it waits for them, who give a head's grade.
    given_by_another: bool = False
    # On a confirmation row: the veto, sanctions and serious findings the grader's card shows
    # (selectors.discipline_for_deciders).
    marks: dict = field(default_factory=dict)
    # On a confirmation row: what the staff register says (suggestions.register_notes).
    register_note: str = ""

    @property
    def needs_reason(self) -> bool:
        return self.grade_row.grade in (Grade.AVERAGE, Grade.POOR)


def _grading_row(grade_row: QuarterGrade, *, pool: str, policy: Policy, **kwargs) -> GradingRow:
    """A row of a grading page, with what the score bands say of its grade (no query)."""
    return GradingRow(
        grade_row=grade_row,
        pool=pool,
        band_conflict=scores.band_refusal(row=grade_row, grade=grade_row.grade, policy=policy),
        below_band=not grade_row.grade and scores.below_average_band(row=grade_row, policy=policy),
        **kwargs,
    )


def _grade_form(grade_row: QuarterGrade, data=None) -> GradeForm:
    return GradeForm(
        data,
        prefix=f"g{grade_row.pk}",
        initial={
            "grade": grade_row.grade,
            "comment": grade_row.comment,
            "reason": grade_row.reason,
            "uncertain_reason": grade_row.uncertain_reason,
            "version": grade_row.version,
        },
    )


def _confirm_form(grade_row: QuarterGrade, data=None) -> ConfirmForm:
    return ConfirmForm(data, prefix=f"c{grade_row.pk}", initial={"version": grade_row.version})


def _may_still_change(user: User, grade_row: QuarterGrade) -> bool:
    """Whether to offer the form: a head's grade confirmed by the leader is final for the head
    (the service refuses it anyway; this only spares the person a form that cannot succeed)."""
    return grade_row.is_editable and (
        grade_row.state != GradeState.CONFIRMED or grade_row.department.supervising_leader_id == user.pk
    )


def _quota_context(pools: list[quota.PoolStatus], policy: Policy, appraisal_quarter: AppraisalQuarter) -> dict:
    return {"pools": pools, "quota_percent": quota.quota_percent(appraisal_quarter, policy)}


def _department_shares(appraisal_quarter: AppraisalQuarter, departments: list, policy: Policy) -> list[dict]:
    """For each department the user grades: its 好 given and its headcount's share of the quota, a
    yardstick and no cap (the quota is the organisation's, DOMAIN.md §4), as the dashboard draws it.
    A user test: three heads gave 好 to everyone and the last departments, and the leader, found no
    place left, warned by nothing while there was still time."""
    percent = quota.quota_percent(appraisal_quarter, policy)
    rows = selectors.department_good_counts(
        appraisal_quarter=appraisal_quarter, department_ids=[d.pk for d in departments]
    )
    for row in rows:
        row["share"] = quota.good_quota(participants=row["participants"], percent=percent)
        row["over"] = row["good"] > row["share"]
    return rows


# --- My grading work ---------------------------------------------------------------------


WORK_PAGE_SIZE = 20


def _work_quarter(request: HttpRequest, open_quarters: list[AppraisalQuarter]) -> AppraisalQuarter | None:
    """The open quarter the grading page shows: ``?quarter=`` (in the GET, or the POST of a form sent
    from the page) when it names one of them, else the latest."""
    wanted = _work_page_number(request, "quarter") or ""
    return next((q for q in open_quarters if str(q.pk) == wanted), open_quarters[0] if open_quarters else None)


def _work_page_number(request: HttpRequest, param: str) -> str | None:
    # A refused save re-renders the page it came from: its position (the page of each list and
    # the department) travels in the POST (evaluations/grading/_work_position.html).
    return request.POST.get(param) or request.GET.get(param)


REGRADES_SHOWN = 50


def _quarter_to_come(user: User) -> dict:
    """With no quarter open, which one the evaluator grades next and when, so nobody waits for a
    page that cannot open yet: the quarter just ended while HR may open it and has not (HR's home
    shows the same to-do), else the running quarter and the day its grading window opens."""
    policy = policy_for_organisation(organisation_id=user.organisation_id)
    current = periods.Quarter.current()
    ended = current.previous()
    opened = AppraisalQuarter.objects.filter(
        organisation_id=user.organisation_id, year=ended.year, quarter=ended.quarter
    ).exists()
    if not opened and periods.is_due(policy, ended):
        opens = grading.grading_window_opens(organisation_id=user.organisation_id, quarter=ended, policy=policy)
        if opens is None:
            # Its window waits for the satisfaction survey (the policy's rule): said as for any quarter.
            return {"next_quarter": ended, "next_opens": None}
        # The window's first day stands in for the survey's entry day (as on the quarters page).
        if periods.grading_open_refusal(ended, policy, survey_entered_on=opens) is None:
            return {"waiting_quarter": ended}
    opens = grading.grading_window_opens(organisation_id=user.organisation_id, quarter=current, policy=policy)
    return {"next_quarter": current, "next_opens": opens}


def _render_work(
    request: HttpRequest, *, bound: dict[int, GradeForm | ConfirmForm] | None = None, status: int = 200
) -> HttpResponse:
    """One page of the people to grade and one of the grades to confirm, optionally of one
    department: the rows, their inputs and forms cost the same however large the department."""
    user = request.user
    bound = bound or {}
    open_quarters = selectors.open_appraisal_quarters(organisation=user.organisation)
    appraisal_quarter = _work_quarter(request, open_quarters)
    # Grades sent back after an objection wait here too, whether or not a quarter is open (a few).
    departments = list(selectors.departments_graded_by(user=user))
    ctx: dict = {
        "appraisal_quarter": appraisal_quarter,
        # More than one quarter open (an earlier one not yet approved): a switch between them.
        "open_quarters": open_quarters if len(open_quarters) > 1 else [],
        "regrades": selectors.regrades_waiting_for(user=user, departments=departments, returned=True)[:REGRADES_SHOWN],
    }
    if appraisal_quarter is None or request.GET.get("approved"):
        # The quarter just approved, read only: the grades this person gave or confirmed (the
        # approval's notice leads here; a user test's head followed it to an empty page).
        approved = selectors.approved_quarter(organisation_id=user.organisation_id, pk=request.GET.get("approved"))
        given = selectors.grades_given_by(user=user, appraisal_quarter=approved) if approved else None
        if given is not None and given.exists():
            ctx["approved_quarter"] = approved
            ctx["approved_page"] = Paginator(given, WORK_PAGE_SIZE).get_page(request.GET.get("apage"))
            ctx["approved_query"] = f"approved={approved.pk}"
    if appraisal_quarter is None:
        ctx.update(_quarter_to_come(user))
        return render(request, "evaluations/grading/work.html", ctx, status=status)
    policy = policy_for_organisation(organisation_id=user.organisation_id)
    wanted = _work_page_number(request, "department") or ""
    department = next((d for d in departments if str(d.pk) == wanted), None)
    # Paged department by department (counted by the grade counters), so a page reads one or two
    # departments' index ranges, never every row of the list sorted.
    lists = selectors.grading_lists(
        user=user, appraisal_quarter=appraisal_quarter, departments=[department] if department else departments
    )
    give_page = Paginator(lists.to_give, WORK_PAGE_SIZE).get_page(_work_page_number(request, "page"))
    confirm_page = Paginator(lists.to_confirm, WORK_PAGE_SIZE).get_page(_work_page_number(request, "cpage"))
    for row in [*give_page, *confirm_page]:
        row.appraisal_quarter = appraisal_quarter
    # The quota banner's pools, read once for the banner and the rows' suggestions.
    pools = quota.quota_status(appraisal_quarter=appraisal_quarter, policy=policy)
    facts = person_facts(appraisal_quarter=appraisal_quarter, rows=list(give_page), policy=policy, pools=pools)

    rules = quota.quarter_rules(appraisal_quarter, policy)

    def pool_of(row: QuarterGrade) -> str:
        return quota.pool_kind(is_leader_position=row.is_leader_position, policy=rules)

    give_rows = []
    for row in give_page:
        form = bound.get(row.pk) or (_grade_form(row) if _may_still_change(user, row) else None)
        given_by_another = row.state == GradeState.GRADED and row.department.supervising_leader_id == user.pk
        give_rows.append(
            _grading_row(
                row,
                pool=pool_of(row),
                policy=policy,
                facts=facts[row.person_id],
                form=form,
                given_by_another=given_by_another,
            )
        )
    marks = selectors.discipline_for_deciders(appraisal_quarter, list(confirm_page))
    # What the staff register says of them (long leave, 立案审查, 挂职/援派), as the head's cards say it.
    notes = (
        suggestions.register_notes(appraisal_quarter=appraisal_quarter, rows=list(confirm_page), policy=policy)
        if confirm_page
        else {}
    )
    confirm_rows = [
        _grading_row(
            row,
            pool=pool_of(row),
            policy=policy,
            form=bound.get(row.pk) or _confirm_form(row),
            marks=marks.get(row.person_id, {}),
            register_note=notes.get(row.person_id, ""),
        )
        for row in confirm_page
    ]
    query = request.GET.copy()
    if department is None:
        query.pop("department", None)
    position = {
        "give_page": give_page,
        "confirm_page": confirm_page,
        "department": department,
        "quarter": appraisal_quarter if appraisal_quarter != open_quarters[0] else None,
    }
    # Of those 全部确认 would confirm, how many carry a veto, a sanction or a serious finding (a review:
    # cards on other pages were confirmed unseen), and what the form sends back to refuse them changed
    # since (a user test: a head's change meanwhile was confirmed unseen).
    marked_waiting, confirm_all_seen, graded_waiting = (
        selectors.confirm_all_figures(
            appraisal_quarter=appraisal_quarter, actor=user, department_id=department.pk if department else None
        )
        if lists.graded_waiting and confirm_page.paginator.count
        else (0, "", 0)
    )
    ctx.update(
        # The same hidden fields in every row's form: rendered once, not once per row.
        work_position=render_to_string("evaluations/grading/_work_position.html", position),
        give_rows=give_rows,
        give_page=give_page,
        confirm_rows=confirm_rows,
        confirm_page=confirm_page,
        give_query=query_without(query, "page"),
        confirm_query=query_without(query, "cpage"),
        departments=departments,
        department=department,
        graded_waiting=graded_waiting,
        marked_waiting=marked_waiting,
        confirm_all_seen=confirm_all_seen,
        band_average=policy.band_average,
        department_shares=_department_shares(appraisal_quarter, departments, policy),
        **_quota_context(pools, policy, appraisal_quarter),
        **_deadline_context(policy, appraisal_quarter),
    )
    return render(request, "evaluations/grading/work.html", ctx, status=status)


def _deadline_context(policy, appraisal_quarter) -> dict:
    """The policy's 评鉴期限 of the quarter, and how many days past it today is (0 before it): said
    on the grading and approval pages (a user test graded a quarter weeks late with no word of it;
    lateness does not block grading, as it does not block a hand-in)."""
    deadline = periods.grading_deadline(policy, appraisal_quarter.period)
    return {"grading_deadline": deadline, "grading_days_over": max((periods.today() - deadline).days, 0)}


@permission_required("evaluations.grading_work")
def work(request: HttpRequest) -> HttpResponse:
    """The current quarter's people to grade, with their inputs, and (for a leader) the staff
    grades of the supervised departments to confirm."""
    return _render_work(request)


# --- One person ---------------------------------------------------------------------------


def _get_grade_for_user(request: HttpRequest, pk: int) -> QuarterGrade:
    """A grade row the user may see; anything else is a 404, so other people's ids stay unconfirmed.

    Who may see, grade and confirm it is read from the person's and the row's departments' ids
    (``accounts.selectors.evaluator_id_of``): the heads and leaders themselves are not loaded. Read
    without an order (``get``): ``first()`` ordered the one row by QuarterGrade's default order,
    four joins and a hash of each of its columns."""
    return visible_or_404(
        request,
        lambda: QuarterGrade.objects.select_related(
            "appraisal_quarter", "person__department", "department", "evaluator", "confirmed_by"
        ).get(pk=pk, department__organisation_id=request.user.organisation_id),
        perm="evaluations.view_grade",
    )


def _get_grade_to_act_on(request: HttpRequest, pk: int, perm: str) -> QuarterGrade:
    """A visible grade row on which the user holds ``perm`` (grade, confirm, return); a visible one
    without it is refused (403), since its page may be seen."""
    return permitted_or_403(request, _get_grade_for_user(request, pk), perm)


def _render_detail(
    request: HttpRequest, row: QuarterGrade, *, form=None, score_form=None, return_form=None, status: int = 200
) -> HttpResponse:
    user = request.user
    appraisal_quarter = row.appraisal_quarter
    policy = policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    can_grade = user.has_perm("evaluations.grade_person", row) and _may_still_change(user, row)
    can_confirm = (
        row.is_editable and row.state != GradeState.PENDING and user.has_perm("evaluations.confirm_grade", row)
    )
    # A grade sent back after an objection is graded in an approved quarter: its quota shows too.
    shows_quota = row.is_editable and (can_grade or can_confirm)
    # The quota's pools, read once for the banner and the score model's suggestion.
    pools = (
        quota.quota_status(appraisal_quarter=appraisal_quarter, policy=policy)
        if shows_quota or policy.score_model_enabled
        else None
    )
    facts = person_facts(appraisal_quarter=appraisal_quarter, rows=[row], policy=policy, pools=pools)[row.person_id]
    first_day, last_day = appraisal_quarter.period.first_day, appraisal_quarter.period.last_day
    if can_grade and not isinstance(form, GradeForm):
        form = _grade_form(row)
    elif can_confirm and not isinstance(form, ConfirmForm):
        form = _confirm_form(row)
    can_return = (
        appraisal_quarter.is_open
        and row.state == GradeState.CONFIRMED
        and row.person_id != user.pk
        and user.has_perm("evaluations.return_grade", row)
    )
    ctx = {
        "can_return": can_return,
        "return_form": (return_form or ReturnForm(initial={"version": row.version})) if can_return else None,
        "row": _grading_row(
            row,
            pool=quota.pool_kind(
                is_leader_position=row.is_leader_position, policy=quota.quarter_rules(appraisal_quarter, policy)
            ),
            policy=policy,
            facts=facts,
            form=form if (can_grade or can_confirm) else None,
            given_by_another=can_grade
            and row.state == GradeState.GRADED
            and row.department.supervising_leader_id == user.pk,
        ),
        "appraisal_quarter": appraisal_quarter,
        "band_average": policy.band_average,
        "can_grade": can_grade,
        "can_confirm": can_confirm,
        "target_items": list(
            TargetItem.objects.filter(target_set_id=facts.target_set_id).order_by("sort_order", "pk")
            if facts.target_set_id
            else []
        ),
        "events": list(
            ServiceEvent.objects.filter(person_id=row.person_id, date__range=(first_day, last_day)).order_by(
                "date", "pk"
            )
        ),
    }
    if shows_quota:
        ctx.update(_quota_context(pools, policy, row.appraisal_quarter))
    if policy.score_model_enabled:
        indicators = scores.indicators_for(grade_row=row)
        existing = {s.indicator_id: s.score for s in row.indicator_scores.all()}
        ctx["score_form"] = score_form or IndicatorScoresForm(
            indicators=indicators,
            initial={f"indicator_{pk}": value for pk, value in existing.items()},
        )
        ctx["can_score"] = can_grade
        ctx["score_rows"] = [(indicator, existing.get(indicator.pk)) for indicator in indicators]
    return render(request, "evaluations/grading/detail.html", ctx, status=status)


@require_POST
@login_required
def grade_scores(request: HttpRequest, pk: int) -> HttpResponse:
    """The evaluator's indicator scores (when the organisation uses the score model)."""
    row = _get_grade_to_act_on(request, pk, "evaluations.grade_person")
    form = IndicatorScoresForm(request.POST, indicators=scores.indicators_for(grade_row=row))
    if not form.is_valid():
        messages.error(request, _("请按提示修改后再保存。"))
        return _render_detail(request, row, score_form=form, status=400)
    saved = run_service(
        request,
        lambda: scores.indicator_scores_save(grade_row=row, actor=request.user, scores=form.scores()),
        success=lambda saved: (
            _("评分已保存：个人得分 %(personal)s，综合得分 %(composite)s，建议等次“%(grade)s”。")
            % {
                "personal": saved.personal_score,
                "composite": saved.composite_score,
                "grade": saved.get_suggested_grade_display(),
            }
        ),
    )
    if not saved:
        return _render_detail(request, row, score_form=form, status=400)
    return redirect("evaluations:grade_detail", pk=row.pk)


def _back_to(request: HttpRequest, row: QuarterGrade) -> str:
    if request.POST.get("next") == "work":
        query = urlencode(
            {k: request.POST[k] for k in ("page", "cpage", "department", "quarter") if request.POST.get(k)}
        )
        return reverse("evaluations:grading") + (f"?{query}" if query else "") + f"#grade-{row.pk}"
    return reverse("evaluations:grade_detail", args=[row.pk])


def _rerender(request: HttpRequest, row: QuarterGrade, form) -> HttpResponse:
    """The page again after a refused POST. The row and the quota banner are read anew from the
    database: the saved grade the banner's live count starts from is what the database holds
    now (another tab or person may have saved meanwhile), never the refused pick."""
    now = _get_grade_for_user(request, row.pk)
    form = with_stored_version(form, now.version)
    if request.POST.get("next") == "work":
        return _render_work(request, bound={row.pk: form}, status=400)
    return _render_detail(request, now, form=form, status=400)


def with_stored_version(form, version: int):
    """A refused form shown again carries the stored version: the page shows the grade as it is
    now, so saving again is a deliberate overwrite, as on a target set's page (with the posted
    version every later save was refused again, the review of a user test's conflict found)."""
    if form.is_bound and "version" in form.fields:
        data = form.data.copy()
        data[form.add_prefix("version")] = str(version)
        form.data = data
    return form


def _grading_form_posted(
    request: HttpRequest,
    row: QuarterGrade,
    form: GradeForm | ConfirmForm,
    *,
    invalid: str,
    save: Callable[[dict], QuarterGrade],
    success: str,
    refused: Callable[[dict], None] | None = None,
) -> HttpResponse:
    """A grade given or confirmed, from the work list or the person's page: ``save(cleaned_data)``
    through the service, flashing ``success`` (its ``%(name)s`` the person, ``%(grade)s`` the grade
    saved) and back where the form was. A form that does not parse (``invalid`` flashed) or that the
    service refuses (``refused(cleaned_data)`` run first) is shown again with what was typed."""
    if not form.is_valid():
        messages.error(request, invalid)
        return _rerender(request, row, form)
    data = form.cleaned_data
    if run_service(
        request,
        lambda: save(data),
        success=lambda saved: success % {"name": row.person.get_full_name(), "grade": saved.get_grade_display()},
        form=form,
    ):
        return redirect(_back_to(request, row))
    if refused is not None:
        refused(data)
    return _rerender(request, row, form)


def _say_what_is_stored(request: HttpRequest, now: QuarterGrade, data: dict, *, typed: bool = True) -> None:
    """Saved from another tab meanwhile (the version the form carried is not the row's): what is
    stored now, whose, beside the form that keeps this tab's pick and text (a user test saved again
    over a grade it had never seen; a leader's 调整等次 likewise). ``typed``: the form carried the
    person's own pick or text; a plain 确认 carried none, and is asked to look again (a re-test
    read of unsaved text it had never typed)."""
    if data.get("version") == now.version or not now.grade:
        return
    stored = (
        _(
            "%(name)s现在保存的等次是“%(grade)s”，评语：%(comment)s。本窗口填写的内容未保存，仍在表单中；"
            "如确定以本窗口的内容为准，请再次保存。"
        )
        if typed
        else _("%(name)s现在保存的等次是“%(grade)s”，评语：%(comment)s。请核对后再确认。")
    )
    messages.info(
        request,
        stored
        % {
            "name": now.person.get_full_name(),
            "grade": now.get_grade_display(),
            "comment": now.comment.strip().rstrip("。") or "—",
        },
    )


@login_required
def grade_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one person's quarter, one click away, and the grading form (POST grades)."""
    row = _get_grade_for_user(request, pk)
    if request.method != "POST":
        return _render_detail(request, row)
    permitted_or_403(request, row, "evaluations.grade_person")

    def refused(data: dict) -> None:
        now = _get_grade_for_user(request, pk)
        if not (request.user.has_perm("evaluations.grade_person", now) and _may_still_change(request.user, now)):
            # Decided meanwhile (a leader confirmed it from another tab's grade): the page has no
            # form left to keep the typed text in, so what differs from the stored text is said
            # back (a user test lost a comment so).
            if data["comment"].strip() != now.comment.strip():
                keep_refused_text(request, _("您填写的评语未保存：%(text)s"), data["comment"])
            if data["reason"].strip() != now.reason.strip():
                keep_refused_text(request, _("您填写的理由未保存：%(text)s"), data["reason"])
        else:
            _say_what_is_stored(request, now, data)

    return _grading_form_posted(
        request,
        row,
        _grade_form(row, request.POST),
        invalid=_("请按提示修改后再保存。"),
        save=lambda data: grading.grade_assign(
            grade_row=row,
            actor=request.user,
            grade=data["grade"],
            comment=data["comment"],
            reason=data["reason"],
            uncertain_reason=data["uncertain_reason"],
            version=data["version"],
        ),
        success=_("已将%(name)s评为“%(grade)s”。"),
        refused=refused,
    )


@require_POST
@login_required
def grade_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The supervising leader confirms a staff grade, or changes it with a reason."""
    row = _get_grade_to_act_on(request, pk, "evaluations.confirm_grade")
    form = _confirm_form(row, request.POST)
    changing = request.POST.get("action") == "change"
    if form.is_valid() and changing and not form.cleaned_data["new_grade"]:
        form.add_error("new_grade", _("请选择调整后的等次。"))
    chosen = form.cleaned_data.get("new_grade") if form.is_valid() else ""
    if not changing and chosen and chosen != row.grade:
        # 确认 confirms the grade as it stands: a different grade chosen under 调整等次 would be
        # silently dropped, so the leader is asked which was meant.
        form.add_error(
            "new_grade",
            _(
                "您在“调整等次”中选了“%(grade)s”：如要调整，请填写理由后点“调整并确认”；如不调整，请改回“不调整”再点“确认”。"
            )
            % {"grade": Grade(chosen).label},
        )
    return _grading_form_posted(
        request,
        row,
        form,
        invalid=_("请按提示修改后再提交。"),
        save=lambda data: grading.grade_confirm(
            grade_row=row,
            actor=request.user,
            new_grade=data["new_grade"] if changing else None,
            reason=data["reason"] if changing else "",
            version=data["version"],
        ),
        success=_("已确认%(name)s的等次：“%(grade)s”。"),
        refused=lambda data: _say_what_is_stored(request, _get_grade_for_user(request, pk), data, typed=changing),
    )


@require_POST
@login_required
def grade_return(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency head sends a confirmed grade back to its graders before approving, with a reason;
    back to the approval page."""
    row = _get_grade_to_act_on(request, pk, "evaluations.return_grade")
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请按提示修改后再提交。"))
        return _render_detail(request, row, return_form=form, status=400)
    saved = run_service(
        request,
        lambda: grading.grade_return(
            grade_row=row, actor=request.user, reason=form.cleaned_data["reason"], version=form.cleaned_data["version"]
        ),
        success=lambda saved: (
            _("已将%(name)s的等次退回重新评鉴，评鉴人和分管领导已收到通知。") % {"name": row.person.get_full_name()}
        ),
        form=form,
    )
    if not saved:
        now = _get_grade_for_user(request, pk)
        return _render_detail(request, now, return_form=with_stored_version(form, now.version), status=400)
    return redirect(reverse("evaluations:quarter_approve", args=[row.appraisal_quarter_id]))


@require_POST
@permission_required("evaluations.grading_work")
def grades_confirm_all(request: HttpRequest) -> HttpResponse:
    open_quarters = selectors.open_appraisal_quarters(organisation=request.user.organisation)
    appraisal_quarter = _work_quarter(request, open_quarters)
    if appraisal_quarter is None:
        raise Http404
    # The page's department filter, one of the departments the leader grades (else all of them).
    wanted = request.POST.get("department", "")
    department = next((d for d in selectors.departments_graded_by(user=request.user) if str(d.pk) == wanted), None)
    refused: list = []
    run_service(
        request,
        lambda: grading.grades_confirm_all(
            appraisal_quarter=appraisal_quarter,
            actor=request.user,
            refused=refused,
            department_id=department.pk if department else None,
            seen=request.POST.get("seen") or None,
        ),
        success=lambda confirmed: (
            _("已确认%(department)s%(n)s人的等次。") % {"department": department.name, "n": confirmed}
            if department
            else _("已确认%(n)s人的等次。") % {"n": confirmed}
        ),
    )
    if refused:
        messages.warning(
            request,
            _("以下%(n)s人的等次未确认，请逐一调整后确认：%(why)s")
            % {"n": len(refused), "why": join_list(("；".join(words) for _row, words in refused), limit=5)},
        )
    back = reverse("evaluations:grading")
    where = {"department": department.pk} if department is not None else {}
    if request.POST.get("quarter"):
        where["quarter"] = appraisal_quarter.pk
    if where:
        back += "?" + urlencode(where)
    return redirect(back + "#confirm")


# --- Quarters ------------------------------------------------------------------------------


def _distribution(appraisal_quarter: AppraisalQuarter, policy: Policy) -> tuple[list[dict], dict, list]:
    """Grade counts per department, their organisation totals and the quota pools' status, from
    the quarter's grade counters (services.counts): a row per department and position, where
    grouping the quarter's grade rows took 150–340 ms at 100 000 people."""
    departments: dict[int, dict] = {}
    pool_counts: dict[bool, tuple[int, int]] = {}
    for row in selectors.quarter_distribution(appraisal_quarter=appraisal_quarter):
        position = row.pop("is_leader_position")
        participants, used = pool_counts.get(position, (0, 0))
        pool_counts[position] = (participants + row["total"] - row["uncertain"], used + row["good"])
        if (department := departments.get(row["department_id"])) is None:
            departments[row["department_id"]] = row
        else:
            for key in QuarterGradeCount.COUNTS:
                department[key] += row[key]
    totals = {key: sum(d[key] for d in departments.values()) for key in QuarterGradeCount.COUNTS}
    pools = quota.quota_status_from_counts(rules=quota.quarter_rules(appraisal_quarter, policy), counts=pool_counts)
    return list(departments.values()), totals, pools


def _discipline_opinion(
    appraisal_quarter: AppraisalQuarter, policy: Policy
) -> tuple[QuarterDisciplineOpinion | None, str]:
    """The quarter's 纪委意见 (None before one is given) and, while the quarter is open and the
    policy has the step, what it still waits for (``grading.discipline_opinion_status``; else "")."""
    opinion = selectors.quarter_discipline_opinion(appraisal_quarter=appraisal_quarter)
    status = (
        grading.discipline_opinion_status(appraisal_quarter=appraisal_quarter, opinion=opinion)
        if policy.discipline_review_step and appraisal_quarter.is_open
        else ""
    )
    return opinion, status


def _get_quarter_for_user(request: HttpRequest, pk) -> AppraisalQuarter:
    found = AppraisalQuarter.objects.filter(pk=pk, organisation_id=request.user.organisation_id).first()
    if found is None:
        raise Http404
    return found


def _openable_quarters(organisation_id: int, policy, *, opened: set[periods.Quarter]) -> list[dict]:
    """The current quarter and the past ones the policy lets HR reach back to, newest first, each
    with the day its grading opens and whether it may be opened now (and if not, why)."""
    current = periods.Quarter.current()
    candidates = [current]
    for _step in range(policy.grading_open_past_quarters):
        candidates.append(candidates[-1].previous())
    windows = grading.grading_windows(organisation_id=organisation_id, quarters=candidates, policy=policy)
    today = periods.today()
    rows = []
    for quarter in candidates:
        # The window's first day stands in for the survey's entry day: the calendar takes the later
        # of it and the quarter's end, which is that same day again.
        refusal = (
            None
            if quarter in opened
            else periods.grading_open_refusal(quarter, policy, on=today, survey_entered_on=windows[quarter])
        )
        rows.append(
            {
                "quarter": quarter,
                "opens": windows[quarter],
                "opened": quarter in opened,
                "allowed": quarter not in opened and refusal is None,
                "refusal": refusal,
            }
        )
    return rows


def _render_quarters(
    request: HttpRequest,
    *,
    selected_pk: int | None,
    opinion_form: DisciplineOpinionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    all_quarters = list(
        AppraisalQuarter.objects.filter(organisation_id=user.organisation_id)
        .select_related("approved_by")
        .order_by("-year", "-quarter")
    )
    selected = next((q for q in all_quarters if q.pk == selected_pk), None)
    if selected is None:
        selected = next((q for q in all_quarters if q.is_open), None) or (all_quarters[0] if all_quarters else None)
    policy = policy_for_organisation(organisation_id=user.organisation_id)
    if selected is not None:
        departments, totals, pools = _distribution(selected, policy)
        # The selected quarter's progress is its distribution's totals: not counted a second time.
        people = totals["total"]
        known = {selected.pk: {"people": people, "graded": people - totals["ungraded"], "good": totals["good"]}}
    else:
        known = {}
    selectors.quarter_progress(all_quarters, known=known)
    openable = _openable_quarters(user.organisation_id, policy, opened={q.period for q in all_quarters})
    windows = grading.grading_windows(
        organisation_id=user.organisation_id, quarters=[q.period for q in all_quarters], policy=policy
    )
    today = periods.today()
    for q in all_quarters:
        q.window_opens = windows[q.period]
        q.window_open = q.window_opens is not None and today >= q.window_opens
    allowed = [row for row in openable if row["allowed"]]
    default = allowed[0]["quarter"] if allowed else periods.Quarter.current().previous()
    ctx: dict = {
        "quarters": all_quarters,
        "selected": selected,
        "can_open": user.has_perm("evaluations.open_quarter"),
        "can_approve": user.has_perm("evaluations.approve_quarter"),
        "openable": openable,
        "policy": policy,
        "open_form": OpenQuarterForm(initial={"year": default.year, "quarter": default.quarter}),
    }
    if selected is not None:
        # The 纪委意见 read once for the page: what it says, what it waits for, and the approval blocker.
        opinion, opinion_status = _discipline_opinion(selected, policy)
        can_give_opinion = (
            policy.discipline_review_step
            and selected.is_open
            and user.has_perm("evaluations.give_discipline_opinion", selected)
        )
        opinion_wanted = grading.discipline_opinion_wanted(
            appraisal_quarter=selected, policy=policy, opinion_status=opinion_status
        )
        ctx.update(
            opinion_wanted=opinion_wanted,
            departments=departments,
            totals=totals,
            pools=pools,
            # This page shows the messages only; the approval page names the people.
            blockers=grading.approval_blockers(
                appraisal_quarter=selected, with_names=False, pools=pools, opinion_status=opinion_status
            )
            if selected.is_open
            else [],
            discipline_review=policy.discipline_review_step,
            opinion=opinion,
            opinion_form=(
                opinion_form
                or DisciplineOpinionForm(
                    initial={"text": opinion.text if opinion else "", "seen": grading.opinion_seen_token(opinion)}
                )
            )
            if can_give_opinion and opinion_wanted != "grading"
            else None,
            findings_to_weigh=selectors.discipline_findings_with_grades(appraisal_quarter=selected)
            if can_give_opinion
            else None,
        )
        # Joined or added since the quarter was opened (their blocker's count): HR adds them by opening it again.
        ctx["newcomers"] = next(
            (b.count for b in ctx["blockers"] if b.waits_for == grading.NEWCOMERS and ctx["can_open"]), 0
        )
    return render(request, "evaluations/grading/quarters.html", ctx, status=status)


@permission_required("evaluations.view_quarters")
def quarters(request: HttpRequest) -> HttpResponse:
    """The organisation's quarters; the selected one (default: the open one) in detail."""
    selected = request.GET.get("q", "")
    return _render_quarters(request, selected_pk=int(selected) if selected.isdigit() else None)


@require_POST
@permission_required("evaluations.view_quarters")
def quarter_discipline_opinion(request: HttpRequest, pk: int) -> HttpResponse:
    """An inspector records the discipline office's opinion on the quarter (纪委意见)."""
    appraisal_quarter = permitted_or_403(
        request, _get_quarter_for_user(request, pk), "evaluations.give_discipline_opinion"
    )
    form = DisciplineOpinionForm(request.POST)
    if form.is_valid() and run_service(
        request,
        lambda: grading.quarter_discipline_opinion_record(
            appraisal_quarter=appraisal_quarter,
            actor=request.user,
            text=form.cleaned_data["text"],
            seen=form.cleaned_data["seen"],
        ),
        success=_("纪委意见已记录。"),
        form=form,
        flash_refusal=False,
    ):
        return redirect(reverse("evaluations:quarters") + f"?q={appraisal_quarter.pk}")
    # The text's own error stands under the field; a refusal of the whole has no place but the message.
    messages.error(request, " ".join(form.non_field_errors()) or _("请按提示修改后再保存。"))
    return _render_quarters(request, selected_pk=appraisal_quarter.pk, opinion_form=form, status=400)


@require_POST
@permission_required("evaluations.open_quarter")
def quarter_open(request: HttpRequest) -> HttpResponse:
    """HR opens a quarter (or adds newcomers to it): one pending grade row per participant."""
    form = OpenQuarterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择有效的年度和季度。"))
        return redirect("evaluations:quarters")
    year, number = form.cleaned_data["year"], form.cleaned_data["quarter"]
    # Opened before: this adds the people who joined since (补充列入), and says how many (a re-test
    # read 已开放评鉴 after adding one).
    before = AppraisalQuarter.objects.filter(organisation=request.user.organisation, year=year, quarter=number).first()
    rows_before = before.grades.count() if before is not None else 0

    def said(opened: AppraisalQuarter) -> str:
        if before is None:
            return _("%(quarter)s已开放评鉴。") % {"quarter": opened.display_name}
        if not opened.is_open:
            return _("%(quarter)s已审批，不再补充人员。") % {"quarter": opened.period.label}
        added = opened.grades.count() - rows_before
        if added:
            return _("已将%(n)s名新加入的人员列入%(quarter)s的评鉴。") % {"n": added, "quarter": opened.period.label}
        return _("%(quarter)s没有需要补充列入的人员。") % {"quarter": opened.period.label}

    opened = service_result(
        request,
        lambda: grading.appraisal_quarter_open(organisation=request.user.organisation, year=year, quarter=number),
        success=said,
    )
    if opened is None:
        return redirect("evaluations:quarters")
    return redirect(reverse("evaluations:quarters") + f"?q={opened.pk}")


APPROVAL_PAGE_SIZE = 50
# Beyond this many people in the quarter the approval list opens on one department (as HR's roster
# and the committee's list do): its sort over every grade row grew with the organisation.
APPROVAL_ALL_LIMIT = 2000


@permission_required("evaluations.approve_quarter")
def quarter_approve(request: HttpRequest, pk: int) -> HttpResponse:
    """The agency head's approval page: what blocks approval, in plain words with the people it
    concerns, and every person's grade, comment and the leader's change (with the reason), by
    department and page (paginated in SQL). POST approves."""
    appraisal_quarter = _get_quarter_for_user(request, pk)
    back = reverse("evaluations:quarters") + f"?q={appraisal_quarter.pk}"
    if request.method == "POST":
        approved = run_service(
            request,
            lambda: grading.appraisal_quarter_approve(
                appraisal_quarter=appraisal_quarter, actor=request.user, seen=request.POST.get("seen") or None
            ),
            success=_("%(quarter)s的评鉴结果已审批。") % {"quarter": appraisal_quarter.period.label},
        )
        # Refused (a grade sent back from another tab meanwhile): this page again, which names
        # whom each blocker concerns, not the quarters list with a bare count (a user test).
        return redirect(back if approved else request.path)
    policy = policy_for_organisation(organisation_id=request.user.organisation_id)
    departments, totals, pools = _distribution(appraisal_quarter, policy)
    grades = (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
        .select_related("person", "department", "evaluator", "confirmed_by")
        # The leader's change as confirmed, before any 复核 changed the grade again (leader_change).
        .prefetch_related("reviews")
        .order_by("department__sort_order", "department_id", "person_id")
    )
    data = request.GET
    if not set(data) - {"page"} and totals["total"] > APPROVAL_ALL_LIMIT and departments:
        # Opened without a filter on a large quarter: the first department (the 科室 filter chosen);
        # 全部 chosen in the form still lists everyone. The distribution has counted already.
        data = data.copy()
        data["department"] = str(departments[0]["department_id"])
    filterset = ApprovalFilter(data, queryset=grades, organisation_id=request.user.organisation_id)
    listed = filtered_page(request, filterset, per_page=APPROVAL_PAGE_SIZE, data=data)
    # Each row of the page with the discipline its grader saw (the veto, sanctions, serious findings).
    marks = selectors.discipline_for_deciders(appraisal_quarter, list(listed["page"]))
    for row in listed["page"]:
        row.marks = marks.get(row.person_id, {})
    opinion, opinion_status = _discipline_opinion(appraisal_quarter, policy)
    blockers = (
        grading.approval_blockers(appraisal_quarter=appraisal_quarter, pools=pools, opinion_status=opinion_status)
        if appraisal_quarter.is_open
        else []
    )
    return render(
        request,
        "evaluations/grading/approve_confirm.html",
        {
            "appraisal_quarter": appraisal_quarter,
            "departments": departments,
            "totals": totals,
            "opinion": opinion,
            # An opinion older than the grades or findings it weighed is shown as such (a re-test
            # read it in a plain box, only the blockers saying it was out of date).
            "opinion_stale": opinion_status == "stale",
            "blockers": blockers,
            # Sent back by the agency head: still counted under their grade and in the 好 places
            # until graded again (the distribution says so beneath it; a user test read 好4 未评0
            # beside 还有1人的等次已退回).
            "returned": next((b.count for b in blockers if b.waits_for == grading.REGRADE), 0),
            "cancel_url": back,
            # Graded without indicator scores where the policy scores: said before approval closes
            # the scores (a user test's quarter was approved with no composite score at all).
            "unscored": grades.filter(composite_score__isnull=True).exclude(grade__in=("", Grade.UNCERTAIN)).count()
            if policy.score_model_enabled and appraisal_quarter.is_open
            else 0,
            # Sending a confirmed grade back (grade_detail's form) is the approver's, before approval.
            "can_return": appraisal_quarter.is_open and request.user.has_perm("evaluations.approve_quarter"),
            # Sent back with 确认审批: a grade changed since this page was read refuses it.
            "seen": selectors.grades_seen(grades) if appraisal_quarter.is_open and not blockers else "",
            **(_deadline_context(policy, appraisal_quarter) if appraisal_quarter.is_open else {}),
            **listed,
        },
    )
