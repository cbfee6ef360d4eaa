"""A year in progress for the demo organisation: department goals, quarterly targets and monthly summaries.

Runs after :func:`appraisal_site.demo.organisation.build_demo_organisation`. Each person writes,
hands in and marks their own work through the targets and summaries services; their evaluator
approves or returns it; each step happens at its moment of the past months (``now=``), so the
services judge lateness and stamp the reviews. Deterministic for a seed and a "today".

The first :data:`FULL_DETAIL_PEOPLE` people get the whole year; everyone beyond gets the current
quarter's targets and last month's summary (two items, written before the targets, so no progress
rows). demo_staff's current-quarter targets and current-month summary are left unstarted on
purpose, so whoever tries the product as demo_staff can write and submit them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from django.db import transaction

from accounts import periods
from accounts.audit import acting_as
from accounts.models import Department, Organisation, User
from accounts.selectors import evaluator_of, participants_of, policy_for_organisation
from accounts.workflow import ReviewStatus
from summaries.models import MonthlySummary, SummaryProgress
from summaries.services import (
    SummaryText,
    summary_approve,
    summary_autosave,
    summary_get_or_create,
    summary_return,
    summary_submit,
)
from targets.models import Completion, DepartmentGoal, TargetItem, TargetKind, TargetSet, TargetSetRevision
from targets.services import (
    ItemData,
    department_goal_create,
    target_set_approve,
    target_set_assign_item,
    target_set_record_completion,
    target_set_return,
    target_set_save_draft,
    target_set_start,
    target_set_submit,
)

from . import Story, demo_as_of, load

__all__ = ["FULL_DETAIL_PEOPLE", "DemoYearReport", "act", "build_demo_year", "demo_as_of"]

FULL_DETAIL_PEOPLE = 2000
_TEXT = load("year")
PLANS, COMMON = _TEXT["plans"], _TEXT["common"]
WEIGHTS = {
    2: ((60, 40), (70, 30)),
    3: ((40, 35, 25), (50, 30, 20)),
    4: ((30, 30, 20, 20), (40, 25, 20, 15)),
    5: ((30, 25, 20, 15, 10), (25, 25, 20, 15, 15)),
}
APPROVED, SUBMITTED, RETURNED, DRAFT = (
    ReviewStatus.APPROVED,
    ReviewStatus.SUBMITTED,
    ReviewStatus.RETURNED,
    ReviewStatus.DRAFT,
)


def act(actor: User, service, **arguments):
    """Run one service step as ``actor``, who is named in its audit record."""
    with acting_as(actor):
        return service(actor=actor, **arguments)


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

    def describe(self) -> str:
        quarters = [*self.past_quarters, *([self.current_quarter] if self.current_quarter else [])]
        months = f"{self.past_months[0]}-{self.past_months[-1]}月" if self.past_months else "none"
        text = (
            f"Year {self.year} as of {self.as_of}: full detail (targets Q{'/Q'.join(map(str, quarters))}, "
            f"summaries {months}) for {self.full_people} staff"
        )
        if self.light_people:
            light_month = f", {self.past_months[-1]}月 summary" if self.past_months else ""
            text += f"; lighter data (Q{quarters[-1]} targets with 2 items{light_month}, no progress notes)"
            text += f" for {self.light_people} more staff"
        return f"{text}. Created " + ", ".join(f"{n} {name}" for name, n in self.counts.items()) + "."


def _fill(text: str, rng: random.Random, **values) -> str:
    if "{" not in text:
        return text
    n = rng.randint(3, 40)
    return text.format(n=n, m=max(1, n - rng.randint(0, 3)), pct=rng.choice((40, 50, 60, 70, 80)), **values)


def _pick(roll: float, limits: tuple[float, float, float]) -> str:
    """Approved, submitted, returned or draft by where ``roll`` falls among the cumulative ``limits``."""
    return next((s for s, limit in zip((APPROVED, SUBMITTED, RETURNED), limits, strict=True) if roll < limit), DRAFT)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


@dataclass
class _Item:
    """What the progress notes say of a target item: its short name and, in a past quarter, its completion."""

    short: str
    completion: str = ""


class _YearBuilder:
    def __init__(self, organisation: Organisation, *, year: int, seed: int, today: date):
        self.organisation = organisation
        self.story = story = Story(year, demo_as_of(year, today), random.Random(seed))
        self.rng = story.rng
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        self.quarters = [*story.past_quarters, *([story.current_quarter] if story.current_quarter else [])]
        self.months = [*story.past_months, *([story.current_month] if story.current_month else [])]
        self.people = list(
            participants_of(organisation=organisation)
            .select_related("department__head", "department__supervising_leader")
            .order_by("pk")
        )
        self.goals: dict[tuple[int, int | None], list[DepartmentGoal]] = {}
        self.items: dict[int, _Item] = {}
        self.report = DemoYearReport(year, story.as_of, story.past_quarters, story.current_quarter, story.past_months)

    # --- goals and targets ----------------------------------------------------------------

    def build_goals(self) -> None:
        rng, year = self.rng, self.story.year
        departments = Department.objects.filter(organisation=self.organisation, is_active=True, head__isnull=False)
        for department in departments.select_related("head").order_by("sort_order", "code"):
            plan = PLANS.get(department.code, PLANS["BGS"])
            wanted = [(None, plan["annual"][: rng.choice((2, 3, 3))])]
            wanted += [(q, plan["quarterly"][str(q)][: rng.choice((1, 2, 2))]) for q in self.quarters]
            for quarter, texts in wanted:
                self.goals[(department.pk, quarter)] = [
                    act(
                        department.head,
                        department_goal_create,
                        department=department,
                        year=year,
                        quarter=quarter,
                        content=text,
                        sort_order=i,
                    )
                    for i, text in enumerate(texts, start=1)
                ]

    def _goal_for(self, person: User, quarter: int, task: dict, kind: str) -> int | None:
        annual = self.goals.get((person.department_id, None), [])
        quarterly = self.goals.get((person.department_id, quarter), [])
        roll, goal = self.rng.random(), None
        if kind == TargetKind.KEY and task.get("goal") is not None and task["goal"] < len(annual) and roll < 0.7:
            goal = annual[task["goal"]]
        elif quarterly and roll < {TargetKind.KEY: 0.95, TargetKind.ASSIGNED: 0.3}.get(kind, 0):
            goal = self.rng.choice(quarterly)
        elif kind == TargetKind.ROUTINE and annual and roll < 0.2:
            goal = self.rng.choice(annual)
        return goal.pk if goal else None

    def _items(self, person: User, quarter: int, *, light: bool) -> tuple[list[ItemData], list[str], dict | None]:
        """The items the owner writes, their short names, and the task a leader will assign (or None)."""
        rng = self.rng
        plan = PLANS.get(person.department.code, PLANS["BGS"])
        count = 2 if light else rng.choice((3, 4, 4, 5))
        assigned = rng.choice(plan["assigned"] + COMMON["assigned"]) if rng.random() < 0.35 else None
        chosen = [(task, TargetKind.KEY) for task in rng.sample(plan["key"], max(count - 1 - bool(assigned), 1))]
        if len(chosen) + bool(assigned) < count:
            chosen.append((rng.choice(plan["routine"] + COMMON["routine"]), TargetKind.ROUTINE))
        period = periods.Quarter(self.story.year, quarter)
        first, length = period.first_day, (period.last_day - period.first_day).days
        weights = rng.choice(WEIGHTS[len(chosen)]) if len(chosen) in WEIGHTS and rng.random() < 0.3 else None
        items = [
            ItemData(
                content=task["content"],
                kind=kind,
                measures=task["measures"],
                deadline=period.last_day if kind == TargetKind.ROUTINE else first + timedelta(rng.randint(20, length)),
                weight=weights[order - 1] if weights else None,
                goal_id=self._goal_for(person, quarter, task, kind),
                sort_order=order,
            )
            for order, (task, kind) in enumerate(chosen, start=1)
        ]
        return items, [task["short"] for task, _kind in chosen], assigned

    def targets(self, person: User, quarter: int, status: str, *, light: bool) -> TargetSet:
        rng, story = self.rng, self.story
        target_set = target_set_start(owner=person, year=story.year, quarter=quarter)
        items, shorts, assigned = self._items(person, quarter, light=light)
        reviewer = evaluator_of(person=person)
        period = periods.Quarter(story.year, quarter)
        deadline = periods.target_deadline(self.policy, period)
        late = story.day(deadline + timedelta(1), deadline + timedelta(10)) if rng.random() < 0.07 else None
        submitted = story.at(late or story.day(period.first_day - timedelta(4), deadline) or story.last_day)
        if status == DRAFT:
            target_set = act(person, target_set_save_draft, target_set=target_set, version=1, items=items)
        elif status == RETURNED or (not light and rng.random() < 0.08):
            # Handed in with vaguer measures and returned; reworked and handed in again unless still returned.
            vague = [replace(item, measures=item.measures.split("，")[0]) for item in items]
            target_set = act(person, target_set_submit, target_set=target_set, version=1, items=vague, now=submitted)
            returned = story.after(submitted, 3)
            reason = rng.choice(_TEXT["target_return_reasons"])
            target_set = act(reviewer, target_set_return, target_set=target_set, reason=reason, now=returned)
            submitted = story.after(returned, 3)
            ids = target_set.items.order_by("sort_order").values_list("pk", flat=True)
            items = [replace(item, id=pk) for item, pk in zip(items, ids, strict=True)]
        if status in (SUBMITTED, APPROVED):
            target_set = act(
                person, target_set_submit, target_set=target_set, version=target_set.version, items=items, now=submitted
            )
        if status == APPROVED:
            target_set = act(reviewer, target_set_approve, target_set=target_set, now=story.after(submitted, 4))
            if assigned:
                leader = person.department.supervising_leader
                act(
                    leader,
                    target_set_assign_item,
                    target_set=target_set,
                    content=assigned["content"],
                    measures=assigned["measures"],
                    deadline=period.last_day - timedelta(rng.randint(0, 30)),
                )
                shorts.append(assigned["short"])
        past, ids = quarter in story.past_quarters, target_set.items.order_by("sort_order").values_list("pk", flat=True)
        for item, short in zip(ids, shorts, strict=False):
            roll = rng.random()
            completion = Completion.DONE if roll < 0.8 else Completion.PARTIAL if roll < 0.94 else Completion.NOT_DONE
            self.items[item] = _Item(short, completion if past else "")
        return target_set

    def complete(self, person: User, target_set: TargetSet) -> None:
        """The owner's self-assessment at the quarter's end."""
        rng, items = self.rng, target_set.items.order_by("sort_order").values_list("pk", flat=True)
        notes = _TEXT["completion_notes"]
        completions = {
            pk: (c, _fill(rng.choice(notes[c]), rng, reason=rng.choice(_TEXT["reasons"])))
            for pk in items
            if (c := self.items[pk].completion)
        }
        act(
            person,
            target_set_record_completion,
            target_set=target_set,
            completions=completions,
            today=target_set.period.last_day,
        )

    # --- summaries ------------------------------------------------------------------------

    def _texts(self, person: User, *, draft: bool) -> tuple[str, str, str]:
        rng = self.rng
        plan = PLANS.get(person.department.code, PLANS["BGS"])
        other = [_fill(t, rng) for t in rng.sample(plan["other_work"], rng.choice((1, 2)))]
        other.append(rng.choice(COMMON["other_work"]))
        problems = [rng.choice(plan["problems"])] + ([rng.choice(COMMON["problems"])] if rng.random() < 0.4 else [])
        plans = [*rng.sample(plan["plans"], 2), rng.choice(COMMON["plans"])]
        if draft:
            return _numbered(other[:1]), "", ""
        return _numbered(other), _numbered(problems), _numbered(plans)

    def _note(self, item_id: int | None, stage: int, *, draft: bool) -> str:
        rng, item = self.rng, self.items.get(item_id)
        if item is None or (draft and rng.random() < 0.5):
            return ""
        if stage == 3 and item.completion:
            pool = {Completion.DONE: "done_notes", Completion.PARTIAL: "partial_notes"}.get(item.completion)
            text = rng.choice(_TEXT[pool or "not_done_notes"])
        else:
            text = rng.choice(_TEXT["stage_notes"][str(stage)])
        return _fill(text, rng, short=item.short, reason=rng.choice(_TEXT["reasons"]))

    def _summary_status(self, month: int, forced: str | None) -> str:
        if forced or month == self.story.current_month:
            return forced or DRAFT
        age, roll = self.story.past_months[-1] - month, self.rng.random()
        if age == 0:
            deadline_passed = self.story.as_of > periods.summary_deadline(
                self.policy, periods.Month(self.story.year, month)
            )
            return _pick(roll, (0.74, 0.87, 0.93) if deadline_passed else (0.3, 0.65, 0.75))
        if age == 1:
            return _pick(roll, (0.94, 0.97, 1))
        return APPROVED

    def summary(self, person: User, month: int, forced: str | None) -> None:
        rng, story = self.rng, self.story
        status = self._summary_status(month, forced)
        period = periods.Month(story.year, month)
        opened = datetime.combine(story.as_of, datetime.min.time(), tzinfo=periods.CHINA_TZ)
        summary = summary_get_or_create(owner=person, year=story.year, month=month, now=opened)
        draft = status == DRAFT and month == story.current_month
        stage = (month - 1) % 3 + 1
        notes = {row.pk: self._note(row.target_item_id, stage, draft=draft) for row in summary.progress_notes.all()}
        text = SummaryText(*self._texts(person, draft=draft), notes=notes)
        summary = act(person, summary_autosave, summary=summary, based_on_version=summary.version, text=text)
        if status == DRAFT:
            return
        deadline = periods.summary_deadline(self.policy, period)
        late = (
            story.day(deadline + timedelta(1), deadline + timedelta(12)) if rng.random() < 0.1 and not forced else None
        )
        submitted = story.at(late or story.day(period.last_day - timedelta(2), deadline) or story.last_day)
        summary = act(person, summary_submit, summary=summary, now=submitted)
        reviewer, reviewed = evaluator_of(person=person), story.after(submitted, 4)
        if status == APPROVED:
            act(reviewer, summary_approve, summary=summary, now=reviewed)
        elif status == RETURNED:
            reason = rng.choice(_TEXT["summary_return_reasons"])
            act(reviewer, summary_return, summary=summary, reason=reason, now=reviewed)

    # --- people ---------------------------------------------------------------------------

    def forced_statuses(self) -> tuple[dict[str, str], dict[str, str]]:
        """(current-quarter target statuses, last-month summary statuses) fixed so that every
        demo inbox has something waiting whatever the seed."""
        targets: dict[str, str] = {"demo_head": SUBMITTED}
        summaries: dict[str, str] = {"demo_head": SUBMITTED, "demo_staff": APPROVED}
        head = next((p for p in self.people if p.username == "demo_head"), None)
        if head is None:
            return targets, summaries
        department = head.department
        colleagues = [
            p.username
            for p in self.people
            if p.department_id == department.pk and p.pk != department.head_id and p.username != "demo_staff"
        ][:4]
        for username in colleagues[:3]:
            targets[username] = summaries[username] = SUBMITTED
        if len(colleagues) > 3:
            summaries[colleagues[3]] = RETURNED
        # Another head under demo_leader waits for them too.
        summaries.update(
            dict.fromkeys(
                [
                    p.username
                    for p in self.people
                    if p.pk == p.department.head_id
                    and p.department.supervising_leader_id == department.supervising_leader_id
                    and p.department_id != department.pk
                ][:1],
                SUBMITTED,
            )
        )
        return targets, summaries

    def _target_status(self, person: User, quarter: int, forced: dict[str, str]) -> str | None:
        if quarter in self.story.past_quarters:
            return APPROVED
        if person.username == "demo_staff":
            return None  # left for the person trying the product
        roll = self.rng.random()
        return forced.get(person.username) or _pick(roll, (0.62, 0.84, 0.89))

    def person_year(self, person: User, targets: dict[str, str], summaries: dict[str, str], *, light: bool) -> None:
        story = self.story
        last_past = story.past_months[-1] if story.past_months else None
        if light:
            # Last month's summary first, then this quarter's targets: two steps, no progress rows.
            if last_past:
                self.summary(person, last_past, summaries.get(person.username))
            quarter = self.quarters[-1]
            if status := self._target_status(person, quarter, targets):
                self.targets(person, quarter, status, light=True)
            return
        for quarter in self.quarters:
            status = self._target_status(person, quarter, targets)
            target_set = self.targets(person, quarter, status, light=False) if status else None
            for month in (m for m in self.months if periods.Month(story.year, m).quarter.quarter == quarter):
                if month == story.current_month and (person.username == "demo_staff" or self.rng.random() < 0.6):
                    continue  # this month's summary not started (yet)
                forced = summaries.get(person.username) if month == last_past else None
                if person.username == "demo_staff" and month != story.current_month:
                    forced = APPROVED
                self.summary(person, month, forced)
            if target_set is not None and quarter in story.past_quarters:
                self.complete(person, target_set)

    def build(self, *, full_detail: int) -> DemoYearReport:
        self.build_goals()
        targets, summaries = self.forced_statuses()
        for index, person in enumerate(self.people):
            self.person_year(person, targets, summaries, light=index >= full_detail)
        self.report.full_people = min(full_detail, len(self.people))
        self.report.light_people = len(self.people) - self.report.full_people
        organisation = self.organisation
        for name, rows in (
            ("department goals", DepartmentGoal.objects.filter(department__organisation=organisation)),
            ("target sets", TargetSet.objects.filter(organisation=organisation)),
            ("target items", TargetItem.objects.filter(target_set__organisation=organisation)),
            ("revisions", TargetSetRevision.objects.filter(target_set__organisation=organisation)),
            ("monthly summaries", MonthlySummary.objects.filter(organisation=organisation)),
            ("progress notes", SummaryProgress.objects.filter(summary__organisation=organisation)),
        ):
            self.report.counts[name] = rows.count()
        return self.report


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
    builder = _YearBuilder(organisation, year=year, seed=seed, today=today or periods.today())
    return builder.build(full_detail=full_detail)
