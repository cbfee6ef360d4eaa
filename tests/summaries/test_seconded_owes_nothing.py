"""A person seconded out (挂职/援派) for a whole month or quarter owes their home none of its
summaries or targets (DOMAIN §2: the host appraises them): their home page lists nothing to do, no
reminder reaches them, the roster and its workbook say 无需填报 and count them as missing nowhere,
and their summaries page says why. A secondment of a few days excuses nothing (a user test's
seconded person read three months' summaries as to do, after their quarter's approval had stopped
waiting for them)."""

import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Notification, Policy, StaffStatus, StaffStatusKind
from appraisal_site.todos import todos_for
from summaries import exports, reminders
from summaries.review import roster_counts, roster_people

pytestmark = pytest.mark.usefixtures("private_files")


@pytest.fixture
def seconded(staff):
    StaffStatus.objects.create(
        user=staff, kind=StaffStatusKind.SECONDED, start_date=date(2026, 10, 1), end_date=date(2026, 12, 31)
    )
    return staff


@pytest.fixture
def two_days_away(colleague):
    StaffStatus.objects.create(
        user=colleague, kind=StaffStatusKind.SECONDED, start_date=date(2026, 11, 29), end_date=date(2026, 11, 30)
    )
    return colleague


def test_the_home_page_asks_nothing_of_the_months_and_quarter_away(
    client_for, organisation, seconded, two_days_away, settings
):
    Policy.objects.filter(organisation=organisation).update(started_on=date(2026, 9, 1))
    settings.APPRAISAL_TODAY = date(2026, 11, 20)
    today = date(2026, 11, 20)
    # October's summary is past its deadline, November's and the quarter's targets are to do: not
    # for the one away all quarter; for the one away two days, all of it. September (and the third
    # quarter's targets), before the secondment, are owed by both.
    away, back = todos_for(seconded, today=today), todos_for(two_days_away, today=today)
    assert not {"targets", "summary"} & {todo.key for todo in away}
    assert {"targets", "summary"} <= {todo.key for todo in back}
    owed = {todo.key: todo for todo in away}["summaries-owed"]
    assert owed.count == 1 and "9月" in owed.label and "10月" not in owed.label
    assert {todo.key: todo for todo in back}["summaries-owed"].count == 2
    page = client_for(seconded).get("/").content.decode()
    assert 'data-testid="my-targets-not-due"' in page and 'data-testid="my-summary-not-due"' in page
    assert "挂职/援派（2026-10-01至2026-12-31）期间由派驻单位考核" in page
    assert 'data-testid="my-secondment"' not in client_for(two_days_away).get("/").content.decode()


def test_no_reminder_reaches_the_one_away_and_one_away_two_days_is_reminded(organisation, seconded, two_days_away):
    # 3 December: November's summary is due on the 5th.
    run = reminders.send_deadline_reminders(organisation=organisation, today=date(2026, 12, 3))
    assert Notification.objects.filter(recipient=seconded).count() == 0
    assert Notification.objects.filter(recipient=two_days_away, message__contains="11月工作小结").count() == 1
    assert run.summaries >= 1


def test_the_roster_its_counts_and_its_workbook_say_not_due_of_the_months_away(
    client_for, hr, seconded, two_days_away, settings
):
    # After November's deadline: not handed in is 逾期, but not for the one away.
    settings.APPRAISAL_TODAY = date(2026, 12, 10)
    page = client_for(hr).get(reverse("roster"), {"year": 2026, "month": 11}).content.decode()
    rows = {}
    for row in page.split('data-testid="roster-row"')[1:]:
        cells = [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row.split("</tr>")[0])]
        rows[cells[1].split()[0]] = (cells[2], cells[3])
    assert rows[seconded.full_name] == ("无需填报", "无需填报")
    assert rows[two_days_away.full_name][0].startswith("未提交") and "逾期" in rows[two_days_away.full_name][0]

    people = roster_people(viewer=hr, year=2026, month=11)
    counts = roster_counts(people, year=2026, month=11)
    not_submitted = roster_people(viewer=hr, year=2026, month=11, show="not_submitted")
    late = roster_people(viewer=hr, year=2026, month=11, show="late")
    assert seconded not in not_submitted and two_days_away in not_submitted
    assert seconded not in late and two_days_away in late
    assert counts["summary_missing"] == not_submitted.count()

    handle = exports.roster_file(viewer=hr, year=2026, month=11).content
    with handle:
        sheet = {row[2]: row[3:] for row in list(load_workbook(handle).active.iter_rows(values_only=True))[1:]}
    assert sheet[seconded.full_name] == ("无需填报", None, "无需填报", None)
    assert sheet[two_days_away.full_name][:2] == ("未提交", "逾期")


def test_the_summaries_page_says_why_the_months_away_ask_nothing(client_for, seconded, settings):
    settings.APPRAISAL_TODAY = date(2026, 12, 10)
    page = client_for(seconded).get(reverse("summaries:list"), {"year": 2026}).content.decode()
    months = {int(m): body for m, body in re.findall(r'data-testid="month-(\d+)"(.*?)</li>', page, flags=re.S)}
    for month in (10, 11):
        assert 'data-testid="seconded"' in months[month] and "已逾期" not in months[month]
    # September was before the secondment: still owed, and 补写 offered.
    assert 'data-testid="seconded"' not in months[9] and "补写" in months[9]
    # December is away too: nothing offered to write for it.
    assert 'data-testid="write-this-month"' not in page


def test_the_targets_page_asks_no_targets_of_the_quarters_away(client_for, organisation, seconded, settings):
    """The review: the targets page offered 补填 last quarter's targets (逾期) and this quarter's
    deadline to a person seconded out for both, whose home page asked nothing."""
    StaffStatus.objects.filter(user=seconded).update(start_date=date(2026, 7, 1))
    settings.APPRAISAL_TODAY = date(2026, 11, 20)
    page = client_for(seconded).get(reverse("targets:my_targets")).content.decode()
    assert 'data-testid="previous-quarter"' not in page and 'data-testid="seconded"' in page
    assert "本季度目标请于" not in page
    # Nothing offered to start either (a re-test read 填写2026年第4季度目标 and 从第3季度复制).
    assert 'data-testid="current-quarter"' not in page and 'data-testid="copy-previous"' not in page


def test_the_roster_page_and_its_workbook_agree_on_a_returned_or_late_summary_of_a_month_away(
    client_for, hr, seconded, settings
):
    """The review: a seconded person's returned summary read 无需填报 on the page, 被退回 in the
    workbook; a late one 迟交 on the page, nothing in the workbook."""
    from accounts.workflow import ReviewStatus
    from tests.factories import MonthlySummaryFactory

    settings.APPRAISAL_TODAY = date(2026, 12, 10)
    MonthlySummaryFactory(owner=seconded, year=2026, month=11, submitted=True, status=ReviewStatus.RETURNED)
    MonthlySummaryFactory(owner=seconded, year=2026, month=10, submitted=True, is_late=True)
    for month, expected in ((11, ("无需填报", None)), (10, ("已提交", "迟交"))):
        page = client_for(hr).get(reverse("roster"), {"year": 2026, "month": month}).content.decode()
        row = page.split(seconded.full_name, 1)[1].split("</tr>", 1)[0]
        assert expected[0] in row and ((expected[1] or "迟交") in row) == bool(expected[1])
        handle = exports.roster_file(viewer=hr, year=2026, month=month).content
        with handle:
            sheet = {r[2]: r[3:5] for r in list(load_workbook(handle).active.iter_rows(values_only=True))[1:]}
        assert sheet[seconded.full_name] == expected


def test_the_home_page_names_last_months_secondment_while_its_summary_would_be_due(client_for, colleague, settings):
    """A re-test: seconded all November, on 3 December the home page showed December's summary due
    with no word of why November's (due on the 5th) was not asked."""
    StaffStatus.objects.create(
        user=colleague, kind=StaffStatusKind.SECONDED, start_date=date(2026, 11, 1), end_date=date(2026, 11, 30)
    )
    settings.APPRAISAL_TODAY = date(2026, 12, 3)
    page = client_for(colleague).get("/").content.decode()
    assert 'data-month="12"' in page and "挂职/援派（2026-11-01至2026-11-30）期间由派驻单位考核" in page
    settings.APPRAISAL_TODAY = date(2026, 12, 10)
    assert 'data-testid="my-secondment"' not in client_for(colleague).get("/").content.decode()
