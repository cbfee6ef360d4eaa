"""The summaries page says the months before a newcomer's start in one line. A user test: a
newcomer of December read eleven rows of 参加考核前，无需填写 before the month that mattered."""

from datetime import date

from django.urls import reverse

from tests.factories import MonthlySummaryFactory, UserFactory
from tests.support.clock import movable_today


def _months(client) -> str:
    page = client.get(reverse("summaries:list"), {"year": 2026}).content.decode()
    return page.split('data-testid="months"', 1)[1].split("</ul>", 1)[0]


def test_the_months_before_the_start_are_one_line(client_for, department, head, monkeypatch):
    movable_today(monkeypatch, date(2026, 12, 5))
    newcomer = UserFactory(department=department, full_name="张三", appraisal_start=date(2026, 12, 1))

    months = _months(client_for(newcomer))

    folded = months.split('data-testid="months-before-start"', 1)[1].split("</li>", 1)[0]
    assert "1月–11月" in folded and "参加考核前，无需填写" in folded
    assert months.count("参加考核前，无需填写") == 1
    assert 'data-testid="month-1"' not in months and 'data-testid="month-12"' in months


def test_a_draft_of_a_month_before_the_start_keeps_its_own_row(client_for, department, head, monkeypatch):
    movable_today(monkeypatch, date(2026, 12, 5))
    newcomer = UserFactory(department=department, full_name="张三", appraisal_start=date(2026, 12, 1))
    MonthlySummaryFactory(owner=newcomer, year=2026, month=11)

    months = _months(client_for(newcomer))

    assert "1月–10月" in months and 'data-testid="month-11"' in months


def test_someone_taking_part_all_year_has_no_folded_line(client_for, staff, monkeypatch):
    movable_today(monkeypatch, date(2026, 12, 5))

    months = _months(client_for(staff))

    assert 'data-testid="months-before-start"' not in months and 'data-testid="month-1"' in months
