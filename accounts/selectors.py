"""Reads about the organisation: policy, and who reviews, evaluates or supervises whom."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Exists, F, FilteredRelation, Max, OuterRef, Q, QuerySet, Subquery

from . import periods, shapes
from .models import (
    DEPARTMENT_POSTS,
    ROLE_CHANGE_SIDES,
    SEPARATED_ROLES,
    AuditEntry,
    Department,
    DepartmentHeadship,
    DepartmentMembership,
    Organisation,
    PendingPasswordReset,
    PendingRoleChange,
    Policy,
    Role,
    RoleAssignment,
    StaffStatus,
    StaffStatusKind,
    User,
    WorkingDayOverride,
)
from .text import search_words

# The policies read during the current request (organisation id → the row as read), or None outside
# a request: :class:`accounts.middleware.PolicyMemoMiddleware` opens the memo for each request and
# closes it when the view returns, so a page reads each organisation's policy once however many
# parts of it ask (the middleware's idle timeout, the view, the home page's to-dos), and a task or a
# test outside a request always reads the database.
_request_policies: ContextVar[dict[int, Policy] | None] = ContextVar("request_policies", default=None)


@contextmanager
def policy_memo() -> Iterator[None]:
    """Read each organisation's policy at most once inside the block (one request), and build its
    working calendar once (``periods.calendar_memo``)."""
    token = _request_policies.set({})
    try:
        with periods.calendar_memo():
            yield
    finally:
        _request_policies.reset(token)


def policy_memo_forget(*, organisation_id: int) -> None:
    """Drop a policy from the request's memo (it was saved or deleted: the next read sees the row)."""
    memo = _request_policies.get()
    if memo is not None:
        memo.pop(organisation_id, None)


def _policy_of(organisation_id: int):
    return shapes.select(Policy.objects.filter(organisation_id=organisation_id).order_by("pk")[:1])


def policy_for_organisation(*, organisation_id: int) -> Policy:
    """The organisation's policy, or the defaults unsaved when it has no row yet.

    A read never writes (a GET must not): :func:`accounts.services.organisation_create` creates
    the row with the organisation, and a migration created it for the organisations before;
    an organisation added another way (the Django admin) reads the defaults until HR or the
    security administrator saves the policy, which inserts it then.

    Inside a request the row is read once (see :func:`policy_memo`); each caller gets its own
    copy, so a form bound to it (the policy page) changes nobody else's.
    """
    memo = _request_policies.get()
    if memo is not None and organisation_id in memo:
        return copy.copy(memo[organisation_id])
    # Read on every request and in most services: the statement is composed once (accounts.shapes).
    policy = shapes.first("policy", _policy_of, [organisation_id])
    if policy is None:
        policy = Policy(organisation_id=organisation_id)
    if memo is not None:
        memo[organisation_id] = copy.copy(policy)
    return policy


def policies_for_organisations(*, organisation_ids: Iterable[int]) -> dict[int, Policy]:
    """Each organisation's policy in one query (the defaults, unsaved, for one without a row), as
    :func:`policy_for_organisation` reads it for one; for work that covers many organisations."""
    ids = set(organisation_ids)
    policies = {policy.organisation_id: policy for policy in Policy.objects.filter(organisation_id__in=ids)}
    return {pk: policies.get(pk) or Policy(organisation_id=pk) for pk in ids}


def taking_part(*, organisation_id: int) -> QuerySet[User]:
    """The organisation's active people who hold a role other than the separated ones: the
    queryset of :func:`accounts.rules.takes_part_in_appraisal`, who read published results and
    boards (the system administrator, auditor and security administrator see no grades)."""
    roles = RoleAssignment.objects.filter(user=OuterRef("pk"), organisation_id=organisation_id).exclude(
        role__in=SEPARATED_ROLES
    )
    return User.objects.filter(Exists(roles), organisation_id=organisation_id, is_active=True)


def on_long_leave(day) -> Exists:
    """A condition on people: on long leave (特殊状态 长期休假) on ``day``. Reminders are not sent
    to them while away; what they owe stays owed (the grading suggests 不确定等次 for a long one)."""
    return Exists(
        StaffStatus.objects.filter(user=OuterRef("pk"), kind=StaffStatusKind.LONG_LEAVE, start_date__lte=day).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=day)
        )
    )


def seconded_through(period: periods.Quarter | periods.Month, ref: str = "pk") -> Exists:
    """A condition on people (``ref``: the outer path to the person): seconded out (挂职/援派) for
    the whole of ``period``. The host organisation appraises them (DOMAIN §2): their home asks none
    of the period's targets or summaries — no reminder, not missing on the roster, nothing to do on
    their home page — and its approval does not wait for them; they keep their grade row (the
    grading page suggests the host's grade). Two days away excuse nothing."""
    return Exists(
        StaffStatus.objects.filter(
            user_id=OuterRef(ref), kind=StaffStatusKind.SECONDED, start_date__lte=period.first_day
        ).exclude(end_date__lt=period.last_day)
    )


def seconded_ids(*, organisation_id: int, period: periods.Quarter | periods.Month) -> set[int]:
    """The ids of the organisation's people :func:`seconded_through` ``period``, in one small query:
    for a list streamed by value rows (the roster's workbook), where a subquery per row would cost
    100 000 lookups for the few who are away."""
    return set(
        StaffStatus.objects.filter(
            user__organisation_id=organisation_id,
            kind=StaffStatusKind.SECONDED,
            start_date__lte=period.first_day,
        )
        .exclude(end_date__lt=period.last_day)
        .values_list("user_id", flat=True)
    )


@dataclass(frozen=True)
class Secondments:
    """One person's secondments, read once, to ask of many periods (:func:`seconded_through` for
    one person: their home page, their summaries page)."""

    spans: tuple[tuple[date, date | None], ...] = ()

    def through(self, period: periods.Quarter | periods.Month) -> bool:
        return any(start <= period.first_day and (end is None or end >= period.last_day) for start, end in self.spans)

    def on(self, day: date) -> tuple[date, date | None] | None:
        """The secondment (first day, last day or None) ``day`` falls in, if any."""
        return next(((start, end) for start, end in self.spans if start <= day and (end is None or end >= day)), None)


def secondments_of_people(*, person_ids) -> dict[int, Secondments]:
    """:func:`secondments_of` for a page of people, in one query (those with none left out)."""
    spans: dict[int, list[tuple[date, date | None]]] = {}
    for user_id, start, end in StaffStatus.objects.filter(
        user_id__in=list(person_ids), kind=StaffStatusKind.SECONDED
    ).values_list("user_id", "start_date", "end_date"):
        spans.setdefault(user_id, []).append((start, end))
    return {user_id: Secondments(tuple(found)) for user_id, found in spans.items()}


def secondments_of(*, person: User) -> Secondments:
    return secondments_of_people(person_ids=[person.pk]).get(person.pk, Secondments())


def _appraised_people(organisation: Organisation) -> QuerySet[User]:
    """The organisation's people holding the staff role, of a staff type its policy includes (read
    as they are now: no history is kept of either) — what every list of participants starts from.
    Exists rather than a join: no duplicate rows, so no DISTINCT to clash with ORDER BY."""
    policy = policy_for_organisation(organisation_id=organisation.pk)
    holds_staff_role = RoleAssignment.objects.filter(user=OuterRef("pk"), organisation=organisation, role=Role.STAFF)
    return User.objects.filter(
        Exists(holds_staff_role), organisation=organisation, staff_type__in=policy.participating_staff_types
    )


def posted_on(day: date, prefix: str = "") -> Q:
    """The postings (:class:`~accounts.models.DepartmentMembership`, reached through ``prefix``,
    e.g. ``"memberships__"``) that cover ``day``: begun by it and not ended — a posting ends on its
    ``end_date``, the move's day being the new one's, so one posting covers a day."""
    return Q(**{f"{prefix}start_date__lte": day}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gt": day})
    )


def participants_of(*, organisation: Organisation) -> QuerySet[User]:
    """Who takes part in routine appraisal (writes targets and summaries, is graded): active
    people in an active department, holding the staff role, of a staff type the policy includes."""
    return _appraised_people(organisation).filter(is_active=True, department__isnull=False, department__is_active=True)


def participants_who_left(*, organisation: Organisation, first_day: date, last_day: date) -> QuerySet[User]:
    """Who took part for some of ``first_day`` – ``last_day`` and has left since (account deactivated,
    their posting closed within it): each carries ``left_department`` (the department of their last
    posting in the period) and ``left_department_head`` (its head now). A quarter opened after they
    left still grades them, as one opened before does (a user test: whether a leaver was graded
    depended on the order of the two clicks). The staff role and type are read as they are now."""
    # Closed postings only: an account deactivated before postings were closed on leaving keeps an
    # open one, which says nothing of when they left.
    # Not a posting that began and ended on one day (an account made by mistake and closed).
    postings = (
        DepartmentMembership.objects.filter(
            user=OuterRef("pk"), start_date__lte=last_day, end_date__isnull=False, end_date__gt=first_day
        )
        .filter(end_date__gt=F("start_date"))
        .order_by("-end_date", "-pk")
    )
    return (
        _appraised_people(organisation)
        .filter(
            Exists(postings),
            is_active=False,
            # Not one moved into the leadership (领导班子) before leaving: not graded in a department.
            department__isnull=False,
        )
        .annotate(
            left_department=Subquery(postings.values("department_id")[:1]),
            left_department_head=Subquery(postings.values("department__head_id")[:1]),
        )
    )


def participants_posted_counts(*, organisation: Organisation, days: dict[str, date], departments: Q) -> dict[str, int]:
    """How many took part on each of ``days`` (key → day) in the departments ``departments`` selects
    (a filter on ``Department`` reached through ``memberships__department``), by their postings then,
    as :func:`participants_posted_on` lists them for one day, and owing that day's month a summary
    (``periods.due_for_people``, not :func:`seconded_through` it) — one query for every day (the
    dashboard's months)."""
    if not days:
        return {}

    def posted(day: date) -> Q:
        month = periods.Month.of(day)
        return posted_on(day, "memberships__") & departments & periods.due_for_people(month) & ~seconded_through(month)

    people = _appraised_people(organisation)
    return people.aggregate(**{key: Count("pk", distinct=True, filter=posted(day)) for key, day in days.items()})


def participants_posted_on(*, organisation: Organisation, day: date, department_ids: list[int]) -> QuerySet[User]:
    """Who took part on ``day`` in one of ``department_ids``, by their posting then (the department
    history, :class:`~accounts.models.DepartmentMembership`), not their department now: someone
    moved since is found where they were, someone who has left since is still there, a newcomer
    posted after ``day`` is not. Each person carries ``posted_department``, ``posted_sort_order``
    and ``posted_code`` of that department. The staff role and staff type are read as they are now
    (no history is kept of them). A posting ends on its ``end_date``: the move's day is the new
    one's, so one posting covers a day. Joined, not a subquery per person: one pass at 100 000."""
    return (
        _appraised_people(organisation)
        .annotate(posted=FilteredRelation("memberships", condition=posted_on(day, "memberships__")))
        .filter(posted__department_id__in=department_ids)
        .annotate(
            posted_department=F("posted__department__name"),
            posted_sort_order=F("posted__department__sort_order"),
            posted_code=F("posted__department__code"),
        )
    )


def choosable_people(*, organisation: Organisation, include_leaders: bool = False) -> QuerySet[User]:
    """Whom a person picker offers and a service accepts as the subject of an input (satisfaction
    score, praise or complaint, finding, sanction): the appraisal's participants and, with
    ``include_leaders``, the agency's active leaders (分管领导, 主要负责人), who have no department
    but can be found at fault or sanctioned. Never an account that only administers the system
    (系统管理员, 审计员) or holds only a back-office role."""
    people = Q(pk__in=participants_of(organisation=organisation).values("pk"))
    if include_leaders:
        leads = RoleAssignment.objects.filter(
            user=OuterRef("pk"), organisation=organisation, role__in=[Role.SUPERVISING_LEADER, Role.AGENCY_HEAD]
        )
        people |= Q(Exists(leads), is_active=True)
    return (
        User.objects.filter(people, organisation=organisation)
        .select_related("department")
        .order_by("department__sort_order", "employee_number", "pk")
    )


def person_is_choosable(*, person: User, organisation: Organisation, include_leaders: bool = False) -> bool:
    """The services' check behind every person picker (see ``choosable_people``)."""
    return choosable_people(organisation=organisation, include_leaders=include_leaders).filter(pk=person.pk).exists()


# Beyond this many people a picker does not list everyone in its <select>: it searches the server
# (``people_search``, /accounts/people/search/) as one types. 100 000 <option>s were megabytes.
PICKER_INLINE_LIMIT = 200
# How many people one search answer lists; the picker asks for the next page when there are more.
PEOPLE_SEARCH_PAGE = 20


def people_search(
    *,
    organisation: Organisation,
    words: str,
    include_leaders: bool = False,
    department_ids: list[int] | None = None,
    page: int = 1,
) -> tuple[list[User], bool]:
    """One page of the choosable people (``choosable_people``) whose name, employee number or
    department contains ``words``, optionally within the given departments; and whether more follow.

    The name and number matches use the trigram indexes (``TRIGRAM_INDEXES`` of the accounts
    migration) on PostgreSQL."""
    people = choosable_people(organisation=organisation, include_leaders=include_leaders)
    words = search_words(words)
    if words:
        people = people.filter(
            Q(full_name__icontains=words) | Q(employee_number__icontains=words) | Q(department__name__icontains=words)
        )
    if department_ids:
        # The agency's leaders, in no department, belong to every inspection (include_leaders).
        people = people.filter(Q(department_id__in=department_ids) | Q(department__isnull=True))
    start = (max(page, 1) - 1) * PEOPLE_SEARCH_PAGE
    rows = list(people[start : start + PEOPLE_SEARCH_PAGE + 1])
    return rows[:PEOPLE_SEARCH_PAGE], len(rows) > PEOPLE_SEARCH_PAGE


def departments_of(*, organisation: Organisation, active_only: bool = False, keep=None) -> QuerySet[Department]:
    """The organisation's departments in their order (``sort_order``, then code), closed ones too
    unless ``active_only``: a list's filter offers the closed ones its older rows still name.
    ``keep`` (a department's id, or None; with ``active_only``) stays even if it has been closed:
    the one a record or a list's filter already names."""
    departments = Department.objects.filter(organisation=organisation).order_by("sort_order", "code")
    if not active_only:
        return departments
    wanted = Q(is_active=True)
    if keep is not None and str(keep).isdigit():
        wanted |= Q(pk=keep)
    return departments.filter(wanted)


def without_head_at_work(departments: QuerySet[Department]) -> QuerySet[Department]:
    """The active departments of ``departments`` that have people at work and no head at work (the
    post empty, or its holder's account deactivated): nobody reviews their people's targets and
    summaries or grades them. One query, whatever the number of departments."""
    staffed = User.objects.filter(department=OuterRef("pk"), is_active=True)
    return departments.filter(Q(head__isnull=True) | Q(head__is_active=False), Exists(staffed), is_active=True)


def department_pending_appointments(*, department: Department) -> dict[str, PendingRoleChange]:
    """The appointments to ``department``'s posts waiting for the second person's confirmation, by
    the form's field (``head``, ``supervising_leader``): one per post (accounts.services
    ._appointment_request), in one query, with the person asked for."""
    fields = {role: field for field, role in DEPARTMENT_POSTS.items()}
    waiting = PendingRoleChange.objects.filter(
        department=department, role__in=fields, state=PendingRoleChange.State.PENDING
    ).select_related("user", "user__department")
    return {fields[change.role]: change for change in waiting}


def department_next_sort_order(*, organisation: Organisation) -> int:
    """The 排序 a new department takes by default: after the organisation's last one."""
    last = Department.objects.filter(organisation=organisation).aggregate(last=Max("sort_order"))["last"]
    return 1 if last is None else last + 1


def heads_in_period(*, organisation_id: int, first_day: date, last_day: date) -> set[tuple[int, int]]:
    """(person id, department id) of everyone who headed a department of the organisation on some
    day from ``first_day`` to ``last_day`` (DepartmentHeadship; one who left the post on a day did
    not head it that day). One query."""
    return set(
        DepartmentHeadship.objects.filter(department__organisation_id=organisation_id)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=last_day))
        .filter(Q(end_date__isnull=True) | Q(end_date__gt=first_day))
        .values_list("person_id", "department_id")
    )


def departments_headed_by(*, person: User) -> QuerySet[Department]:
    return Department.objects.filter(head=person, is_active=True)


def departments_supervised_by(*, person: User) -> QuerySet[Department]:
    return Department.objects.filter(supervising_leader=person, is_active=True)


def departments_reviewed_by(*, reviewer: User) -> QuerySet[Department]:
    """The ids of the departments whose documents ``reviewer`` may review (heads or supervises),
    as a subquery (``department_id__in=``): review lists start from these few departments."""
    return Department.objects.filter(Q(head=reviewer) | Q(supervising_leader=reviewer)).values("pk")


LEADERSHIP_ROLES = frozenset({Role.DEPARTMENT_HEAD, Role.SUPERVISING_LEADER})


@dataclass(frozen=True)
class ReviewScope:
    """The departments a person heads and supervises, read once (one small query).

    Lists of who-reviews-whom filter on these ids as plain lists: ``IN (list)`` lets the
    database use the department index, where ``x IN (subquery) OR y IN (subquery)`` makes
    PostgreSQL test every row of the table (a scan of 100 000 users for a head of 8)."""

    headed: tuple[int, ...]
    supervised: tuple[int, ...]
    supervised_heads: tuple[int, ...]


def review_scope(*, person: User, active_only: bool = False) -> ReviewScope:
    if active_only and not person.roles & LEADERSHIP_ROLES:
        # Heading or supervising an active department is holding that role, and only then
        # (accounts.services: every appointment and department change syncs the roles): most
        # people's home page reads no departments for this.
        return ReviewScope(headed=(), supervised=(), supervised_heads=())
    departments = Department.objects.filter(Q(head=person) | Q(supervising_leader=person))
    if active_only:
        departments = departments.filter(is_active=True)
    # Unordered: the default order (the organisation's code first) joined a table for nothing.
    rows = list(departments.order_by().values_list("pk", "head_id", "supervising_leader_id"))
    return ReviewScope(
        headed=tuple(pk for pk, head, _leader in rows if head == person.pk),
        supervised=tuple(pk for pk, _head, leader in rows if leader == person.pk),
        supervised_heads=tuple(head for _pk, head, leader in rows if leader == person.pk and head),
    )


def evaluatees_of(*, person: User, scope: ReviewScope | None = None) -> QuerySet[User]:
    """Whom ``person`` evaluates and reviews (谁管理谁认定).

    A department head evaluates the staff of their department; a supervising
    leader evaluates the heads of the departments they supervise. Nobody
    evaluates themselves. ``scope``: the person's ``review_scope(active_only=True)``, if read already.
    """
    scope = scope or review_scope(person=person, active_only=True)
    people = (
        User.objects.filter(organisation_id=person.organisation_id, is_active=True)
        .filter(Q(department_id__in=scope.headed) | Q(pk__in=scope.supervised_heads))
        .exclude(pk=person.pk)
        .select_related("department")
    )
    if len(scope.headed) == 1 and not scope.supervised_heads:
        # One department of one organisation: the default order (organisation, department, 工号,
        # username) is 工号 then username, which the index user_department_number_idx reads in
        # order, so the home page's first 50 of a 12 500-person department are not a sort of all.
        people = people.order_by("employee_number", "username")
    return people


def supervised_staff_of(*, person: User) -> QuerySet[User]:
    """Everyone in the departments ``person`` supervises (whose staff grades they confirm)."""
    return (
        User.objects.filter(
            organisation_id=person.organisation_id,
            is_active=True,
            department__supervising_leader=person,
            department__is_active=True,
        )
        .exclude(pk=person.pk)
        .select_related("department")
    )


def _evaluator_post(person: User) -> str | None:
    """Which post of the person's department evaluates them: its head, or for the head the
    supervising leader (None without a department)."""
    department = person.department
    if department is None:
        return None
    return "supervising_leader" if department.head_id == person.pk else "head"


def evaluator_of(*, person: User) -> User | None:
    """Who evaluates ``person``: the head of their department, or for a head, the supervising leader."""
    post = _evaluator_post(person)
    return getattr(person.department, post) if post else None


def evaluator_id_of(*, person: User) -> int | None:
    """The id of :func:`evaluator_of`, from ``person.department`` alone (no query for the evaluator)."""
    post = _evaluator_post(person)
    return getattr(person.department, f"{post}_id") if post else None


def is_evaluator_of(*, evaluator: User, person: User) -> bool:
    found = evaluator_id_of(person=person)
    return found is not None and found == evaluator.pk


def staff_of_organisation(*, organisation: Organisation) -> QuerySet[User]:
    return User.objects.filter(organisation=organisation).select_related("department")


def audit_entries_for(*, auditor: User) -> QuerySet[AuditEntry]:
    """The audit entries an auditor reads, newest first: their organisation's, and the entries of
    no organisation — failed sign-ins and lockouts of names that designate nobody (made-up names,
    a name several agencies use typed without the 单位代码), the retention purge — which would
    otherwise be read by no auditor at all. Such an entry holds what was typed and the address,
    nothing of another organisation. Events only (``ACCESS``): a change to a record that names no
    organisation is one whose model failed to name it (the indicator scores and public-welfare
    assessments before evaluations 0039), another agency's content, never shown to every auditor
    (a user test read the demo agency's scores from a new one)."""
    return (
        AuditEntry.objects.filter(
            Q(organisation_id=auditor.organisation_id) | Q(organisation__isnull=True, action=AuditEntry.Action.ACCESS)
        )
        .select_related("actor", "content_type", "organisation")
        .order_by("-timestamp", "-pk")
    )


def role_holders(*, organisation_id: int, roles: Iterable[str], exclude: Iterable[int] = ()) -> list[User]:
    """The organisation's active people holding any of ``roles`` (each once), but those in ``exclude``:
    whom a notice to a role goes to (the second person of a request, the auditors, the committee)."""
    return list(
        User.objects.filter(
            organisation_id=organisation_id,
            is_active=True,
            role_assignments__organisation_id=organisation_id,
            role_assignments__role__in=list(roles),
        )
        .exclude(pk__in=list(exclude))
        .distinct()
    )


def hr_admin_roles(organisation_id) -> QuerySet[RoleAssignment]:
    """The organisation's active HR administrators' role rows (``user_id``): who is told of and
    handles HR's matters. ``organisation_id`` may be an ``OuterRef`` (a subquery per row)."""
    return RoleAssignment.objects.filter(organisation_id=organisation_id, role=Role.HR_ADMIN, user__is_active=True)


def another_hr_admin(*, organisation_id: int, besides: Iterable[int]) -> bool:
    """Whether the organisation has an active HR administrator other than ``besides``: one who can
    take a matter that concerns those people (回避 — an objection about one's own result, a review
    of one's own grade, one's own 复核/申诉 case). Where none can, the only one takes it. One query."""
    return hr_admin_roles(organisation_id).exclude(user_id__in=list(besides)).exists()


# How an HR administrator stands to a matter of their own (:func:`own_matter`).
OWN_MATTER_RECUSED = "recused"
OWN_MATTER_SOLE = "sole"


def own_matter(*, user: User, person_ids: Iterable[int], organisation_id: int) -> str:
    """How an HR administrator stands to a matter that concerns ``person_ids`` (本人事项: their own
    grade, result or 复核/申诉 case, an objection they lodged): "" when it is not theirs;
    :data:`OWN_MATTER_RECUSED` when another HR administrator can take it (回避: the service refuses
    them, the page says why); :data:`OWN_MATTER_SOLE` when none can, so they take it themselves and
    the page says so (``templates/includes/own_matter.html``). At most one query."""
    if user.pk not in set(person_ids):
        return ""
    if another_hr_admin(organisation_id=organisation_id, besides=[user.pk]):
        return OWN_MATTER_RECUSED
    return OWN_MATTER_SOLE


def recused(*, user: User, person_id: int) -> bool:
    """Whether ``user`` must leave ``person_id``'s matter to another HR administrator (回避:
    :func:`own_matter` is :data:`OWN_MATTER_RECUSED`): their own record, grade, result or case."""
    return own_matter(user=user, person_ids=[person_id], organisation_id=user.organisation_id) == OWN_MATTER_RECUSED


def role_changes_waiting_for(*, person: User) -> QuerySet[PendingRoleChange]:
    """The role changes asked for ``person`` that still wait for their second person (an
    appointment to a department's post too), oldest first: what the roles page says is coming."""
    return (
        PendingRoleChange.objects.filter(user=person, state=PendingRoleChange.State.PENDING)
        .select_related("user", "requested_by", "department")
        .order_by("requested_at", "pk")
    )


def pending_changes_to_decide(*, user: User) -> int:
    """How many waiting two-person requests ``user`` can confirm or reject on the pending page: role
    changes (never their own request or one about themselves, nor one asked by their own side, which
    the other side confirms) and password resets, as far as they hold the right to decide each."""
    if not user.organisation_id:
        return 0
    waiting = 0
    if user.has_perm("accounts.confirm_role_changes"):
        own_side = RoleAssignment.objects.filter(
            user=OuterRef("requested_by"), role__in=user.roles & ROLE_CHANGE_SIDES or [""]
        )
        waiting += (
            PendingRoleChange.objects.filter(
                organisation_id=user.organisation_id, state=PendingRoleChange.State.PENDING
            )
            .exclude(Q(requested_by=user) | Q(user=user) | Exists(own_side))
            .count()
        )
    if user.has_perm("accounts.confirm_password_resets"):
        waiting += (
            PendingPasswordReset.objects.filter(
                organisation_id=user.organisation_id, state=PendingPasswordReset.State.PENDING
            )
            .exclude(Q(requested_by=user) | Q(user=user))
            .count()
        )
    return waiting


@dataclass(frozen=True)
class CalendarYearMissing:
    """A year beyond the built-in calendar whose arrangement HR has not finished entering: how many
    days are entered so far and the latest of them (None when none is)."""

    year: int
    entered: int
    latest: date | None


def calendar_years_missing(*, organisation_id: int, today: date, last_known_year: int) -> list[CalendarYearMissing]:
    """The year at work (and, from December, the next) beyond the built-in calendar while its
    arrangement is not entered to its end: a year counts as entered once a day of October or later
    is (国庆, the last arrangement of every year), not from its first entry (a user test: one 元旦
    entry silenced the warning for the rest of the year)."""
    years = [
        year
        for year in (today.year, today.year + 1)
        if year > last_known_year and (year == today.year or today.month == 12)
    ]
    if not years:
        return []
    entered = (
        WorkingDayOverride.objects.filter(
            Q(organisation_id=organisation_id) | Q(organisation__isnull=True), date__year__in=years
        )
        .values("date__year")
        .annotate(days=Count("date", distinct=True), latest=Max("date"))
    )
    found = {row["date__year"]: (row["days"], row["latest"]) for row in entered}
    missing = []
    for year in years:
        days, latest = found.get(year, (0, None))
        if latest is None or latest < date(year, 10, 1):
            missing.append(CalendarYearMissing(year=year, entered=days, latest=latest))
    return missing
