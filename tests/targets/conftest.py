"""Target-set fixtures on top of the shared personas: a second department of the same
organisation, and helpers that build sets in each workflow state."""

from datetime import date

import pytest

from accounts.models import Role
from targets import services
from targets.models import TargetItem, TargetSet
from tests.factories import TargetItemFactory, UserFactory

YEAR, QUARTER = 2026, 2


@pytest.fixture
def other_leader(organisation):
    return UserFactory(
        username="otherleader",
        full_name="另一分管领导",
        organisation=organisation,
        department=None,
        roles=[Role.SUPERVISING_LEADER],
    )


def add_items(target_set: TargetSet, count: int = 1, **fields) -> list[TargetItem]:
    start = target_set.items.count()
    return [
        TargetItemFactory(target_set=target_set, sort_order=n, **{"content": f"目标{n}", **fields})
        for n in range(start + 1, start + count + 1)
    ]


@pytest.fixture
def make_target_set():
    """``make_target_set(owner, state="draft", items=1)`` → a set in that state, reviewed by the owner's evaluator."""
    from accounts.selectors import evaluator_of

    def make(owner, state: str = "draft", items: int = 1, year: int = YEAR, quarter: int = QUARTER) -> TargetSet:
        target_set = services.target_set_start(owner=owner, year=year, quarter=quarter)
        add_items(target_set, items)
        if state == "draft":
            return target_set
        target_set = services.target_set_submit(target_set=target_set, actor=owner, version=target_set.version)
        if state == "submitted":
            return target_set
        reviewer = evaluator_of(person=owner)
        if state == "approved":
            return services.target_set_approve(target_set=target_set, actor=reviewer)
        if state == "returned":
            return services.target_set_return(target_set=target_set, actor=reviewer, reason="请细化措施")
        raise ValueError(state)

    return make


@pytest.fixture
def quarter_started():
    return date(YEAR, 3 * (QUARTER - 1) + 1, 1)
