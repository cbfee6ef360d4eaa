"""The year-end roll-up (年度考核衔接): suggested annual grades, the committee's decisions, and the
lists HR needs for the use of results (结果运用). DOMAIN.md §7.

The system **suggests**; the committee (the agency head) decides. The roll-up writes only the
suggestion columns of ``AnnualResult``, so re-running it never touches a decision already made.

Suggestion rules, in the order they apply (the first that decides the grade wins; every rule that
applies adds a reason in plain Chinese to ``suggestion_reasons``):

1. A probationer whose probation covers 31 December → 不定等次 (unless the policy grades them).
2. A sanction whose effect is 当年/两年/结案前不确定等次 → 不定等次; 确定为不称职 → 不称职.
3. No graded quarter at all (only 不确定等次 or ungraded rows) → 不定等次.
4. ``basic_competent_average_quarters`` or more quarters of 一般 or 较差 → 基本称职 (a 较差 is worse
   than an 一般, so it counts as one at least). A 较差 quarter below the threshold keeps 称职; any
   较差 adds a reason that asks the committee whether a lower grade is due.
4a. A closed 民主测评 of the year (evaluations.ballots) whose thresholds caught the person — the
   share of 基本称职/不称职/不满意 votes, or the service users' 不满意 (policy) → 基本称职, with the
   ballot's reason.
5. 优秀 eligibility: 好 in more than ``excellent_min_good_share_percent`` % of the graded quarters
   (不确定等次 is not a graded quarter: 好/好/好/不确定 is 3 of 3), no 一般/较差 when the policy forbids
   them, no active veto flag, no sanction effect. Eligible people are ranked by count of 好, then
   average composite score (missing scores last), then employee number and id — deterministic, and
   a tie across the quota line is named in the reasons so the committee sees it. The first
   ``quota`` are suggested 优秀, the rest 称职.
6. Everyone else → 称职.

The 优秀 quota is ``excellent_quota_percent`` % of the people given a grade (everyone whose grade,
decided or else suggested, is not 不定等次), rounded down, per organisation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Avg, Case, Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, When
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import jobs, periods
from accounts.audit import audit_reason, event_entry, record_event, record_events
from accounts.hooks import Hooks
from accounts.models import Job, Notification, Organisation, Policy, Role, StaffStatus, StaffStatusKind, User
from accounts.periods import Quarter
from accounts.selectors import policy_for_organisation, role_holders
from accounts.services import notify, notify_many
from accounts.text import in_site_language, join_list
from accounts.textlimits import check_length
from evaluations.year_rollup import ROLLUP_YEAR

from ..ballots.selectors import ballot_suggestions, last_closed, organisations_with_closed_ballots
from ..discipline.models import EFFECT_WEIGHT, SanctionEffect
from ..discipline.selectors import (
    SanctionImpact,
    active_veto_reasons,  # noqa: F401 (the former loop's helpers, read by the tests)
    active_veto_reasons_of,
    has_active_veto,
    latest_input_change,
    sanction_effects,
    sanction_effects_of,
    vetoed_people,
)
from ..grading.models import AppraisalQuarter, Grade, QuarterGrade, QuarterState
from ..grading.services import counts
from ..grading.services.locking import review_after_lock_check
from ..grading.services.quota import good_quota
from . import counts as annual_counts
from . import rollup as rollup_sql
from . import selectors
from .locking import annual_results_lock, annual_year_close
from .models import (
    Achievement,
    AchievementState,
    AnnualGrade,
    AnnualResult,
    AnnualReview,
    AnnualRollupRun,
    final_grade_expression,
)

GRADED = (Grade.GOOD, Grade.FAIRLY_GOOD, Grade.AVERAGE, Grade.POOR)
NOT_GRADED_EFFECTS = (
    SanctionEffect.NOT_GRADED,
    SanctionEffect.NOT_GRADED_TWO_YEARS,
    SanctionEffect.NOT_GRADED_UNTIL_CLOSED,
)


def excellent_quota(*, graded_people: int, policy: Policy) -> int:
    """Places for 优秀: the policy's percentage of the people given a grade, rounded down."""
    return good_quota(participants=graded_people, percent=policy.excellent_quota_percent)


@dataclass(frozen=True)
class AnnualRollupStats:
    people: int
    graded_people: int
    excellent_quota: int
    eligible: int
    excellent_suggested: int
    unapproved_quarters: list[int]
    computed_at: datetime


@dataclass
class _Person:
    """One person's year, read from the grade aggregate, and the suggestion being built."""

    person_id: int
    department_id: int | None
    employee_number: str
    graded: int
    good: int
    average: int
    poor: int
    uncertain: int
    score: Decimal | None
    grade: str = ""
    eligible: bool = False
    rank: int | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ranking_key(self) -> tuple:
        # Fewer 好 or a lower score ranks lower; a missing score ranks after any score.
        score = self.score if self.score is not None else Decimal("-1")
        return (-self.good, -score, self.employee_number or "\uffff", self.person_id)

    @property
    def record_key(self) -> tuple:
        return (self.good, self.score)


def _quarter_aggregates(*, organisation: Organisation, year: int, only: Q | None = None) -> list[_Person]:
    """Per person (of ``only`` if given), the counts and average score of the year's quarters: one
    GROUP BY query. The department is the one of the person's latest quarter row (a correlated
    subquery). The roll-up writes everyone in SQL (:mod:`.rollup`); this reads the few it leaves to
    the Python rules.
    """
    rows = QuarterGrade.objects.filter(appraisal_quarter__organisation=organisation, appraisal_quarter__year=year)
    if only is not None:
        rows = rows.filter(only)
    latest_department = rows.filter(person_id=OuterRef("person_id")).order_by("-appraisal_quarter__quarter")
    aggregated = (
        rows.values("person_id")
        .annotate(
            graded=Count("pk", filter=Q(grade__in=GRADED)),
            good=Count("pk", filter=Q(grade=Grade.GOOD)),
            average=Count("pk", filter=Q(grade=Grade.AVERAGE)),
            poor=Count("pk", filter=Q(grade=Grade.POOR)),
            uncertain=Count("pk", filter=Q(grade=Grade.UNCERTAIN)),
            score=Avg("composite_score", filter=Q(grade__in=GRADED)),
            last_department=Subquery(latest_department.values("department_id")[:1]),
            employee_number=F("person__employee_number"),
        )
        .order_by("person_id")
    )
    return [
        _Person(
            person_id=row["person_id"],
            department_id=row["last_department"],
            employee_number=row["employee_number"] or "",
            graded=row["graded"],
            good=row["good"],
            average=row["average"],
            poor=row["poor"],
            uncertain=row["uncertain"],
            score=Decimal(row["score"]).quantize(Decimal("0.01")) if row["score"] is not None else None,
        )
        for row in aggregated
    ]


def probationers(*, organisation: Organisation, year: int) -> set[int]:
    """People whose probation covers the year's last day (one query)."""
    year_end = date(year, 12, 31)
    return set(
        StaffStatus.objects.filter(
            user__organisation=organisation,
            kind=StaffStatusKind.PROBATION,
            start_date__lte=year_end,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=year_end))
        .values_list("user_id", flat=True)
    )


def _record_reason(p: _Person) -> str:
    """The quarterly record in one sentence: “4个季度中3个“好”，无一般以下等次”."""
    text = _("%(graded)s个季度中%(good)s个“好”") % {"graded": p.graded, "good": p.good}
    below = p.average + p.poor
    if below:
        text += _("，%(count)s个“一般”或“较差”") % {"count": below}
    else:
        text += _("，无一般以下等次")
    if p.uncertain:
        text += _("（另有%(count)s个季度为不确定等次，不计入已评季度）") % {"count": p.uncertain}
    return text


def _suggest_before_quota(
    p: _Person,
    *,
    policy: Policy,
    on_probation: bool,
    vetoes: list[str],
    impact: SanctionImpact | None,
    ballot_reasons: list[str] = (),
) -> None:
    """Rules 1–5 of the module docstring, except the quota (which needs everyone's ranking)."""
    if p.graded:
        p.reasons.append(_record_reason(p))
    for veto in vetoes:
        p.reasons.append(_("存在一票否决事项：%(reason)s") % {"reason": veto})
    if impact is not None:
        p.reasons.append(_("处分影响：%(reason)s") % {"reason": impact.reason})

    if on_probation and not policy.probation_gets_annual_grade:
        p.grade = AnnualGrade.NOT_GRADED
        p.reasons.append(_("试用期人员不确定年度等次"))
        return
    if impact is not None and impact.effect in NOT_GRADED_EFFECTS:
        p.grade = AnnualGrade.NOT_GRADED
        return
    if impact is not None and impact.effect == SanctionEffect.INCOMPETENT:
        p.grade = AnnualGrade.INCOMPETENT
        return
    if p.graded == 0:
        p.grade = AnnualGrade.NOT_GRADED
        p.reasons.append(_("全年没有已评定等次的季度，不确定年度等次"))
        return
    # A 较差 quarter counts towards the threshold as an 一般 does (it is worse, not better).
    if p.average + p.poor >= policy.basic_competent_average_quarters:
        p.grade = AnnualGrade.BASICALLY_COMPETENT
        p.reasons.append(
            _("“一般”及以下季度%(count)s个，达到%(threshold)s个，建议基本称职")
            % {"count": p.average + p.poor, "threshold": policy.basic_competent_average_quarters}
        )
        if p.poor:
            p.reasons.append(_("有%(count)s个季度为“较差”，请委员会审议是否评为更低等次") % {"count": p.poor})
        return
    if ballot_reasons:
        p.grade = AnnualGrade.BASICALLY_COMPETENT
        p.reasons.extend(ballot_reasons)
        return

    p.grade = AnnualGrade.COMPETENT
    blockers = []
    # "More than" half: 2 of 4 is exactly half and does not qualify.
    if p.good * 100 <= p.graded * policy.excellent_min_good_share_percent:
        blockers.append(
            _("“好”的季度未超过已评季度的%(percent)s%%") % {"percent": policy.excellent_min_good_share_percent}
        )
    if policy.excellent_forbids_average_or_below and p.average + p.poor:
        blockers.append(_("有“一般”或“较差”等次"))
    if vetoes:
        blockers.append(_("有一票否决事项"))
    if impact is not None:
        blockers.append(_("受处分影响"))
    if blockers:
        if p.good:
            p.reasons.append(_("不具备优秀资格：%(why)s") % {"why": "；".join(blockers)})
    else:
        p.eligible = True
    if p.poor:
        p.reasons.append(_("有%(count)s个季度为“较差”，请委员会审议是否评为更低等次") % {"count": p.poor})


def _apply_quota(eligible: list[_Person], *, quota: int) -> None:
    """Rank the eligible people and give 优秀 to the first ``quota`` of them (rule 5)."""
    eligible.sort(key=lambda p: p.ranking_key)
    for position, p in enumerate(eligible, start=1):
        p.rank = position
        if position <= quota:
            p.grade = AnnualGrade.EXCELLENT
            p.reasons.append(_("具备优秀资格，排第%(rank)s（名额%(quota)s人）") % {"rank": position, "quota": quota})
        else:
            p.reasons.append(_("超出优秀名额（名额%(quota)s人，排第%(rank)s）") % {"quota": quota, "rank": position})
    # A tie that straddles the quota line is decided only by the employee number: say so.
    if 0 < quota < len(eligible) and eligible[quota - 1].record_key == eligible[quota].record_key:
        line = eligible[quota - 1].record_key
        for p in eligible:
            if p.record_key == line:
                p.reasons.append(_("与名额线上的人员“好”的季度数和平均综合得分相同，按工号排序，请委员会审议"))


def rollup_year(*, organisation: Organisation, year: int) -> AnnualRollupStats:
    """Suggest every person's annual grade from the year's quarters and store it; safe to rerun.

    :func:`rollup_years` for one organisation. Quarters still open are counted as they stand; their
    numbers are returned so the page can warn.
    """
    return rollup_years(organisations=[organisation], year=year)[organisation.pk]


def _exceptions(*, organisation_ids: list[int], year: int, policies: dict[int, Policy]) -> dict:
    """Person id → what the Python rules need for the people a veto flag, a sanction effect, (when
    the policy does not grade probationers) probation or a 民主测评 threshold concerns, in every
    organisation given (a person graded in two organisations brings both: their flags, sanctions
    and ballot reasons together, the heaviest sanction effect): a handful of queries, whatever their
    number. For everyone else the Python rules agree with the SQL of :mod:`.rollup`."""
    ids = sorted(organisation_ids)
    vetoes = active_veto_reasons_of(organisation_ids=ids, year=year)
    impacts = sanction_effects_of(organisation_ids=ids, year=year)
    ballots: dict[tuple[int, int], list[str]] = {}
    # The civil servants' ballots only; a scheme's own (公益性岗位) carry a purpose.
    with_ballots = organisations_with_closed_ballots(organisation_ids=ids, year=year, purpose="")
    for pk in sorted(with_ballots):
        for person_id, reasons in ballot_suggestions(organisation=Organisation(pk=pk), year=year, purpose="").items():
            ballots[(pk, person_id)] = reasons
    ungraded_probation = [pk for pk in ids if not policies[pk].probation_gets_annual_grade]
    on_probation: set[tuple[int, int]] = set()
    if ungraded_probation:
        year_end = date(year, 12, 31)
        on_probation = set(
            StaffStatus.objects.filter(
                user__organisation_id__in=ungraded_probation, kind=StaffStatusKind.PROBATION, start_date__lte=year_end
            )
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=year_end))
            .values_list("user__organisation_id", "user_id")
        )
    merged: dict[int, dict] = {}
    for key in sorted(set(vetoes) | set(impacts) | set(ballots) | on_probation):
        exception = merged.setdefault(
            key[1], {"vetoes": [], "impact": None, "ballot_reasons": [], "on_probation": False}
        )
        exception["vetoes"] += vetoes.get(key, [])
        exception["ballot_reasons"] += ballots.get(key, [])
        exception["on_probation"] = exception["on_probation"] or key in on_probation
        impact = impacts.get(key)
        if impact is not None and (
            exception["impact"] is None or EFFECT_WEIGHT[impact.effect] > EFFECT_WEIGHT[exception["impact"].effect]
        ):
            exception["impact"] = impact
    return merged


def _apply_exceptions(cursor, *, exceptions: dict, policies: dict[int, Policy]) -> None:
    """The Python rules for the exceptional people, written over their rows of the staging table."""
    people = sorted(exceptions)
    updates = []
    for chunk in range(0, len(people), 5000):
        cursor.execute(rollup_sql.exceptional_sql(people[chunk : chunk + 5000]))
        for (
            organisation_id,
            person_id,
            department_id,
            graded,
            good,
            average,
            poor,
            uncertain,
            score,
        ) in cursor.fetchall():
            exception = exceptions.get(person_id)
            if exception is None:
                continue
            p = _Person(
                person_id=person_id,
                department_id=department_id,
                employee_number="",
                graded=graded,
                good=good,
                average=average,
                poor=poor,
                uncertain=uncertain,
                score=Decimal(str(score)).quantize(Decimal("0.01")) if score is not None else None,
            )
            _suggest_before_quota(p, policy=policies[organisation_id], **exception)
            updates.append([organisation_id, person_id, p.grade, p.eligible, p.reasons])
    if updates:
        cursor.execute(rollup_sql.exception_update_sql(), [json.dumps(updates, ensure_ascii=False)])


@transaction.atomic
def rollup_years(*, organisations: list[Organisation], year: int) -> dict[int, AnnualRollupStats]:
    """The year roll-up of many organisations in one pass: organisation id → its figures.

    Set-based (:mod:`.rollup`), the same statements whatever the number of organisations and
    people: one ``CREATE TEMPORARY TABLE … AS SELECT … GROUP BY`` works out everyone's counts,
    suggestion and reasons under their organisation's policy; the few people with a veto flag, a
    sanction, probation or a ballot threshold go through the Python rules; one ``UPDATE`` of the
    temporary table ranks the eligible of each organisation for its 优秀 quota; one upsert writes
    the result rows, skipping those whose suggestion is unchanged, and never touches a committee
    decision (but a former organisation's, taken back: :func:`_undecide_moved`). The run's time is
    kept per organisation (:class:`.models.AnnualRollupRun`). A first run (nobody of the pass has a
    result of the year) inserts without the comparison and ``ON CONFLICT``;
    concurrent passes over the same organisation wait for each other (:data:`.rollup.LOCK_SQL`).

    One person, one result a year: someone graded in two organisations in the year is counted once,
    with every quarter of the year, by the organisation of their latest quarter (:mod:`.rollup`),
    whether it rolls up alone or in a pass with the other; a pass without it leaves that result to
    it. So one pass and one roll-up per organisation, in any order, write the same rows.
    """
    now = timezone.now()
    ids = sorted(organisation.pk for organisation in organisations)
    params = {**rollup_sql.grade_params(), "year": year, "now": connection.ops.adapt_datetimefield_value(now)}
    # Every grade row of the year is in these organisations: no need to find who else was graded here.
    covering = not AppraisalQuarter.objects.filter(year=year).exclude(organisation_id__in=ids).exists()
    stage = rollup_sql.stage_sql(params, ids, covering=covering)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The GROUP BY of a province (105 000 people) spilt to disk in batches under the default
            # 4 MB; for this transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
            cursor.execute(rollup_sql.LOCK_SQL, rollup_sql.lock_params(ids, year))
        cursor.execute(f"DROP TABLE IF EXISTS {rollup_sql.STAGE}")
        # The stage joins everyone to their combination (:data:`.rollup.STAGE_SQL`) on six columns
        # of two CTEs without statistics: PostgreSQL sorted both sides for a merge join where a hash
        # of the few combinations does (stage 0.85 → 0.75 s CPU at 100 000 people, the same rows).
        _hash_joined(cursor, stage, params)
        cursor.execute(rollup_sql.moved_department_sql(), params)
        # Someone whose grade rows are gone has no suggestion any more; a decided row is kept.
        cursor.execute(rollup_sql.stale_sql(ids), params)
        stale = cursor.fetchall()
        elsewhere: list[int] = []
        if not covering:
            cursor.execute(rollup_sql.moved_organisations_sql(ids), params)
            elsewhere = [row[0] for row in cursor.fetchall()]
            cursor.execute(rollup_sql.owned_elsewhere_sql(ids))
        policies = {pk: Policy(organisation_id=pk) for pk in ids + elsewhere}
        policies.update(
            {policy.organisation_id: policy for policy in Policy.objects.filter(organisation_id__in=policies)}
        )
        exceptions = _exceptions(organisation_ids=ids + elsewhere, year=year, policies=policies)
        if exceptions:
            _apply_exceptions(cursor, exceptions=exceptions, policies=policies)
            taken_back = _undecide_barred(
                organisation_ids=ids + elsewhere,
                year=year,
                person_ids=[pk for pk, e in exceptions.items() if e["vetoes"] or e["impact"] is not None],
            )
            if taken_back:
                # The stage forgets them too, so this run's ranking and quota count them undecided.
                cursor.execute(rollup_sql.undecide_sql(taken_back))
        cursor.execute(rollup_sql.moved_decided_sql())
        moved_decided = [row[0] for row in cursor.fetchall()]
        if moved_decided and (undecided := _undecide_moved(result_ids=moved_decided)):
            cursor.execute(rollup_sql.undecide_sql(undecided))
        # The ranked (a quarter of a province: 25 000) go back to their stage rows; without
        # statistics on the stage PostgreSQL sorted all of it for a merge join (0.49 → 0.31 s at
        # 105 000 people, bench/RESULTS.md 12-04 evening).
        _hash_joined(cursor, rollup_sql.rank_sql(params), params)
        cursor.execute(rollup_sql.stats_sql(), params)
        rows = cursor.fetchall()
        figures = {row[0]: row[1:5] for row in rows}
        stored = sum(row[5] or 0 for row in rows)
        # Organisation id → its changed people's ids, comma-separated, for its audit entry.
        listed: dict[int, str] = {}
        if rollup_sql.lists_changed():
            listed = {row[0]: row[6] for row in rows if row[6]}
        elif any(row[3] for row in figures.values()):
            cursor.execute(rollup_sql.changed_sql())
            changed: dict[int, list[int]] = {}
            for organisation_id, person_id in cursor.fetchall():
                changed.setdefault(organisation_id, []).append(person_id)
            listed = {
                pk: ", ".join(str(person_id) for person_id in people)[: rollup_sql.LISTED_CHARACTERS]
                for pk, people in changed.items()
            }
        # A first run (nobody here has a result of the year yet): a plain insert.
        cursor.execute(rollup_sql.upsert_sql() if stored else rollup_sql.fresh_insert_sql(), params)
    if stored:
        _tell_excellent_no_longer_eligible(
            organisation_ids=ids,
            year=year,
            barred=[pk for pk, e in exceptions.items() if e["vetoes"] or e["impact"] is not None],
        )
        _tell_decisions_the_suggestion_left(organisation_ids=ids, year=year)
    AnnualRollupRun.objects.bulk_create(
        [AnnualRollupRun(organisation_id=pk, year=year, computed_at=now) for pk in ids],
        update_conflicts=True,
        unique_fields=["organisation", "year"],
        update_fields=["computed_at"],
    )
    removed: dict[int, int] = {}
    for organisation_id in (organisation_id for _pk, organisation_id in stale):
        removed[organisation_id] = removed.get(organisation_id, 0) + 1
    stale_ids = sorted(pk for pk, _organisation_id in stale)
    with counts.deferred():
        for chunk in range(0, len(stale_ids), 1000):
            # Through the ORM: each deletion is audited like any other.
            AnnualResult.objects.filter(pk__in=stale_ids[chunk : chunk + 1000]).delete()
    # The upsert wrote the results in SQL (no signals): their counters are written again here,
    # each organisation's year in one pass (the same queries whether they existed or not).
    annual_counts.annual_counts_rewrite(organisation_ids=sorted(set(ids + elsewhere)), year=year)
    unapproved: dict[int, list[int]] = {}
    for organisation_id, quarter in (
        AppraisalQuarter.objects.filter(organisation_id__in=ids, year=year)
        .exclude(state=QuarterState.APPROVED)
        .order_by("organisation_id", "quarter")
        .values_list("organisation_id", "quarter")
    ):
        unapproved.setdefault(organisation_id, []).append(quarter)

    results = {}
    entries = []
    # A year already 定等 ranks under the share it was decided under (as the rank statement does).
    percents = year_quota_percents(year=year, policies={o.pk: policies[o.pk] for o in organisations})
    for organisation in sorted(organisations, key=lambda organisation: organisation.pk):
        people, graded_people, eligible, changed_count = figures.get(organisation.pk, (0, 0, 0, 0))
        people, graded_people, eligible = int(people), int(graded_people or 0), int(eligible or 0)
        quota = good_quota(participants=graded_people, percent=percents[organisation.pk])
        people_listed = listed.get(organisation.pk, "")
        if people_listed or removed.get(organisation.pk):
            # The run's record of what its upsert changed (it sends no signals): whose suggestion
            # (person ids, as the veto reconciliation records its flags; the grades are appraisal
            # content, read on the committee page, not in the auditor's trail).
            changes = {
                "year": year,
                "suggestions_changed": int(changed_count or 0),
                "suggestions_removed": removed.get(organisation.pk, 0),
                "people": people_listed,
            }
            entries.append(
                event_entry(
                    **jobs.run_changes_event(organisation=organisation, label=_("年度建议等次计算"), changes=changes)
                )
            )
        results[organisation.pk] = AnnualRollupStats(
            people=people,
            graded_people=graded_people,
            excellent_quota=quota,
            eligible=eligible,
            excellent_suggested=min(quota, eligible),
            unapproved_quarters=unapproved.get(organisation.pk, []),
            computed_at=now,
        )
    record_events(entries)
    return results


def _hash_joined(cursor, sql: str, params: dict) -> None:
    """Execute ``sql`` with merge joins off (PostgreSQL; for this statement only): the temporary
    stage has no statistics, and the planner's guess sorted all of it to join a part of it."""
    if connection.vendor != "postgresql":
        cursor.execute(sql, params)
        return
    cursor.execute("SET LOCAL enable_mergejoin = off")
    cursor.execute(sql, params)
    cursor.execute("RESET enable_mergejoin")


def _take_back(result: AnnualResult) -> None:
    """Clear the committee's decision of ``result`` through the ORM (audited with its old values,
    under the caller's ``audit_reason``)."""
    result.decided_grade, result.decision_reason = "", ""
    result.decided_by, result.decided_at = None, None
    result.save(update_fields=["decided_grade", "decision_reason", "decided_by", "decided_at"])


def _undecide_moved(*, result_ids: list[int]) -> list[int]:
    """Someone's year moves to the organisation that graded them last (谁管理谁认定): a decision
    of the former organisation's committee no longer stands, and the new committee decides. Each
    decision is taken back through the ORM, audited with its old values and the reason; a result
    already published and locked keeps its decision."""
    moved = list(
        AnnualResult.objects.filter(pk__in=result_ids, locked_at__isnull=True).exclude(decided_grade="").order_by("pk")
    )
    with audit_reason(_("人员已调入其他单位，原单位确定的年度等次不再适用，由现单位确定")):
        for result in moved:
            _take_back(result)
    return [result.pk for result in moved]


# Who reads which annual results stand on a publication, and whether a year's 优秀 list has been
# posted (publicity, a layer above, registers its readers at start-up: :func:`register_published_reader`);
# a result on one keeps its decision, and nobody joins a posted list but through its review (复核).
_published_readers: Hooks[Callable[[list[int]], set[int]]] = Hooks()
_regrading_readers: Hooks[Callable[[list[int]], set[int]]] = Hooks()
_list_posted_readers: Hooks[Callable[[int, int], bool]] = Hooks()
_year_closed_readers: Hooks[Callable[[int, int], str]] = Hooks()


def register_published_reader(
    reader: Callable[[list[int]], set[int]],
    *,
    list_posted: Callable[[int, int], bool],
    regrading: Callable[[list[int]], set[int]],
    year_closed: Callable[[int, int], str],
) -> None:
    """``reader(result_ids)`` → those of the ids standing on a publication (published or locked);
    ``regrading(result_ids)`` → those whose line an upheld objection sent back to the committee
    (off the list until decided again); ``list_posted(organisation_id, year)`` → whether the
    year's 优秀 list has been posted; ``year_closed(organisation_id, year)`` → the reason the
    year's close (:func:`~evaluations.annual.locking.annual_year_close`) recorded, "" before it."""
    _published_readers.register(reader)
    _regrading_readers.register(regrading)
    _list_posted_readers.register(list_posted)
    _year_closed_readers.register(year_closed)


# Who follows a line sent back and decided again (publicity: a line decided other than 优秀 leaves
# the list at once), told of the results' ids after the decisions are saved:
# ``follower(result_ids)``, results whose line an upheld objection had sent back to the committee,
# just decided again (:func:`annual_decide`, :func:`annual_adopt_suggestions`).
_decided_again_followers: Hooks[Callable[[list[int]], None]] = Hooks()
register_decided_again_follower = _decided_again_followers.register


def _decided_again(result_ids: list[int]) -> None:
    if result_ids:
        _decided_again_followers.run(sorted(result_ids))


def _read(readers: Hooks[Callable[[list[int]], set[int]]], result_ids: list[int]) -> set[int]:
    return readers.union(result_ids) if result_ids else set()


def _published(result_ids: list[int]) -> set[int]:
    return _read(_published_readers, result_ids)


def _list_posted(*, organisation_id: int, year: int) -> bool:
    return bool(_list_posted_readers.first(organisation_id, year, default=False))


def _year_closed(*, organisation_id: int, year: int) -> str:
    return _year_closed_readers.first(organisation_id, year, default="")


def _lock_if_year_closed(*, organisation_id: int, year: int, result_ids: list[int]) -> None:
    """Results decided after the year's close are locked as the close locked the year's others
    (the close runs once, when the 优秀 list is wholly locked): through the same lock, each row
    audited with the close's reason, so from then on only the recorded review (复核) changes them."""
    if result_ids and (source := _year_closed(organisation_id=organisation_id, year=year)):
        annual_results_lock(result_ids=result_ids, source=source)


def decision_closed(result: AnnualResult) -> str:
    """Why the committee can no longer change ``result`` on its decision page ("" when it can): locked
    by the publication's 定等, or standing on the posted 优秀 list (the list would no longer say what
    was decided; a change goes through HR's review, 复核)."""
    if result.locked_at is not None:
        return str(_("该年度结果已公示定等，不能再修改；如需更改，请由人事部门通过复核办理。"))
    if _published([result.pk]):
        # On show: the review comes after the list's 定等 (the review page says so too; a user test
        # went from each page to the other and back, each pointing at the other).
        return str(
            _(
                "%(name)s已列入%(year)s年度优秀公示名单，等次不能在此更改；公示期满定等后，如需更改，请由人事部门通过复核办理。"
                "公示期内可对其提出异议，人事部门受理后可退回考核委员会重新确定。"
            )
            % {"name": result.person.get_full_name(), "year": result.year}
        )
    return ""


def posted_of(result_ids: list[int]) -> set[int]:
    """Of ``result_ids``, those standing on a posted 优秀 list (published or locked): the committee's
    list marks them, as :func:`decision_closed` refuses them (a constant number of queries)."""
    return _published(result_ids)


def grade_fixed(result: AnnualResult) -> tuple[str, str] | None:
    """The one annual grade the rules leave ``result``'s person, and why (None when the committee
    may choose): a probationer whose probation covers 31 December is not graded (DOMAIN.md §7,
    unless the policy grades them), nor is a person under a sanction or 立案审查 with that effect;
    one whose sanction makes the year 不称职 is 不称职. A user test decided a probationer 称职,
    the suggestion's 不定等次 overruled with a reason; the rule is not the committee's to set aside
    (a probation that ended is corrected on the person's special status)."""
    policy = policy_for_organisation(organisation_id=result.organisation_id)
    year_end = date(result.year, 12, 31)
    on_probation = StaffStatus.objects.filter(
        Q(end_date__isnull=True) | Q(end_date__gte=year_end),
        user_id=result.person_id,
        kind=StaffStatusKind.PROBATION,
        start_date__lte=year_end,
    )
    # The one person's statuses, not the organisation's probationers (probationers(), for the roll-up).
    if not policy.probation_gets_annual_grade and on_probation.exists():
        return AnnualGrade.NOT_GRADED, str(
            _("试用期人员不确定年度等次：其试用期覆盖%(year)s年12月31日（如试用期已满，请先更正人员的特殊状态）。")
            % {"year": result.year}
        )
    impact = _sanction_effect(result)
    if impact is not None and impact.effect in NOT_GRADED_EFFECTS:
        return AnnualGrade.NOT_GRADED, str(_("%(reason)s：当年不确定等次。") % {"reason": impact.reason})
    if impact is not None and impact.effect == SanctionEffect.INCOMPETENT:
        return AnnualGrade.INCOMPETENT, str(_("%(reason)s：当年确定为不称职。") % {"reason": impact.reason})
    return None


def decisions_against_the_rules(*, organisation_id: int, year: int) -> list[tuple[AnnualResult, str]]:
    """The year's decided results not yet locked whose grade the rules now forbid (:func:`grade_fixed`,
    for everyone at once): a sanction or 立案审查 recorded after the committee decided, that makes
    the year 不定等次 or 不称职, or a probation covering 31 December. Each with the rule's words.
    The year's close leaves them open for the committee (:func:`annual_year_close_by_the_rules`);
    a user test's 记过 recorded after 采用全部建议 was locked as 称职. Four queries at most."""
    organisation = Organisation.objects.get(pk=organisation_id)
    policy = policy_for_organisation(organisation_id=organisation_id)
    fixed: dict[int, tuple[str, str]] = {}
    if not policy.probation_gets_annual_grade:
        for person_id in probationers(organisation=organisation, year=year):
            fixed[person_id] = (AnnualGrade.NOT_GRADED, _("试用期覆盖%(year)s年12月31日") % {"year": year})
    for person_id, impact in sanction_effects(organisation=organisation, year=year).items():
        if impact.effect in NOT_GRADED_EFFECTS:
            fixed[person_id] = (AnnualGrade.NOT_GRADED, impact.reason)
        elif impact.effect == SanctionEffect.INCOMPETENT:
            fixed[person_id] = (AnnualGrade.INCOMPETENT, impact.reason)
    if not fixed:
        return []
    rows = (
        AnnualResult.objects.filter(organisation_id=organisation_id, year=year, locked_at__isnull=True)
        .exclude(decided_grade="")
        .filter(person_id__in=list(fixed))
        .select_related("person")
        .order_by("pk")
    )
    return [(row, fixed[row.person_id][1]) for row in rows if row.decided_grade != fixed[row.person_id][0]]


def deviations_without_reason(*, organisation_id: int, year: int) -> list[AnnualResult]:
    """The year's decided results not yet locked that stand against their suggestion with no reason
    (the suggestion changed after the decision: another's veto re-ranked the year, a ballot closed):
    定等's question names them, so the committee gives the reason first (DOMAIN.md §7; a user test
    locked 称职 beside a suggested 优秀 with no word). One query."""
    return list(
        AnnualResult.objects.filter(organisation_id=organisation_id, year=year, locked_at__isnull=True)
        .filter(decision_reason="")
        .exclude(decided_grade="")
        .exclude(suggested_grade="")
        .exclude(suggested_grade=F("decided_grade"))
        .select_related("person")
        .order_by("pk")
    )


def annual_year_close_by_the_rules(*, organisation_id: int, year: int, source: str = "") -> int:
    """The year's close (:func:`~evaluations.annual.locking.annual_year_close`) but for the decisions
    the rules now forbid (:func:`decisions_against_the_rules`): those stay open, the agency head and
    HR are told to decide them again (the committee's decision then locks them, as any decided after
    the close). Returns how many were locked."""
    # Its reasons are the notices' words: in the site's language, whoever's 定等 closed the year (a review).
    with in_site_language():
        against = decisions_against_the_rules(organisation_id=organisation_id, year=year)
    locked = annual_year_close(
        organisation_id=organisation_id, year=year, source=source, exclude=[row.pk for row, _why in against]
    )
    recipients: dict[tuple[int, tuple], list[User]] = {}
    with in_site_language():
        for row, why in against:
            message = _(
                "%%(name)s的%%(year)s年度确定的“%(grade)s”与规定不符（%(why)s），未随年度定等锁定，请考核委员会重新确定。"
            ) % {"grade": row.get_decided_grade_display(), "why": why}
            _tell(
                recipients,
                row=row,
                roles=(Role.AGENCY_HEAD, Role.HR_ADMIN),
                message=message,
                dedupe_key=f"annual-against-rules-{row.pk}-{row.decided_grade}",
            )
    return locked


def _sanction_effect(result: AnnualResult):
    """The heaviest effect of the person's sanctions on the year, None when none: read for the one
    person (it was read for everyone of the organisation, twice for each decision page)."""
    effects = sanction_effects(organisation=result.organisation, year=result.year, person_id=result.person_id)
    return effects.get(result.person_id)


def excellent_barred(result: AnnualResult) -> str:
    """Why ``result``'s person cannot be decided 优秀 ("" when they can): an active veto flag or a
    sanction effect (lifted elsewhere, not overruled here), or the year's 优秀 list already posted
    (a name added afterwards would never have been public)."""
    if why := _excellent_vetoed(result):
        return why
    if _list_posted(organisation_id=result.organisation_id, year=result.year) and not _read(
        _regrading_readers, [result.pk]
    ):
        return str(_("%(year)s年度优秀名单已公示，不能再增加优秀人选。") % {"year": result.year})
    return ""


def _excellent_vetoed(result: AnnualResult) -> str:
    if has_active_veto(person_id=result.person_id, year=result.year):
        return str(_("存在未解除的一票否决事项，不得评为优秀。"))
    if _sanction_effect(result) is not None:
        return str(_("受处分或立案审查影响，当年不得评为优秀。"))
    return ""


def review_excellent_barred(result: AnnualResult) -> str:
    """Why HR's review (复核) of a locked result cannot make it 优秀 ("" when it can): as for the
    committee, a veto or a sanction; and a person who never stood on the posted 优秀 list (a user
    test made two people 优秀 by review after the list was locked: over the quota, never eligible,
    never public). One who stood on it may be given it back."""
    if why := _excellent_vetoed(result):
        return why
    if not _published([result.pk]):
        return str(
            _("%(name)s未列入%(year)s年度优秀公示名单：优秀须经考核委员会确定并公示，定等后的复核不能改为优秀。")
            % {"name": result.person.get_full_name(), "year": result.year}
        )
    return ""


@transaction.atomic
def annual_reopen_for_decision(*, result: AnnualResult, actor: User, reason: str) -> AnnualResult:
    """An objection to a posted 优秀 upheld (publicity's 退回委员会重新确定, HR's step): the
    committee's decision is taken back, audited with the reason, and the committee is told to decide
    again. The line stays off the list until then, and goes back on it only if the decision is
    优秀 again (publicity re-publishes it for a window of its own)."""
    locked = AnnualResult.objects.select_for_update(of=("self",)).select_related("person").get(pk=result.pk)
    if locked.locked_at is not None:
        raise ValidationError(_("该年度结果已公示定等，不能再退回。"))
    if not locked.decided_grade:
        raise ValidationError(_("该年度等次尚未确定。"))
    with audit_reason(reason.strip()):
        _take_back(locked)
    url = reverse("evaluations:annual_decide", args=[locked.year, locked.pk])
    with in_site_language():
        message = _("%(name)s的%(year)s年度“优秀”因公示期内的异议退回委员会重新确定，理由：%(reason)s") % {
            "name": locked.person.get_full_name(),
            "year": locked.year,
            "reason": reason.strip(),
        }
        for head in role_holders(organisation_id=locked.organisation_id, roles={Role.AGENCY_HEAD}):
            notify(recipient=head, message=message, url=url)
    return locked


def _undecide_barred(*, organisation_ids: list[int], year: int, person_ids: list[int]) -> list[int]:
    """A veto flag raised or a sanction recorded after the committee decided someone 优秀: that
    decision no longer stands (annual_decide refuses it now), so it is taken back through the ORM,
    audited with its old value and the reason, and the committee and HR are told to decide again;
    returns the ids taken back (the caller's stage forgets their decision too). A result already
    published (or locked) keeps its decision — the posted list and its lock rely on it — and HR is
    told to review it (复核). Each is told once per decision and case."""
    if not person_ids:
        return []
    barred = list(
        AnnualResult.objects.filter(
            organisation_id__in=organisation_ids,
            year=year,
            person_id__in=person_ids,
            decided_grade=AnnualGrade.EXCELLENT,
        )
        .select_related("person")
        .order_by("pk")
    )
    published = _published([result.pk for result in barred])
    taken_back: list[int] = []
    recipients: dict[tuple[int, tuple], list[User]] = {}  # read once per organisation and roles
    with (
        audit_reason(_("存在一票否决事项或处分影响，不得评为优秀，原确定的“优秀”撤回，请委员会重新确定")),
        counts.deferred(),
    ):
        for result in barred:
            case = f"{result.pk}-{result.decided_at.timestamp() if result.decided_at else 0:.0f}"
            with in_site_language():
                if result.locked_at is None and result.pk not in published:
                    _take_back(result)
                    taken_back.append(result.pk)
                    message = _("%(name)s的%(year)s年度“优秀”因一票否决事项或处分影响已撤回，请委员会重新确定等次。")
                    roles = (Role.AGENCY_HEAD, Role.HR_ADMIN)
                    case = f"withdrawn-{case}"
                else:
                    message = _("%(name)s的%(year)s年度“优秀”已公示或定等，但存在一票否决事项或处分影响，请复核。")
                    roles = (Role.HR_ADMIN,)
                    case = f"review-{case}"
                # A kept decision stays barred on every later run: told once per decision and case.
                _tell(recipients, row=result, roles=roles, message=message, dedupe_key=f"annual-barred-{case}")
    return taken_back


def _tell(recipients: dict, *, row: AnnualResult, roles: tuple, message: str, dedupe_key: str) -> None:
    """Tell the holders of ``roles`` in ``row``'s organisation (read once per organisation and
    roles, kept in ``recipients``) ``message`` of its person's year, linking the year's list."""
    key = (row.organisation_id, roles)
    if key not in recipients:
        recipients[key] = role_holders(organisation_id=row.organisation_id, roles=roles)
    for recipient in recipients[key]:
        notify(
            recipient=recipient,
            message=message % {"name": row.person.get_full_name(), "year": row.year},
            url=reverse("evaluations:annual", args=[row.year]),
            dedupe_key=dedupe_key,
        )


def _tell_excellent_no_longer_eligible(*, organisation_ids: list[int], year: int, barred: list[int]) -> None:
    """A 优秀 the committee decided on the suggestion (no deviation's reason) whose quarters have
    changed since, so that the person no longer qualifies (a quarter regraded on an objection): the
    decision stands — the committee may keep it with a reason — but the agency head and HR are told
    to look again, or HR, once the 优秀 list is posted, to review it (复核). A user test's regrade
    left a posted 优秀 ineligible, locked with nobody told. Told once per decision; the vetoed are
    told by :func:`_undecide_barred`."""
    rows = AnnualResult.objects.filter(
        organisation_id__in=organisation_ids,
        year=year,
        decided_grade=AnnualGrade.EXCELLENT,
        eligible_excellent=False,
        decision_reason="",
    ).exclude(person_id__in=barred)
    _tell_of_decisions(
        rows,
        message=_("%(name)s的%(year)s年度“优秀”确定后季度等次有变，已不具备优秀资格，请委员会重新确定或说明理由。"),
        review_message=_("%(name)s的%(year)s年度“优秀”已公示或定等，但其季度等次有变，已不具备优秀资格，请复核。"),
        key=lambda row, stamp: f"annual-ineligible-{row.pk}-{stamp:.0f}",
    )


def _tell_decisions_the_suggestion_left(*, organisation_ids: list[int], year: int) -> None:
    """A grade other than 优秀 the committee decided on the suggestion (no deviation's reason)
    whose suggestion has changed since — a 民主测评 closed after the decision, a quarter regraded —
    now stands against it with no reason, which every other deviation carries (DOMAIN.md §7): the
    decision stands, but the agency head and HR are told to decide again or give the reason, or
    HR, once posted or locked, to review it (复核). Told once per decision and suggestion. A user
    test closed a ballot after 采用全部建议 and two 称职 turned into unexplained deviations. (A
    decided 优秀 is :func:`_tell_excellent_no_longer_eligible`'s.)"""
    rows = (
        AnnualResult.objects.filter(organisation_id__in=organisation_ids, year=year, decision_reason="")
        .exclude(decided_grade__in=["", AnnualGrade.EXCELLENT])
        .exclude(suggested_grade="")
        .exclude(suggested_grade=F("decided_grade"))
    )
    _tell_of_decisions(
        rows,
        message=_("%(name)s的%(year)s年度等次确定后建议等次有变，已与确定的等次不一致，请委员会重新确定或说明理由。"),
        review_message=_("%(name)s的%(year)s年度等次已公示或定等，但其建议等次有变，已与确定的等次不一致，请复核。"),
        key=lambda row, stamp: f"annual-off-suggestion-{row.pk}-{stamp:.0f}-{row.suggested_grade}",
    )


def _tell_of_decisions(rows: QuerySet[AnnualResult], *, message: str, review_message: str, key) -> None:
    """Tell of each decided result of ``rows``: the agency head and HR with ``message`` while it is
    neither posted nor locked (they may decide again), else HR alone with ``review_message`` (复核);
    once per ``key(row, decided_at's timestamp)``."""
    rows = list(rows.select_related("person").order_by("pk"))
    if not rows:
        return
    published = _published([row.pk for row in rows])
    recipients: dict[tuple[int, tuple], list[User]] = {}
    for row in rows:
        still_open = row.locked_at is None and row.pk not in published
        roles = (Role.AGENCY_HEAD, Role.HR_ADMIN) if still_open else (Role.HR_ADMIN,)
        stamp = row.decided_at.timestamp() if row.decided_at else 0
        text = message if still_open else review_message
        _tell(recipients, row=row, roles=roles, message=text, dedupe_key=key(row, stamp))


# --- The recorded review (复核) of a locked result --------------------------------------------------


def _annual_label(value: str) -> str:
    return str(AnnualGrade(value).label) if value in AnnualGrade.values else "—"


@transaction.atomic
def annual_review_after_lock(*, result: AnnualResult, actor: User, new_grade: str, reason: str) -> AnnualReview:
    """The recorded review (复核) of a locked annual result, the only change it accepts.

    HR records who, why, and old → new: the result's decided grade changes with the reason in the
    audit trail, the review is kept (the person's history lists it), and the person is told. The
    committee's decision (``annual_decide``) keeps refusing a locked result.
    """
    row = AnnualResult.objects.select_for_update(of=("self",)).select_related("person").get(pk=result.pk)
    reason = review_after_lock_check(
        row=row,
        actor=actor,
        perm="evaluations.review_locked_annual",
        grades=AnnualGrade.values,
        current=row.decided_grade,
        new_grade=new_grade,
        reason=reason,
        review_model=AnnualReview,
        refusals={"not_locked": _("该年度结果尚未定等，不需要复核。"), "invalid": _("请选择有效的年度等次。")},
    )
    # The committee's rules hold for the review too: no 优秀 for one never on the posted list
    # (services.review_excellent_barred), no grade the rules leave nobody to choose (a probationer,
    # a sanction's 不定等次 or 不称职).
    if new_grade == AnnualGrade.EXCELLENT and (barred := review_excellent_barred(row)):
        raise ValidationError({"new_grade": barred})
    if (fixed := grade_fixed(row)) is not None and new_grade != fixed[0]:
        raise ValidationError({"new_grade": fixed[1]})
    old = row.decided_grade
    now = periods.now()
    row.decided_grade = new_grade
    row.decision_reason = reason[: AnnualResult._meta.get_field("decision_reason").max_length]
    row.decided_by = actor
    row.decided_at = now
    with audit_reason(reason):
        row.save(update_fields=["decided_grade", "decision_reason", "decided_by", "decided_at"])
    review = AnnualReview.objects.create(
        annual_result=row, old_grade=old, new_grade=new_grade, reason=reason, reviewed_by=actor, reviewed_at=now
    )
    record_event(
        event="annual_reviewed_after_lock",
        obj=row,
        actor=actor,
        detail={"old": _annual_label(old), "new": _annual_label(new_grade), "reason": reason},
        organisation_id=row.organisation_id,
    )
    with in_site_language():
        notify(
            recipient=row.person,
            message=_("您的%(year)s年度考核等次经复核由“%(old)s”改为“%(new)s”，理由：%(reason)s")
            % {"year": row.year, "old": _annual_label(old), "new": _annual_label(new_grade), "reason": reason},
            url=reverse("evaluations:my_history"),
        )
    return review


# --- The roll-up as a background job ------------------------------------------------------------


def rollup_year_job_request(*, organisation: Organisation, year: int, actor: User) -> Job:
    """重新计算: ask for the year's roll-up as a background job (about 2 s for a province of 105 000),
    run once the caller's transaction commits; a broker outage leaves it pending for the sweeper."""
    if actor.organisation_id != organisation.pk or not actor.has_perm("evaluations.run_annual_rollup"):
        raise PermissionDenied(_("只有本单位人事干部或单位负责人可以重新计算年度建议等次。"))
    return jobs.job_request(kind=ROLLUP_YEAR, organisation=organisation, params={"year": year}, requested_by=actor)


def rollup_year_message(summary: dict) -> str:
    """What a finished year roll-up says to the person who asked for it."""
    return _("已重新计算%(people)s人的建议等次：优秀名额%(quota)s人，建议优秀%(excellent)s人。") % {
        "people": summary["people"],
        "quota": summary["excellent_quota"],
        "excellent": summary["excellent_suggested"],
    }


@jobs.kind(
    ROLLUP_YEAR,
    gettext_lazy("年度建议等次计算"),
    "evaluations.run_annual_rollup",
    ("evaluations:annual", "year"),
    rollup_year_message,
)
def run_rollup_year_job(job: Job, report: jobs.Report) -> dict:
    """The year roll-up job's runner: :func:`rollup_year` for the organisation and year of the job."""
    report(5, _("正在计算建议等次……"))
    stats = rollup_year(organisation=job.organisation, year=int(job.params["year"]))
    summary = {
        "year": int(job.params["year"]),
        "people": stats.people,
        "excellent_quota": stats.excellent_quota,
        "excellent_suggested": stats.excellent_suggested,
    }
    report(100, rollup_year_message(summary))
    return summary


# --- Freshness: suggestions never older than their inputs ---------------------------------------


@dataclass(frozen=True)
class Freshness:
    """When the year's suggestions were computed and when their inputs last changed."""

    computed_at: datetime | None
    inputs_changed_at: datetime | None

    @property
    def stale(self) -> bool:
        if self.computed_at is None:
            return self.inputs_changed_at is not None
        return self.inputs_changed_at is not None and self.inputs_changed_at > self.computed_at


def suggestions_freshness(*, organisation: Organisation, year: int) -> Freshness:
    """Compare the year's last computation with its inputs' last change: a quarter approved, a
    grade of an approved quarter changed (regraded after an objection, reviewed after 定等), a
    serious finding, a sanction, a veto flag raised or lifted, a 民主测评 ballot closed, the latest
    recomputation asked for (a special status recorded). Each of those asks for a recomputation as
    a job when it commits; until that job has run, the suggestions are stale. Six queries,
    whatever the number of people."""
    # The last run (AnnualRollupRun; the former evaluations 0026 gave one to the years computed before runs
    # were kept): one row found through its unique index.
    computed = (
        AnnualRollupRun.objects.filter(organisation=organisation, year=year)
        .values_list("computed_at", flat=True)
        .first()
    )
    quarters = AppraisalQuarter.objects.filter(organisation=organisation, year=year).aggregate(
        approved=Max("approved_at"), regraded=Max("results_changed_at")
    )
    discipline = latest_input_change(organisation=organisation, year=year)
    # The civil servants' ballots (a scheme's own carry a purpose), as the roll-up reads them.
    ballots = last_closed(organisation=organisation, year=year, purpose="")
    # The latest recomputation asked for (a special status saved, any of the above): the inputs
    # changed then. Whatever its state: one that ran is older than the computation it made, one
    # that failed or still waits leaves the suggestions stale (a request joining a job still
    # waiting moves its time, accounts.jobs.job_request_once).
    asked = Job.objects.filter(kind=ROLLUP_YEAR, organisation=organisation, params={"year": year}).aggregate(
        last=Max("created_at")
    )["last"]
    moments = (*quarters.values(), discipline, ballots, asked)
    changed = max((m for m in moments if m is not None), default=None)
    return Freshness(computed_at=computed, inputs_changed_at=changed)


def _check_fresh(*, organisation: Organisation, year: int) -> None:
    freshness = suggestions_freshness(organisation=organisation, year=year)
    if freshness.stale:
        raise ValidationError(
            _(
                "建议等次计算于%(computed)s，此后考核依据已有变化（%(changed)s：季度审批、等次重评或复核、检查发现、处分、立案审查或试用期、一票否决或民主测评）。"
                "请等待后台重新计算完成，或点击“重新计算”后再确定等次。"
            )
            % {
                "computed": timezone.localtime(freshness.computed_at).strftime("%Y-%m-%d %H:%M")
                if freshness.computed_at
                else _("尚未计算"),
                "changed": timezone.localtime(freshness.inputs_changed_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="stale",
        )


def _check_year_complete(*, organisation: Organisation, year: int, person_ids) -> None:
    """The year-end grade is drawn from the year's quarters (DOMAIN §7): none is decided while one of
    them is still to be graded, approved or regraded, the organisation's own
    (:func:`.selectors.quarters_outstanding`) and, for ``person_ids``, those of an organisation they
    were appraised in before moving here (:func:`.selectors.people_with_open_quarters_elsewhere`)."""
    if outstanding := selectors.quarters_outstanding(organisation=organisation, year=year):
        raise ValidationError(
            _("%(quarters)s尚未审批或有等次正在重评：全年各季度考核结果审批后，才能确定年度等次。")
            % {"quarters": join_list(Quarter(year, quarter).label for quarter in outstanding)},
            code="year_incomplete",
        )
    if names := selectors.people_with_open_quarters_elsewhere(
        organisation=organisation, year=year, person_ids=person_ids
    ):
        raise ValidationError(
            _("%(names)s在原单位的%(year)s年季度考核结果尚未审批或正在重评，审批后才能确定其年度等次。")
            % {"names": join_list(names, limit=5), "year": year},
            code="year_incomplete_elsewhere",
        )


# --- Quota status and the committee's decisions -------------------------------------------------


@dataclass(frozen=True)
class ExcellentStatus:
    graded_people: int
    quota: int
    used: int
    # Everyone with a result of the year (0 where not read): graded_people and those 不确定等次.
    people: int = 0
    # The 优秀 share the quota is of: a decided year's as it was when decided (year_quota_percent).
    percent: int = 0

    @property
    def not_graded(self) -> int:
        """Results outside the quota's base (不确定等次), so the page can say why two counts differ."""
        return max(self.people - self.graded_people, 0)

    @property
    def remaining(self) -> int:
        return max(self.quota - self.used, 0)

    @property
    def figures(self) -> dict[str, int]:
        """The quota's figures as the refusals quote them (quota, graded, percent, used)."""
        return {"quota": self.quota, "graded": self.graded_people, "percent": self.percent, "used": self.used}

    @property
    def over(self) -> int:
        """优秀 decided or suggested beyond the quota (the share lowered after the decisions)."""
        return max(self.used - self.quota, 0)


def excellent_status(*, organisation: Organisation, year: int, policy: Policy | None = None) -> ExcellentStatus:
    """People given a grade, the 优秀 quota, and 优秀 decided-or-suggested, from the year's counters
    (:mod:`.counts`, one query of a row per department): what the pages show."""
    totals = annual_counts.year_counts(organisation_id=organisation.pk, year=year)
    status = _excellent_status(
        graded=totals["graded"], excellent=totals["excellent"], organisation=organisation, year=year, policy=policy
    )
    return replace(status, people=totals["total"])


def year_quota_percent(*, organisation: Organisation, year: int, policy: Policy | None = None) -> int:
    """The 优秀 share of ``year``: today's policy, or, once the year's 优秀 list is published or its
    results are 定等 (locked), the share kept on the year then (``AnnualRollupRun.excellent_quota_percent``,
    ``locking.keep_the_share``): a change
    of the policy applies to the years not yet decided (as the policy page says), so a decided
    year's page, workbook and committee check keep the quota it was decided under. One query."""
    policy = policy or policy_for_organisation(organisation_id=organisation.pk)
    return year_quota_percents(year=year, policies={organisation.pk: policy})[organisation.pk]


def year_quota_percents(*, year: int, policies: dict[int, Policy]) -> dict[int, int]:
    """:func:`year_quota_percent` of each organisation of ``policies`` (organisation id → its policy)
    in one query: the dashboards and the bureau's figures of many organisations."""
    kept = dict(
        AnnualRollupRun.objects.filter(
            organisation_id__in=list(policies), year=year, excellent_quota_percent__isnull=False
        ).values_list("organisation_id", "excellent_quota_percent")
    )
    return {pk: kept.get(pk, policy.excellent_quota_percent) for pk, policy in policies.items()}


def _excellent_status(
    *, graded: int, excellent: int, organisation: Organisation, year: int, policy: Policy | None
) -> ExcellentStatus:
    percent = year_quota_percent(organisation=organisation, year=year, policy=policy)
    return ExcellentStatus(
        graded_people=graded,
        quota=good_quota(participants=graded, percent=percent),
        used=excellent,
        percent=percent,
    )


def excellent_status_counted(*, organisation: Organisation, year: int) -> ExcellentStatus:
    """:func:`excellent_status` counted from the results themselves (one aggregate over the year's
    results): what a decision checks, under the year's lock."""
    totals = (
        AnnualResult.objects.filter(organisation=organisation, year=year)
        .annotate(final=final_grade_expression())
        .aggregate(**{name: annual_counts.ANNUAL_COUNTS[name] for name in ("graded", "excellent")})
    )
    return _excellent_status(
        graded=totals["graded"], excellent=totals["excellent"], organisation=organisation, year=year, policy=None
    )


def undecided_count(*, organisation: Organisation, year: int) -> int:
    """The year's results without the committee's decision, from the year's counters."""
    return annual_counts.year_counts(organisation_id=organisation.pk, year=year)["undecided"]


def _check_committee(*, actor: User, organisation_id: int) -> None:
    if not actor.has_perm("evaluations.decide_annual") or actor.organisation_id != organisation_id:
        raise PermissionDenied(_("只有本单位考核委员会（主要负责人）可以确定年度等次。"))


def _lock_year(*, organisation_id: int, year: int) -> None:
    """Lock the organisation's rows of the year, so two decisions cannot both take the last 优秀."""
    list(
        AnnualResult.objects.select_for_update(of=("self",))
        .filter(organisation_id=organisation_id, year=year)
        .values_list("pk", flat=True)
    )


def _check_quota_after(*, organisation: Organisation, year: int) -> None:
    status = excellent_status_counted(organisation=organisation, year=year)
    if status.over:
        raise ValidationError(
            _(
                "优秀名额已满：名额%(quota)s人（确定等次的%(graded)s人的%(percent)s%%，向下取整），"
                "这样确定后评为或建议为优秀的将有%(used)s人。"
            )
            % status.figures
        )


def decision_token(result: AnnualResult) -> str:
    """What the decision page showed of the stored decision (its time; empty for none), sent back
    with the form so a decision taken meanwhile in another tab is not overwritten unseen."""
    return result.decided_at.isoformat() if result.decided_at else ""


@transaction.atomic
def annual_decide(
    *, result: AnnualResult, actor: User, grade: str, reason: str, seen: str | None = None
) -> AnnualResult:
    """The committee decides one person's annual grade.

    Refused while a quarter of the year is not approved (:func:`_check_year_complete`) and while
    the suggestions are older than their inputs (:func:`suggestions_freshness`).
    A decision that differs from the suggestion needs a reason; 优秀 is refused beyond the quota
    (counting every 优秀 decided or, where undecided, suggested) and where :func:`excellent_barred`
    says why; nothing changes once :func:`decision_closed` says why. The change is audited with
    the reason. A result decided after the year's close is locked with the decision
    (:func:`_lock_if_year_closed`).
    """
    _check_committee(actor=actor, organisation_id=result.organisation_id)
    if result.person_id == actor.pk:
        # 谁管理谁认定: nobody decides their own year (a review's agency head, appraised in a
        # department too, decided their own 优秀 against a 称职 suggestion; HR's review recuses alike).
        raise ValidationError(_("本人的年度等次不能由本人确定，请由考核委员会其他成员或上级确定。"))
    _check_year_complete(organisation=result.organisation, year=result.year, person_ids=[result.person_id])
    _check_fresh(organisation=result.organisation, year=result.year)
    if grade not in AnnualGrade.values:
        raise ValidationError({"grade": _("请选择有效的年度等次。")})
    _lock_year(organisation_id=result.organisation_id, year=result.year)
    locked = AnnualResult.objects.select_related("organisation", "person").get(pk=result.pk)
    if closed := decision_closed(locked):
        raise ValidationError(closed)
    if seen is not None and seen != decision_token(locked):
        raise ValidationError(
            _("该年度等次已被他人确定为“%(grade)s”，请刷新页面查看后再确定。")
            % {"grade": locked.get_decided_grade_display() or _("未确定")}
        )
    # Said before the reason is asked for: no reason makes it possible.
    if grade == AnnualGrade.EXCELLENT and (barred := excellent_barred(locked)):
        raise ValidationError({"grade": barred})
    if (fixed := grade_fixed(locked)) is not None and grade != fixed[0]:
        raise ValidationError({"grade": fixed[1]})
    # The reason stored is the deviation's: a decision back on the suggestion keeps none on the
    # result (a user test's earlier reason stood on the list, the workbook and the form under the
    # suggested grade). What was typed is kept all the same, in the audit entry's reason (a user
    # test's "委员会复议后改回称职，见第3次会议纪要" was lost, the entry saying only 采纳建议等次).
    typed = reason.strip()
    limit = AnnualResult._meta.get_field("decision_reason").max_length
    check_length(typed, limit=limit, label=_("与建议不一致的理由"), field="reason")
    reason = typed if grade != locked.suggested_grade else ""
    if grade != locked.suggested_grade and not reason:
        raise ValidationError({"reason": _("确定等次与建议等次不一致，须说明理由。")})
    # (Not the earlier deviation's reason the page filled the box with, sent back unchanged.)
    said = typed if typed != locked.decision_reason else ""
    adopted = _("采纳建议等次：%(text)s") % {"text": said} if said else _("采纳建议等次")
    before = locked.decided_grade
    # A line an objection sent back is publicity's to tell of (withdrawn, or posted again): the
    # grade taken back reads as undecided here, so this notice would say 确定 for a change. Read
    # before the save, which publicity follows at once (a line decided otherwise leaves the list).
    sent_back = bool(_read(_regrading_readers, [locked.pk]))
    locked.decided_grade = grade
    locked.decision_reason = reason
    locked.decided_by = actor
    locked.decided_at = periods.now()
    with audit_reason(reason or adopted):
        locked.save(update_fields=["decided_grade", "decision_reason", "decided_by", "decided_at"])
    if sent_back:
        _decided_again([locked.pk])
    if grade != before and locked.person.is_active and not sent_back:
        with in_site_language():
            notify(
                recipient=locked.person, message=_decided_message(locked, before), url=reverse("evaluations:my_history")
            )
    # 优秀 uses a place; 不定等次 shrinks the number of places. Either may overrun the quota.
    if grade in (AnnualGrade.EXCELLENT, AnnualGrade.NOT_GRADED):
        _check_quota_after(organisation=locked.organisation, year=locked.year)
    _lock_if_year_closed(organisation_id=locked.organisation_id, year=locked.year, result_ids=[locked.pk])
    locked.refresh_from_db(fields=["locked_at"])
    return locked


@transaction.atomic
def annual_adopt_suggestions(*, organisation: Organisation, year: int, actor: User) -> int:
    """Adopt the suggestion for every undecided person of the year; returns how many were decided.

    Each row is saved on its own so the audit trail records every decision.
    """
    _check_committee(actor=actor, organisation_id=organisation.pk)
    waiting = AnnualResult.objects.filter(organisation=organisation, year=year, decided_grade="")
    # A subquery, not a list: an organisation of 100 000 would pass PostgreSQL's 65 535 parameters.
    _check_year_complete(organisation=organisation, year=year, person_ids=waiting.values("person_id"))
    _check_fresh(organisation=organisation, year=year)
    _lock_year(organisation_id=organisation.pk, year=year)
    undecided = list(
        AnnualResult.objects.filter(organisation=organisation, year=year, decided_grade="", locked_at__isnull=True)
        .exclude(suggested_grade="")
        # Read with the rows: whom to tell (an id list of 100 000 would pass PostgreSQL's parameters).
        .annotate(person_active=F("person__is_active"))
    )
    # Lines an objection sent back are publicity's to tell of (as in annual_decide), read before the
    # saves (which publicity follows at once). Only after the 优秀 list is posted can there be any,
    # and then every other result was decided before it: few.
    regrading = (
        _read(_regrading_readers, [row.pk for row in undecided])
        if _list_posted(organisation_id=organisation.pk, year=year)
        else set()
    )
    now = periods.now()
    # Each department recounted once, after every row of it is saved.
    with audit_reason(_("采用全部建议等次")), counts.deferred():
        for row in undecided:
            row.decided_grade = row.suggested_grade
            row.decision_reason = ""
            row.decided_by = actor
            row.decided_at = now
            row.save(update_fields=["decided_grade", "decision_reason", "decided_by", "decided_at"])
    _check_quota_after(organisation=organisation, year=year)
    _lock_if_year_closed(organisation_id=organisation.pk, year=year, result_ids=[row.pk for row in undecided])
    _decided_again(list(regrading))
    url = reverse("evaluations:my_history")
    with in_site_language():
        notify_many(
            [
                Notification(recipient_id=row.person_id, message=_decided_message(row, ""), url=url)
                for row in undecided
                if row.person_active and row.pk not in regrading
            ],
            dedupe_key=f"annual-decided:{organisation.pk}:{year}:{now.isoformat()}",
        )
    return len(undecided)


def _decided_message(result: AnnualResult, before: str) -> str:
    """What the person is told of the committee's decision; the link is their history page (the
    home page asks them to sign the grade, publicity.feedback)."""
    params = {"year": result.year, "grade": result.get_decided_grade_display()}
    if before:
        params["before"] = AnnualGrade(before).label
        return _("考核委员会已将您的%(year)s年度考核等次由“%(before)s”改为“%(grade)s”，请查看。") % params
    return _("考核委员会已确定您的%(year)s年度考核等次为“%(grade)s”，请查看。") % params


# --- Use of results (结果运用) ------------------------------------------------------------------


@dataclass
class UseLists:
    """The result-use lists, each a query the page paginates on its own."""

    excellent: QuerySet[AnnualResult]
    # 评先树优: the year's 优秀 and anyone 称职 or better with a confirmed 创新突破 of the year.
    award: QuerySet[AnnualResult]
    # 选拔培养: 优秀 this year and last (多年工作绩效突出), with the final grades of the three
    # years before (``minus_1`` … ``minus_3``) as the multi-year record.
    promotion_pool: QuerySet[AnnualResult]
    three_years_excellent: QuerySet[AnnualResult]
    admonition: QuerySet[AnnualResult]
    dismissal_review: QuerySet[AnnualResult]


def annual_results_for_year(*, organisation: Organisation, year: int) -> QuerySet[AnnualResult]:
    return (
        AnnualResult.objects.filter(organisation=organisation, year=year)
        .annotate(final=final_grade_expression())
        .select_related("person", "department", "decided_by")
    )


def _final_in(*, year: int, grade: str) -> Exists:
    """Whether the same person's final grade of ``year`` is ``grade`` (a correlated EXISTS)."""
    return Exists(
        AnnualResult.objects.filter(person_id=OuterRef("person_id"), year=year)
        .annotate(final=final_grade_expression())
        .filter(final=grade)
    )


def final_grade_of(year: int) -> Subquery:
    """The same person's final grade of ``year`` (a correlated subquery; ``None`` without a row)."""
    return Subquery(
        AnnualResult.objects.filter(person_id=OuterRef("person_id"), year=year)
        .annotate(final=final_grade_expression())
        .values("final")[:1]
    )


def annual_use_lists(*, organisation: Organisation, year: int) -> UseLists:
    """The lists HR needs after the year, as queries (each page of each list: one query).

    Grades are the committee's where it decided, else the suggestion (the page marks those).
    优秀 → award (评先树优) and training (中青班) candidates, excluding anyone with an active veto;
    a confirmed 创新突破 of the year puts a 称职 person on the award list too; 优秀 in ``year - 1``
    and ``year`` → the promotion pool (with three earlier years of record);
    优秀 in ``year - 2``, ``year - 1`` and ``year`` → 三等功; 基本称职 → 诫勉谈话; 不称职 in
    ``year - 1`` and ``year`` → dismissal review.
    """
    results = annual_results_for_year(organisation=organisation, year=year)
    by_department = ("department__sort_order", "department__code", "person__employee_number", "person_id")
    vetoed = vetoed_people(organisation=organisation, year=year)
    excellent = results.filter(final=AnnualGrade.EXCELLENT).exclude(person_id__in=vetoed).order_by("rank", "person_id")
    # The few people with a confirmed 创新突破 of the year, read first (one small query): as a list
    # the award list's condition is two index lookups OR-ed (the 优秀 by the final-grade index, these
    # people by theirs), where an EXISTS per row made PostgreSQL test the whole year's results —
    # 370 ms at 100 000 people for a list of none.
    achievers = list(
        Achievement.objects.filter(year=year, organisation=organisation, state=AchievementState.CONFIRMED)
        .order_by()
        .values_list("person_id", flat=True)
        .distinct()
    )
    award = (
        results.filter(Q(final=AnnualGrade.EXCELLENT) | Q(person_id__in=achievers, final=AnnualGrade.COMPETENT))
        .exclude(person_id__in=vetoed)
        .order_by(Case(When(final=AnnualGrade.EXCELLENT, then=0), default=1), "rank", *by_department)
    )
    promotion_pool = (
        excellent.filter(_final_in(year=year - 1, grade=AnnualGrade.EXCELLENT))
        .annotate(minus_1=final_grade_of(year - 1), minus_2=final_grade_of(year - 2), minus_3=final_grade_of(year - 3))
        .order_by(*by_department)
    )
    return UseLists(
        excellent=excellent,
        award=award,
        promotion_pool=promotion_pool,
        three_years_excellent=excellent.filter(
            _final_in(year=year - 1, grade=AnnualGrade.EXCELLENT), _final_in(year=year - 2, grade=AnnualGrade.EXCELLENT)
        ),
        admonition=results.filter(final=AnnualGrade.BASICALLY_COMPETENT).order_by(*by_department),
        dismissal_review=results.filter(
            _final_in(year=year - 1, grade=AnnualGrade.INCOMPETENT), final=AnnualGrade.INCOMPETENT
        ).order_by(*by_department),
    )


def quarter_records(*, person_ids: list[int], organisation: Organisation, year: int) -> dict[int, str]:
    """person_id → the year's quarters as “好/好/较好/—” (one query for a page of people)."""
    labels = dict(Grade.choices)
    by_person: dict[int, dict[int, str]] = {}
    for person_id, quarter, grade in QuarterGrade.objects.filter(
        person_id__in=person_ids, appraisal_quarter__organisation=organisation, appraisal_quarter__year=year
    ).values_list("person_id", "appraisal_quarter__quarter", "grade"):
        by_person.setdefault(person_id, {})[quarter] = str(labels.get(grade, "—")) if grade else "—"
    return {person_id: "/".join(quarters.get(q, "—") for q in range(1, 5)) for person_id, quarters in by_person.items()}
