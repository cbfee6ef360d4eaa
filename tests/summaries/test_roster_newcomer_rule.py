"""The roster page and its workbook say 无需填报 of a newcomer's month (quarter) by one rule of the
calendar (``periods.is_due_for``): the same one the roster's filters and counts use
(``periods.due_for_people``), so the page, the workbook and the counts cannot part ways."""

import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import periods
from accounts.models import User
from summaries import exports
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_files")

NOVEMBER = periods.Month(2026, 11)
# On the month's last day still owes it; from the next day, not; from the next quarter, neither.
STARTS = {
    "月末入职": date(2026, 11, 30),
    "次月入职": date(2026, 12, 1),
    "次季入职": date(2027, 1, 4),
}


@pytest.mark.parametrize("period", [NOVEMBER, NOVEMBER.quarter])
def test_the_calendar_says_due_of_the_same_people_its_filter_finds(department, period):
    people = [UserFactory(department=department, appraisal_start=start) for start in (None, *STARTS.values())]
    found = set(User.objects.filter(periods.due_for_people(period), pk__in=[p.pk for p in people]))
    assert {p for p in people if periods.is_due_for(period, p.appraisal_start)} == found


def test_the_roster_page_and_its_workbook_say_not_due_of_the_same_newcomers(client_for, hr, department, head, settings):
    # Before November's deadline (5 December): nobody is 逾期 yet, whatever day the suite runs.
    settings.APPRAISAL_TODAY = date(2026, 12, 3)
    for name, start in STARTS.items():
        UserFactory(department=department, full_name=name, appraisal_start=start)
    page = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11}).content.decode()
    on_page = {}
    for row in page.split('data-testid="roster-row"')[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0])]
        on_page[cells[1].split()[0]] = (cells[2], cells[3])  # the name, its 工号 after it
    handle = exports.roster_file(viewer=hr, year=2026, month=11).content
    with handle:
        sheet = list(load_workbook(handle).active.iter_rows(values_only=True))[1:]
    in_workbook = {row[2]: (row[3], row[5]) for row in sheet}

    expected = {
        "月末入职": ("未提交", "未提交"),
        "次月入职": ("无需填报", "未提交"),
        "次季入职": ("无需填报", "无需填报"),
    }
    assert {name: on_page[name] for name in STARTS} == expected
    assert {name: in_workbook[name] for name in STARTS} == expected
