"""One calendar: the month ↔ quarter arithmetic is written in ``accounts/periods.py`` and nowhere else
in the application (issue 8: it had been written about 25 times, and the copies drifted)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CALENDAR = "accounts/periods.py"
# A month's quarter ((month - 1) // 3 + 1, (month + 2) // 3) or a quarter's first or last month
# (quarter * 3 - 2, (quarter - 1) * 3 + 1, quarter * 3, 3 * q).
ARITHMETIC = re.compile(
    r"\)\s*//\s*3\b|\bquarter\w*\s*\*\s*3\b|\(\s*\w*quarter\w*\s*-\s*1\s*\)\s*\*\s*3\b|\b3\s*\*\s*(q|quarter\w*)\b"
)


def application_sources() -> list[str]:
    listed = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [
        path
        for path in listed.stdout.split()
        if not path.startswith(("tests/", "bench/")) and "/migrations/" not in path
    ]


def lines_outside_the_calendar(pattern: re.Pattern) -> list[str]:
    """Each line of the application's code outside the calendar that ``pattern`` finds, as
    ``path:number: line``."""
    return [
        f"{path}:{number}: {line.strip()}"
        for path in application_sources()
        if path != CALENDAR
        for number, line in enumerate((ROOT / path).read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]


def test_the_calendar_is_the_only_place_that_turns_months_into_quarters():
    assert lines_outside_the_calendar(ARITHMETIC) == []


def test_the_check_sees_the_calendars_own_arithmetic():
    # The pattern finds the one place where it is written, so an empty list above means something.
    text = (ROOT / CALENDAR).read_text(encoding="utf-8")
    assert ARITHMETIC.search(text)


# "Today" and a moment's civil date come from accounts.periods.today() (Asia/Shanghai, and the moved
# clock of the demo and the browser tests), never from a second clock.
SECOND_CLOCK = re.compile(r"\bdate\.today\(|\blocaldate\(|\.now\(\)\.date\(|\bdatetime\.now\(")


def test_the_calendar_is_the_only_clock_of_the_day():
    assert lines_outside_the_calendar(SECOND_CLOCK) == []
