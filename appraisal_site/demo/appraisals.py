"""Graded quarters for the demo organisation, after :func:`appraisal_site.demo.year.build_demo_year`.

Every past quarter of the demo year is opened, graded within the organisation's 好 quota with a
short comment (and a reason for 一般/较差), confirmed, approved by demo_chief and rolled up; the
latest ended quarter stays open with every row pending while its grading period runs, so
demo_head and demo_leader have grading to do.

Grades are written with one UPDATE per group of rows sharing the same values (department, grade,
comment…), not one per person, so ``seed_demo --staff 100000`` stays within its budget.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from auditlog.context import disable_auditlog
from django.db import transaction
from django.utils import timezone

from accounts import periods
from accounts.models import Department, Organisation, User
from accounts.selectors import policy_for_organisation
from evaluations.grading.models import AppraisalQuarter, Grade, GradeState, QuarterGrade, UncertainReason
from evaluations.grading.services import quota
from evaluations.grading.services.grading import appraisal_quarter_approve, appraisal_quarter_open
from evaluations.grading.services.rollup import rollup_quarter
from evaluations.grading.services.suggestions import long_leave_in_quarter

from . import load
from .year import demo_as_of

CHUNK = 500
# Shares of each grade among the participants (好 is then capped by the quota).
GOOD_SHARE, FAIRLY_GOOD_SHARE, AVERAGE_SHARE = 0.33, 0.52, 0.12

_TEXT = load("appraisals")
COMMENTS = {grade: tuple(texts) for grade, texts in _TEXT["comments"].items()}
REASONS = {grade: tuple(texts) for grade, texts in _TEXT["reasons"].items()}


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


class _QuarterGrader:
    def __init__(self, organisation: Organisation, *, year: int, rng: random.Random, as_of: date):
        self.organisation = organisation
        self.year = year
        self.rng = rng
        self.as_of = as_of
        self.tz = timezone.get_default_timezone()
        self.policy = policy_for_organisation(organisation_id=organisation.pk)
        self.departments = {d.pk: d for d in Department.objects.filter(organisation=organisation)}

    def _at(self, day: date, hour: int) -> datetime:
        # Never on or after the demo's "today".
        day = min(day, self.as_of - timedelta(days=1))
        return datetime.combine(day, time(hour, self.rng.randint(0, 59)), tzinfo=self.tz)

    def grade(self, appraisal_quarter: AppraisalQuarter, chief: User | None) -> int:
        rng, quarter = self.rng, appraisal_quarter.quarter
        rows = list(
            QuarterGrade.objects.filter(appraisal_quarter=appraisal_quarter)
            .order_by("pk")
            .values_list("pk", "person_id", "department_id", "is_leader_position")
        )
        on_leave = set(
            long_leave_in_quarter(
                organisation_id=self.organisation.pk, year=self.year, quarter=quarter, policy=self.policy
            )
        )
        pools: dict[str, list[tuple]] = defaultdict(list)
        for row in rows:
            pools[quota.pool_kind(is_leader_position=row[3], policy=self.policy)].append(row)

        graded_on = periods.Quarter(self.year, quarter).last_day + timedelta(days=3)
        groups: dict[tuple, list[int]] = defaultdict(list)
        for pool_rows in pools.values():
            participants = sum(1 for row in pool_rows if row[1] not in on_leave)
            capacity = quota.good_quota(participants=participants, percent=self.policy.good_quota_percent)
            used = 0
            for pk, person_id, department_id, _leader in rng.sample(pool_rows, len(pool_rows)):
                draw = rng.random()
                if person_id in on_leave:
                    grade = Grade.UNCERTAIN
                elif draw < GOOD_SHARE and used < capacity:
                    grade, used = Grade.GOOD, used + 1
                elif draw < GOOD_SHARE + FAIRLY_GOOD_SHARE:
                    grade = Grade.FAIRLY_GOOD
                elif draw < GOOD_SHARE + FAIRLY_GOOD_SHARE + AVERAGE_SHARE:
                    grade = Grade.AVERAGE
                else:
                    grade = Grade.POOR
                department = self.departments[department_id]
                is_head = department.head_id == person_id
                evaluator = department.supervising_leader_id if is_head else department.head_id
                key = (
                    grade,
                    rng.choice(COMMENTS[grade]),
                    rng.choice(REASONS[grade]) if grade in REASONS else "",
                    evaluator,
                    department.supervising_leader_id,
                )
                groups[key].append(pk)

        for (grade, comment, reason, evaluator, confirmer), pks in groups.items():
            for start in range(0, len(pks), CHUNK):
                QuarterGrade.objects.filter(pk__in=pks[start : start + CHUNK]).update(
                    grade=grade,
                    uncertain_reason=UncertainReason.LONG_LEAVE if grade == Grade.UNCERTAIN else "",
                    comment=comment,
                    reason=reason,
                    evaluator_id=evaluator,
                    graded_at=self._at(graded_on, 10),
                    state=GradeState.CONFIRMED,
                    confirmed_by_id=confirmer,
                    confirmed_at=self._at(graded_on + timedelta(days=4), 15),
                    version=2,
                )
        if chief is not None:
            approved_on = periods.grading_deadline(self.policy, periods.Quarter(self.year, quarter))
            appraisal_quarter_approve(appraisal_quarter=appraisal_quarter, actor=chief, today=approved_on)
            AppraisalQuarter.objects.filter(pk=appraisal_quarter.pk).update(approved_at=self._at(approved_on, 16))
        return len(rows)


@transaction.atomic
def build_demo_appraisals(
    organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None
) -> DemoAppraisalReport:
    """Grade, approve and roll up the demo year's past quarters, each on its own grading days.

    The calendar governs the demo too: a quarter is opened on the first day of its grading window
    and approved within it. The latest ended quarter is left open, every row pending, while its
    grading period (the policy's grading deadline) is still running on the demo's "today", so
    demo_head and demo_leader have grading to do; the current quarter cannot be graded before it ends.
    """
    as_of = demo_as_of(year, today or periods.today())
    in_year = as_of.year == year
    last_month = as_of.month - 1 if in_year else 12
    past_quarters = [q for q in range(1, 5) if 3 * q <= last_month]
    chief = User.objects.filter(organisation=organisation, username="demo_chief").first()
    grader = _QuarterGrader(organisation, year=year, rng=random.Random(seed + 4), as_of=as_of)
    report = DemoAppraisalReport()
    with disable_auditlog():
        for quarter in past_quarters:
            period = periods.Quarter(year, quarter)
            opens = period.last_day + timedelta(days=1)
            appraisal_quarter = appraisal_quarter_open(
                organisation=organisation, year=year, quarter=quarter, today=opens
            )
            if quarter == past_quarters[-1] and as_of <= periods.grading_deadline(grader.policy, period):
                report.open_quarter = quarter
                report.pending = appraisal_quarter.grades.count()
                continue
            report.graded += grader.grade(appraisal_quarter, chief)
            rollup_quarter(appraisal_quarter=appraisal_quarter, today=as_of)
            report.approved_quarters.append(quarter)
    return report
