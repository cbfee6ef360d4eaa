"""Reads other pages rely on: the current quarter, lateness and the review inbox."""

from datetime import UTC, date, datetime

import pytest

from accounts import periods
from accounts.selectors import policy_for_organisation
from targets.selectors import target_sets_awaiting_review
from tests.factories import policy_with


def current_quarter(today):
    quarter = periods.Quarter.of(today)
    return quarter.year, quarter.quarter


def is_late_submission(*, policy, year, quarter, submitted_at):
    return periods.is_late(periods.target_deadline(policy, periods.Quarter(year, quarter)), submitted_at)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 1, 1), (2026, 1)),
        (date(2026, 3, 31), (2026, 1)),
        (date(2026, 4, 1), (2026, 2)),
        (date(2026, 12, 31), (2026, 4)),
    ],
)
def test_current_quarter(today, expected):
    assert current_quarter(today) == expected


@pytest.mark.django_db
def test_lateness_is_judged_by_the_calendar_day_in_shanghai(organisation):
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert policy.target_deadline_day == 10
    # 2026-04-10 23:30 in Shanghai is still day 10.
    assert not is_late_submission(
        policy=policy, year=2026, quarter=2, submitted_at=datetime(2026, 4, 10, 15, 30, tzinfo=UTC)
    )
    # 2026-04-11 00:30 in Shanghai is day 11, though still the 10th in UTC.
    assert is_late_submission(
        policy=policy, year=2026, quarter=2, submitted_at=datetime(2026, 4, 10, 16, 30, tzinfo=UTC)
    )


@pytest.mark.django_db
def test_lateness_follows_the_policys_deadline_day(organisation):
    policy = policy_with(organisation, target_deadline_day=20)
    submitted_at = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
    assert not is_late_submission(policy=policy, year=2026, quarter=3, submitted_at=submitted_at)
    policy.target_deadline_day = 5
    assert is_late_submission(policy=policy, year=2026, quarter=3, submitted_at=submitted_at)


@pytest.mark.django_db
def test_the_review_inbox_holds_the_submitted_sets_each_reviewer_evaluates(
    staff, colleague, head, leader, other_head, make_target_set
):
    staff_set = make_target_set(staff, state="submitted")
    make_target_set(colleague, state="draft")
    head_set = make_target_set(head, state="submitted")
    other_head_set = make_target_set(other_head, state="submitted")
    assert list(target_sets_awaiting_review(reviewer=head)) == [staff_set]
    assert set(target_sets_awaiting_review(reviewer=leader)) == {head_set, other_head_set}
    assert list(target_sets_awaiting_review(reviewer=other_head)) == []
    assert list(target_sets_awaiting_review(reviewer=staff)) == []


@pytest.mark.django_db
def test_the_review_inbox_drops_decided_sets(staff, head, make_target_set):
    make_target_set(staff, state="approved")
    assert not target_sets_awaiting_review(reviewer=head).exists()
