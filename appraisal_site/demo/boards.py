"""The weekly progress board for the demo organisation (seed 002: 综合科每周汇总各科室一周工作进展).

- The policy switches the weekly board on.
- The four weeks before the demo's "today" are posted by every department (two or three items,
  some serving one of the department's goals) and compiled and published by demo_hr, in the
  departments' order, at Friday 17:00 of each week.
- This week, every department but demo_head's has posted; nothing is compiled yet, so demo_head
  can post and demo_hr can compile and publish the week by hand.

A few dozen rows whatever ``--staff`` is (one post per department and week); written directly,
since the services accept only this and the last week.
"""

from __future__ import annotations

import random
from datetime import timedelta

from auditlog.context import disable_auditlog

from accounts import periods
from accounts.models import Department, Organisation
from accounts.periods import Week
from publicity.boards.models import WeeklyDigest, WeeklyDigestSection, WeeklyPost, WeeklyPostItem
from publicity.boards.services import weekly_post_wording
from targets.models import DepartmentGoal

from . import Report, Story, account, at_hour, builder, load, policy_switch_on
from .organisation import DEMO_HEAD_DEPARTMENT

PUBLISHED_WEEKS = 4
_TEXT = load("boards")


@builder(seed_offset=11)
def build_demo_boards(organisation: Organisation, story: Story) -> Report:
    rng, as_of = story.rng, story.as_of
    hr = account(organisation, "demo_hr")
    policy_switch_on(hr, "weekly_progress_enabled", reason=_TEXT["weekly_board_reason"])
    departments = list(Department.objects.filter(organisation=organisation, is_active=True).select_related("head"))
    goals = {department.pk: list(department.goals.filter(year=story.year, quarter=None)) for department in departments}
    posts = 0
    with disable_auditlog():
        for weeks_back in range(PUBLISHED_WEEKS, -1, -1):
            week = Week.of(as_of - timedelta(weeks=weeks_back))
            current, friday = weeks_back == 0, week.first_day + timedelta(days=4)
            when = {"organisation": organisation, "year": week.year, "week": week.week}
            # Past weeks were posted on their Friday; this week's posts this morning (at 09:00, or
            # a minute ago when that is still to come: seeded before 09:00 they were later than the
            # compile page opened after them), but for demo_head's department, left for demo_head.
            morning = max(min(at_hour(as_of, 9), periods.now() - timedelta(minutes=1)), at_hour(week.first_day, 0))
            at = morning if current else at_hour(friday, 10)
            week_posts = [
                _post(department, when, goals[department.pk], rng, author=department.head or hr, posted_at=at)
                for department in departments
                if not (current and department.code == DEMO_HEAD_DEPARTMENT)
            ]
            posts += len(week_posts)
            if current:
                continue
            published = {"compiled_by": hr, "published_by": hr, "published_at": at_hour(friday, 17)}
            digest = WeeklyDigest.objects.create(**when, state=WeeklyDigest.State.PUBLISHED, **published)
            WeeklyDigestSection.objects.bulk_create(
                WeeklyDigestSection(digest=digest, department=p.department, position=n, text=weekly_post_wording(p))
                for n, p in enumerate(week_posts, start=1)
            )
    text = f"Weekly board: {PUBLISHED_WEEKS} published weeks, {posts} department posts."
    return Report(published_weeks=PUBLISHED_WEEKS, posts=posts, text=text)


def _post(department: Department, when: dict, goals: list[DepartmentGoal], rng: random.Random, **by) -> WeeklyPost:
    """``department``'s post of the week ``when`` names, ``by`` its author at its moment: one or two
    of the usual items, after one on a goal of the department's when it has goals."""
    post = WeeklyPost.objects.create(department=department, **when, **by)
    texts = [
        (text.format(n=rng.randint(8, 60), m=rng.randint(1, 6)), None)
        for text in rng.sample(_TEXT["items"], rng.randint(1, 2))
    ]
    if goals:
        goal = rng.choice(goals)
        texts.insert(0, (_TEXT["goal_item"].format(goal=goal.content[:30]), goal))
    WeeklyPostItem.objects.bulk_create(
        WeeklyPostItem(post=post, position=n, text=text, goal=goal) for n, (text, goal) in enumerate(texts, start=1)
    )
    return post
