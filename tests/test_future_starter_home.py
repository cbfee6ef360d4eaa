"""Someone added before their 参加考核日期 reads on the home page what the targets and summaries
pages say. A user test: a starter of 2027-01-04 saw "2026年第4季度目标：未填写" and "12月工作小结：
未开始" on / while /targets/ said the quarter's targets were not asked of him and his to-dos were empty."""

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tests.support.clock import movable_today


@pytest.fixture
def future_starter(department, head, monkeypatch):
    movable_today(monkeypatch, date(2026, 12, 5))
    return UserFactory(department=department, full_name="赵新", appraisal_start=date(2027, 1, 4))


def _card(page: str) -> str:
    return page.split('data-testid="my-period"', 1)[1].split("</div></div></div>", 1)[0]


def test_the_home_card_says_nothing_is_asked_before_the_start(client_for, future_starter):
    card = _card(client_for(future_starter).get("/").content.decode())

    assert 'data-testid="my-targets-not-due"' in card and "无需提交" in card
    assert 'data-testid="my-summary-not-due"' in card and "无需填写" in card
    assert "未填写" not in card and "未开始" not in card
    targets_page = client_for(future_starter).get(reverse("targets:my_targets")).content.decode()
    assert "本季度目标无需提交" in targets_page


def test_the_home_card_still_says_what_is_missing_for_someone_already_taking_part(client_for, staff, monkeypatch):
    movable_today(monkeypatch, date(2026, 12, 5))
    card = _card(client_for(staff).get("/").content.decode())

    assert "未填写" in card and "未开始" in card and "无需" not in card
