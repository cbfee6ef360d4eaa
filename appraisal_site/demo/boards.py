"""The weekly progress board for the demo organisation (seed 002: 综合科每周汇总各科室一周工作进展).

- The policy switches the weekly board on.
- The four weeks before the demo's "today" are posted by every department (two or three items,
  some serving one of the department's goals) and compiled and published by demo_hr, in the
  departments' order, at Friday 17:00 of each week.
- This week, every department but demo_head's has posted; nothing is compiled yet, so demo_head
  can post and demo_hr can compile and publish the week by hand.

A few dozen rows whatever ``--staff`` is (one post per department and week); written directly,
like the demo's other past records, since the services accept only this and the last week.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from auditlog.context import disable_auditlog

from accounts import periods
from accounts.models import Department, Organisation, User
from accounts.periods import Week
from accounts.selectors import policy_for_organisation
from accounts.services import policy_update
from publicity.boards.models import WeeklyDigest, WeeklyDigestSection, WeeklyPost, WeeklyPostItem
from publicity.boards.services import weekly_post_wording
from targets.models import DepartmentGoal

from . import at_hour, load
from .organisation import DEMO_HEAD_DEPARTMENT
from .year import demo_as_of

PUBLISHED_WEEKS = 4
_TEXT = load("boards")
ITEMS = tuple(_TEXT["items"])
GOAL_ITEM = _TEXT["goal_item"]


@dataclass
class BoardsReport:
    published_weeks: int = 0
    posts: int = 0

    def describe(self) -> str:
        return f"Weekly board: {self.published_weeks} published weeks, {self.posts} department posts."


def build_demo_boards(
    organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None
) -> BoardsReport:
    rng = random.Random(seed + 11)
    report = BoardsReport()
    policy = policy_for_organisation(organisation_id=organisation.pk)
    policy.weekly_progress_enabled = True
    policy_update(policy=policy, reason=load("appraisals")["weekly_board_reason"])
    hr = User.objects.get(organisation=organisation, username="demo_hr")
    departments = list(Department.objects.filter(organisation=organisation, is_active=True).select_related("head"))
    goals: dict[int, list[DepartmentGoal]] = {}
    for goal in DepartmentGoal.objects.filter(department__organisation=organisation, year=year, quarter__isnull=True):
        goals.setdefault(goal.department_id, []).append(goal)
    as_of = demo_as_of(year, today or periods.today())
    this_week = Week.of(as_of)
    weeks = [this_week]
    while len(weeks) <= PUBLISHED_WEEKS:
        weeks.append(weeks[-1].previous())
    with disable_auditlog():
        for week in reversed(weeks):
            current = week == this_week
            posts = []
            for department in departments:
                if current and department.code == DEMO_HEAD_DEPARTMENT:
                    continue  # left for demo_head to post
                # Past weeks were posted on their Friday; this week's posts this morning.
                posted_at = at_hour(as_of, 9) if current else at_hour(week.first_day + timedelta(days=4), 10)
                posts.append(_post(department, week, goals.get(department.pk, []), rng, fallback=hr, at=posted_at))
            report.posts += len(posts)
            if current:
                continue
            digest = WeeklyDigest.objects.create(
                organisation=organisation,
                year=week.year,
                week=week.week,
                state=WeeklyDigest.State.PUBLISHED,
                compiled_by=hr,
                published_by=hr,
                published_at=at_hour(week.first_day + timedelta(days=4), 17),
            )
            WeeklyDigestSection.objects.bulk_create(
                WeeklyDigestSection(
                    digest=digest, department=post.department, position=n, text=weekly_post_wording(post)
                )
                for n, post in enumerate(posts, start=1)
            )
            report.published_weeks += 1
    return report


def _post(
    department: Department,
    week: Week,
    goals: list[DepartmentGoal],
    rng: random.Random,
    *,
    fallback: User,
    at: datetime,
) -> WeeklyPost:
    post = WeeklyPost.objects.create(
        organisation_id=department.organisation_id,
        department=department,
        year=week.year,
        week=week.week,
        author=department.head or fallback,
        posted_at=at,
    )
    texts = [(t.format(n=rng.randint(8, 60), m=rng.randint(1, 6)), None) for t in rng.sample(ITEMS, rng.randint(1, 2))]
    if goals:
        goal = rng.choice(goals)
        texts.insert(0, (GOAL_ITEM.format(goal=goal.content[:30]), goal))
    WeeklyPostItem.objects.bulk_create(
        WeeklyPostItem(post=post, position=n, text=text, goal=goal) for n, (text, goal) in enumerate(texts, start=1)
    )
    return post
