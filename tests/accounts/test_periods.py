"""The calendar: quarters and months, policy deadlines, lateness on China's clock, working days
with statutory holidays, 调休 and HR's overrides, and the page where HR keeps the overrides."""

import logging
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts import periods, services
from accounts.models import AuditEntry, WorkingDayOverride
from accounts.periods import (
    Month,
    Quarter,
    add_working_days,
    grading_deadline,
    is_late,
    is_working_day,
    summary_deadline,
    target_deadline,
    working_days,
    working_days_between,
)
from accounts.selectors import policy_for_organisation
from tests.factories import UserFactory, WorkingDayOverrideFactory

CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _fresh_unknown_year_warnings():
    # The warning is once per process; each test starts from a process that has not warned yet.
    periods._warned_unknown_years.clear()
    yield
    periods._warned_unknown_years.clear()


@pytest.fixture
def policy(organisation):
    return policy_for_organisation(organisation_id=organisation.pk)


def _override(day: date, working: bool, organisation=None, note: str = "") -> WorkingDayOverride:
    return WorkingDayOverrideFactory(organisation=organisation, date=day, is_working_day=working, note=note)


# --- today ------------------------------------------------------------------------------


def test_today_is_the_civil_date_in_china_not_in_utc():
    # 17:30 UTC on 31 December is already 01:30 on 1 January in Beijing.
    assert periods.today(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == date(2027, 1, 1)
    assert periods.today(datetime(2026, 12, 31, 15, 59, tzinfo=UTC)) == date(2026, 12, 31)


def test_today_without_an_argument_reads_the_clock(monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: datetime(2026, 9, 30, 16, 5, tzinfo=UTC))
    assert periods.today() == date(2026, 10, 1)
    assert Quarter.current() == Quarter(2026, 4)
    assert Month.current() == Month(2026, 10)


# --- Quarters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "month, quarter",
    [(1, 1), (2, 1), (3, 1), (4, 2), (5, 2), (6, 2), (7, 3), (8, 3), (9, 3), (10, 4), (11, 4), (12, 4)],
)
def test_every_month_belongs_to_its_quarter(month, quarter):
    assert Quarter.of(date(2026, month, 15)) == Quarter(2026, quarter)
    assert Month(2026, month).quarter == Quarter(2026, quarter)
    assert month in Quarter(2026, quarter).months


def test_the_quarter_after_q4_is_q1_of_the_next_year_and_back():
    assert Quarter(2026, 4).next() == Quarter(2027, 1)
    assert Quarter(2027, 1).previous() == Quarter(2026, 4)
    assert Quarter(2026, 2).next() == Quarter(2026, 3)
    assert Quarter(2026, 3).previous() == Quarter(2026, 2)


def test_a_quarter_knows_its_first_and_last_day_and_months():
    assert Quarter(2026, 1).first_day == date(2026, 1, 1)
    assert Quarter(2026, 1).last_day == date(2026, 3, 31)
    assert Quarter(2026, 2).last_day == date(2026, 6, 30)
    assert Quarter(2026, 3).last_day == date(2026, 9, 30)
    assert Quarter(2026, 4).first_day == date(2026, 10, 1)
    assert Quarter(2026, 4).last_day == date(2026, 12, 31)
    assert Quarter(2026, 4).months == (10, 11, 12)
    assert len(list(Quarter(2028, 1).days())) == 31 + 29 + 31  # a leap year


def test_contains_is_inclusive_at_both_ends():
    q4 = Quarter(2026, 4)
    assert q4.contains(date(2026, 10, 1)) and q4.contains(date(2026, 12, 31))
    assert not q4.contains(date(2026, 9, 30)) and not q4.contains(date(2027, 1, 1))


def test_a_datetime_is_refused_because_its_date_depends_on_the_zone():
    with pytest.raises(TypeError):
        Quarter.of(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))
    with pytest.raises(TypeError):
        Quarter(2026, 4).contains(datetime(2026, 12, 31, 20, 0, tzinfo=UTC))


def test_quarters_sort_by_year_then_quarter_and_are_hashable():
    quarters = [Quarter(2027, 1), Quarter(2026, 4), Quarter(2026, 1)]
    assert sorted(quarters) == [Quarter(2026, 1), Quarter(2026, 4), Quarter(2027, 1)]
    assert Quarter(2026, 4) < Quarter(2027, 1)
    assert {Quarter(2026, 4), Quarter(2026, 4)} == {Quarter(2026, 4)}
    assert Quarter.in_year(2026) == (Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4))


@pytest.mark.parametrize(
    "year, quarter", [(2026, 0), (2026, 5), (1999, 1), (2101, 1), ("2026", 1), (2026, True), (2026, 1.0)]
)
def test_an_impossible_quarter_is_refused(year, quarter):
    with pytest.raises(ValueError):
        Quarter(year, quarter)


def test_quarter_and_month_labels_are_translated():
    with translation.override("zh-hans"):
        assert str(Quarter(2026, 4)) == "2026年第4季度"
        assert Month(2026, 11).label == "2026年11月"
    with translation.override("en"):
        assert str(Quarter(2026, 4)) == "Q4 2026"
        assert str(Month(2026, 11)) == "11/2026"


# --- Months -----------------------------------------------------------------------------


def test_the_month_after_december_is_january_of_the_next_year_and_back():
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2027, 1).previous() == Month(2026, 12)
    assert Month(2026, 11) < Month(2026, 12) < Month(2027, 1)


@pytest.mark.parametrize(
    "year, month, last",
    [(2026, 1, 31), (2026, 2, 28), (2028, 2, 29), (2100, 2, 28), (2026, 4, 30), (2026, 12, 31)],
)
def test_a_month_knows_its_last_day_in_leap_and_common_years(year, month, last):
    assert Month(year, month).first_day == date(year, month, 1)
    assert Month(year, month).last_day == date(year, month, last)


def test_a_month_is_found_from_a_date_and_contains_only_its_days():
    november = Month.of(date(2026, 11, 30))
    assert november == Month(2026, 11)
    assert november.contains(date(2026, 11, 1)) and not november.contains(date(2026, 12, 1))
    assert len(list(november.days())) == 30


@pytest.mark.parametrize("month", [0, 13, -1])
def test_an_impossible_month_is_refused(month):
    with pytest.raises(ValueError):
        Month(2026, month)


# --- Deadlines --------------------------------------------------------------------------


def test_targets_are_due_on_the_policy_day_of_the_quarters_first_month(policy):
    assert target_deadline(policy, Quarter(2026, 4)) == date(2026, 10, 10)
    policy.target_deadline_day = 15
    assert target_deadline(policy, Quarter(2027, 1)) == date(2027, 1, 15)
    assert target_deadline(7, Quarter(2026, 3)) == date(2026, 7, 7)


@pytest.mark.parametrize(
    "started_on, due",
    [
        (date(2026, 12, 31), date(2027, 1, 12)),  # began before the quarter: its own deadline
        (date(2027, 1, 1), date(2027, 1, 12)),  # on its first day: the same
        (date(2027, 1, 6), date(2027, 1, 17)),  # the usual twelve days from the start
        (date(2027, 1, 12), date(2027, 1, 23)),  # not due the day it began (a user test)
        (date(2027, 1, 13), date(2027, 1, 24)),
    ],
)
def test_the_quarter_an_organisation_began_in_gives_the_usual_lead_time_from_its_start(policy, started_on, due):
    policy.target_deadline_day = 12
    policy.started_on = started_on
    assert target_deadline(policy, Quarter(2027, 1)) == due


def test_a_summary_is_due_in_the_following_month_and_decembers_in_january(policy):
    assert summary_deadline(policy, Month(2026, 11)) == date(2026, 12, 5)
    assert summary_deadline(policy, Month(2026, 12)) == date(2027, 1, 5)
    # The older helpers passed the day number: that still works.
    assert summary_deadline(8, Month(2026, 12)) == date(2027, 1, 8)


def test_a_deadline_day_that_some_month_lacks_is_refused():
    with pytest.raises(ValueError):
        summary_deadline(31, Month(2026, 1))
    with pytest.raises(ValueError):
        target_deadline(0, Quarter(2026, 1))


def test_grading_is_due_n_days_after_the_quarters_last_day(policy):
    assert grading_deadline(policy, Quarter(2026, 3)) == date(2026, 10, 15)
    assert grading_deadline(policy, Quarter(2026, 4)) == date(2027, 1, 15)
    policy.grading_deadline_days = 30
    assert grading_deadline(policy, Quarter(2026, 1)) == date(2026, 4, 30)
    assert grading_deadline(20, Quarter(2026, 4)) == date(2027, 1, 20)


def test_lateness_is_judged_on_the_civil_date_in_china():
    deadline = date(2026, 12, 5)
    assert not is_late(deadline, datetime(2026, 12, 5, 23, 59, tzinfo=CHINA))
    assert is_late(deadline, datetime(2026, 12, 6, 0, 1, tzinfo=CHINA))
    # 16:30 UTC on the 5th is 00:30 on the 6th in Beijing: late, although UTC still says the 5th.
    assert is_late(deadline, datetime(2026, 12, 5, 16, 30, tzinfo=UTC))
    # 20:00 UTC on the 4th is 04:00 on the 5th in Beijing: on time.
    assert not is_late(deadline, datetime(2026, 12, 4, 20, 0, tzinfo=UTC))


# --- Working days: the statutory calendar ------------------------------------------------


def test_the_library_facts_this_file_relies_on():
    # Checked against chinese_calendar itself, not memory: if a release changes them, this fails first.
    assert all(chinese_calendar.is_holiday(date(2025, 10, day)) for day in range(1, 9))
    assert chinese_calendar.is_workday(date(2025, 9, 28)) and date(2025, 9, 28).weekday() == 6
    assert chinese_calendar.is_workday(date(2025, 10, 11)) and date(2025, 10, 11).weekday() == 5
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2040, 1, 2))


@pytest.mark.django_db
def test_national_day_2025_is_a_holiday_and_its_make_up_days_are_working_days():
    assert not any(is_working_day(date(2025, 10, day)) for day in range(1, 9))
    assert is_working_day(date(2025, 9, 28))  # a Sunday made a working day (调休)
    assert is_working_day(date(2025, 10, 11))  # a Saturday made a working day (调休)
    assert not is_working_day(date(2025, 10, 12))  # an ordinary Sunday
    assert is_working_day(date(2025, 10, 9))


@pytest.mark.django_db
def test_a_publication_window_skips_the_national_day_holiday():
    # Five working days from Monday 29 September 2025: 29, 30 Sep, 9, 10, 11 Oct (a 调休 Saturday).
    assert add_working_days(date(2025, 9, 29), 5) == date(2025, 10, 11)
    # Published on a holiday, the window starts on the first working day after it.
    assert add_working_days(date(2025, 10, 3), 1) == date(2025, 10, 9)
    assert add_working_days(date(2025, 10, 3), 3) == date(2025, 10, 11)
    # The start day counts when it is a working day.
    assert add_working_days(date(2025, 9, 30), 1) == date(2025, 9, 30)


@pytest.mark.django_db
def test_a_window_has_at_least_one_day():
    with pytest.raises(ValueError):
        add_working_days(date(2025, 9, 29), 0)


@pytest.mark.django_db
def test_working_days_between_counts_both_ends_and_matches_the_window():
    assert working_days_between(date(2025, 9, 27), date(2025, 10, 12)) == 6  # 28, 29, 30 Sep; 9, 10, 11 Oct
    assert working_days_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert working_days_between(date(2025, 10, 9), date(2025, 10, 9)) == 1
    assert working_days_between(date(2025, 10, 10), date(2025, 10, 9)) == 0
    for start in (date(2025, 9, 26), date(2025, 9, 29), date(2025, 10, 2)):
        for n in (1, 3, 5, 10):
            assert working_days_between(start, add_working_days(start, n)) == n


@pytest.mark.django_db
def test_working_days_lists_the_days_with_the_organisations_overrides(organisation, django_assert_num_queries):
    _override(date(2025, 10, 9), working=False, organisation=organisation, note="本单位停工")
    _override(date(2025, 10, 12), working=True, organisation=organisation, note="本单位加班")  # a Sunday
    with django_assert_num_queries(1):
        days = working_days(date(2025, 9, 27), date(2025, 10, 12), organisation)
    assert [d.day for d in days] == [28, 29, 30, 10, 11, 12]
    assert working_days(date(2025, 9, 27), date(2025, 10, 12)) == [date(2025, 9, d) for d in (28, 29, 30)] + [
        date(2025, 10, d) for d in (9, 10, 11)
    ]
    assert working_days(date(2025, 10, 10), date(2025, 10, 9)) == []


# --- Working days: overrides and unknown years --------------------------------------------


@pytest.mark.django_db
def test_a_year_nobody_knows_falls_back_to_monday_to_friday_and_warns_once(caplog):
    with caplog.at_level(logging.WARNING, logger="accounts.periods"):
        assert is_working_day(date(2040, 10, 1))  # a Monday
        assert not is_working_day(date(2040, 10, 6))  # a Saturday
        assert add_working_days(date(2040, 10, 5), 3) == date(2040, 10, 9)  # Friday, Monday, Tuesday
    warnings = [r for r in caplog.records if "2040" in r.getMessage()]
    assert len(warnings) == 1


@pytest.mark.django_db
def test_hr_overrides_describe_a_year_the_library_does_not_know(organisation, caplog):
    _override(date(2040, 10, 1), working=False, note="国庆节")  # a Monday made a holiday
    _override(date(2040, 9, 29), working=True, note="调休补班")  # a Saturday made a working day
    with caplog.at_level(logging.WARNING, logger="accounts.periods"):
        assert not is_working_day(date(2040, 10, 1))
        assert is_working_day(date(2040, 9, 29))
        assert is_working_day(date(2040, 10, 2))  # the rest of the year: Monday to Friday
        assert not is_working_day(date(2040, 9, 30))
        # Friday 28 Sep, Saturday 29 Sep (补班), then Tuesday 2 Oct.
        assert add_working_days(date(2040, 9, 28), 3, organisation) == date(2040, 10, 2)
    # HR has described the year: no warning about an unknown year.
    assert not [r for r in caplog.records if "2040" in r.getMessage()]


@pytest.mark.django_db
def test_an_override_also_corrects_a_year_the_library_knows(organisation):
    _override(date(2025, 10, 9), working=False, organisation=organisation, note="本单位补休")
    assert not is_working_day(date(2025, 10, 9), organisation)
    assert is_working_day(date(2025, 10, 9))  # other organisations keep the statutory day


@pytest.mark.django_db
def test_the_organisations_override_beats_the_global_one(organisation, other_organisation):
    _override(date(2040, 10, 1), working=False)
    _override(date(2040, 10, 1), working=True, organisation=organisation, note="值班")
    assert is_working_day(date(2040, 10, 1), organisation)
    assert is_working_day(date(2040, 10, 1), organisation.pk)
    assert not is_working_day(date(2040, 10, 1), other_organisation)
    assert not is_working_day(date(2040, 10, 1))


@pytest.mark.django_db
def test_another_organisations_override_does_not_leak(organisation, other_organisation):
    _override(date(2025, 10, 11), working=False, organisation=other_organisation)
    assert is_working_day(date(2025, 10, 11), organisation)
    assert not is_working_day(date(2025, 10, 11), other_organisation)


@pytest.mark.django_db
def test_counting_a_month_of_working_days_costs_one_query(organisation, django_assert_num_queries):
    _override(date(2025, 10, 9), working=False, organisation=organisation)
    with django_assert_num_queries(1):
        # September: 22 weekdays + Sunday 28th (调休); October: 23 weekdays − 6 holidays + Saturday 11th − the 9th.
        assert working_days_between(date(2025, 9, 1), date(2025, 10, 31), organisation) == 23 + 17
    with django_assert_num_queries(1):
        # 29, 30 Sep; 10, 11 (调休), 13–17, 20 Oct: the organisation's day off on the 9th is skipped too.
        assert add_working_days(date(2025, 9, 29), 10, organisation) == date(2025, 10, 20)


# --- The HR page ------------------------------------------------------------------------


def test_hr_adds_an_override_and_sees_it_listed(client_for, hr, organisation):
    client = client_for(hr)
    response = client.post(
        reverse("accounts:calendar"), {"date": "2040-10-01", "is_working_day": "0", "note": "国庆节"}
    )
    assert response.status_code == 302
    override = WorkingDayOverride.objects.get()
    assert (override.organisation, override.date, override.is_working_day, override.note, override.created_by) == (
        organisation,
        date(2040, 10, 1),
        False,
        "国庆节",
        hr,
    )
    assert not is_working_day(date(2040, 10, 1), organisation)
    page = client.get(reverse("accounts:calendar"))
    assert "2040-10-01" in page.content.decode() and "国庆节" in page.content.decode()
    assert AuditEntry.objects.filter(organisation=organisation, object_pk=str(override.pk)).exists()


def test_hr_deletes_an_override_after_confirming(client_for, hr, organisation):
    override = _override(date(2040, 9, 29), working=True, organisation=organisation)
    client = client_for(hr)
    url = reverse("accounts:calendar_delete", args=[override.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "2040-09-29" in confirm.content.decode()
    assert WorkingDayOverride.objects.filter(pk=override.pk).exists()  # a GET never writes
    assert client.post(url).status_code == 302
    assert not WorkingDayOverride.objects.filter(pk=override.pk).exists()


def test_the_list_shows_only_the_organisations_own_overrides(client_for, hr, organisation, other_organisation):
    _override(date(2040, 1, 2), working=False, organisation=organisation, note="本单位")
    _override(date(2040, 1, 3), working=False, organisation=other_organisation, note="外单位")
    _override(date(2040, 1, 4), working=False, note="全局")
    content = client_for(hr).get(reverse("accounts:calendar")).content.decode()
    assert "本单位" in content
    assert "外单位" not in content and "全局" not in content


def test_another_organisations_or_a_global_override_cannot_be_deleted(client_for, hr, other_organisation):
    foreign = _override(date(2040, 1, 3), working=False, organisation=other_organisation)
    shared = _override(date(2040, 1, 4), working=False)
    client = client_for(hr)
    for override in (foreign, shared):
        url = reverse("accounts:calendar_delete", args=[override.pk])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert WorkingDayOverride.objects.count() == 2


@pytest.mark.parametrize("persona", ["staff", "head", "leader", "chief", "sysadmin", "auditor", "outsider"])
def test_only_hr_may_open_or_change_the_calendar(client_for, persona, request, organisation):
    override = _override(date(2040, 1, 2), working=False, organisation=organisation)
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("accounts:calendar")).status_code == 403
    assert client.post(reverse("accounts:calendar"), {"date": "2040-10-01", "is_working_day": "0"}).status_code == 403
    assert client.post(reverse("accounts:calendar_delete", args=[override.pk])).status_code == 403
    assert WorkingDayOverride.objects.count() == 1


def test_the_service_itself_refuses_anyone_but_hr_of_the_organisation(staff, hr, other_organisation):
    with pytest.raises(PermissionDenied):
        services.working_day_override_add(actor=staff, day=date(2040, 10, 1), is_working_day=False)
    foreign = _override(date(2040, 10, 1), working=False, organisation=other_organisation)
    with pytest.raises(PermissionDenied):
        services.working_day_override_remove(actor=hr, override=foreign)
    shared = _override(date(2040, 10, 2), working=False)
    with pytest.raises(PermissionDenied):
        services.working_day_override_remove(actor=hr, override=shared)
    assert WorkingDayOverride.objects.count() == 2


def test_hr_of_another_organisation_keeps_their_own_calendar(client_for, other_organisation, organisation):
    other_hr = UserFactory(organisation=other_organisation, department=None, roles=["hr_admin"])
    response = client_for(other_hr).post(reverse("accounts:calendar"), {"date": "2040-10-01", "is_working_day": "0"})
    assert response.status_code == 302
    assert WorkingDayOverride.objects.get().organisation == other_organisation
    assert not is_working_day(date(2040, 10, 1), other_organisation)
    assert is_working_day(date(2040, 10, 1), organisation)  # their holiday is not ours


def test_a_stranger_is_sent_to_sign_in(client):
    response = client.get(reverse("accounts:calendar"))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"date": "1999-12-31", "is_working_day": "0"}, "日期须在2000年至2100年之间。"),
        ({"date": "2101-01-03", "is_working_day": "1"}, "日期须在2000年至2100年之间。"),
        ({"date": "2040-10-01", "is_working_day": "0", "note": "长" * 101}, "100"),
        ({"date": "不是日期", "is_working_day": "0"}, "输入一个有效的日期。"),
        ({"date": "2040-10-01", "is_working_day": "maybe"}, "选择一个有效的选项"),
        ({"is_working_day": "0"}, "这个字段是必填项。"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(client_for, hr, data, message):
    response = client_for(hr).post(reverse("accounts:calendar"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not WorkingDayOverride.objects.exists()


def test_the_same_day_twice_is_refused_with_a_message(client_for, hr, organisation):
    _override(date(2040, 10, 1), working=False, organisation=organisation)
    response = client_for(hr).post(reverse("accounts:calendar"), {"date": "2040-10-01", "is_working_day": "1"})
    assert response.status_code == 200
    assert "本单位已设置过2040-10-01" in response.content.decode()
    assert WorkingDayOverride.objects.get().is_working_day is False


def test_the_same_day_may_have_a_global_and_an_organisation_override(client_for, hr, organisation):
    _override(date(2040, 10, 1), working=False)
    response = client_for(hr).post(reverse("accounts:calendar"), {"date": "2040-10-01", "is_working_day": "1"})
    assert response.status_code == 302
    assert is_working_day(date(2040, 10, 1), organisation)


def test_the_list_is_paginated_with_a_constant_number_of_queries(client_for, hr, organisation):
    client = client_for(hr)
    _override(date(2040, 1, 1), working=False, organisation=organisation)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("accounts:calendar"))
    for day in range(2, 31):
        WorkingDayOverrideFactory(organisation=organisation, date=date(2040, 1, day), created_by=hr)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("accounts:calendar"))
    assert len(many) == len(few)
    assert len(response.context["page"]) == 25
    assert "2040-01-30" in response.content.decode() and "2040-01-05" not in response.content.decode()


def test_hr_finds_the_calendar_in_the_menu_next_to_the_policy(client_for, hr, staff):
    labels = [item["label"] for item in client_for(hr).get(reverse("home")).context["nav_items"]]
    assert labels.index("工作日历") == labels.index("考核政策") + 1
    labels = [item["label"] for item in client_for(staff).get(reverse("home")).context["nav_items"]]
    assert "工作日历" not in labels


@pytest.mark.parametrize(
    ("day", "year", "quarter"),
    [
        (date(2027, 1, 6), 2026, (2026, 4)),  # Q4 graded, the year-end under way
        (date(2027, 2, 28), 2026, (2027, 1)),
        (date(2027, 3, 1), 2027, (2027, 1)),
        (date(2027, 4, 10), 2027, (2027, 1)),  # Q1 graded in April
        (date(2027, 5, 2), 2027, (2027, 2)),
        (date(2026, 12, 31), 2026, (2026, 4)),
    ],
)
def test_the_year_and_quarter_at_work_turn_after_the_year_end_and_the_grading_month(day, year, quarter):
    assert periods.year_at_work(day) == year
    at_work = periods.quarter_at_work(day)
    assert (at_work.year, at_work.quarter) == quarter


def test_in_january_the_pages_open_on_the_year_just_ended(client_for, hr, inspector, settings):
    """A user test in January 2027 found the veto list, the 创新突破 and the reports on an empty 2027."""
    settings.APPRAISAL_TODAY = "2027-01-06"
    assert (
        client_for(hr).get(reverse("evaluations:achievements_index"))["Location"]
        == "/evaluations/annual/2026/achievements/"
    )
    assert client_for(hr).get(reverse("reports:index")).context["year"] == 2026
    veto = client_for(inspector).get(reverse("evaluations:veto_list"))
    assert veto.context["filter"].data["year"] == "2026"


def test_the_calendar_page_says_when_the_year_at_work_is_beyond_the_built_in_calendar(
    client_for, hr, organisation, settings
):
    """A user test worked in a year the installed chinesecalendar does not know: its rows read 无数据
    and nothing on the page said the year's holidays were missing."""
    _first, last = periods.statutory_year_range()
    client = client_for(hr)
    settings.APPRAISAL_TODAY = date(last, 6, 1)
    assert 'data-testid="calendar-unknown-year"' not in client.get(reverse("accounts:calendar")).content.decode()
    settings.APPRAISAL_TODAY = date(last, 12, 1)  # December: next year's arrangement is due
    page = client.get(reverse("accounts:calendar")).content.decode()
    assert 'data-testid="calendar-unknown-year"' in page and f"尚无{last + 1}年的法定节假日" in page
    settings.APPRAISAL_TODAY = date(last + 1, 1, 6)
    assert f"尚无{last + 1}年的法定节假日" in client.get(reverse("accounts:calendar")).content.decode()
    # The year's first entries do not silence it (a user test: one 春节 day did): it says how far
    # the year is entered, until a day of October (国庆, the year's last arrangement) is.
    _override(date(last + 1, 2, 16), working=False, organisation=organisation, note="春节")
    _override(date(last + 1, 2, 17), working=False, organisation=organisation, note="春节")
    page = client.get(reverse("accounts:calendar")).content.decode()
    assert 'data-testid="calendar-unknown-year"' in page
    assert f"{last + 1}年已录入2天，最晚到{last + 1}-02-17，尚未录入国庆节的安排" in page
    _override(date(last + 1, 10, 1), working=False, organisation=organisation, note="国庆节")
    assert 'data-testid="calendar-unknown-year"' not in client.get(reverse("accounts:calendar")).content.decode()


def test_deadlines_on_days_off_move_to_the_next_working_day_where_the_policy_says_so(organisation, staff):
    """A user test: September's summary was due on 5 October, inside 国庆, and handed in on the first
    working day after it counted as 迟交. With 截止日遇节假日顺延, a deadline on a day off moves to
    the next working day; a 调休 working Saturday stays a deadline."""
    from accounts.models import Policy
    from summaries import services as summaries
    from tests.factories import MonthlySummaryFactory

    policy = policy_for_organisation(organisation_id=organisation.pk)
    september, november = periods.Month(2026, 9), periods.Month(2026, 11)
    assert periods.summary_deadline(policy, september) == date(2026, 10, 5)  # off by default
    Policy.objects.filter(organisation=organisation).update(deadlines_on_working_days=True)
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert periods.summary_deadline(policy, september) == date(2026, 10, 8)  # after 国庆 (1–7 October)
    assert periods.summary_deadline(policy, november) == date(2026, 12, 7)  # Saturday the 5th → Monday
    assert periods.target_deadline(policy, periods.Quarter(2026, 4)) == date(2026, 10, 10)  # a 调休 Saturday
    assert periods.summary_deadline(policy, periods.Month(2026, 10)) == date(2026, 11, 5)  # a Thursday
    # The holiday an organisation adds of its own moves it too.
    WorkingDayOverrideFactory(organisation=organisation, date=date(2026, 11, 5), is_working_day=False)
    policy = policy_for_organisation(organisation_id=organisation.pk)
    assert periods.summary_deadline(policy, periods.Month(2026, 10)) == date(2026, 11, 6)
    # Handed in on the first working day after 国庆: on time.
    summary = MonthlySummaryFactory(owner=staff, year=2026, month=9, other_work="1. 完成报表")
    handed_in = summaries.summary_submit(
        summary=summary,
        actor=staff,
        now=datetime(2026, 10, 8, 1, tzinfo=UTC),  # 09:00 in Beijing
    )
    assert handed_in.is_late is False
