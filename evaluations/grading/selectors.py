"""Reads of the evaluations app: whose grades a person gives, confirms, or approves."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, Min, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import Department, Organisation, User
from accounts.paged_by_department import DepartmentPages, union_of_ids
from accounts.selectors import evaluatees_of, evaluator_id_of, evaluator_of, review_scope

from ..discipline.selectors import (
    discipline_marks_of,
    finding_count_annotations,
    people_with_findings,
    weighs_on_the_grade,
)
from .models import (
    AppraisalQuarter,
    DepartmentQuarterStats,
    GradeState,
    QuarterDisciplineOpinion,
    QuarterGrade,
    QuarterGradeCount,
    QuarterState,
)


def open_appraisal_quarters(*, organisation: Organisation) -> list[AppraisalQuarter]:
    """The quarters still open for grading, latest first (one query): usually one; HR may open an
    earlier one within the policy, or a new one before the last was approved, and each stays
    graded until approved (a re-test found an earlier open quarter on nobody's grading page)."""
    quarters = AppraisalQuarter.objects.filter(organisation=organisation, state=QuarterState.OPEN)
    return list(quarters.order_by("-year", "-quarter"))


def current_appraisal_quarter(*, organisation: Organisation) -> AppraisalQuarter | None:
    """The latest quarter still open for grading, or None."""
    return (
        AppraisalQuarter.objects.filter(organisation=organisation, state=QuarterState.OPEN)
        .order_by("-year", "-quarter")
        .first()
    )


def grade_evaluator_id(row: QuarterGrade) -> int | None:
    """Who grades ``row`` (谁管理谁认定): the person's evaluator now (accounts.selectors.evaluator_of),
    but for someone who headed the row's department in its quarter (``row.headed``, :data:`HEADS_ROWS`),
    that department's supervising leader (wherever they are now)."""
    return row.department.supervising_leader_id if row.headed else evaluator_id_of(person=row.person)


def grade_evaluator(row: QuarterGrade) -> User | None:
    """The person :func:`grade_evaluator_id` names."""
    return row.department.supervising_leader if row.headed else evaluator_of(person=row.person)


def quarter_graders_other_than(*, person: User, evaluator_id: int | None) -> list[tuple[str, User]]:
    """The open quarters in which someone other than ``person``'s evaluator now grades them: a
    former head's quarter, graded by the supervising leader of the department they headed in it
    (``grade_evaluator``), as (quarter label, grader), latest first. One query; home's 我的考核关系
    names them beside the evaluator (a user test read the successor there, who does not grade them)."""
    rows = QuarterGrade.objects.filter(
        person=person,
        headed=True,
        appraisal_quarter__organisation_id=person.organisation_id,
        appraisal_quarter__state=QuarterState.OPEN,
    ).select_related("appraisal_quarter", "department__supervising_leader")
    return [
        (row.appraisal_quarter.period.label, row.department.supervising_leader)
        for row in rows.order_by("-appraisal_quarter__year", "-appraisal_quarter__quarter")
        if row.department.supervising_leader_id and row.department.supervising_leader_id != evaluator_id
    ]


def approved_quarter(*, organisation_id: int, pk: str | int | None = None) -> AppraisalQuarter | None:
    """The organisation's approved quarter ``pk`` (when it is one), else its latest approved."""
    quarters = AppraisalQuarter.objects.filter(organisation_id=organisation_id, state=QuarterState.APPROVED)
    chosen = quarters.filter(pk=pk).first() if str(pk or "").isdigit() else None
    return chosen or quarters.order_by("-year", "-quarter").first()


def grades_given_by(*, user: User, appraisal_quarter: AppraisalQuarter) -> QuerySet[QuarterGrade]:
    """The grades of ``appraisal_quarter`` that ``user`` grades or confirms by the rule that guards
    each grade's own page (``evaluations.view_grade``: the people they evaluate now, a former
    head's row by the supervising leader of the department they headed, every row of a department
    they supervise), by department and person: what a head or leader reads of a quarter once it is
    approved (its approval's notice leads there). Not by the stored grader: a head moved since
    would read grades whose pages are closed to them (the review)."""
    evaluated_now = Q(headed=False, person__in=evaluatees_of(person=user).values("pk"))
    return (
        QuarterGrade.objects.filter(
            evaluated_now | Q(department__supervising_leader=user), appraisal_quarter=appraisal_quarter
        )
        .exclude(person=user)
        .select_related("person", "department")
        # The leader's change is read as confirmed, before any 定等后复核 (QuarterGrade.leader_change).
        .prefetch_related("reviews")
        .order_by("department__sort_order", "department__code", "person__employee_number", "pk")
    )


def departments_graded_by(*, user: User) -> QuerySet[Department]:
    """The departments whose people ``user`` grades or confirms (heads or supervises), in their
    order (sort order, code): the default order's organisation is the user's, not joined to sort."""
    return Department.objects.filter(
        Q(head=user) | Q(supervising_leader=user), organisation_id=user.organisation_id
    ).order_by("sort_order", "code")


# A row its department's supervising leader grades: its head's, and that of anyone who headed the
# department in the quarter (QuarterGrade.headed: a head replaced in mid-quarter is not graded by
# their successor, who was their subordinate in it).
HEADS_ROWS = Q(headed=True) | Q(person_id=F("department__head_id"))


def grades_to_give(
    *, evaluator: User, appraisal_quarter: AppraisalQuarter, waiting: bool = False
) -> QuerySet[QuarterGrade]:
    """Rows ``evaluator`` grades (谁管理谁认定): the staff of the department they head, and the
    heads of the departments they supervise — the line of accounts.selectors.evaluatees_of, with
    those who headed their department in the quarter (:data:`HEADS_ROWS`) among the heads.
    ``waiting``: only those still waiting for the evaluator — ungraded, or for a head, graded by
    someone else (by the head before them, when they were staff: the leader gives a head's grade).

    The evaluator's departments are read first (accounts.selectors.review_scope) and filtered
    as id lists, so the database starts from those few departments' rows, not every grade row."""
    scope = review_scope(person=evaluator)
    # In a department the evaluator heads, everyone but the evaluator (the head) and those who
    # headed it before them; in one they supervise, its heads.
    staff = Q(department_id__in=scope.headed, headed=False)
    heads = Q(department_id__in=scope.supervised) & HEADS_ROWS
    if waiting:
        staff &= Q(state=GradeState.PENDING)
        heads &= ~Q(state=GradeState.CONFIRMED)
    return (
        QuarterGrade.objects.filter(
            appraisal_quarter=appraisal_quarter, department_id__in=scope.headed + scope.supervised
        )
        .filter(staff | heads)
        .exclude(person=evaluator)
        .select_related("person", "department")
        .order_by(*_list_order(scope.headed + scope.supervised))
    )


def grades_to_confirm(*, leader: User, appraisal_quarter: AppraisalQuarter) -> QuerySet[QuarterGrade]:
    """Staff grades of the departments ``leader`` supervises (heads' grades they give themselves)."""
    scope = review_scope(person=leader)
    return (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, department_id__in=scope.supervised)
        .exclude(person_id=F("department__head_id"))
        .exclude(headed=True)
        .exclude(person=leader)
        .select_related("person", "department", "evaluator")
        .order_by(*_list_order(scope.supervised))
    )


def regrades_waiting_for(
    *, user: User, departments: list[Department] | None = None, returned: bool = False
) -> QuerySet[QuarterGrade]:
    """Grades sent back for regrading after an objection (``reopened_at``; their quarter approved,
    so not on the current quarter's lists) that wait for ``user``: to grade again as the person's
    evaluator now (the line of ``rules.is_evaluator``, by the person's current department: the staff
    of a department they head, the heads of those they supervise), or to confirm as the supervising
    leader of the grade's department (``grade_confirm``'s check). ``departments``:
    :func:`departments_graded_by` already read (else read here). ``returned``: with the grades the
    agency head sent back before approving (``returned_at``, in the open quarter), first."""
    if departments is None:
        scope = review_scope(person=user)
        headed, supervised, heads = scope.headed, scope.supervised, scope.supervised_heads
    else:
        headed = tuple(d.pk for d in departments if d.head_id == user.pk)
        supervised = tuple(d.pk for d in departments if d.supervising_leader_id == user.pk)
        heads = tuple(d.head_id for d in departments if d.supervising_leader_id == user.pk and d.head_id)
    if not headed and not supervised:
        return QuarterGrade.objects.none()
    # Who headed the grade's department in its quarter: its leader's (rules.is_evaluator).
    former_head = Q(headed=True)
    to_give = (former_head & Q(department_id__in=supervised)) | (
        ~former_head & (Q(person__department_id__in=headed) | Q(person_id__in=heads))
    )
    to_confirm = Q(department_id__in=supervised) & ~Q(person_id=F("department__head_id")) & ~former_head
    sent_back = Q(reopened_at__isnull=False)
    waiting = (to_give & Q(state=GradeState.PENDING)) | (to_confirm & Q(state=GradeState.GRADED))
    if returned:
        sent_back |= Q(returned_at__isnull=False)
        # The leader sees a returned grade from the start, while its head grades it again.
        waiting |= to_confirm & Q(state=GradeState.PENDING, returned_at__isnull=False)
    return (
        QuarterGrade.objects.filter(sent_back, appraisal_quarter__organisation_id=user.organisation_id)
        .filter(waiting)
        .exclude(person=user)
        .select_related("person", "department", "appraisal_quarter")
        .order_by(F("returned_at").asc(nulls_last=True), "reopened_at", "pk")
    )


def grading_list_order(*, one_department: bool) -> tuple[str, ...]:
    """The grading lists' order: by department, then by the person's 工号 (the row's copy,
    QuarterGrade.employee_number). Within one department the department's columns are left out,
    so the page is read from quartergrade_list_idx instead of joining and sorting every row."""
    if one_department:
        return ("employee_number", "pk")
    return ("department__sort_order", "department__code", "employee_number", "pk")


def _list_order(department_ids: tuple[int, ...]) -> tuple[str, ...]:
    return grading_list_order(one_department=len(set(department_ids)) <= 1)


# --- The grading page's lists, paged department by department ---------------------------------


@dataclass(frozen=True)
class _DepartmentPart:
    """One department's share of a grading list: how many of its rows the list holds, and either
    the rows it holds (a supervised department's heads) or the rows it leaves out (its heads',
    the reader's — a few, known by id so the rest is read from the index alone)."""

    department_id: int
    count: int
    only: tuple[int, ...] = ()
    left_out: tuple[int, ...] = ()


class DepartmentPagedGrades(DepartmentPages):
    """A grading list over one or more departments, for a ``Paginator``: department after
    department in their order (sort order, code), each department's rows by 工号.

    Its length is read from the grade counters (no row counted), and a slice reads each
    department's share of the page from that department's range of ``quartergrade_list_idx``
    (LIMIT/OFFSET within the department) — one query, whatever the number of departments on the
    page — instead of joining and sorting every row of the list."""

    def __init__(self, *, appraisal_quarter_id: int, parts: list[_DepartmentPart], related: tuple[str, ...]):
        self.appraisal_quarter_id = appraisal_quarter_id
        self.parts = [p for p in parts if p.count > 0]
        self.related = related

    def count(self) -> int:
        return sum(p.count for p in self.parts)

    def rows(self, start: int, stop: int) -> list[QuarterGrade]:
        shares = []
        first = 0
        for part in self.parts:
            low, high = max(start - first, 0), min(stop - first, part.count)
            if low < high:
                shares.append(self._share(part, low, high))
            first += part.count
        if not shares:
            return []
        rows = QuarterGrade.objects.select_related(*self.related).order_by(
            "department__sort_order", "department__code", "department_id", "employee_number", "pk"
        )
        return list(rows.filter(pk__in=union_of_ids(shares)))

    def _share(self, part: _DepartmentPart, low: int, high: int) -> tuple[str, list]:
        """The SQL of the ids of one department's share of a page: rows ``low``–``high`` of the
        department's part of the list, by 工号. Written out, not compiled from a queryset: a
        leader's page has a share per department it touches (the 'to give' list: a head per
        supervised department), and compiling each was most of the lists' Python time. The
        same SQL as ``QuarterGrade.objects.filter(appraisal_quarter_id=…, department_id=…)
        .exclude(pk__in=left_out).order_by("employee_number", "pk").values("pk")[low:high]``."""
        where = [f"{_column('appraisal_quarter')} = %s", f"{_column('department')} = %s"]
        params: list = [self.appraisal_quarter_id, part.department_id]
        pk = _column("id")
        if part.only:
            where.append(f"{pk} IN ({', '.join(['%s'] * len(part.only))})")
            params.extend(part.only)
        elif part.left_out:
            where.append(f"NOT ({pk} IN ({', '.join(['%s'] * len(part.left_out))}))")
            params.extend(part.left_out)
        number = _column("employee_number")
        if low > part.count - high:
            # Nearer the department's end (a page that ends one department and begins the next):
            # read the index backwards, so no page walks more than half of a department's range.
            # The page's query puts the rows in order again.
            order, offset = f"{number} DESC, {pk} DESC", part.count - high
        else:
            order, offset = f"{number} ASC, {pk} ASC", low
        return f"{_select_ids(where)} ORDER BY {order} LIMIT {high - low} OFFSET {offset}", params


def _column(name: str) -> str:
    """A column of the grade rows' table, quoted as in Django's SQL (the same in PostgreSQL and SQLite)."""
    quote = connection.ops.quote_name
    return f"{quote(QuarterGrade._meta.db_table)}.{quote(QuarterGrade._meta.get_field(name).column)}"


def _select_ids(where: list[str]) -> str:
    quote = connection.ops.quote_name
    return f'SELECT {_column("id")} AS "pk" FROM {quote(QuarterGrade._meta.db_table)} WHERE {" AND ".join(where)}'


@dataclass
class GradingLists:
    """The grading page's two lists (to give, to confirm) and how many of the grades to confirm
    are 待确认 (the 'confirm all' button)."""

    to_give: DepartmentPagedGrades
    to_confirm: DepartmentPagedGrades
    graded_waiting: int


def grading_lists(*, user: User, appraisal_quarter: AppraisalQuarter, departments: list[Department]) -> GradingLists:
    """The rows of :func:`grades_to_give` and :func:`grades_to_confirm` of ``departments`` (those
    ``user`` heads or supervises: :func:`departments_graded_by`, or one of them), in the same order,
    paged department by department: two queries (the departments' counters, and the rows of the
    departments' heads and of ``user``, which the lists leave out or hold alone) before the pages
    are read."""
    departments = sorted(departments, key=lambda d: (d.sort_order, d.code, d.pk))
    ids = [d.pk for d in departments]
    counted = {
        row["department_id"]: row
        for row in QuarterGradeCount.objects.filter(appraisal_quarter=appraisal_quarter, department_id__in=ids)
        .values("department_id")
        .annotate(total=Sum("total"), unconfirmed=Sum("unconfirmed"))
        .order_by()
    }
    people = {user.pk} | {d.head_id for d in departments if d.head_id}
    # The user's own rows and the departments' heads' (:data:`HEADS_ROWS`): a few per department.
    known: dict[int, list[tuple[int, int, bool, str]]] = {}
    for pk, department_id, person_id, headed, state in (
        QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter, department_id__in=ids)
        .filter(Q(person_id__in=people) | Q(headed=True))
        .order_by()
        .values_list("pk", "department_id", "person_id", "headed", "state")
    ):
        known.setdefault(department_id, []).append((pk, person_id, headed, state))
    to_give, to_confirm, graded_waiting = [], [], 0
    for d in departments:
        total = counted.get(d.pk, {}).get("total") or 0
        rows = known.get(d.pk, [])
        heads = [(pk, state) for pk, person, headed, state in rows if headed or person == d.head_id]
        own = [(pk, state) for pk, person, _headed, state in rows if person == user.pk]
        if d.head_id == user.pk:
            # Everyone in the department the user heads but the user and those who headed it before.
            left_out = tuple(sorted({pk for pk, _state in heads + own}))
            to_give.append(_DepartmentPart(d.pk, total - len(left_out), left_out=left_out))
        elif d.supervising_leader_id == user.pk and heads:
            # Only its heads, in a department the user supervises.
            to_give.append(_DepartmentPart(d.pk, len(heads), only=tuple(sorted(pk for pk, _state in heads))))
        if d.supervising_leader_id == user.pk:
            # Everyone but its heads (and the user), in a department the user supervises.
            left = set(heads + own)
            left_out = tuple(sorted(pk for pk, _state in left))
            to_confirm.append(_DepartmentPart(d.pk, total - len(left_out), left_out=left_out))
            # The counter leaves out the rows marked headed already; the user's own and a head's
            # not (yet) marked are left out of the list, so out of its count too.
            unconfirmed = counted.get(d.pk, {}).get("unconfirmed") or 0
            graded_waiting += unconfirmed - sum(
                1
                for _pk, person, headed, state in rows
                if not headed and state == GradeState.GRADED and (person == d.head_id or person == user.pk)
            )
    return GradingLists(
        to_give=DepartmentPagedGrades(
            appraisal_quarter_id=appraisal_quarter.pk, parts=to_give, related=("person", "department", "evaluator")
        ),
        to_confirm=DepartmentPagedGrades(
            appraisal_quarter_id=appraisal_quarter.pk, parts=to_confirm, related=("person", "department", "evaluator")
        ),
        graded_waiting=graded_waiting,
    )


def quarter_progress(quarters: list[AppraisalQuarter], *, known: dict[int, dict] | None = None) -> None:
    """Set ``people``, ``graded`` and ``good`` on each quarter, for the quarters page.

    A rolled-up quarter's numbers come from its department statistics (a row per department), the
    others' — the open quarter (rolled up or not), one not yet rolled up — from their grade counters (a row per
    department and position). Counting every grade of every quarter would make the page grow with
    the organisation and its years.
    ``known``: numbers the page has already counted, by quarter id (not counted again).
    """
    known = known or {}
    stats = {
        row["appraisal_quarter_id"]: row
        # An open quarter rolled up early moves on after it (grades given since): its counters, not the roll-up's.
        for row in DepartmentQuarterStats.objects.filter(
            appraisal_quarter__in=[q for q in quarters if q.rolled_up_at and not q.is_open]
        )
        .values("appraisal_quarter_id")
        .annotate(
            participants=Sum("participants"), uncertain=Sum("uncertain"), ungraded=Sum("ungraded"), good=Sum("good")
        )
    }
    live_ids = [q.pk for q in quarters if q.pk not in stats and q.pk not in known]
    # The others' from their grade counters (services.counts), a few rows per quarter.
    live = quarter_totals(quarter_ids=live_ids) if live_ids else {}
    live.update(known)
    for quarter in quarters:
        if row := stats.get(quarter.pk):
            quarter.people = row["participants"] + row["uncertain"]
            quarter.graded, quarter.good = quarter.people - row["ungraded"], row["good"]
        else:
            row = live.get(quarter.pk, {})
            quarter.people, quarter.graded, quarter.good = (
                row.get("people", 0),
                row.get("graded", 0),
                row.get("good", 0),
            )


def quarter_discipline_opinion(*, appraisal_quarter: AppraisalQuarter) -> QuarterDisciplineOpinion | None:
    """The quarter's 纪委意见 with who recorded it, or None: the quarters page reads it once and hands
    it on (``services.grading.discipline_opinion_status``)."""
    return (
        QuarterDisciplineOpinion.objects.filter(appraisal_quarter=appraisal_quarter).select_related("given_by").first()
    )


def quarter_distribution(*, appraisal_quarter: AppraisalQuarter) -> list[dict]:
    """The quarter's counts per department and position, in the departments' order: a dict per
    counter with ``department_id``, ``department__name``, ``department__sort_order``,
    ``department__code``, ``is_leader_position`` and the counts. Positions with no rows left (a
    person's row deleted) are left out."""
    return list(
        QuarterGradeCount.objects.filter(appraisal_quarter=appraisal_quarter, total__gt=0)
        .values(
            "department_id",
            "department__name",
            "department__sort_order",
            "department__code",
            "is_leader_position",
            *QuarterGradeCount.COUNTS,
        )
        .order_by("department__sort_order", "department__code", "department_id", "is_leader_position")
    )


def department_good_counts(*, appraisal_quarter: AppraisalQuarter, department_ids: list[int]) -> list[dict]:
    """Of the given departments, in their order: ``department_id``, ``department__name``, the
    participants of the quota (everyone but 不确定等次) and the 好 given, from the counters. One query."""
    return list(
        QuarterGradeCount.objects.filter(appraisal_quarter=appraisal_quarter, department_id__in=department_ids)
        .values("department_id", "department__name")
        .annotate(
            participants=Sum("total") - Sum("uncertain"),
            good=Sum("good"),
            sort_order=Min("department__sort_order"),
            code=Min("department__code"),
        )
        .order_by("sort_order", "code", "department_id")
    )


def quarter_totals(*, quarter_ids: list[int]) -> dict[int, dict]:
    """{quarter id: {"people", "graded", "good"}} from the counters, for the quarters page's list."""
    return {
        row.pop("appraisal_quarter_id"): {
            "people": row["people"],
            "graded": row["people"] - row["ungraded"],
            "good": row["good"],
        }
        for row in QuarterGradeCount.objects.filter(appraisal_quarter_id__in=quarter_ids)
        .values("appraisal_quarter_id")
        .annotate(people=Sum("total"), ungraded=Sum("ungraded"), good=Sum("good"))
        .order_by()
    }


# How many people the 纪委意见 panel lists (the count says how many more).
FINDINGS_TO_WEIGH_SHOWN = 50


@dataclass
class FindingsToWeigh:
    """The people of a quarter whom an inspection found something about, with their proposed
    grades: what the discipline office weighs before its opinion (纪委意见)."""

    rows: list[QuarterGrade]
    total: int


def discipline_findings_with_grades(*, appraisal_quarter: AppraisalQuarter) -> FindingsToWeigh:
    """The quarter's grade rows of people the organisation's inspections found something about in
    the quarter, the most serious first (the first FINDINGS_TO_WEIGH_SHOWN, ordered in SQL), each
    with ``findings`` and ``serious`` counts: two queries whatever the number."""
    period = appraisal_quarter.period
    scope = {
        "organisation_id": appraisal_quarter.organisation_id,
        "first_day": period.first_day,
        "last_day": period.last_day,
    }
    grades = QuarterGrade.objects.filter(
        appraisal_quarter=appraisal_quarter, person_id__in=people_with_findings(**scope)
    )
    total = grades.count()
    rows = list(
        grades.annotate(**finding_count_annotations(**scope))
        .select_related("person", "department")
        .order_by("-serious", "-findings", "department__sort_order", "person__full_name", "pk")[
            :FINDINGS_TO_WEIGH_SHOWN
        ]
    )
    return FindingsToWeigh(rows=rows, total=total)


def discipline_for_deciders(appraisal_quarter: AppraisalQuarter, rows: list[QuarterGrade]) -> dict[int, dict]:
    """person_id → ``discipline`` and ``serious`` for those of ``rows`` with a veto of the year, a
    sanction or a serious finding in the quarter (two queries, whatever the number of rows): what
    a leader confirming, the agency head approving and HR reviewing after 定等 see beside the grade,
    as the grader did (the grading card reads the same through ``views.grading.person_facts``)."""
    period = appraisal_quarter.period
    return discipline_marks_of(
        person_ids=[row.person_id for row in rows],
        year=appraisal_quarter.year,
        first_day=period.first_day,
        last_day=period.last_day,
    )


def rows_to_confirm_all(
    *, appraisal_quarter: AppraisalQuarter, actor: User, department_id: int | None = None
) -> QuerySet[QuarterGrade]:
    """The graded staff grades a leader's 全部确认 confirms as they stand: of the departments
    ``actor`` supervises (of ``department_id`` only, the page's filter), not a head's (HEADS_ROWS:
    the leader gives those) and not the actor's own."""
    rows = (
        QuarterGrade.objects.filter(
            appraisal_quarter=appraisal_quarter, state=GradeState.GRADED, department__supervising_leader=actor
        )
        .exclude(HEADS_ROWS)
        .exclude(person=actor)
    )
    if department_id is not None:
        # A user test: filtered to one department, 全部确认（5人） confirmed all four departments' 22.
        rows = rows.filter(department_id=department_id)
    return rows


# The figures of :func:`grades_seen`: how many rows, and their versions (a change to a row raises its
# version; weighted by the id, so one row's change cannot offset another's).
_SEEN = {
    "seen_rows": Count("pk"),
    "seen_versions": Coalesce(Sum("version"), 0),
    "seen_weighted": Coalesce(Sum(F("pk") * F("version")), 0),
}


def _token(figures: dict) -> str:
    return f"{figures['seen_rows']}-{figures['seen_versions']}-{figures['seen_weighted']}"


def seen_token(rows: list[tuple[int, int]]) -> str:
    """:func:`grades_seen` of (id, version) pairs already read (under the service's row locks)."""
    figures = {"seen_rows": len(rows), "seen_versions": sum(v for _pk, v in rows)}
    return _token({**figures, "seen_weighted": sum(pk * v for pk, v in rows)})


def grades_seen(rows: QuerySet[QuarterGrade]) -> str:
    """What a page offering one step over all of ``rows`` (全部确认, the agency head's approval) sends
    back, so the step refuses rows changed since the page was read (a user test: a grade adjusted in
    another tab meanwhile was approved, and confirmed, unseen). One query."""
    return _token(rows.aggregate(**_SEEN))


def confirm_all_figures(
    *, appraisal_quarter: AppraisalQuarter, actor: User, department_id: int | None = None
) -> tuple[int, str, int]:
    """Of :func:`rows_to_confirm_all`: how many carry a veto, a sanction or a serious finding of the
    quarter (全部确认 says so before confirming cards the leader may not have seen), their
    :func:`grades_seen` (the form sends it back) and how many they are (the question's number, from
    the rows the step confirms, not from the counters); one query."""
    period = appraisal_quarter.period
    rows = rows_to_confirm_all(appraisal_quarter=appraisal_quarter, actor=actor, department_id=department_id)
    weighs = weighs_on_the_grade(year=appraisal_quarter.year, first_day=period.first_day, last_day=period.last_day)
    figures = rows.aggregate(marked=Count("pk", filter=weighs), **_SEEN)
    return figures["marked"], _token(figures), figures["seen_rows"]
