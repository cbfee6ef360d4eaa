"""Graded quarters for the demo organisation, after :func:`appraisal_site.demo.year.build_demo_year`.

Every past quarter of the demo year is opened, graded by each person's evaluator within the 好
quota with a short comment (and a reason for 一般/较差), confirmed by the supervising leaders,
approved by demo_chief and rolled up, all through the grading services, each on its own grading
days (the calendar governs the demo too). The organisation uses the score model: HR switches it on
and enters the service centre's satisfaction score each quarter, each evaluator scores their
people's indicators (a steady level per person, a little noise per quarter), and 好 goes to the
best composite scores within the quota — except in 政策法规科 (:data:`ROTATION_DEPARTMENT`), which
hands 好 round in turns whatever the scores, so the dashboard's 轮流坐庄 check has a department to
flag, with its evidence. Whom the grading page suggests 不确定等次 for long leave
(``grade_suggestions``, a rule of the grading services), the evaluator grades so. The latest ended
quarter stays open, every row pending, while its grading period runs on the demo's "today", so
demo_head and demo_leader have grading to do; the current quarter cannot be graded before it ends.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from functools import partial

from accounts import periods
from accounts.audit import acting_as
from accounts.models import Organisation, PeriodLock, PositionCategory, User
from accounts.selectors import evaluator_of, policy_for_organisation
from evaluations.grading.models import AppraisalQuarter, Grade, IndicatorSource, SatisfactionScore
from evaluations.grading.services import grading, inputs, quota, rollup, scores, suggestions

from . import Report, Story, account, act, backdate, builder, load, policy_switch_on, quarter_list

# A person's steady score level: cumulative shares of the score bands (≥ 90 好, ≥ 80 较好, ≥ 60 一般,
# else 较差 by the default policy) and the range drawn in each.
LEVELS = ((0.33, 90.5, 96.0), (0.85, 81.0, 89.0), (0.97, 66.0, 78.0), (1.0, 52.0, 58.0))
# How far a quarter's scores stray from the person's level.
NOISE = 1.2
# The department that takes turns at 好 (DOMAIN.md §6, "轮流坐庄").
ROTATION_DEPARTMENT = "ZCFG"
_TEXT = load("appraisals")


def _levels(organisation: Organisation, story: Story) -> dict[int, float]:
    """Each person's steady score level. The rotation department's people are spread apart (one
    is clearly best, the next clearly second…), so a turn there is visible in the scores."""
    levels = {}
    people = User.objects.filter(organisation=organisation, department__isnull=False).order_by("pk")
    for pk in people.values_list("pk", flat=True):
        draw = story.rng.random()
        levels[pk] = story.rng.uniform(*next(level[1:] for level in LEVELS if draw < level[0]))
    rotation = people.filter(department__code=ROTATION_DEPARTMENT).values_list("pk", flat=True)
    levels.update({pk: 95.0 - 3.5 * rank for rank, pk in enumerate(rotation)})
    return levels


def _score_quarter(appraisal_quarter: AppraisalQuarter, story: Story, levels: dict[int, float], hr: User) -> None:
    """HR enters the service centre's satisfaction score; each evaluator scores their people's
    manual indicators (不确定等次 people too: the score is the evaluator's, the grade follows)."""
    service = User.objects.filter(organisation_id=hr.organisation_id, position_category=PositionCategory.SERVICE)
    for department in set(service.exclude(department=None).values_list("department", flat=True)):
        period = {"year": appraisal_quarter.year, "quarter": appraisal_quarter.quarter}
        score = SatisfactionScore(**period, department_id=department, score=round(story.rng.uniform(88, 96), 1))
        with acting_as(hr):
            inputs.satisfaction_save(score=score, entered_by=hr)
    rows = appraisal_quarter.grades.select_related("appraisal_quarter", "person__department__supervising_leader")
    indicators: dict[str, list] = {}
    for row in rows.order_by("pk"):
        category = row.person.position_category
        if category not in indicators:
            indicators[category] = [
                i for i in scores.indicators_for(grade_row=row) if i.source == IndicatorSource.MANUAL
            ]
        level = levels.get(row.person_id, 85.0) + story.rng.uniform(-NOISE, NOISE)
        marks = {i.pk: round(min(max(level + story.rng.uniform(-2, 2), 0), 100), 1) for i in indicators[category]}
        act(evaluator_of(person=row.person), scores.indicator_scores_save, grade_row=row, scores=marks)


def _grade_quarter(appraisal_quarter: AppraisalQuarter, story: Story, chief: User) -> int:
    rng, policy = story.rng, policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    rows = list(appraisal_quarter.grades.select_related("person__department__supervising_leader").order_by("pk"))
    suggested = suggestions.grade_suggestions(appraisal_quarter=appraisal_quarter, rows=rows, policy=policy)
    uncertain = {pk for pk, suggestion in suggested.items() if suggestion.grade == Grade.UNCERTAIN}
    pools = defaultdict(list)
    for row in rows:
        pools[quota.pool_kind(is_leader_position=row.is_leader_position, policy=policy)].append(row)
    for pool in pools.values():
        participants = sum(row.person_id not in uncertain for row in pool)
        places = quota.good_quota(participants=participants, percent=policy.good_quota_percent)
        by_score = sorted(pool, key=lambda r: -r.composite_score)
        grades = {row.pk: Grade.UNCERTAIN for row in pool if row.person_id in uncertain}
        # The rotation department's turn first: 好 to the next in line, whatever the scores.
        rotation = [r for r in by_score if r.person.department.code == ROTATION_DEPARTMENT and r.pk not in grades]
        if rotation and places:
            grades[rotation[(appraisal_quarter.quarter - 1) % len(rotation)].pk], places = Grade.GOOD, places - 1
        # Elsewhere 好 follows the scores: the best composite scores in the 好 band, while places last.
        for row in (row for row in by_score if row.pk not in grades):
            grade = scores.band_grade(score=row.composite_score, policy=policy)
            if grade == Grade.GOOD and places and row.person.department.code != ROTATION_DEPARTMENT:
                places -= 1
            elif grade == Grade.GOOD:
                grade = Grade.FAIRLY_GOOD
            grades[row.pk] = grade
        # Those not graded first: 不确定等次 leaves the pool, so the 好 places are counted without them.
        for row in sorted(pool, key=lambda row: (row.person_id not in uncertain, row.pk)):
            grade = grades[row.pk]
            comment, reasons = rng.choice(_TEXT["comments"][grade]), _TEXT["reasons"].get(grade)
            leave = suggested[row.person_id].uncertain_reason if grade == Grade.UNCERTAIN else ""
            said = {"comment": comment, "reason": rng.choice(reasons) if reasons else "", "uncertain_reason": leave}
            act(evaluator_of(person=row.person), grading.grade_assign, grade_row=row, grade=grade, **said)
    for leader in sorted({row.person.department.supervising_leader for row in rows}, key=lambda leader: leader.pk):
        act(leader, grading.grades_confirm_all, appraisal_quarter=appraisal_quarter)
    period = appraisal_quarter.period
    approved_on = periods.grading_deadline(policy, period)
    act(chief, grading.appraisal_quarter_approve, appraisal_quarter=appraisal_quarter, today=approved_on)
    # The grading services stamp the present; the demo's quarter was graded days after it ended,
    # confirmed a few days later and approved by the grading deadline. Backdated in two UPDATEs.
    graded_on = period.last_day + timedelta(days=3)
    graded, confirmed = story.at(graded_on, 10), story.at(graded_on + timedelta(days=4), 15)
    appraisal_quarter.grades.update(graded_at=graded, confirmed_at=confirmed)
    approved_at = story.at(approved_on, 16)
    backdate(appraisal_quarter, approved_at=approved_at)
    # The quarter's lock (what the targets and summaries pages say it was approved on) alike.
    PeriodLock.objects.filter(
        organisation_id=appraisal_quarter.organisation_id, year=period.year, quarter=period.quarter
    ).update(locked_at=approved_at)
    return len(rows)


@builder(seed_offset=4)
def build_demo_appraisals(organisation: Organisation, story: Story) -> Report:
    """Grade, approve and roll up the demo year's past quarters; the latest stays open while its grading runs."""
    chief, hr = account(organisation, "demo_chief"), account(organisation, "demo_hr")
    report = Report(approved_quarters=[], open_quarter=None, graded=0, pending=0)
    policy_switch_on(hr, "score_model_enabled", reason=_TEXT["score_model_reason"])
    policy = policy_for_organisation(organisation_id=organisation.pk)
    levels = _levels(organisation, story)
    open_quarter = partial(grading.appraisal_quarter_open, organisation=organisation, year=story.year)
    for quarter in story.past_quarters:
        period = periods.Quarter(story.year, quarter)
        appraisal_quarter = open_quarter(quarter=quarter, today=period.last_day + timedelta(days=1))
        if quarter == story.past_quarters[-1] and story.as_of <= periods.grading_deadline(policy, period):
            report.open_quarter, report.pending = quarter, appraisal_quarter.grades.count()
            continue
        _score_quarter(appraisal_quarter, story, levels, hr)
        report.graded += _grade_quarter(appraisal_quarter, story, chief)
        rollup.rollup_quarter(appraisal_quarter=appraisal_quarter, today=story.as_of)
        report.approved_quarters.append(quarter)
    pending = f"Q{report.open_quarter} open with {report.pending} grades pending"
    report.text = f"Appraisals: {quarter_list(report.approved_quarters)} graded ({report.graded} grades), approved and "
    report.text += f"rolled up; {pending if report.open_quarter else 'no open quarter'}"
    return report
