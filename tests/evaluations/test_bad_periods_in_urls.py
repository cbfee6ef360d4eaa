"""A bad year or quarter in a URL or a query string is no page (404) or a clear message, never a 500."""

import pytest

# Decided in Python, the same on every database (the calendar refuses a bad period before any query;
# no value here would overflow an integer column): make test-postgres skips it (pyproject.toml).
pytestmark = pytest.mark.engine_neutral

BAD_YEARS = ["0", "99999", "-1", "1900", "abc", "2026.5", ""]
BAD_QUARTERS = ["0", "5", "-1", "99999", "x", ""]


@pytest.mark.parametrize("year", ["0", "99999", "-1", "1999", "0002"])
@pytest.mark.parametrize("suffix", ["", "use/", "adopt/", "recompute/", "1/decide/"])
def test_a_bad_year_in_an_annual_url_is_not_found(client_for, chief, year, suffix):
    response = client_for(chief).get(f"/evaluations/annual/{year}/{suffix}")
    assert response.status_code == 404


def test_a_good_year_in_an_annual_url_still_answers(client_for, chief):
    assert client_for(chief).get("/evaluations/annual/2026/").status_code == 200
    assert client_for(chief).get("/evaluations/annual/2026/use/").status_code == 200


# Each bad year with a good quarter, each bad quarter with a good year, and bad ones together
# (pairwise, not every pair: each value is refused on its own, before the other is looked at).
BAD_PERIODS = (
    [(year, "1") for year in BAD_YEARS]
    + [("2026", quarter) for quarter in BAD_QUARTERS]
    + list(zip(BAD_YEARS, [*BAD_QUARTERS, BAD_QUARTERS[0]], strict=True))
)


@pytest.mark.parametrize(
    ("persona", "path"),
    [
        ("hr", "/evaluations/inputs/satisfaction/"),
        ("hr", "/evaluations/inputs/satisfaction/new/"),
        ("hr", "/evaluations/inputs/events/"),
        ("hr", "/evaluations/quarters/"),
        ("hr", "/evaluations/rollup/"),
        ("hr", "/evaluations/scores/departments/"),
        ("hr", "/summaries/roster/"),
        ("inspector", "/evaluations/inspections/"),
        ("hr", "/evaluations/sanctions/"),
        ("inspector", "/evaluations/veto/"),
        ("head", "/evaluations/grading/"),
        ("head", "/targets/goals/"),
        ("staff", "/summaries/"),
        ("staff", "/targets/"),
        ("chief", "/evaluations/annual/"),
    ],
)
def test_a_bad_year_in_a_query_string_is_never_a_server_error(db, request, client_for, persona, path):
    client = client_for(request.getfixturevalue(persona))
    for year, quarter in BAD_PERIODS:
        response = client.get(path, {"year": year, "quarter": quarter, "month": quarter})
        assert response.status_code in (200, 302, 400, 404), (path, year, quarter, response.status_code)


@pytest.mark.parametrize(("year", "month"), [("0", "1"), ("99999", "1"), ("-1", "5"), ("1900", "12"), ("2026", "13")])
def test_starting_a_summary_for_a_bad_period_is_a_message(client_for, staff, year, month):
    response = client_for(staff).post("/summaries/start/", {"year": year, "month": month}, follow=True)
    assert response.status_code == 200
    assert staff.monthly_summaries.count() == 0
