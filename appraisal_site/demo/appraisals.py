"""Graded quarters for the demo organisation, after :func:`appraisal_site.demo.year.build_demo_year`.

Every past quarter of the demo year is opened, graded by each person's evaluator within the 好
quota with a short comment (and a reason for 一般/较差), confirmed by the supervising leaders,
approved by demo_chief and rolled up, all through the grading services, each on its own grading
days (the calendar governs the demo too). Whom the grading page suggests 不确定等次 for long leave
(``grade_suggestions``, a rule of the grading services), the evaluator grades so. The latest ended
quarter stays open, every row pending, while its grading period runs on the demo's "today", so
demo_head and demo_leader have grading to do; the current quarter cannot be graded before it ends.
"""

from __future__ import annotations

from collections import defaultdict
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
from evaluations.grading.services.suggestions import grade_suggestions

from . import Report, Story, act, load

# Cumulative shares of each grade among the participants (好 is then capped by the quota).
SHARES = ((Grade.GOOD, 0.33), (Grade.FAIRLY_GOOD, 0.85), (Grade.AVERAGE, 0.97))
_TEXT = load("appraisals")


def _grade_quarter(appraisal_quarter: AppraisalQuarter, story: Story, chief: User) -> int:
    rng, policy = story.rng, policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    rows = list(appraisal_quarter.grades.select_related("person__department__supervising_leader").order_by("pk"))
    suggested = grade_suggestions(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy)
    uncertain = {pk for pk, suggestion in suggested.items() if suggestion.grade == Grade.UNCERTAIN}
    pools: dict[str, list[QuarterGrade]] = defaultdict(list)
    for row in rows:
        pools[quota.pool_kind(is_leader_position=row.is_leader_position, policy=policy)].append(row)
    for pool in pools.values():
        places = quota.good_quota(
            participants=sum(row.person_id not in uncertain for row in pool), percent=policy.good_quota_percent
        )
        # Those not graded first: 不确定等次 leaves the pool, so the 好 places are counted without them.
        for row in sorted(rng.sample(pool, len(pool)), key=lambda row: row.person_id not in uncertain):
            draw = rng.random()
            grade = (
                Grade.UNCERTAIN if row.person_id in uncertain else next((g for g, s in SHARES if draw < s), Grade.POOR)
            )
            if grade == Grade.GOOD:
                grade, places = (Grade.GOOD, places - 1) if places else (Grade.FAIRLY_GOOD, places)
            act(
                evaluator_of(person=row.person),
                grade_assign,
                grade_row=row,
                grade=grade,
                comment=rng.choice(_TEXT["comments"][grade]),
                reason=rng.choice(_TEXT["reasons"][grade]) if grade in _TEXT["reasons"] else "",
                uncertain_reason=UncertainReason.LONG_LEAVE if grade == Grade.UNCERTAIN else "",
            )
    for leader in sorted({row.person.department.supervising_leader for row in rows}, key=lambda leader: leader.pk):
        act(leader, grades_confirm_all, appraisal_quarter=appraisal_quarter)
    period = appraisal_quarter.period
    approved_on = periods.grading_deadline(policy, period)
    act(chief, appraisal_quarter_approve, appraisal_quarter=appraisal_quarter, today=approved_on)
    # The grading services stamp the present; the demo's quarter was graded days after it ended,
    # confirmed a few days later and approved by the grading deadline. Backdated in two UPDATEs.
    graded_on = period.last_day + timedelta(days=3)
    appraisal_quarter.grades.update(
        graded_at=story.at(graded_on, 10), confirmed_at=story.at(graded_on + timedelta(days=4), 15)
    )
    AppraisalQuarter.objects.filter(pk=appraisal_quarter.pk).update(approved_at=story.at(approved_on, 16))
    return len(rows)


@transaction.atomic
def build_demo_appraisals(
    organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None
) -> Report:
    """Grade, approve and roll up the demo year's past quarters; the latest stays open while its grading runs."""
    story = Story.of(year, seed + 4, today)
    chief = User.objects.get(organisation=organisation, username="demo_chief")
    report = Report(approved_quarters=[], open_quarter=None, graded=0, pending=0)
    policy = policy_for_organisation(organisation_id=organisation.pk)
    for quarter in story.past_quarters:
        period = periods.Quarter(year, quarter)
        opens = period.last_day + timedelta(days=1)
        appraisal_quarter = appraisal_quarter_open(organisation=organisation, year=year, quarter=quarter, today=opens)
        if quarter == story.past_quarters[-1] and story.as_of <= periods.grading_deadline(policy, period):
            report.open_quarter, report.pending = quarter, appraisal_quarter.grades.count()
            continue
        report.graded += _grade_quarter(appraisal_quarter, story, chief)
        rollup_quarter(appraisal_quarter=appraisal_quarter, today=story.as_of)
        report.approved_quarters.append(quarter)
    approved = "/".join(f"Q{q}" for q in report.approved_quarters) or "none"
    report.text = f"Appraisals: {approved} graded ({report.graded} grades), approved and rolled up; " + (
        f"Q{report.open_quarter} open with {report.pending} grades pending"
        if report.open_quarter
        else "no open quarter"
    )
    return report
