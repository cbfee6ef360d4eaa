"""Graded quarters for the demo organisation, after :func:`appraisal_site.demo.year.build_demo_year`.

Every past quarter of the demo year is opened, graded by each person's evaluator within the 好
quota with a short comment (and a reason for 一般/较差; 不确定等次 for whoever
:func:`evaluations.grading.services.suggestions.long_leave_in_quarter` names), confirmed by the supervising leaders,
approved by demo_chief and rolled up, all through the grading services. The current quarter is
opened with every row pending, so demo_head and demo_leader have grading to do.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from accounts import periods
from accounts.models import Organisation, User
from accounts.selectors import evaluator_of, policy_for_organisation
from evaluations.grading.models import AppraisalQuarter, Grade, QuarterGrade, UncertainReason
from evaluations.grading.services import quota
from evaluations.grading.services.grading import (
    appraisal_quarter_approve,
    appraisal_quarter_open,
    grade_assign,
    grades_confirm_all,
)
from evaluations.grading.services.rollup import rollup_quarter
from evaluations.grading.services.suggestions import long_leave_in_quarter

from . import Story, demo_as_of, load
from .year import act

# Shares of each grade among the participants (好 is then capped by the quota).
SHARES = ((Grade.GOOD, 0.33), (Grade.FAIRLY_GOOD, 0.85), (Grade.AVERAGE, 0.97))
_TEXT = load("appraisals")


@dataclass
class DemoAppraisalReport:
    approved_quarters: list[int] = field(default_factory=list)
    open_quarter: int | None = None
    graded: int = 0
    pending: int = 0

    def describe(self) -> str:
        approved = "/".join(f"Q{q}" for q in self.approved_quarters) or "none"
        current = (
            f"Q{self.open_quarter} open with {self.pending} grades pending" if self.open_quarter else "no open quarter"
        )
        return f"Appraisals: {approved} graded ({self.graded} grades), approved and rolled up; {current}."


def _grade_quarter(appraisal_quarter: AppraisalQuarter, story: Story, chief: User) -> int:
    rng, organisation = story.rng, appraisal_quarter.organisation
    policy = policy_for_organisation(organisation_id=organisation.pk)
    period = periods.Quarter(appraisal_quarter.year, appraisal_quarter.quarter)
    on_leave = long_leave_in_quarter(
        organisation_id=organisation.pk, year=period.year, quarter=period.quarter, policy=policy
    )
    rows = appraisal_quarter.grades.select_related("person__department__head", "person__department__supervising_leader")
    pools: dict[str, list[QuarterGrade]] = defaultdict(list)
    for row in rows.order_by("pk"):
        pools[quota.pool_kind(is_leader_position=row.is_leader_position, policy=policy)].append(row)
    leaders = set()
    for pool in pools.values():
        participants = sum(1 for row in pool if row.person_id not in on_leave)
        places = quota.good_quota(participants=participants, percent=policy.good_quota_percent)
        # Those on leave first: 不确定等次 leaves the pool, so the 好 places are counted without them.
        for row in sorted(rng.sample(pool, len(pool)), key=lambda row: row.person_id not in on_leave):
            draw = rng.random()
            grade = next((g for g, limit in SHARES if draw < limit), Grade.POOR)
            if row.person_id in on_leave:
                grade = Grade.UNCERTAIN
            elif grade == Grade.GOOD:
                grade, places = (Grade.GOOD, places - 1) if places else (Grade.FAIRLY_GOOD, places)
            reason = rng.choice(_TEXT["reasons"][grade]) if grade in _TEXT["reasons"] else ""
            act(
                evaluator_of(person=row.person),
                grade_assign,
                grade_row=row,
                grade=grade,
                comment=rng.choice(_TEXT["comments"][grade]),
                reason=reason,
                uncertain_reason=UncertainReason.LONG_LEAVE if grade == Grade.UNCERTAIN else "",
            )
            leaders.add(row.person.department.supervising_leader)
    for leader in sorted(leaders, key=lambda leader: leader.pk):
        act(leader, grades_confirm_all, appraisal_quarter=appraisal_quarter)
    act(chief, appraisal_quarter_approve, appraisal_quarter=appraisal_quarter)
    # The grading services stamp the present; the demo's quarter was graded days after it ended,
    # confirmed a few days later and approved by the grading deadline. Backdated in two UPDATEs.
    graded_on = period.last_day + timedelta(days=3)
    appraisal_quarter.grades.update(
        graded_at=story.at(graded_on, 10), confirmed_at=story.at(graded_on + timedelta(days=4), 15)
    )
    approved_on = periods.grading_deadline(policy, period)
    AppraisalQuarter.objects.filter(pk=appraisal_quarter.pk).update(approved_at=story.at(approved_on, 16))
    return sum(len(pool) for pool in pools.values())


@transaction.atomic
def build_demo_appraisals(
    organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None
) -> DemoAppraisalReport:
    """Grade, approve and roll up the demo year's past quarters; open the current one."""
    story = Story(year, demo_as_of(year, today or periods.today()), random.Random(seed + 4))
    chief = User.objects.get(organisation=organisation, username="demo_chief")
    report = DemoAppraisalReport()
    for quarter in story.past_quarters:
        appraisal_quarter = appraisal_quarter_open(organisation=organisation, year=year, quarter=quarter)
        report.graded += _grade_quarter(appraisal_quarter, story, chief)
        rollup_quarter(appraisal_quarter=appraisal_quarter, today=story.as_of)
        report.approved_quarters.append(quarter)
    if story.current_quarter is not None:
        appraisal_quarter = appraisal_quarter_open(organisation=organisation, year=year, quarter=story.current_quarter)
        report.open_quarter = story.current_quarter
        report.pending = appraisal_quarter.grades.count()
    return report
