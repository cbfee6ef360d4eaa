"""The province seed of the benchmarks (bench/province.py) writes its rows in raw SQL: a column the
models add without a database default (``QuarterGrade.return_reason`` did) must be written there
too, or ``make bench`` stops at its first insert. Seeded here small, on PostgreSQL, and rolled up."""

import sys
from pathlib import Path

import pytest
from django.db import connection

from evaluations.annual.services import rollup_years
from evaluations.models import AnnualResult, QuarterGrade

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from province import seed_province  # noqa: E402  (the bench folder is not a package)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_small_province_is_seeded_and_its_year_rolls_up():
    if connection.vendor != "postgresql":
        pytest.skip("the province seed's SQL is PostgreSQL's")
    province = seed_province(organisations=2, staff=60, large=30, progress=lambda _message: None)
    assert province.people >= 60
    assert QuarterGrade.objects.count() == province.people * 4
    from accounts.models import Organisation

    rollup_years(organisations=list(Organisation.objects.all()), year=2026)
    assert AnnualResult.objects.filter(year=2026).count() == province.people
