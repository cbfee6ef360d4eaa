"""The reviewer's inbox (the handed-in documents of :data:`INBOX_KINDS` waiting for one person:
targets, summaries, the welfare 述职) and the submission roster.

Reads and the one write that spans the kinds (deciding several items at once) live here;
each single decision is still the owning app's service, which checks state and right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import CharField, Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Value
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from accounts import periods
from accounts.models import Department, DepartmentMembership, User
from accounts.selectors import (
    participants_of,
    participants_posted_on,
    policy_for_organisation,
    posted_on,
    seconded_through,
)
from accounts.workflow import (
    HANDED_IN_STATUSES,
    ReviewedDocument,
    ReviewStatus,
    handed_in,
    met_deadline,
    met_the_deadline,
)
from targets import services as target_services
from targets.models import TargetSet
from targets.selectors import target_sets_awaiting_review

from . import services as summary_services
from .models import MonthlySummary
from .selectors import summaries_awaiting_review

TARGETS = "targets"
SUMMARIES = "summaries"


@dataclass(frozen=True)
class InboxKind:
    """One kind of reviewed document (accounts.workflow) the inbox lists and decides: how the
    waiting ones are read (``awaiting(reviewer=…)``, one queryset, a column set the inbox's UNION
    can read: ``pk``, ``submitted_at``, ``owner__full_name``), how a row names its kind and period,
    where it is read, and the owning app's services that decide it."""

    model: type[ReviewedDocument]
    awaiting: Callable[..., QuerySet]
    label: Callable[[], str]  # the row's category, short
    filter_label: Callable[[], str]  # the same in the 类别 filter
    period_label: Callable[[ReviewedDocument], str]
    url_name: str
    approve: Callable[..., object]  # approve(actor=…, item=…, version=…): the version read, or None
    return_: Callable[..., object]  # return_(actor=…, item=…, reason=…, version=…)


# The kinds in the inbox, by the key its references (``kind:pk``) and ?kind= use. Targets and
# summaries are here; a room above (the welfare 述职, evaluations.welfare.inbox) registers its own
# with :func:`register_inbox_kind` when the app is ready.
INBOX_KINDS: dict[str, InboxKind] = {
    TARGETS: InboxKind(
        model=TargetSet,
        awaiting=target_sets_awaiting_review,
        # Short in English ("Targets", "Summary"): a column on a phone beside the name, the period
        # and two buttons ("Quarterly targets" pushed 通过 past the screen's edge).
        label=lambda: pgettext("a review inbox row's category", "季度目标"),
        filter_label=lambda: _("季度目标"),
        period_label=lambda item: _("%(year)s年第%(q)s季度") % {"year": item.year, "q": item.quarter},
        url_name="targets:detail",
        approve=lambda *, actor, item, version: target_services.target_set_approve(
            target_set=item, actor=actor, version=version
        ),
        return_=lambda *, actor, item, reason, version: target_services.target_set_return(
            target_set=item, actor=actor, reason=reason, version=version
        ),
    ),
    SUMMARIES: InboxKind(
        model=MonthlySummary,
        awaiting=summaries_awaiting_review,
        label=lambda: pgettext("a review inbox row's category", "月小结"),
        filter_label=lambda: _("月小结"),
        period_label=lambda item: _("%(year)s年%(month)s月") % {"year": item.year, "month": item.month},
        url_name="summaries:detail",
        approve=lambda *, actor, item, version: summary_services.summary_approve(
            summary=item, actor=actor, version=version
        ),
        return_=lambda *, actor, item, reason, version: summary_services.summary_return(
            summary=item, actor=actor, reason=reason, version=version
        ),
    ),
}


def register_inbox_kind(key: str, kind: InboxKind) -> None:
    """Add a kind of reviewed document to the inbox (and so to its filter, sorting and decisions)."""
    INBOX_KINDS[key] = kind


def inbox_kind_choices() -> list[tuple[str, str]]:
    """The 类别 filter's choices: every kind the inbox lists."""
    return [(key, kind.filter_label()) for key, kind in INBOX_KINDS.items()]


@dataclass(frozen=True)
class InboxRow:
    kind: str
    item: ReviewedDocument
    submitted_at: datetime | None

    @property
    def ref(self) -> str:
        """``kind:pk:version``: the version the inbox showed, so a decision on a document handed in
        again since (returned in another tab, reworked) is refused, not taken for what was read."""
        return f"{self.kind}:{self.item.pk}:{self.item.version}"

    @property
    def kind_label(self) -> str:
        return INBOX_KINDS[self.kind].label()

    @property
    def period_label(self) -> str:
        return INBOX_KINDS[self.kind].period_label(self.item)

    @property
    def url(self) -> str:
        return reverse(INBOX_KINDS[self.kind].url_name, args=[self.item.pk])


def inbox_querysets(*, reviewer: User) -> dict[str, QuerySet]:
    return {key: kind.awaiting(reviewer=reviewer) for key, kind in INBOX_KINDS.items()}


def inbox_rows(*, querysets: dict[str, QuerySet]) -> list[InboxRow]:
    """Every kind in one list, oldest submission first (one query per kind)."""
    rows = [InboxRow(kind, item, item.submitted_at) for kind, qs in querysets.items() for item in qs]
    return sorted(rows, key=lambda row: (row.submitted_at is None, row.submitted_at or datetime.min, row.ref))


# The inbox's sort keys (?sort=): the only orderings accepted, each with its SQL ORDER BY over the
# union of the kinds. The kind and pk at the end make the order total, so pages never overlap.
INBOX_SORTS = {
    "date": ("submitted_at", "kind", "pk"),
    "-date": ("-submitted_at", "kind", "-pk"),
    "person": ("owner_name", "submitted_at", "kind", "pk"),
    "-person": ("-owner_name", "submitted_at", "kind", "pk"),
    "kind": ("kind", "submitted_at", "pk"),
    "-kind": ("-kind", "submitted_at", "pk"),
}
DEFAULT_INBOX_SORT = "date"


def inbox_page(*, querysets: dict[str, QuerySet], sort: str, number, per_page: int = 50) -> Page:
    """One page of every kind, sorted and paginated in SQL (a UNION of one narrow query per kind), then
    the page's own items loaded in one query per kind: the query count does not grow with the
    number of items waiting. An unknown ``sort`` falls back to the oldest submission first.

    The page's rows and the number of items come from one query (``COUNT(*) OVER ()`` beside the
    page): for a reviewer of 12 500 people, counting and then paging read every waiting item's
    owner twice (210 ms each at 100 000 staff). Only a page past the end asks again, as Django's
    paginator does, for the last page."""
    order = INBOX_SORTS.get(sort, INBOX_SORTS[DEFAULT_INBOX_SORT])
    # The owner's name only when the page sorts by it: in date or kind order the narrow query
    # reads the waiting index alone, not each waiting owner's user row.
    by_person = "owner_name" in (key.lstrip("-") for key in order)
    owner_name = F("owner__full_name") if by_person else Value("", output_field=CharField())
    narrow = [
        qs.order_by()
        .annotate(kind=Value(kind, output_field=CharField()), owner_name=owner_name)
        .values_list("pk", "kind", "submitted_at", "owner_name")
        for kind, qs in querysets.items()
    ]
    if not narrow:
        return Paginator([], per_page).get_page(number)
    combined = narrow[0].union(*narrow[1:], all=True) if len(narrow) > 1 else narrow[0]
    try:
        wanted = int(number)
    except (TypeError, ValueError):
        wanted = 1  # as Paginator.get_page: junk is the first page
    keys, total = (
        _counted_page(combined, order=order, offset=(wanted - 1) * per_page, limit=per_page) if wanted >= 1 else ([], 0)
    )
    paginator = Paginator(combined.order_by(*order), per_page)
    if keys or wanted == 1:
        paginator.count = total  # known: the paginator does not count again
        page = paginator.page(wanted)
    else:
        page = paginator.get_page(number)  # past the end: the last page, counted as before
        keys = list(page.object_list)
    loaded = {
        kind: qs.in_bulk([pk for pk, k, *_rest in keys if k == kind])
        for kind, qs in querysets.items()
        if any(k == kind for _pk, k, *_rest in keys)
    }
    page.object_list = [
        InboxRow(kind, loaded[kind][pk], loaded[kind][pk].submitted_at)
        for pk, kind, *_rest in keys
        if pk in loaded.get(kind, {})
    ]
    return page


def _counted_page(combined: QuerySet, *, order: tuple[str, ...], offset: int, limit: int) -> tuple[list, int]:
    """``limit`` rows of ``combined`` (pk, kind, submitted_at, owner_name) from ``offset`` in
    ``order``, and how many rows ``combined`` has (0 when the page is empty)."""
    compiler = combined.query.get_compiler(using=combined.db)
    sql, params = compiler.as_sql()
    # By position (the keys are the narrow columns, whose names the databases alias differently).
    order_sql = ", ".join(
        f"{_INBOX_COLUMNS.index(key.lstrip('-')) + 1} {'DESC' if key.startswith('-') else 'ASC'}" for key in order
    )
    with compiler.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT inbox.*, COUNT(*) OVER () FROM ({sql}) inbox ORDER BY {order_sql} LIMIT %s OFFSET %s",  # noqa: S608
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
    return [row[:4] for row in rows], (rows[0][4] if rows else 0)


_INBOX_COLUMNS = ("pk", "kind", "submitted_at", "owner_name")


def _load_for_decision(*, actor: User, ref: str) -> tuple[str, ReviewedDocument, int | None]:
    """The kind, the document and the version the inbox showed (None in a ``kind:pk`` reference)."""
    kind, _sep, rest = ref.partition(":")
    raw_pk, _sep, raw_version = rest.partition(":")
    if kind not in INBOX_KINDS or not raw_pk.isdigit() or not (raw_version.isdigit() or not raw_version):
        raise ValidationError(_("无效的审核事项。"))
    model = INBOX_KINDS[kind].model
    item = (
        model._default_manager.select_related("owner__department", "department", "organisation")
        .filter(pk=int(raw_pk), organisation_id=actor.organisation_id)
        .first()
    )
    if item is None or not actor.has_perm(model.review_permission, item):
        raise PermissionDenied
    return kind, item, int(raw_version) if raw_version else None


@dataclass
class DescribedRefs:
    """The bulk confirmation page's items: those still waiting (their refs, and a line each), and
    a line for each one decided meanwhile (another tab's 通过)."""

    waiting: list[str]
    lines: list[str]
    decided: list[str]
    # Handed in again since the inbox was drawn (returned in another tab and reworked): to be read first.
    changed: list[str]


def describe_refs(*, actor: User, refs: list[str]) -> DescribedRefs:
    """One line per item the actor may decide, for the bulk confirmation page (at most a page
    of the inbox is ever ticked), apart from those no longer waiting (decided since the inbox was
    drawn); an item they may not decide is left out here and refused later."""
    described = DescribedRefs(waiting=[], lines=[], decided=[], changed=[])
    for ref in refs:
        try:
            kind, item, version = _load_for_decision(actor=actor, ref=ref)
        except (PermissionDenied, ValidationError):
            described.waiting.append(ref)
            continue
        row = InboxRow(kind, item, item.submitted_at)
        line = f"{row.kind_label} · {item.owner.get_full_name()} · {row.period_label}"
        if item.status != ReviewStatus.SUBMITTED:
            described.decided.append(line)
        elif version is not None and version != item.version:
            described.changed.append(line)
        else:
            described.waiting.append(ref)
            described.lines.append(line)
    return described


@dataclass
class DecisionOutcome:
    done: int = 0
    failed: list[str] | None = None


def review_decide(*, actor: User, refs: list[str], approve: bool, reason: str = "") -> DecisionOutcome:
    """Approve (or return with a reason) each referenced item the actor may review.

    Each item is decided in its own transaction by its app's service, so one refusal (an item
    already decided in another tab, say) does not undo the others; refusals are reported.
    """
    if not approve and not reason.strip():
        raise ValidationError(_("退回时须填写退回原因。"))
    outcome = DecisionOutcome(failed=[])
    # An item the actor may not decide is not described (nor its owner named): counted once.
    not_theirs = 0
    for ref in dict.fromkeys(refs):
        try:
            kind, item, version = _load_for_decision(actor=actor, ref=ref)
        except (PermissionDenied, ValidationError):
            not_theirs += 1
            continue
        try:
            if approve:
                INBOX_KINDS[kind].approve(actor=actor, item=item, version=version)
            else:
                INBOX_KINDS[kind].return_(actor=actor, item=item, reason=reason, version=version)
        except (PermissionDenied, ValidationError) as exc:
            detail = " ".join(exc.messages) if isinstance(exc, ValidationError) else _("无权审核。")
            outcome.failed.append(f"{item}：{detail}")
        else:
            outcome.done += 1
    if not_theirs:
        outcome.failed.append(
            ngettext(
                "%(n)s项不在您的审核范围内或已不存在，未处理。",
                "%(n)s项不在您的审核范围内或已不存在，未处理。",
                not_theirs,
            )
            % {"n": not_theirs}
        )
    return outcome


# --- Roster -------------------------------------------------------------------------------


def roster_departments(*, viewer: User, year: int | None = None, month: int | None = None) -> QuerySet[Department]:
    """Departments whose roster ``viewer`` may see: HR and the agency head all of the
    organisation, a leader the departments they supervise, a head their own. The active ones; for
    a month that has ended (``year``, ``month``), also one closed since in which someone was posted
    on its last day (a user test merged a department into another in January: December's roster
    lost its seven people)."""
    departments = Department.objects.filter(organisation_id=viewer.organisation_id, is_active=True)
    if year is not None and month is not None and (day := periods.Month(year, month).last_day) < periods.today():
        # Only the organisation's closed departments need the history (the active ones are in).
        posted = DepartmentMembership.objects.filter(
            posted_on(day), department__organisation_id=viewer.organisation_id, department__is_active=False
        )
        departments = Department.objects.filter(
            Q(is_active=True) | Q(pk__in=posted.values("department_id")), organisation_id=viewer.organisation_id
        )
    if viewer.has_perm("summaries.view_every_roster"):
        return departments
    return departments.filter(Q(head=viewer) | Q(supervising_leader=viewer))


ROSTER_NOT_SUBMITTED = "not_submitted"
# Beyond this many people in the viewer's departments the roster opens on one department (with a
# department pager) instead of everyone at once; 全部 stays for smaller organisations.
ROSTER_ALL_LIMIT = 2000


def roster_too_large_for_one_page(*, viewer: User, department_ids: list[int]) -> bool:
    """Whether the viewer's departments hold more than ROSTER_ALL_LIMIT participants: a count that
    stops at the limit (LIMIT), so it costs the same at 2 001 people as at 100 000."""
    people = participants_of(organisation=viewer.organisation).filter(department_id__in=department_ids)
    return people.order_by().values("pk")[: ROSTER_ALL_LIMIT + 1].count() > ROSTER_ALL_LIMIT


@dataclass(frozen=True)
class RosterRow:
    person: User
    summary_status: str | None
    summary_late: bool
    summary_id: int | None
    targets_status: str | None
    targets_late: bool
    targets_id: int | None
    # A newcomer who began after the month (the quarter) ended owes nothing of it (periods.person_policy).
    summary_not_due: bool = False
    targets_not_due: bool = False
    # Past the person's deadline (their own start counted, periods.person_policy) and not handed in.
    summary_overdue: bool = False
    targets_overdue: bool = False

    @staticmethod
    def _label(status: str | None) -> str:
        if status in (None, ReviewStatus.DRAFT):
            return str(_("未提交"))
        return str(ReviewStatus(status).label)

    @property
    def summary_label(self) -> str:
        return self._label(self.summary_status)

    @property
    def targets_label(self) -> str:
        return self._label(self.targets_status)

    # A returned document still shows 已退回, but it is back with its owner: not handed in.
    @property
    def summary_handed_in(self) -> bool:
        return self.summary_status in HANDED_IN_STATUSES

    @property
    def targets_handed_in(self) -> bool:
        return self.targets_status in HANDED_IN_STATUSES


def roster_people(
    *, viewer: User, year: int, month: int, department_id: int | None = None, show: str = ""
) -> QuerySet[User]:
    """Everyone in the viewer's departments (narrowed by ``show``: ``not_submitted`` — no summary
    handed in, a returned one included —, ``late`` or ``returned``), in roster order.

    The statuses narrow the list as EXISTS conditions, which the database runs as (anti-)joins
    however many people there are; the rows of a page get their documents from
    :func:`roster_rows`, so nothing is evaluated for the people not shown.
    """
    quarter = periods.Month(year, month).quarter.quarter
    summaries = MonthlySummary.objects.filter(owner=OuterRef("pk"), year=year, month=month)
    target_sets = TargetSet.objects.filter(owner=OuterRef("pk"), year=year, quarter=quarter)
    departments = roster_departments(viewer=viewer, year=year, month=month)
    if department_id:
        departments = departments.filter(pk=department_id)
    # The ids as a list (one small query): an IN (subquery) on departments made PostgreSQL scan
    # every person of the organisation even for a head of eight.
    department_ids = list(departments.values_list("pk", flat=True))
    period, today = periods.Month(year, month), periods.today()
    if period.last_day < today:
        # A month that has ended lists who was in the departments then, by the department history
        # (a user test found a person moved in October on the new department's March roster and
        # missing from the old one's, and someone who left in November gone from October's).
        people = participants_posted_on(
            organisation=viewer.organisation, day=period.last_day, department_ids=department_ids
        ).order_by("posted_sort_order", "posted_code", "employee_number", "pk")
    else:
        people = (
            participants_of(organisation=viewer.organisation)
            .filter(department_id__in=department_ids)
            .annotate(posted_department=F("department__name"))
            .order_by("department__sort_order", "department__code", "employee_number", "pk")
        )
    # Seconded out (挂职/援派) for the whole month (quarter): the host appraises them, their home asks
    # nothing of it (accounts.selectors.seconded_through): 无需填报, never missing nor 逾期.
    people = people.annotate(seconded_month=seconded_through(period), seconded_quarter=seconded_through(period.quarter))
    if show == ROSTER_NOT_SUBMITTED and not periods.Month(year, month).has_begun(periods.today()):
        # A month that has not begun asks nothing yet (its cells say 未到).
        people = people.none()
    elif show == ROSTER_NOT_SUBMITTED:
        # A newcomer who began after the month ended owes none (periods.person_policy).
        people = people.filter(
            ~Exists(summaries.filter(handed_in())), periods.due_for_people(periods.Month(year, month))
        ).exclude(seconded_month=True)
    elif show == "late":
        # Every row with a badge: handed in late (迟交), or not handed in past the person's deadline
        # (逾期, periods.past_deadline as the rows say it).
        policy, today = policy_for_organisation(organisation_id=viewer.organisation_id), periods.today()
        period = periods.Month(year, month)
        overdue_summary = (
            ~Exists(summaries.filter(met_the_deadline()))
            & periods.past_deadline_people(policy, period, today)
            & Q(seconded_month=False)
        )
        overdue_targets = (
            ~Exists(target_sets.filter(met_the_deadline()))
            & periods.past_deadline_people(policy, period.quarter, today)
            & Q(seconded_quarter=False)
        )
        people = people.filter(
            Exists(summaries.filter(is_late=True))
            | Exists(target_sets.filter(is_late=True))
            | overdue_summary
            | overdue_targets
        )
    elif show == "returned":
        returned = Q(status=ReviewStatus.RETURNED)
        people = people.filter(Exists(summaries.filter(returned)) | Exists(target_sets.filter(returned)))
    return people


def roster_counts(people: QuerySet[User], *, year: int, month: int) -> dict[str, int]:
    """How many people :func:`roster_people` lists and, for the month's summary and the quarter's
    targets, how many have not handed it in, counted as the rows show them: ``*_missing`` with
    none or a draft (未提交), ``*_returned`` with a returned one (已退回, not handed in either).
    One aggregate query."""
    period = periods.Month(year, month)
    quarter = period.quarter.quarter
    summaries = MonthlySummary.objects.filter(owner=OuterRef("pk"), year=year, month=month)
    target_sets = TargetSet.objects.filter(owner=OuterRef("pk"), year=year, quarter=quarter)
    returned = Q(status=ReviewStatus.RETURNED)
    summary_in, summary_returned = Exists(summaries.filter(handed_in())), Exists(summaries.filter(returned))
    targets_in, targets_returned = Exists(target_sets.filter(handed_in())), Exists(target_sets.filter(returned))
    # A newcomer who began after the month (the quarter) ended is not missing it (periods.person_policy),
    # nor one seconded out for all of it. The conditions, not the annotations roster_people made of
    # them: an aggregate over an annotated subquery runs as a subquery of its own.
    return people.order_by().aggregate(
        total=Count("pk"),
        summary_missing=Count(
            "pk",
            filter=~summary_in & ~summary_returned & periods.due_for_people(period) & ~seconded_through(period),
        ),
        summary_returned=Count("pk", filter=summary_returned),
        targets_missing=Count(
            "pk",
            filter=~targets_in
            & ~targets_returned
            & periods.due_for_people(period.quarter)
            & ~seconded_through(period.quarter),
        ),
        targets_returned=Count("pk", filter=targets_returned),
    )


def roster_rows(people, *, year: int, month: int, policy=None, today: date | None = None) -> list[RosterRow]:
    """The roster rows of ``people`` (a page, or all for the workbook): two queries. With the
    organisation's ``policy`` and ``today``, each row says whether the person is past their deadline."""
    if (policy is None) != (today is None):
        raise TypeError("roster_rows: policy and today go together")
    people = list(people)
    ids = [p.pk for p in people]
    quarter = periods.Month(year, month).quarter.quarter
    summaries = {
        s.owner_id: s
        for s in MonthlySummary.objects.filter(owner_id__in=ids, year=year, month=month).only(
            "pk", "owner_id", "status", "is_late", "submitted_at"
        )
    }
    target_sets = {
        t.owner_id: t
        for t in TargetSet.objects.filter(owner_id__in=ids, year=year, quarter=quarter).only(
            "pk", "owner_id", "status", "is_late", "submitted_at"
        )
    }
    rows = []
    period = periods.Month(year, month)
    for person in people:
        summary, targets = summaries.get(person.pk), target_sets.get(person.pk)
        start = person.appraisal_start
        summary_due = periods.is_due_for(period, start) and not getattr(person, "seconded_month", False)
        targets_due = periods.is_due_for(period.quarter, start) and not getattr(person, "seconded_quarter", False)
        # Handed in, or handed in on time and returned since: not 逾期 (accounts.workflow.met_deadline).
        summary_in = bool(summary and met_deadline(summary.status, summary.is_late, summary.submitted_at))
        targets_in = bool(targets and met_deadline(targets.status, targets.is_late, targets.submitted_at))
        rows.append(
            RosterRow(
                person=person,
                summary_status=summary.status if summary else None,
                summary_late=bool(summary and summary.is_late),
                summary_id=summary.pk if summary else None,
                targets_status=targets.status if targets else None,
                targets_late=bool(targets and targets.is_late),
                targets_id=targets.pk if targets else None,
                summary_not_due=not summary_due,
                targets_not_due=not targets_due,
                summary_overdue=policy is not None
                and summary_due
                and not summary_in
                and periods.past_deadline(policy, period, start, today),
                targets_overdue=policy is not None
                and targets_due
                and not targets_in
                and periods.past_deadline(policy, period.quarter, start, today),
            )
        )
    return rows


def roster(*, viewer: User, year: int, month: int, department_id: int | None = None, show: str = "") -> list[RosterRow]:
    """Every row of the roster as :class:`RosterRow` objects: the people of :func:`roster_people`
    with the month's summary and the quarter's targets (the workbook streams :func:`roster_values`)."""
    people = roster_people(viewer=viewer, year=year, month=month, department_id=department_id, show=show)
    policy = policy_for_organisation(organisation_id=viewer.organisation_id)
    return roster_rows(people, year=year, month=month, policy=policy, today=periods.today())


# The columns of :func:`roster_values`, in order.
ROSTER_VALUES = (
    "posted_department",
    "employee_number",
    "full_name",
    "username",
    "ms__status",
    "ms__is_late",
    "ts__status",
    "ts__is_late",
    "appraisal_start",
    "pk",
    # For 逾期: a document handed in on time and returned since is not (accounts.workflow.met_deadline).
    "ms__submitted_at",
    "ts__submitted_at",
)


def roster_values(people: QuerySet[User], *, year: int, month: int) -> QuerySet:
    """The roster's people with the month's summary and the quarter's targets as plain value tuples
    (:data:`ROSTER_VALUES`), in roster order: one query, each document LEFT JOINed on its unique key
    (owner, year, month / quarter), so the workbook reads 100 000 rows through ``.iterator()`` with
    no model instances and no list of ids."""
    quarter = periods.Month(year, month).quarter.quarter
    return (
        people.select_related(None)
        .annotate(
            ms=FilteredRelation(
                "monthly_summaries", condition=Q(monthly_summaries__year=year, monthly_summaries__month=month)
            ),
            ts=FilteredRelation("target_sets", condition=Q(target_sets__year=year, target_sets__quarter=quarter)),
        )
        .values_list(*ROSTER_VALUES)
    )


def roster_status_label(status: str | None) -> str:
    """未提交 for no document or a draft, else the status's label (as :class:`RosterRow` shows it)."""
    return RosterRow._label(status)
