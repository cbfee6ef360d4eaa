"""ISO weeks in the calendar (accounts.periods.Week): the weekly progress board counts by them."""

from datetime import UTC, date, datetime

import pytest

from accounts.periods import Quarter, Week


def test_a_week_runs_monday_to_sunday_and_is_labelled_with_its_dates():
    week = Week.of(date(2026, 12, 1))
    assert (week.year, week.week) == (2026, 49)
    assert (week.first_day, week.last_day) == (date(2026, 11, 30), date(2026, 12, 6))
    assert week.label == "2026年第49周（11月30日—12月6日）"
    assert week.code == "2026-W49" and Week.parse("2026-W49") == week


def test_the_days_around_new_year_belong_to_the_iso_year_of_their_thursday():
    assert Week.of(date(2026, 12, 31)) == Week(2026, 53) == Week.of(date(2027, 1, 3))
    assert Week.of(date(2027, 1, 4)) == Week(2027, 1)
    assert Week(2026, 53).next() == Week(2027, 1) and Week(2027, 1).previous() == Week(2026, 53)


def test_the_current_week_is_counted_on_chinas_clock():
    # 16:30 UTC on Sunday 6 December is already Monday 7 December in Beijing.
    assert Week.current(datetime(2026, 12, 6, 16, 30, tzinfo=UTC)) == Week(2026, 50)


def test_a_week_that_does_not_exist_or_a_malformed_code_is_refused():
    with pytest.raises(ValueError):
        Week(2027, 53)  # 2027 has 52 ISO weeks
    with pytest.raises(ValueError):
        Week(2026, 0)
    for text in ("2026-49", "W49", "2026-Wxx", ""):
        with pytest.raises(ValueError):
            Week.parse(text)


def test_weeks_are_ordered_and_know_their_days():
    assert Week(2026, 48) < Week(2026, 49) < Week(2027, 1)
    assert list(Week(2026, 49).days())[-1] == date(2026, 12, 6)
    assert Week(2026, 49).contains(date(2026, 12, 6)) and not Week(2026, 49).contains(date(2026, 12, 7))
    assert Quarter.of(Week(2026, 40).first_day) == Quarter(2026, 3)  # 28 Sep – 4 Oct straddles Q3/Q4
