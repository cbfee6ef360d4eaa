"""A year in progress for the demo organisation: department goals, quarterly targets and monthly summaries.

Each person writes, hands in and marks their own work through the targets and summaries services;
their evaluator approves or returns it, each step at its moment of the past months (``now=``), so the
services judge lateness and stamp the reviews. The first ``full_detail`` people get the whole year,
anyone beyond the current quarter's targets and last month's summary (two items, written before the
targets, so no progress rows). demo_staff's current-quarter targets and current-month summary are
left unstarted, for whoever tries the product as demo_staff.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import partial

from django.apps import apps

from accounts import periods
from accounts.models import Department, Organisation, User
from accounts.selectors import evaluator_of, participants_of, policy_for_organisation
from accounts.workflow import ReviewStatus
from evaluations.grading.services import counts as grade_counts
from summaries import services as summaries
from summaries.models import MonthlySummary
from targets import services as targets
from targets.models import Completion, DepartmentGoal, TargetKind, TargetSet

from . import Report, Story, act, at_hour, builder, load

_S = ReviewStatus
APPROVED, SUBMITTED, RETURNED, DRAFT = _S.APPROVED, _S.SUBMITTED, _S.RETURNED, _S.DRAFT
_TEXT = load("year")
PLANS, COMMON = _TEXT["plans"], _TEXT["common"]


def _fill(text: str, rng, **values) -> str:
    """A text of data/year.json with its blanks filled: numbers, a share, the item, a reason."""
    n = rng.randint(3, 40)
    return text.format(n=n, m=max(1, n - rng.randint(0, 3)), pct=rng.choice((40, 50, 60, 70, 80)), **values)


def _pick(roll: float, limits: tuple[float, float, float]) -> str:
    """Approved, submitted, returned or draft by where ``roll`` falls among the cumulative ``limits``."""
    return next((s for s, limit in zip((APPROVED, SUBMITTED, RETURNED), limits, strict=True) if roll < limit), DRAFT)


def _numbered(lines: list[str]) -> str:
    return "\n".join(f"{i}. {line}" for i, line in enumerate(lines, start=1))


class _YearBuilder:
    def __init__(self, organisation: Organisation, story: Story):
        self.organisation, self.story, self.rng = organisation, story, story.rng
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        self.quarters = [*story.past_quarters, *([story.current_quarter] if story.current_quarter else [])]
        self.current_month = story.as_of.month if story.current_quarter else None
        people = participants_of(organisation=organisation).select_related("department__supervising_leader")
        self.people = list(people.order_by("pk"))
        self.reviewer = {person.pk: evaluator_of(person=person) for person in self.people}
        self.goals: dict[tuple[int, int | None], list[DepartmentGoal]] = {}
        self.items: dict[int, tuple[str, str]] = {}  # item id → (short name, completion in a past quarter)
        # Some current statuses fixed so that every demo inbox has work whatever the seed: demo_head and
        # three of their staff hand in this quarter's targets and last month's summary (a fourth staff's
        # summary is returned), and so does another head under demo_leader.
        self.forced_targets = target_of = {"demo_head": SUBMITTED}
        self.forced_summaries = summary_of = {"demo_head": SUBMITTED, "demo_staff": APPROVED}
        head = next(p.department for p in self.people if p.username == "demo_head")
        staff = [p.username for p in self.people if p.department_id == head.pk and p.username not in summary_of]
        same_leader = [p for p in self.people if p.department.supervising_leader_id == head.supervising_leader_id]
        heads = [p.username for p in same_leader if p.pk == p.department.head_id and p.department_id != head.pk]
        target_of.update(dict.fromkeys(staff[:3], SUBMITTED))
        summary_of.update({**dict.fromkeys(staff[:3] + heads[:1], SUBMITTED), **dict.fromkeys(staff[3:4], RETURNED)})

    def build_goals(self) -> None:
        rng, year = self.rng, self.story.year
        departments = Department.objects.filter(organisation=self.organisation, is_active=True, head__isnull=False)
        for department in departments.select_related("head").order_by("sort_order", "code"):
            plan = PLANS[department.code]
            wanted = [(None, plan["annual"][: rng.choice((2, 3, 3))])]
            wanted += [(q, plan["quarterly"][str(q)][: rng.choice((1, 2, 2))]) for q in self.quarters]
            goal = partial(act, department.head, targets.department_goal_create, department=department, year=year)
            for quarter, texts in wanted:
                made = [goal(quarter=quarter, content=text, sort_order=i) for i, text in enumerate(texts, start=1)]
                self.goals[department.pk, quarter] = made

    def _goal_for(self, person: User, quarter: int, task: dict, kind: str) -> int | None:
        annual = self.goals.get((person.department_id, None), [])
        quarterly = self.goals.get((person.department_id, quarter), [])
        roll, goal = self.rng.random(), None
        if kind == TargetKind.KEY and task.get("goal") is not None and task["goal"] < len(annual) and roll < 0.7:
            goal = annual[task["goal"]]
        elif kind == TargetKind.KEY and quarterly and roll < 0.95:
            goal = self.rng.choice(quarterly)
        elif kind == TargetKind.ROUTINE and annual and roll < 0.2:
            goal = self.rng.choice(annual)
        return goal.pk if goal else None

    def _items(self, person: User, quarter: int, *, light: bool) -> tuple[list[targets.ItemData], list[str], dict]:
        """The items the owner writes, their short names, and the task a leader will assign (or None)."""
        rng, plan = self.rng, PLANS[person.department.code]
        count = 2 if light else rng.choice((3, 4, 4, 5))
        assigned = rng.choice(plan["assigned"] + COMMON["assigned"]) if rng.random() < 0.35 else None
        chosen = [(task, TargetKind.KEY) for task in rng.sample(plan["key"], max(count - 1 - bool(assigned), 1))]
        if len(chosen) + bool(assigned) < count:
            chosen.append((rng.choice(plan["routine"] + COMMON["routine"]), TargetKind.ROUTINE))
        period = periods.Quarter(self.story.year, quarter)
        length = (period.last_day - period.first_day).days
        weights = _TEXT["weights"].get(str(len(chosen))) if rng.random() < 0.3 else None
        weights = rng.choice(weights) if weights else [None] * len(chosen)
        items = []
        for order, ((task, kind), weight) in enumerate(zip(chosen, weights, strict=True), start=1):
            routine = kind == TargetKind.ROUTINE
            deadline = period.last_day if routine else period.first_day + timedelta(rng.randint(20, length))
            written = {"content": task["content"], "measures": task["measures"], "kind": kind, "sort_order": order}
            goal_id = self._goal_for(person, quarter, task, kind)
            items.append(targets.ItemData(**written, deadline=deadline, weight=weight, goal_id=goal_id))
        return items, [task["short"] for task, _kind in chosen], assigned

    def _remember(self, target_set: TargetSet, shorts: list[str], past: bool) -> None:
        for pk, short in zip(target_set.items.order_by("sort_order").values_list("pk", flat=True), shorts, strict=True):
            roll = self.rng.random()
            done = Completion.DONE if roll < 0.8 else Completion.PARTIAL if roll < 0.94 else Completion.NOT_DONE
            self.items[pk] = (short, done if past else "")

    def target_set(self, person: User, quarter: int, status: str, *, light: bool) -> TargetSet:
        rng, story, reviewer = self.rng, self.story, self.reviewer[person.pk]
        target_set = targets.target_set_start(owner=person, year=story.year, quarter=quarter)
        items, shorts, assigned = self._items(person, quarter, light=light)
        period = periods.Quarter(story.year, quarter)
        deadline = periods.target_deadline(self.policy, period)
        late = story.day(deadline + timedelta(1), deadline + timedelta(10)) if rng.random() < 0.07 else None
        submitted = story.at(late or story.day(period.first_day - timedelta(4), deadline) or story.last_day)
        if status == DRAFT:
            target_set = act(person, targets.target_set_save_draft, target_set=target_set, version=1, items=items)
        elif status == RETURNED or (not light and rng.random() < 0.08):
            # Handed in with vaguer measures and returned; reworked and handed in again unless still returned.
            vague = [replace(item, measures=item.measures.split("，")[0]) for item in items]
            act(person, targets.target_set_submit, target_set=target_set, version=1, items=vague, now=submitted)
            returned, reason = story.after(submitted, 3), rng.choice(_TEXT["target_return_reasons"])
            target_set = act(reviewer, targets.target_set_return, target_set=target_set, reason=reason, now=returned)
            submitted = story.after(returned, 3)
            ids = target_set.items.order_by("sort_order").values_list("pk", flat=True)
            items = [replace(item, id=pk) for item, pk in zip(items, ids, strict=True)]
        if status in (SUBMITTED, APPROVED):
            version = target_set.version
            act(person, targets.target_set_submit, target_set=target_set, version=version, items=items, now=submitted)
        if status == APPROVED:
            approved = story.after(submitted, 4)
            target_set = act(reviewer, targets.target_set_approve, target_set=target_set, now=approved)
            if assigned:
                leader, deadline = person.department.supervising_leader, period.last_day - timedelta(rng.randint(0, 30))
                task = {"content": assigned["content"], "measures": assigned["measures"], "deadline": deadline}
                # Assigned once approved, while the quarter is under way.
                day = min(approved.date(), period.last_day)
                act(leader, targets.target_set_assign_item, target_set=target_set, today=day, **task)
                shorts.append(assigned["short"])
        self._remember(target_set, shorts, quarter in story.past_quarters)
        return target_set

    def complete(self, person: User, target_set: TargetSet) -> None:
        """The owner's self-assessment at the quarter's end."""
        rng, notes, last = self.rng, _TEXT["completion_notes"], target_set.period.last_day
        done = {
            pk: (c, _fill(rng.choice(notes[c]), rng, reason=rng.choice(_TEXT["reasons"])))
            for pk in target_set.items.order_by("sort_order").values_list("pk", flat=True)
            if (c := self.items[pk][1])
        }
        act(person, targets.target_set_record_completion, target_set=target_set, completions=done, today=last)

    def _text(self, person: User, summary: MonthlySummary, *, draft: bool) -> summaries.SummaryText:
        rng, plan = self.rng, PLANS[person.department.code]
        other = [_fill(t, rng) for t in rng.sample(plan["other_work"], rng.choice((1, 2)))]
        other.append(rng.choice(COMMON["other_work"]))
        problems = [rng.choice(plan["problems"])] + ([rng.choice(COMMON["problems"])] if rng.random() < 0.4 else [])
        plans = [*rng.sample(plan["plans"], 2), rng.choice(COMMON["plans"])]
        stage, notes = (summary.month - 1) % 3 + 1, {}
        for row in summary.progress_notes.all():
            short, done = self.items.get(row.target_item_id) or ("", "")
            if not short or (draft and rng.random() < 0.5):
                notes[row.pk] = ""
                continue
            # How far the item has come by the quarter's first, second or third month; in the last month of
            # a past quarter, how it ended (data/year.json's stage_notes).
            text = rng.choice(_TEXT["stage_notes"][done if stage == 3 and done else str(stage)])
            notes[row.pk] = _fill(text, rng, short=short, reason=rng.choice(_TEXT["reasons"]))
        # A draft has begun with its first line of other work.
        parts = (other[:1], [], []) if draft else (other, problems, plans)
        return summaries.SummaryText(*map(_numbered, parts), notes=notes)

    def _summary_status(self, month: int, forced: str | None) -> str:
        if month == self.current_month:
            return forced or DRAFT
        age, roll = self.story.past_months[-1] - month, self.rng.random()
        late = self.story.as_of > periods.summary_deadline(self.policy, periods.Month(self.story.year, month))
        limits = ((0.74, 0.87, 0.93) if late else (0.3, 0.65, 0.75)) if age == 0 else (0.94, 0.97, 1)
        status = forced or (_pick(roll, limits) if age <= 1 else APPROVED)
        # A past quarter has been approved, and approval waits for every summary: one returned or
        # left as a draft there was handed in again before the quarter closed.
        closed = periods.Month(self.story.year, month).quarter.quarter in self.story.past_quarters
        return SUBMITTED if closed and status in (RETURNED, DRAFT) else status

    def summary(self, person: User, month: int, forced: str | None) -> None:
        rng, story = self.rng, self.story
        status, period = self._summary_status(month, forced), periods.Month(story.year, month)
        opened = at_hour(story.as_of, 0)
        summary = summaries.summary_get_or_create(owner=person, year=story.year, month=month, now=opened)
        text = self._text(person, summary, draft=status == DRAFT and month == self.current_month)
        summary = act(person, summaries.summary_autosave, summary=summary, based_on_version=summary.version, text=text)
        if status == DRAFT:
            return
        deadline = periods.summary_deadline(self.policy, period)
        late = rng.random() < 0.1 and not forced and story.day(deadline + timedelta(1), deadline + timedelta(12))
        submitted = story.at(late or story.day(period.last_day - timedelta(2), deadline) or story.last_day)
        summary = act(person, summaries.summary_submit, summary=summary, now=submitted)
        reviewer, reviewed = self.reviewer[person.pk], story.after(submitted, 4)
        if status == APPROVED:
            act(reviewer, summaries.summary_approve, summary=summary, now=reviewed)
        elif status == RETURNED:
            reason = rng.choice(_TEXT["summary_return_reasons"])
            act(reviewer, summaries.summary_return, summary=summary, reason=reason, now=reviewed)

    def _target_status(self, person: User, quarter: int) -> str | None:
        if quarter in self.story.past_quarters:
            return APPROVED
        if person.username == "demo_staff":
            return None  # left for the person trying the product
        return self.forced_targets.get(person.username) or _pick(self.rng.random(), (0.62, 0.84, 0.89))

    def person_year(self, person: User, *, light: bool) -> None:
        story, demo_staff = self.story, person.username == "demo_staff"
        last_past = story.past_months[-1] if story.past_months else None
        if light:
            # Last month's summary first, then this quarter's targets: two steps, no progress rows.
            if last_past:
                self.summary(person, last_past, self.forced_summaries.get(person.username))
            if status := self._target_status(person, self.quarters[-1]):
                self.target_set(person, self.quarters[-1], status, light=True)
            return
        months = [*story.past_months, *([self.current_month] if self.current_month else [])]
        for quarter in self.quarters:
            status = self._target_status(person, quarter)
            target_set = self.target_set(person, quarter, status, light=False) if status else None
            for month in (m for m in months if periods.Month(story.year, m).quarter.quarter == quarter):
                if month == self.current_month and (demo_staff or self.rng.random() < 0.6):
                    continue  # this month's summary not started (yet)
                forced = self.forced_summaries.get(person.username) if month == last_past else None
                self.summary(person, month, APPROVED if demo_staff else forced)
            if target_set is not None and quarter in story.past_quarters:
                self.complete(person, target_set)


@builder(seed_offset=0)
def build_demo_year(organisation: Organisation, story: Story, *, full_detail: int = 2000) -> Report:
    """Fill ``year`` of the demo organisation as a year in progress on ``today`` (default: the local date).

    The first ``full_detail`` people (by id) get every quarter's targets and every month's summary;
    the others get the current quarter's targets and last month's summary only.
    """
    maker = _YearBuilder(organisation, story)
    maker.build_goals()
    for index, person in enumerate(maker.people):
        # The grade rows' documents columns (if the year's quarters are open) once per person and
        # quarter, not after each of the person's saves.
        with grade_counts.deferred():
            maker.person_year(person, light=index >= full_detail)
    full, light = min(full_detail, len(maker.people)), max(len(maker.people) - full_detail, 0)
    # What the year's line in seed_demo's output counts (data/year.json: name → model, path to the organisation).
    counted = ((apps.get_model(model), path, name) for name, (model, path) in _TEXT["counted"].items())
    counts = ", ".join(f"{m.objects.filter(**{path: organisation}).count()} {name}" for m, path, name in counted)
    text = f"Year {story.year} as of {story.as_of}: full detail (targets Q{'/Q'.join(map(str, maker.quarters))}, "
    text += f"summaries of {len(story.past_months)} past months) for {full} staff"
    text += f"; lighter data (this quarter's targets, last month's summary) for {light} more staff" if light else ""
    return Report(full_people=full, light_people=light, text=f"{text}. Created {counts}.")
