"""Two people of one name in a department are told apart by their 工号 wherever a reviewer reads
their names. A user test: two 李明 of 信息化建设科 read "李明 信息化建设科" twice on the head's home
page, in the review inbox and on the roster, with nothing to tell which was which."""

import re

import pytest
from django.urls import reverse

from tests.factories import MonthlySummaryFactory, UserFactory


@pytest.fixture
def namesakes(department, head):
    people = [UserFactory(department=department, full_name="李明", employee_number=n) for n in ("E7001", "E7002")]
    for person in people:
        MonthlySummaryFactory(owner=person, year=2026, month=10, submitted=True)
    return people


def _numbers_beside_the_name(html: str) -> set[str]:
    return set(re.findall(r'李明 <span class="text-muted[^"]*" data-testid="employee-number">(E700\d)</span>', html))


def test_the_heads_home_list_gives_each_namesakes_number(client_for, head, namesakes):
    home = client_for(head).get("/").content.decode()
    evaluatees = home.split('data-testid="evaluatees"', 1)[1].split("</ul>", 1)[0]

    assert _numbers_beside_the_name(evaluatees) == {"E7001", "E7002"}


def test_the_review_inbox_gives_each_namesakes_number(client_for, head, namesakes):
    inbox = client_for(head).get(reverse("review")).content.decode()

    assert _numbers_beside_the_name(inbox) == {"E7001", "E7002"}


def test_the_roster_gives_each_namesakes_number(client_for, head, namesakes):
    roster = client_for(head).get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()

    assert _numbers_beside_the_name(roster) == {"E7001", "E7002"}
