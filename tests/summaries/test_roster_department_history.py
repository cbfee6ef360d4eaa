"""A month that has ended lists, on its roster and in its workbook, who was in each department then
(the department history), not who is there now. A user test moved a person from 就业促进科 to 办公室
as of 15 September: 办公室's March roster listed him, 就业促进科's left him out; someone who left on
20 November was gone from October's roster though his October summary was approved; people imported
in November stood on March's as 无需填报 and in its count."""

import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import services as accounts
from accounts.models import DepartmentMembership
from accounts.workflow import ReviewStatus
from summaries import exports
from tests.factories import DepartmentFactory, MonthlySummaryFactory, UserFactory

pytestmark = pytest.mark.usefixtures("private_files")

TODAY = date(2026, 12, 5)


@pytest.fixture
def history(settings, organisation, department, head):
    """办公室 (department) and 信息科: 甲 moved from 办公室 to 信息科 on 15 September, 乙 left on 20
    November, 丙 came on 16 November, 丁 stayed in 办公室 all year."""
    settings.APPRAISAL_TODAY = TODAY
    other = DepartmentFactory(organisation=organisation, name="信息科")
    moved = UserFactory(department=department, full_name="调动甲")
    left = UserFactory(department=department, full_name="离职乙")
    stayed = UserFactory(department=department, full_name="留任丁")
    accounts.staff_move(user=moved, department=other, on_date=date(2026, 9, 15), reason="工作需要")
    settings.APPRAISAL_TODAY = date(2026, 11, 20)
    MonthlySummaryFactory(owner=left, year=2026, month=10, status=ReviewStatus.APPROVED)
    accounts.staff_set_active(user=left, active=False, reason="调离本单位")
    settings.APPRAISAL_TODAY = TODAY
    came = UserFactory(department=department, full_name="新到丙", appraisal_start=date(2026, 11, 16), membership=False)
    DepartmentMembership.objects.create(user=came, department=department, start_date=date(2026, 11, 16))
    return {"department": department, "other": other, "moved": moved, "left": left, "came": came, "stayed": stayed}


def _rows(client, month: int, department) -> dict[str, str]:
    """Each listed person's department cell, by name; and the counts line."""
    body = client.get(reverse("roster"), {"year": 2026, "month": month, "department": department.pk}).content.decode()
    rows = {}
    for row in body.split('data-testid="roster-row"')[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0])]
        rows[cells[1].split()[0]] = cells[0]
    counts = re.search(r'data-testid="roster-counts">([^<]*)<', body).group(1)
    return rows, counts


def test_a_past_month_lists_who_was_in_the_department_then(client_for, hr, history):
    client = client_for(hr)
    office, other = history["department"], history["other"]

    march, counts = _rows(client, 3, office)
    assert {"调动甲", "离职乙", "留任丁"} <= set(march) and "新到丙" not in march
    assert march["调动甲"] == "办公室"
    assert "调动甲" not in _rows(client, 3, other)[0]
    assert f"共{len(march)}人" in counts.replace(" ", "")

    # October: 甲 in 信息科 (the move's day is the new posting's), 乙 still in 办公室, 丙 not yet.
    october = _rows(client, 10, office)[0]
    assert "调动甲" not in october and "离职乙" in october and "新到丙" not in october
    assert _rows(client, 10, other)[0] == {"调动甲": "信息科"}


def test_the_month_under_way_lists_who_is_in_the_department_now(client_for, hr, history):
    client = client_for(hr)
    december = _rows(client, 12, history["department"])[0]
    assert "新到丙" in december and "留任丁" in december
    assert "调动甲" not in december and "离职乙" not in december
    assert "调动甲" in _rows(client, 12, history["other"])[0]


def test_the_head_of_the_former_department_sees_the_moved_person_in_the_months_before_the_move(
    client_for, head, history
):
    march = _rows(client_for(head), 3, history["department"])[0]
    assert "调动甲" in march and "新到丙" not in march


def test_the_workbook_of_a_past_month_names_the_department_of_then(hr, history):
    handle = exports.roster_file(viewer=hr, year=2026, month=3).content
    with handle:
        sheet = list(load_workbook(handle).active.iter_rows(values_only=True))[1:]
    departments = {row[2]: row[0] for row in sheet}
    assert departments["调动甲"] == "办公室" and departments["离职乙"] == "办公室"
    assert "新到丙" not in departments


def test_a_department_closed_since_keeps_its_people_on_the_rosters_of_the_months_it_had_them(
    client_for, hr, leader, history
):
    """A user test merged 劳动关系科 into another on 1 January and closed it: every 2026 month of the
    roster lost its seven people (HR's 共53人 of 60, the department gone from the filter)."""
    office, other = history["department"], history["other"]
    type(office).objects.filter(pk=office.pk).update(head=None)
    # The leader supervises the department it merges into too (and so keeps the role).
    type(office).objects.filter(pk=other.pk).update(supervising_leader=leader)
    for person in office.members.filter(is_active=True):
        accounts.staff_move(user=person, department=other, on_date=TODAY, reason="机构改革")
    office.refresh_from_db()
    accounts.department_deactivate(department=office)
    client = client_for(hr)
    october = _rows(client, 10, office)[0]
    assert {"离职乙", "留任丁"} <= set(october)
    page = client.get(reverse("roster"), {"year": 2026, "month": 10}).content.decode()
    offered = re.compile(rf'<option value="{office.pk}"[^>]*>{office.name}<')
    assert offered.search(page)
    # The leader of the closed department too; and not on a roster of the month under way.
    assert "留任丁" in _rows(client_for(leader), 10, office)[0]
    current = client.get(reverse("roster"), {"year": 2026, "month": 12}).content.decode()
    assert not offered.search(current)
