"""A month (a quarter) that has not begun asks nothing yet: the roster page and its workbook say
未到 of its missing documents and count nobody as 未提交 (a user test read "月小结未提交 60 人" of
June in January, every row 未提交, where each person's own list says 未到)."""

import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import periods
from summaries import exports
from tests.factories import MonthlySummaryFactory, UserFactory

pytestmark = pytest.mark.usefixtures("private_files")

TODAY = date(2027, 1, 6)


def _page(client, month: int) -> tuple[str, dict[str, tuple[str, str]]]:
    """The counts line and each row's (summary, targets) cells, by name."""
    body = client.get(reverse("roster"), {"year": 2027, "month": month}).content.decode()
    counts = re.search(r'data-testid="roster-counts">([^<]*)<', body).group(1)
    rows = {}
    for row in body.split('data-testid="roster-row"')[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0])]
        rows[cells[1].split()[0]] = (cells[2], cells[3])
    return counts, rows


def _workbook(hr, month: int) -> dict[str, tuple[str, str]]:
    handle = exports.roster_file(viewer=hr, year=2027, month=month).content
    with handle:
        sheet = list(load_workbook(handle).active.iter_rows(values_only=True))[1:]
    return {row[2]: (row[3], row[5]) for row in sheet}


@pytest.fixture
def people(department, settings):
    settings.APPRAISAL_TODAY = TODAY
    return [UserFactory(department=department, full_name=name) for name in ("甲", "乙")]


def test_a_month_and_quarter_not_begun_say_not_yet_and_count_nobody_missing(client_for, hr, people):
    counts, rows = _page(client_for(hr), 6)
    assert counts.startswith("共 ") and "未提交" not in counts
    assert rows["甲"] == rows["乙"] == ("未到", "未到")
    assert _workbook(hr, 6)["甲"] == ("未到", "未到")


def test_a_later_month_of_the_quarter_under_way_owes_its_targets_only(client_for, hr, people):
    counts, rows = _page(client_for(hr), 2)
    # The head and HR of the department are on the roster too: everyone owes Q1's targets already.
    assert "月小结未提交" not in counts and re.search(r"季度目标未提交 \d+ 人", counts)
    assert rows["甲"] == ("未到", "未提交")
    assert _workbook(hr, 2)["甲"] == ("未到", "未提交")


def test_the_current_month_is_not_handed_in_yet_as_before(client_for, hr, people):
    counts, rows = _page(client_for(hr), 1)
    assert re.search(r"月小结未提交 \d+ 人", counts)
    assert rows["甲"] == ("未提交", "未提交")


def test_a_summary_begun_ahead_shows_its_status_and_the_filter_of_the_missing_lists_nobody(client_for, hr, people):
    MonthlySummaryFactory(owner=people[0], year=2027, month=6)
    client = client_for(hr)
    assert _page(client, 6)[1]["甲"][0] == "未提交"  # a draft, linked
    body = client.get(reverse("roster"), {"year": 2027, "month": 6, "show": "not_submitted"}).content.decode()
    assert 'data-testid="roster-row"' not in body


def test_the_calendar_says_when_a_period_has_begun():
    assert periods.Month(2027, 1).has_begun(TODAY) and not periods.Month(2027, 2).has_begun(TODAY)
    assert periods.Quarter(2027, 1).has_begun(TODAY) and not periods.Quarter(2027, 2).has_begun(TODAY)
    assert periods.Month(2027, 2).has_begun(date(2027, 2, 1))


def test_an_office_that_went_live_this_month_opens_its_roster_on_this_month(
    client_for, hr, people, organisation, settings
):
    """A go-live test: an agency that began in the system on 8 December opened 提交情况 on November,
    which asked nothing of anyone — "共 0 人", and "季度目标未提交 0 人" while every Q4 target was
    overdue. It opens on the month under way until a month in the system has ended."""
    from accounts.selectors import policy_for_organisation

    policy = policy_for_organisation(organisation_id=organisation.pk)
    policy.started_on = date(2026, 12, 8)
    policy.save()
    settings.APPRAISAL_TODAY = date(2026, 12, 18)
    body = client_for(hr).get(reverse("roster")).content.decode()
    counts = re.search(r'data-testid="roster-counts">([^<]*)<', body).group(1)
    assert "2026年12月小结" in body and re.search(r"季度目标未提交 [1-9]\d* 人", counts)
    # From the next month on, the last month that has ended, as before.
    settings.APPRAISAL_TODAY = date(2027, 1, 6)
    assert periods.roster_default_month(policy) == periods.Month(2026, 12)
