"""The 发起民主测评 form opens on the year whose year-end is under way, as the annual pages do
(accounts.periods.year_at_work): in January a ballot feeds the year just ended."""

from datetime import date

import pytest
from django.urls import reverse


@pytest.mark.parametrize(
    ("today", "year"),
    [(date(2027, 1, 10), 2026), (date(2027, 2, 26), 2026), (date(2027, 3, 2), 2027), (date(2026, 12, 1), 2026)],
)
def test_the_new_ballot_form_defaults_to_the_year_at_work(monkeypatch, client_for, hr, today, year):
    monkeypatch.setattr("accounts.periods.today", lambda now=None: today)
    response = client_for(hr).get(reverse("evaluations:ballot_open"))
    assert response.status_code == 200
    assert response.context["form"]["year"].value() == year
