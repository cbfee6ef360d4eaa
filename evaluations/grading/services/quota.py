"""The 好 quota (等次比例): arithmetic and the live status of each pool. DOMAIN.md §4.

Default policy: at most 40 % of the participants, rounded down (7 → 2); participants exclude
不确定等次; optionally separate pools for people in leader positions and for the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Sum
from django.utils.translation import gettext as _

from accounts.models import Policy
from accounts.selectors import policy_for_organisation

from ..models import AppraisalQuarter, Grade, QuarterGrade, QuarterGradeCount, QuotaPool, QuotaPoolKind


def good_quota(*, participants: int, percent: int) -> int:
    """Places for 好 among ``participants`` people: ``percent`` of them, rounded down."""
    if participants <= 0:
        return 0
    return participants * percent // 100


@dataclass(frozen=True)
class QuotaRules:
    """The policy's two 好 quota settings as a quarter is held to them; where a function takes a
    ``policy`` for its pools, a :class:`QuotaRules` serves as well."""

    good_quota_percent: int
    good_quota_separate_pools: bool

    @classmethod
    def of_policy(cls, policy: Policy) -> QuotaRules:
        return cls(policy.good_quota_percent, policy.good_quota_separate_pools)


def quarter_rules(appraisal_quarter: AppraisalQuarter, policy: Policy) -> QuotaRules:
    """The 好 quota a quarter is held to: the share and pools it was approved under (a later change
    of the policy does not rewrite a past quarter's quota), else, while it is open, the policy's."""
    if appraisal_quarter.good_quota_percent is None:
        return QuotaRules.of_policy(policy)
    return QuotaRules(appraisal_quarter.good_quota_percent, bool(appraisal_quarter.good_quota_separate_pools))


def quota_percent(appraisal_quarter: AppraisalQuarter, policy: Policy) -> int:
    return quarter_rules(appraisal_quarter, policy).good_quota_percent


def year_quota_rules(*, organisation_ids, year: int) -> dict[tuple[int, int], QuotaRules]:
    """(organisation id, quarter) → the rules stored at approval, for the approved quarters of the
    year (one query); a quarter missing here takes its policy's (:func:`quarter_rules`)."""
    return {
        (org_id, quarter): QuotaRules(percent, separate)
        for org_id, quarter, percent, separate in AppraisalQuarter.objects.filter(
            organisation_id__in=organisation_ids, year=year, good_quota_percent__isnull=False
        ).values_list("organisation_id", "quarter", "good_quota_percent", "good_quota_separate_pools")
    }


def year_good_percents(*, organisation_id: int, year: int, policy: Policy) -> dict[int, int]:
    """Quarter (1–4) → the 好 share it is held to: the one it was approved under, else the policy's
    (:func:`quarter_rules`), for a whole year in one query (the dashboard, the year's workbook)."""
    stored = year_quota_rules(organisation_ids=[organisation_id], year=year)
    now = QuotaRules.of_policy(policy)
    return {q: stored.get((organisation_id, q), now).good_quota_percent for q in (1, 2, 3, 4)}


def department_good_share(grades: Mapping[str, int], *, percent: int) -> int:
    """A department's headcount's share of a quarter's 好 places (a yardstick, never a cap: the
    quota is the organisation's, DOMAIN.md §4), from its grade rows counted by grade ("" for not
    yet graded). Everyone but 不确定等次 takes part, the not yet graded too, as in the pools the
    grading service enforces (:func:`quota_status`: total − uncertain) and the department shares
    the grading page shows: counted without them, a quarter being graded had no places at all."""
    participants = sum(grades.values()) - grades.get(Grade.UNCERTAIN, 0)
    return good_quota(participants=participants, percent=percent)


def pool_kind(*, is_leader_position: bool, policy: Policy | QuotaRules) -> str:
    if not policy.good_quota_separate_pools:
        return QuotaPoolKind.ALL
    return QuotaPoolKind.LEADERS if is_leader_position else QuotaPoolKind.OTHERS


def pool_kinds(policy: Policy | QuotaRules) -> list[str]:
    if policy.good_quota_separate_pools:
        return [QuotaPoolKind.LEADERS, QuotaPoolKind.OTHERS]
    return [QuotaPoolKind.ALL]


def pool_filter(kind: str) -> Q:
    if kind == QuotaPoolKind.LEADERS:
        return Q(is_leader_position=True)
    if kind == QuotaPoolKind.OTHERS:
        return Q(is_leader_position=False)
    return Q()


@dataclass(frozen=True)
class PoolStatus:
    kind: str
    label: str
    participants: int
    capacity: int
    used: int

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.used, 0)

    @property
    def over(self) -> bool:
        return self.used > self.capacity


def quota_status(*, appraisal_quarter: AppraisalQuarter, policy: Policy) -> list[PoolStatus]:
    """Participants, capacity and 好 used for each pool of the quarter: one query over the quarter's
    grade counters (services.counts, a row per department and position), not its grade rows."""
    rows = (
        QuarterGradeCount.objects.filter(appraisal_quarter=appraisal_quarter)
        .values("is_leader_position")
        .annotate(participants=Sum(F("total") - F("uncertain")), used=Sum("good"))
        .order_by()
    )
    counts = {row["is_leader_position"]: (row["participants"], row["used"]) for row in rows}
    return quota_status_from_counts(rules=quarter_rules(appraisal_quarter, policy), counts=counts)


def quota_status_from_counts(*, rules: QuotaRules, counts: dict[bool, tuple[int, int]]) -> list[PoolStatus]:
    """The same as :func:`quota_status` from counts a page has already read: for people in leader
    positions (True) and the others (False), (participants without 不确定等次, 好 given);
    ``rules``: the quarter's (:func:`quarter_rules`)."""
    percent = rules.good_quota_percent
    result = []
    for kind in pool_kinds(rules):
        positions = [True, False] if kind == QuotaPoolKind.ALL else [kind == QuotaPoolKind.LEADERS]
        participants = sum(counts.get(position, (0, 0))[0] for position in positions)
        used = sum(counts.get(position, (0, 0))[1] for position in positions)
        result.append(_pool(kind, percent, participants=participants, used=used))
    return result


def _pool(kind: str, percent: int, *, participants: int, used: int) -> PoolStatus:
    return PoolStatus(
        kind=kind,
        label=str(QuotaPoolKind(kind).label),
        participants=participants,
        capacity=good_quota(participants=participants, percent=percent),
        used=used,
    )


def check_good_quota(*, grade_row: QuarterGrade, new_grade: str) -> None:
    """Refuse a change of ``grade_row`` to ``new_grade`` that would take the pool past its 好 quota:
    grading, a leader's confirmation, and the review of a locked grade (定等后复核) alike.

    The pool row is locked first, so concurrent gradings in the same pool queue here and each
    counts the others' committed 好. A move to 不确定等次 also shrinks the pool, so it is checked too.
    """
    affects_quota = Grade.GOOD in (new_grade, grade_row.grade) or Grade.UNCERTAIN in (new_grade, grade_row.grade)
    if not affects_quota:
        return
    appraisal_quarter = grade_row.appraisal_quarter
    policy = policy_for_organisation(organisation_id=appraisal_quarter.organisation_id)
    rules = quarter_rules(appraisal_quarter, policy)
    kind = pool_kind(is_leader_position=grade_row.is_leader_position, policy=rules)
    # The pool row may be missing when HR switched to separate pools after the quarter opened:
    # create it here rather than fail, then lock it like any other.
    QuotaPool.objects.get_or_create(appraisal_quarter=appraisal_quarter, kind=kind)
    QuotaPool.objects.select_for_update(of=("self",)).get(appraisal_quarter=appraisal_quarter, kind=kind)
    capacity, used = _pool_after(grade_row, new_grade, rules=rules, kind=kind)
    if used > capacity:
        # A pool already over its quota (the share lowered while the quarter was open) takes any
        # change that brings it nearer (好 → 较好): refusing those left no way back within it (a user
        # test: approval blocked until HR raised the share again). Only a change that widens it is refused.
        capacity_now, used_now = _pool_after(grade_row, grade_row.grade, rules=rules, kind=kind)
        if new_grade != Grade.GOOD and used - capacity <= used_now - capacity_now:
            return
        if new_grade == Grade.GOOD:
            raise ValidationError(_full_message(capacity, used, locked=grade_row.locked_at is not None))
        raise ValidationError(
            _(
                "定为不确定等次后参与人数减少，“好”等次将超出名额（可评%(capacity)s人，已评%(used)s人）。"
                "须先将同一名额内一名已评“好”的人员（可能在其他科室，请与其评鉴人协商）改为其他等次，再定为不确定等次。"
            )
            % {"capacity": capacity, "used": used}
        )


def _pool_after(grade_row: QuarterGrade, new_grade: str, *, rules: QuotaRules, kind: str) -> tuple[int, int]:
    """The pool's (capacity, 好 used) were ``grade_row`` given ``new_grade``."""
    others = QuarterGrade.objects.filter(appraisal_quarter=grade_row.appraisal_quarter).filter(pool_filter(kind))
    others = others.exclude(pk=grade_row.pk)
    participants = others.exclude(grade=Grade.UNCERTAIN).count() + (0 if new_grade == Grade.UNCERTAIN else 1)
    used = others.filter(grade=Grade.GOOD).count() + (1 if new_grade == Grade.GOOD else 0)
    return good_quota(participants=participants, percent=rules.good_quota_percent), used


def _full_message(capacity: int, used: int, *, locked: bool = False) -> str:
    # What to do about it, too (a user test: the refusal said the quota was full and no more); after
    # 定等 (HR's 复核) the other 好 change only by a 复核 of their own (a review).
    values = {"capacity": capacity, "used": used - 1}
    if locked:
        return (
            _(
                "“好”等次名额已满：本季度可评“好”%(capacity)s人，已评%(used)s人。"
                "如确需评为“好”，须先经定等后复核将同一名额内一名已评“好”的人员改为其他等次。"
            )
            % values
        )
    return (
        _(
            "“好”等次名额已满：本季度可评“好”%(capacity)s人，已评%(used)s人。"
            "请改评其他等次；如确需评为“好”，须先将同一名额内已评“好”的人员（可能在其他科室，请与其评鉴人协商）改为其他等次。"
        )
        % values
    )


def good_refusal(*, grade_row: QuarterGrade, policy: Policy) -> str:
    """What :func:`check_good_quota` would say to 好 for ``grade_row`` now, read only (a page leaves
    好 out and says why, as the annual review page does for 优秀), or "" where it fits."""
    if grade_row.grade == Grade.GOOD:
        return ""
    rules = quarter_rules(grade_row.appraisal_quarter, policy)
    kind = pool_kind(is_leader_position=grade_row.is_leader_position, policy=rules)
    capacity, used = _pool_after(grade_row, Grade.GOOD, rules=rules, kind=kind)
    return _full_message(capacity, used, locked=grade_row.locked_at is not None) if used > capacity else ""
