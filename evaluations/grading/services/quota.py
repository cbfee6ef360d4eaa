"""The 好 quota (等次比例): arithmetic and the live status of each pool. DOMAIN.md §4.

Default policy: at most 40 % of the participants, rounded down (7 → 2); participants exclude
不确定等次; optionally separate pools for people in leader positions and for the others.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Q, Sum

from accounts.models import Policy

from ..models import AppraisalQuarter, QuarterGradeCount, QuotaPoolKind


def good_quota(*, participants: int, percent: int) -> int:
    """Places for 好 among ``participants`` people: ``percent`` of them, rounded down."""
    if participants <= 0:
        return 0
    return participants * percent // 100


def pool_kind(*, is_leader_position: bool, policy: Policy) -> str:
    if not policy.good_quota_separate_pools:
        return QuotaPoolKind.ALL
    return QuotaPoolKind.LEADERS if is_leader_position else QuotaPoolKind.OTHERS


def pool_kinds(policy: Policy) -> list[str]:
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
    return quota_status_from_counts(policy=policy, counts=counts)


def quota_status_from_counts(*, policy: Policy, counts: dict[bool, tuple[int, int]]) -> list[PoolStatus]:
    """The same as :func:`quota_status` from counts a page has already read: for people in leader
    positions (True) and the others (False), (participants without 不确定等次, 好 given)."""
    result = []
    for kind in pool_kinds(policy):
        positions = [True, False] if kind == QuotaPoolKind.ALL else [kind == QuotaPoolKind.LEADERS]
        participants = sum(counts.get(position, (0, 0))[0] for position in positions)
        used = sum(counts.get(position, (0, 0))[1] for position in positions)
        result.append(_pool(kind, policy, participants=participants, used=used))
    return result


def _pool(kind: str, policy: Policy, *, participants: int, used: int) -> PoolStatus:
    return PoolStatus(
        kind=kind,
        label=str(QuotaPoolKind(kind).label),
        participants=participants,
        capacity=good_quota(participants=participants, percent=policy.good_quota_percent),
        used=used,
    )
