"""The 好 quota: 40 % of the participants, rounded down; 不确定等次 does not count; pools."""

import pytest

from accounts.selectors import policy_for_organisation
from evaluations.grading.services import quota
from evaluations.models import Grade, QuotaPoolKind
from tests.evaluations.conftest import Q3_GRADING_DAY
from tests.factories import policy_with


@pytest.mark.parametrize(
    "participants, expected", [(0, 0), (1, 0), (2, 0), (3, 1), (7, 2), (10, 4), (11, 4), (100, 40)]
)
def test_the_good_quota_is_forty_percent_rounded_down(participants, expected):
    assert quota.good_quota(participants=participants, percent=40) == expected


def test_a_different_policy_percentage_is_honoured():
    assert quota.good_quota(participants=10, percent=25) == 2
    assert quota.good_quota(participants=10, percent=0) == 0
    assert quota.good_quota(participants=10, percent=100) == 10


def test_the_status_counts_participants_without_uncertain(organisation, quarter, team, head, grade_of):
    rows = [grade_of(p) for p in team]
    rows[0].grade = Grade.UNCERTAIN
    rows[0].uncertain_reason = "long_leave"
    rows[0].save()
    rows[1].grade = Grade.GOOD
    rows[1].save()
    policy = policy_for_organisation(organisation_id=organisation.pk)
    [pool] = quota.quota_status(appraisal_quarter=quarter, policy=policy)
    # 7 staff + the head = 8 people, one uncertain → 7 participants → 2 places, 1 used.
    assert (pool.participants, pool.capacity, pool.used, pool.remaining) == (7, 2, 1, 1)


def test_separate_pools_for_leaders_and_others(organisation, team, head, leader):
    from evaluations.grading.services.grading import appraisal_quarter_open

    policy = policy_with(organisation, good_quota_separate_pools=True)
    head.is_leader_position = True
    head.save()
    quarter = appraisal_quarter_open(organisation=organisation, year=2026, quarter=3, today=Q3_GRADING_DAY)
    pools = {p.kind: p for p in quota.quota_status(appraisal_quarter=quarter, policy=policy)}
    assert pools[QuotaPoolKind.LEADERS].participants == 1 and pools[QuotaPoolKind.LEADERS].capacity == 0
    assert pools[QuotaPoolKind.OTHERS].participants == 7 and pools[QuotaPoolKind.OTHERS].capacity == 2


def test_switching_to_separate_pools_mid_quarter_keeps_grading_and_enforces_the_new_pools(
    organisation, quarter, team, head, grade_of
):
    # The quarter opened with one pool; HR then switches the policy to separate pools.
    from django.core.exceptions import ValidationError

    from evaluations.grading.services.grading import grade_assign

    policy = policy_with(organisation, good_quota_separate_pools=True)
    [others] = [
        p for p in quota.quota_status(appraisal_quarter=quarter, policy=policy) if p.kind == QuotaPoolKind.OTHERS
    ]
    assert others.capacity == 3  # 7 staff and the head (not in a leader position) → 8 × 40 % = 3
    rows = [grade_of(p) for p in team]
    for row in rows[: others.capacity]:
        grade_assign(grade_row=row, actor=head, grade=Grade.GOOD, comment="表现突出")
    with pytest.raises(ValidationError, match="名额已满") as refused:
        grade_assign(grade_row=rows[others.capacity], actor=head, grade=Grade.GOOD, comment="表现突出")
    # What to do about it (a user test: the refusal said the quota was full and no more).
    assert "请改评其他等次；如确需评为“好”，须先将同一名额内已评“好”的人员" in refused.value.messages[0]
    assert QuotaPoolKind.OTHERS in {pool.kind for pool in quarter.quota_pools.all()}
