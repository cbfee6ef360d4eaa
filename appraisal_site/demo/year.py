"""A year in progress for the demo organisation: department goals, quarterly targets and monthly summaries.

Runs after :func:`appraisal_site.demo.organisation.build_demo_organisation`. Deterministic for a seed and a "today";
bulk inserts only (audit disabled), so ``seed_demo --staff 100000`` stays within minutes:
the first :data:`FULL_DETAIL_PEOPLE` people get the whole year, everyone beyond gets the
current quarter's targets and last month's summary (fewer items, no progress rows).

demo_staff's current-quarter targets and current-month summary are left unstarted on purpose,
so whoever tries the product as demo_staff can write and submit them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone

from accounts import periods
from accounts.models import Department, Organisation, Role, User
from accounts.selectors import policy_for_organisation
from summaries.models import MonthlySummary, SummaryProgress
from targets.models import (
    Completion,
    DepartmentGoal,
    ReviewStatus,
    TargetItem,
    TargetKind,
    TargetSet,
    TargetSetRevision,
)

from . import load

FULL_DETAIL_PEOPLE = 2000
CHUNK = 500
BATCH = 2000


@dataclass(frozen=True)
class Task:
    content: str
    measures: str
    short: str  # what progress notes call it
    goal: int | None = None  # index of the annual goal it serves


@dataclass(frozen=True)
class DepartmentPlan:
    annual: tuple[str, ...]
    quarterly: dict[int, tuple[str, ...]]
    key: tuple[Task, ...]
    assigned: tuple[Task, ...]
    routine: tuple[Task, ...]
    other_work: tuple[str, ...]
    problems: tuple[str, ...]
    plans: tuple[str, ...]


def _task(row: dict) -> Task:
    return Task(row["content"], row["measures"], row["short"], row.get("goal"))


def _plan(row: dict) -> DepartmentPlan:
    return DepartmentPlan(
        annual=tuple(row["annual"]),
        quarterly={int(q): tuple(texts) for q, texts in row["quarterly"].items()},
        key=tuple(map(_task, row["key"])),
        assigned=tuple(map(_task, row["assigned"])),
        routine=tuple(map(_task, row["routine"])),
        other_work=tuple(row["other_work"]),
        problems=tuple(row["problems"]),
        plans=tuple(row["plans"]),
    )


_TEXT = load("year")
PLANS: dict[str, DepartmentPlan] = {code: _plan(row) for code, row in _TEXT["plans"].items()}
COMMON_ROUTINE = tuple(map(_task, _TEXT["common"]["routine"]))
COMMON_ASSIGNED = tuple(map(_task, _TEXT["common"]["assigned"]))
COMMON_OTHER_WORK = tuple(_TEXT["common"]["other_work"])
COMMON_PROBLEMS = tuple(_TEXT["common"]["problems"])
COMMON_PLANS = tuple(_TEXT["common"]["plans"])
DEFAULT_PLAN = PLANS["BGS"]
STAGE_NOTES = {int(stage): tuple(texts) for stage, texts in _TEXT["stage_notes"].items()}
DONE_NOTES = tuple(_TEXT["done_notes"])
PARTIAL_NOTES = tuple(_TEXT["partial_notes"])
NOT_DONE_NOTES = tuple(_TEXT["not_done_notes"])
COMPLETION_NOTES = {completion: tuple(texts) for completion, texts in _TEXT["completion_notes"].items()}
REASONS = tuple(_TEXT["reasons"])
TARGET_RETURN_REASONS = tuple(_TEXT["target_return_reasons"])
SUMMARY_RETURN_REASONS = tuple(_TEXT["summary_return_reasons"])
WEIGHTS = {
    2: ((60, 40), (70, 30)),
    3: ((40, 35, 25), (50, 30, 20)),
    4: ((30, 30, 20, 20), (40, 25, 20, 15)),
    5: ((30, 25, 20, 15, 10), (25, 25, 20, 15, 15)),
}
KIND_LABELS = {kind.value: str(kind.label) for kind in TargetKind}


@dataclass
class DemoYearReport:
    year: int
    as_of: date
    past_quarters: list[int]
    current_quarter: int | None
    past_months: list[int]
    full_people: int = 0
    light_people: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, number: int) -> None:
        self.counts[name] = self.counts.get(name, 0) + number

    def describe(self) -> str:
        quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
        months = f"{self.past_months[0]}-{self.past_months[-1]}月" if self.past_months else "none"
        text = (
            f"Year {self.year} as of {self.as_of}: full detail (targets Q{'/Q'.join(map(str, quarters))}, "
            f"summaries {months}) for {self.full_people} staff"
        )
        if self.light_people:
            light_quarter = self.current_quarter or self.past_quarters[-1]
            light_month = f", {self.past_months[-1]}月 summary" if self.past_months else ""
            text += f"; lighter data (Q{light_quarter} targets with 2 items{light_month}, no progress notes)"
            text += f" for {self.light_people} more staff"
        c = self.counts
        return (
            f"{text}. Created {c.get('goals', 0)} department goals, {c.get('target_sets', 0)} target sets, "
            f"{c.get('items', 0)} target items, {c.get('revisions', 0)} revisions, "
            f"{c.get('summaries', 0)} monthly summaries, {c.get('progress', 0)} progress notes."
        )


def demo_as_of(year: int, today: date) -> date:
    """The day the demo year is "in progress" at: today in the current year; a past year is over
    (December's summaries are in); a future year has just begun (Q1 under way, January summarised)."""
    if year == today.year:
        return today
    if year < today.year:
        return date(year + 1, 1, 20)
    return date(year, 2, 10)


def _fill(text: str, rng: random.Random, **values) -> str:
    if "{" not in text:
        return text
    n = rng.randint(3, 40)
    return text.format(n=n, m=max(1, n - rng.randint(0, 3)), pct=rng.choice((40, 50, 60, 70, 80)), **values)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


@dataclass
class _Person:
    pk: int
    username: str
    department: Department
    reviewer_id: int | None
    is_head: bool


@dataclass
class _SetPlan:
    target_set: TargetSet
    items: list[TargetItem]
    # one entry per submission: (submitted_at, outcome, decided_at, reason)
    submissions: list[tuple[datetime, str, datetime | None, str]]
    reviewer_id: int | None


class _YearBuilder:
    def __init__(self, organisation: Organisation, *, year: int, seed: int, today: date):
        self.organisation = organisation
        self.year = year
        self.rng = random.Random(seed)
        self.as_of = demo_as_of(year, today)
        self.last_day = self.as_of - timedelta(days=1)  # nothing happens on or after "today"
        self.tz = timezone.get_default_timezone()
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        in_year = self.as_of.year == year
        self.current_quarter = periods.Quarter.of(self.as_of).quarter if in_year else None
        self.current_month = self.as_of.month if in_year else None
        last_month = self.as_of.month - 1 if in_year else 12
        self.past_months = list(range(1, last_month + 1))
        self.past_quarters = [q for q in range(1, 5) if 3 * q <= last_month]
        self.departments = {d.pk: d for d in Department.objects.filter(organisation=organisation, is_active=True)}
        leader_ids = {d.head_id for d in self.departments.values()} | {
            d.supervising_leader_id for d in self.departments.values()
        }
        self.names = {u.pk: str(u) for u in User.objects.filter(pk__in=leader_ids - {None})}
        self.goals: dict[tuple[int, int | None], list[DepartmentGoal]] = {}
        self.goal_texts: dict[int, str] = {}
        self.report = DemoYearReport(
            year=year,
            as_of=self.as_of,
            past_quarters=self.past_quarters,
            current_quarter=self.current_quarter,
            past_months=self.past_months,
        )

    # --- time -------------------------------------------------------------------------

    def _at(self, day: date) -> datetime:
        rng = self.rng
        return datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=self.tz)

    def _day(self, start: date, end: date) -> date | None:
        end = min(end, self.last_day)
        if end < start:
            return None
        return start + timedelta(days=self.rng.randint(0, (end - start).days))

    def _after(self, moment: datetime, max_days: int) -> datetime:
        """A moment 0..max_days days after ``moment`` (working hours), never on or after "today"."""
        day = min(moment.date() + timedelta(days=self.rng.randint(0, max_days)), self.last_day)
        later = self._at(day)
        if later <= moment:
            later = moment + timedelta(minutes=self.rng.randint(20, 90))
        return later

    # --- goals ------------------------------------------------------------------------

    def build_goals(self) -> None:
        quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
        goals = []
        for department in self.departments.values():
            plan = PLANS.get(department.code, DEFAULT_PLAN)
            annual = plan.annual[: self.rng.choice((2, 3, 3))]
            goals += [
                DepartmentGoal(
                    department=department, year=self.year, content=text, sort_order=i, created_by_id=department.head_id
                )
                for i, text in enumerate(annual, start=1)
            ]
            for quarter in quarters:
                texts = plan.quarterly[quarter][: self.rng.choice((1, 2, 2))]
                goals += [
                    DepartmentGoal(
                        department=department,
                        year=self.year,
                        quarter=quarter,
                        content=text,
                        sort_order=i,
                        created_by_id=department.head_id,
                    )
                    for i, text in enumerate(texts, start=1)
                ]
        DepartmentGoal.objects.bulk_create(goals, batch_size=BATCH)
        self.goal_texts = {goal.pk: goal.content for goal in goals}
        for goal in goals:
            self.goals.setdefault((goal.department_id, goal.quarter), []).append(goal)
        self.report.add("goals", len(goals))

    def _goal_for(self, person: _Person, quarter: int, task: Task, kind: str) -> DepartmentGoal | None:
        annual = self.goals.get((person.department.pk, None), [])
        quarterly = self.goals.get((person.department.pk, quarter), [])
        roll = self.rng.random()
        if kind == TargetKind.KEY:
            if task.goal is not None and task.goal < len(annual) and roll < 0.7:
                return annual[task.goal]
            return self.rng.choice(quarterly) if quarterly and roll < 0.95 else None
        if kind == TargetKind.ASSIGNED:
            return self.rng.choice(quarterly) if quarterly and roll < 0.3 else None
        return self.rng.choice(annual) if annual and roll < 0.2 else None

    # --- targets ----------------------------------------------------------------------

    def _items(self, person: _Person, quarter: int, *, light: bool, past: bool) -> list[TargetItem]:
        rng = self.rng
        plan = PLANS.get(person.department.code, DEFAULT_PLAN)
        count = 2 if light else rng.choice((3, 4, 4, 5))
        assigned = rng.random() < 0.35
        keys = rng.sample(plan.key, max(count - 1 - assigned, 1))
        chosen = [(task, TargetKind.KEY) for task in keys]
        if assigned:
            chosen.append((rng.choice(plan.assigned + COMMON_ASSIGNED), TargetKind.ASSIGNED))
        if len(chosen) < count:
            chosen.append((rng.choice(plan.routine + COMMON_ROUTINE), TargetKind.ROUTINE))
        period = periods.Quarter(self.year, quarter)
        first, last = period.first_day, period.last_day
        weights = rng.choice(WEIGHTS[len(chosen)]) if rng.random() < 0.3 else None
        items = []
        for order, (task, kind) in enumerate(chosen, start=1):
            if kind == TargetKind.ROUTINE:
                deadline = last
            else:
                deadline = first + timedelta(
                    days=rng.randint(20 if kind == TargetKind.KEY else 10, (last - first).days)
                )
            item = TargetItem(
                sort_order=order,
                content=task.content,
                kind=kind,
                measures=task.measures,
                deadline=deadline,
                weight=weights[order - 1] if weights else None,
                goal_id=goal.pk if (goal := self._goal_for(person, quarter, task, kind)) else None,
                assigned_by_id=person.department.supervising_leader_id if kind == TargetKind.ASSIGNED else None,
            )
            item.short = task.short  # for the progress notes, not stored
            if past:
                roll = rng.random()
                completion = (
                    Completion.DONE if roll < 0.8 else Completion.PARTIAL if roll < 0.94 else Completion.NOT_DONE
                )
                item.completion = completion
                item.completion_note = _fill(rng.choice(COMPLETION_NOTES[completion]), rng, reason=rng.choice(REASONS))
            items.append(item)
        return items

    def _target_set(self, person: _Person, quarter: int, status: str, *, light: bool) -> _SetPlan:
        rng = self.rng
        past = quarter in self.past_quarters
        first = periods.Quarter(self.year, quarter).first_day
        deadline = periods.target_deadline(self.policy, periods.Quarter(self.year, quarter))
        items = self._items(person, quarter, light=light, past=past)
        submissions: list[tuple[datetime, str, datetime | None, str]] = []
        reviewer_id = None
        if status != ReviewStatus.DRAFT:
            day = None
            if rng.random() < 0.07:
                day = self._day(deadline + timedelta(days=1), deadline + timedelta(days=10))
            day = day or self._day(first - timedelta(days=4), deadline) or self.last_day
            submitted = self._at(day)
            # Returned once and then resubmitted (or, for a returned set, not yet).
            if status == ReviewStatus.RETURNED or (not light and rng.random() < 0.08):
                returned_at = self._after(submitted, 3)
                submissions.append((submitted, ReviewStatus.RETURNED, returned_at, rng.choice(TARGET_RETURN_REASONS)))
                if status != ReviewStatus.RETURNED:
                    submitted = self._after(returned_at, 3)
            if status != ReviewStatus.RETURNED:
                decided = self._after(submitted, 4) if status == ReviewStatus.APPROVED else None
                submissions.append((submitted, status, decided, ""))
            reviewer_id = person.reviewer_id if any(decided for _s, _o, decided, _r in submissions) else None
        last = submissions[-1] if submissions else None
        target_set = TargetSet(
            owner_id=person.pk,
            organisation_id=self.organisation.pk,
            department_id=person.department.pk,
            year=self.year,
            quarter=quarter,
            status=status,
            version=1 + 2 * len(submissions) + (1 if past else 0),
            submitted_at=last[0] if last else None,
            is_late=bool(submissions) and periods.is_late(deadline, submissions[0][0]),
            reviewer_id=reviewer_id,
            reviewed_at=last[2] if last else None,
            return_reason=last[3] if last else "",
        )
        return _SetPlan(target_set=target_set, items=items, submissions=submissions, reviewer_id=person.reviewer_id)

    def _current_status(self, person: _Person, forced: dict[str, str]) -> str | None:
        if person.username in forced:
            return forced[person.username]
        roll = self.rng.random()
        if roll < 0.62:
            return ReviewStatus.APPROVED
        if roll < 0.84:
            return ReviewStatus.SUBMITTED
        if roll < 0.89:
            return ReviewStatus.RETURNED
        return ReviewStatus.DRAFT

    def _snapshot(self, items: list[TargetItem], *, first_draft: bool) -> list[dict]:
        rows = []
        for item in items:
            rows.append(
                {
                    "id": item.pk,
                    "sort_order": item.sort_order,
                    "content": item.content,
                    "kind": item.kind,
                    "kind_label": KIND_LABELS[item.kind],
                    # The returned first version had vaguer measures.
                    "measures": item.measures.split("，")[0] if first_draft else item.measures,
                    "deadline": item.deadline.isoformat() if item.deadline else None,
                    "weight": item.weight,
                    "goal": self.goal_texts.get(item.goal_id, ""),
                    "assigned_by": self.names.get(item.assigned_by_id, "") if item.assigned_by_id else "",
                }
            )
        return rows

    def insert_sets(self, plans: list[_SetPlan]) -> None:
        TargetSet.objects.bulk_create([p.target_set for p in plans], batch_size=BATCH)
        items = []
        for plan in plans:
            for item in plan.items:
                item.target_set_id = plan.target_set.pk
                items.append(item)
        TargetItem.objects.bulk_create(items, batch_size=BATCH)
        revisions = []
        for plan in plans:
            total = len(plan.submissions)
            for number, (submitted, outcome, decided, reason) in enumerate(plan.submissions, start=1):
                revisions.append(
                    TargetSetRevision(
                        target_set_id=plan.target_set.pk,
                        number=number,
                        items=self._snapshot(plan.items, first_draft=number < total),
                        submitted_at=submitted,
                        submitted_by_id=plan.target_set.owner_id,
                        outcome=outcome,
                        decided_by_id=plan.reviewer_id if decided else None,
                        decided_at=decided,
                        reason=reason,
                    )
                )
        TargetSetRevision.objects.bulk_create(revisions, batch_size=BATCH)
        self.report.add("target_sets", len(plans))
        self.report.add("items", len(items))
        self.report.add("revisions", len(revisions))

    # --- summaries --------------------------------------------------------------------

    def _summary_status(self, month: int, deadline: date, forced: str | None) -> str:
        status = self._drawn_summary_status(month, deadline, forced)
        # A past quarter has been approved, and approval waits for every summary: one returned or
        # left as a draft there was handed in again before the quarter closed.
        if (month + 2) // 3 in self.past_quarters and status in (ReviewStatus.RETURNED, ReviewStatus.DRAFT):
            return ReviewStatus.SUBMITTED
        return status

    def _drawn_summary_status(self, month: int, deadline: date, forced: str | None) -> str:
        if forced:
            return forced
        age = self.past_months[-1] - month
        roll = self.rng.random()
        if age == 0:
            if self.as_of <= deadline:  # last month's deadline has not passed yet
                table = ((0.3, ReviewStatus.APPROVED), (0.65, ReviewStatus.SUBMITTED), (0.75, ReviewStatus.RETURNED))
            else:
                table = ((0.74, ReviewStatus.APPROVED), (0.87, ReviewStatus.SUBMITTED), (0.93, ReviewStatus.RETURNED))
            for limit, status in table:
                if roll < limit:
                    return status
            return ReviewStatus.DRAFT
        if age == 1:
            return (
                ReviewStatus.APPROVED
                if roll < 0.94
                else ReviewStatus.SUBMITTED
                if roll < 0.97
                else ReviewStatus.RETURNED
            )
        return ReviewStatus.APPROVED

    def _texts(self, person: _Person, *, draft: bool) -> tuple[str, str, str]:
        rng = self.rng
        plan = PLANS.get(person.department.code, DEFAULT_PLAN)
        other = [_fill(t, rng) for t in rng.sample(plan.other_work, rng.choice((1, 2)))]
        other.append(rng.choice(COMMON_OTHER_WORK))
        problems = [rng.choice(plan.problems)]
        if rng.random() < 0.4:
            problems.append(rng.choice(COMMON_PROBLEMS))
        plans = rng.sample(plan.plans, 2) + [rng.choice(COMMON_PLANS)]
        if draft:
            return _numbered(other[:1]), "", ""
        return _numbered(other), _numbered(problems), _numbered(plans)

    def _summary(self, person: _Person, month: int, forced: str | None) -> MonthlySummary:
        rng = self.rng
        deadline = periods.summary_deadline(self.policy, periods.Month(self.year, month))
        is_current = month == self.current_month
        status = ReviewStatus.DRAFT if is_current else self._summary_status(month, deadline, forced)
        other, problems, plans = self._texts(person, draft=status == ReviewStatus.DRAFT and is_current)
        summary = MonthlySummary(
            owner_id=person.pk,
            organisation_id=self.organisation.pk,
            department_id=person.department.pk,
            year=self.year,
            month=month,
            status=status,
            other_work=other,
            problems=problems,
            next_month_plan=plans,
        )
        if status != ReviewStatus.DRAFT:
            month_end = deadline.replace(day=1) - timedelta(days=1)
            day = None
            if rng.random() < 0.1 and not forced:
                day = self._day(deadline + timedelta(days=1), deadline + timedelta(days=12))
            day = day or self._day(month_end - timedelta(days=2), deadline) or self.last_day
            summary.submitted_at = self._at(day)
            summary.is_late = periods.is_late(deadline, summary.submitted_at)
            if status != ReviewStatus.SUBMITTED:
                summary.reviewer_id = person.reviewer_id
                summary.reviewed_at = self._after(summary.submitted_at, 4)
            if status == ReviewStatus.RETURNED:
                summary.return_reason = rng.choice(SUMMARY_RETURN_REASONS)
            summary.version = rng.randint(3, 9)
        else:
            summary.version = rng.randint(1, 4)
        return summary

    def _progress(self, summary: MonthlySummary, items: list[TargetItem]) -> list[SummaryProgress]:
        rng = self.rng
        stage = (summary.month - 1) % 3 + 1
        draft = summary.status == ReviewStatus.DRAFT
        rows = []
        for order, item in enumerate(items):
            if draft and rng.random() < 0.5:
                note = ""
            elif stage == 3 and item.completion == Completion.DONE:
                note = _fill(rng.choice(DONE_NOTES), rng, short=item.short)
            elif stage == 3 and item.completion == Completion.PARTIAL:
                note = _fill(rng.choice(PARTIAL_NOTES), rng, short=item.short, reason=rng.choice(REASONS))
            elif stage == 3 and item.completion == Completion.NOT_DONE:
                note = _fill(rng.choice(NOT_DONE_NOTES), rng, short=item.short, reason=rng.choice(REASONS))
            else:
                note = _fill(rng.choice(STAGE_NOTES[stage]), rng, short=item.short)
            rows.append(
                SummaryProgress(
                    summary_id=summary.pk,
                    target_item_id=item.pk,
                    item_content=item.content,
                    note=note,
                    sort_order=order,
                )
            )
        return rows

    # --- people -----------------------------------------------------------------------

    def people(self) -> list[_Person]:
        rows = (
            User.objects.filter(
                organisation=self.organisation,
                is_active=True,
                department_id__in=self.departments,
                role_assignments__role=Role.STAFF,
            )
            .order_by("pk")
            .values_list("pk", "username", "department_id")
            .distinct()
        )
        people = []
        for pk, username, department_id in rows.iterator(chunk_size=5000):
            department = self.departments[department_id]
            is_head = department.head_id == pk
            reviewer = department.supervising_leader_id if is_head else department.head_id
            people.append(_Person(pk, username, department, reviewer, is_head))
        return people

    def forced_statuses(self, people: list[_Person]) -> tuple[dict[str, str], dict[str, str]]:
        """(current-quarter target statuses, last-month summary statuses) fixed so that every
        demo inbox has something waiting whatever the seed."""
        targets: dict[str, str] = {"demo_head": ReviewStatus.SUBMITTED}
        summaries: dict[str, str] = {"demo_head": ReviewStatus.SUBMITTED, "demo_staff": ReviewStatus.APPROVED}
        demo_department = next((p.department for p in people if p.username == "demo_head"), None)
        colleagues = [
            p.username
            for p in people
            if demo_department is not None
            and p.department.pk == demo_department.pk
            and not p.is_head
            and p.username != "demo_staff"
        ][:4]
        for username in colleagues[:3]:
            targets[username] = ReviewStatus.SUBMITTED
            summaries[username] = ReviewStatus.SUBMITTED
        if len(colleagues) > 3:
            summaries[colleagues[3]] = ReviewStatus.RETURNED
        # Another head under demo_leader waits for them too.
        if demo_department is not None:
            other_heads = [
                p.username
                for p in people
                if p.is_head
                and p.department.supervising_leader_id == demo_department.supervising_leader_id
                and p.department.pk != demo_department.pk
            ]
            if other_heads:
                summaries[other_heads[0]] = ReviewStatus.SUBMITTED
        return targets, summaries

    def build(self, *, full_detail: int) -> DemoYearReport:
        self.build_goals()
        people = self.people()
        forced_targets, forced_summaries = self.forced_statuses(people)
        for start in range(0, len(people), CHUNK):
            chunk = people[start : start + CHUNK]
            full = [p for i, p in enumerate(chunk, start=start) if i < full_detail]
            light = [p for i, p in enumerate(chunk, start=start) if i >= full_detail]
            if full:
                self._build_people(full, forced_targets, forced_summaries, light=False)
            if light:
                self._build_people(light, forced_targets, forced_summaries, light=True)
            self.report.full_people += len(full)
            self.report.light_people += len(light)
        return self.report

    def _build_people(
        self, people: list[_Person], forced_targets: dict[str, str], forced_summaries: dict[str, str], *, light: bool
    ) -> None:
        set_plans: list[_SetPlan] = []
        sets_of: dict[tuple[int, int], _SetPlan] = {}
        if light:
            quarters = [self.current_quarter or self.past_quarters[-1]]
            months = self.past_months[-1:]
        else:
            quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
            months = [*self.past_months, *([self.current_month] if self.current_month else [])]
        for person in people:
            for quarter in quarters:
                if quarter in self.past_quarters:
                    status = ReviewStatus.APPROVED
                elif person.username == "demo_staff":
                    continue  # left for the person trying the product
                else:
                    status = self._current_status(person, forced_targets)
                if person.reviewer_id is None:
                    status = ReviewStatus.DRAFT
                plan = self._target_set(person, quarter, status, light=light)
                set_plans.append(plan)
                sets_of[(person.pk, quarter)] = plan
        self.insert_sets(set_plans)

        last_past = self.past_months[-1] if self.past_months else None
        summaries: list[MonthlySummary] = []
        for person in people:
            for month in months:
                if month == self.current_month and (person.username == "demo_staff" or self.rng.random() < 0.6):
                    continue  # this month's summary not started (yet)
                forced = forced_summaries.get(person.username) if month == last_past else None
                if person.username == "demo_staff" and month != self.current_month:
                    forced = ReviewStatus.APPROVED
                if person.reviewer_id is None:
                    forced = ReviewStatus.DRAFT
                summaries.append(self._summary(person, month, forced))
        MonthlySummary.objects.bulk_create(summaries, batch_size=BATCH)
        self.report.add("summaries", len(summaries))
        if light:
            return
        progress = []
        for summary in summaries:
            plan = sets_of.get((summary.owner_id, summary.quarter))
            if plan is not None:
                progress += self._progress(summary, plan.items)
        SummaryProgress.objects.bulk_create(progress, batch_size=BATCH)
        self.report.add("progress", len(progress))


@transaction.atomic
def build_demo_year(
    organisation: Organisation,
    *,
    year: int,
    seed: int = 2026,
    today: date | None = None,
    full_detail: int = FULL_DETAIL_PEOPLE,
) -> DemoYearReport:
    """Fill ``year`` of the demo organisation as a year in progress on ``today`` (default: the local date).

    The first ``full_detail`` people (by id) get every quarter's targets and every month's summary;
    the others get the current quarter's targets and last month's summary only.
    """
    today = today or periods.today()
    with disable_auditlog():
        return _YearBuilder(organisation, year=year, seed=seed, today=today).build(full_detail=full_detail)
