"""The calendar: the one place for civil dates, quarters, months, deadlines and working days.

Everything here is judged on the civil date in China (Asia/Shanghai), whatever the server's
clock or the database's time zone: a deadline is a day on the wall calendar of the agency,
not a UTC instant.

* :func:`today` — the civil date now (or of a given instant).
* :class:`Quarter`, :class:`Month` and :class:`Week` (ISO weeks) — immutable, ordered, validated period values.
* :func:`target_deadline`, :func:`summary_deadline`, :func:`grading_deadline` — the policy's
  deadlines (DOMAIN.md §3), and :func:`is_late` to judge a submission against one.
* :func:`grading_window_opens`, :func:`grading_open_refusal` — when a quarter's grading may begin
  and how far back HR may still open one (policy), and :func:`period_lock` /
  :func:`refuse_if_locked` — a quarter closed by the agency head's approval (read-only).
* :func:`is_working_day`, :func:`add_working_days`, :func:`working_days_between` — working days
  with statutory holidays and make-up working days (调休) from the ``chinese_calendar`` package,
  corrected by HR's :class:`~accounts.models.WorkingDayOverride` rows.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING, ClassVar, Self
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import shapes
from .models import GradingOpens, PeriodLock, WorkingDayOverride

if TYPE_CHECKING:
    from .models import Organisation, Policy

logger = logging.getLogger(__name__)

# The agencies are in mainland China; their deadlines are days on this clock.
CHINA_TZ = ZoneInfo("Asia/Shanghai")

# Periods outside this range are typing mistakes (2206 for 2026), not plans.
MIN_YEAR = 2000
MAX_YEAR = 2100


def today(now: datetime | None = None) -> date:
    """The civil date in China at ``now`` (an aware datetime; default: the current instant).

    ``settings.APPRAISAL_TODAY`` (a date; settings.py reads it from the environment only with
    ``DEBUG`` on, tests set it) moves the clock of the whole application to that day, so a browser
    test or a demo can walk a quarter against a live server; an explicit ``now`` is never moved.
    """
    if now is None:
        moved = moved_today()
        if moved is not None:
            return moved
    return timezone.localtime(now or timezone.now(), CHINA_TZ).date()


def now() -> datetime:
    """The current instant; under ``settings.APPRAISAL_TODAY`` the same time of day in China on the
    day the clock is moved to, so that what the review workflow stamps and judges (a hand-in's
    time and lateness, a review's time) agrees with the moved day a demo or browser test walks
    (a user test's 述职 handed in after its deadline under a moved clock was not marked 迟交)."""
    instant = timezone.now()
    moved = moved_today()
    if moved is None:
        return instant
    return timezone.localtime(instant, CHINA_TZ).replace(year=moved.year, month=moved.month, day=moved.day)


def moved_today() -> date | None:
    """The day ``settings.APPRAISAL_TODAY`` sets the clock to, or None (production never moves it)."""
    value = getattr(settings, "APPRAISAL_TODAY", None)
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _civil_date(d: date) -> date:
    # A datetime is an instant, and its .date() depends on the zone it happens to carry;
    # refusing it here forces callers through today(), which picks the right zone.
    if isinstance(d, datetime):
        raise TypeError("Pass a date; convert an instant with periods.today(instant) first.")
    return d


def _check_year(year: int) -> None:
    if isinstance(year, bool) or not isinstance(year, int):
        raise ValueError(f"year must be an int, not {year!r}")
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}")


# --- Periods -------------------------------------------------------------------------


def _check_number(name: str, value: int, highest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise ValueError(f"{name} must be 1..{highest}, not {value!r}")


class _Period:
    """What a quarter, a month and a week share: a run of civil dates from ``first_day`` to
    ``last_day``, found by ``of(date)``, shown by ``label``."""

    first_day: date
    last_day: date
    label: str

    @classmethod
    def of(cls, d: date) -> Self:  # pragma: no cover - every period says how a date finds it
        raise NotImplementedError

    @classmethod
    def current(cls, now: datetime | None = None) -> Self:
        """The period of today's civil date in China (or of the instant ``now``)."""
        return cls.of(today(now))

    def contains(self, d: date) -> bool:
        """Whether the civil date ``d`` lies in this period."""
        return self.first_day <= _civil_date(d) <= self.last_day

    def has_begun(self, d: date) -> bool:
        """Whether the period has begun by the civil date ``d`` (a later one asks nothing yet: 未到)."""
        return self.first_day <= _civil_date(d)

    def days(self) -> Iterator[date]:
        """Every date of the period, first to last."""
        return _days(self.first_day, self.last_day)

    def __str__(self) -> str:
        return self.label


class _PeriodOfTheYear(_Period):
    """A quarter or a month: numbered 1 to ``per_year`` within a calendar year, so the one before
    the first of a year is the last of the year before."""

    per_year: ClassVar[int]
    number_field: ClassVar[str]  # the dataclass field after ``year``: "quarter", "month"

    def __post_init__(self) -> None:
        _check_year(self.year)
        _check_number(self.number_field, self.number, self.per_year)

    @property
    def number(self) -> int:
        return getattr(self, self.number_field)

    def previous(self) -> Self:
        return self._shifted(-1)

    def next(self) -> Self:
        return self._shifted(1)

    def _shifted(self, by: int) -> Self:
        year, index = divmod(self.year * self.per_year + self.number - 1 + by, self.per_year)
        return type(self)(year, index + 1)


# The choices of every model field that holds a quarter number.
# As :attr:`Quarter.label` names them (2026年第4季度), so a select and a page say the same.
QUARTER_CHOICES = [(1, _("第1季度")), (2, _("第2季度")), (3, _("第3季度")), (4, _("第4季度"))]


@dataclass(frozen=True, order=True)
class Quarter(_PeriodOfTheYear):
    """A calendar quarter, e.g. ``Quarter(2026, 4)``; ordered by (year, quarter).

    Quarters never straddle a year end, so :attr:`months` are plain month numbers of
    :attr:`year`: ``Quarter(2026, 4).months == (10, 11, 12)``, ready for
    ``filter(year=q.year, month__in=q.months)``.
    """

    year: int
    quarter: int
    per_year: ClassVar[int] = 4
    number_field: ClassVar[str] = "quarter"

    @classmethod
    def of(cls, d: date) -> Quarter:
        """The quarter a civil date falls in."""
        d = _civil_date(d)
        return cls(d.year, (d.month - 1) // 3 + 1)

    @classmethod
    def in_year(cls, year: int) -> tuple[Quarter, ...]:
        """The four quarters of ``year``, in order."""
        return tuple(cls(year, q) for q in range(1, 5))

    @property
    def first_month(self) -> int:
        return 3 * (self.quarter - 1) + 1

    @property
    def months(self) -> tuple[int, int, int]:
        """The month numbers (1–12) of the quarter, all in :attr:`year`."""
        first = self.first_month
        return (first, first + 1, first + 2)

    @property
    def first_day(self) -> date:
        return date(self.year, self.first_month, 1)

    @property
    def last_day(self) -> date:
        return Month(self.year, self.first_month + 2).last_day

    @property
    def label(self) -> str:
        """The name shown to people, e.g. 2026年第4季度 (translated)."""
        return gettext("%(year)s年第%(quarter)s季度") % {"year": self.year, "quarter": self.quarter}


@dataclass(frozen=True, order=True)
class Month(_PeriodOfTheYear):
    """A calendar month, e.g. ``Month(2026, 11)``; ordered by (year, month)."""

    year: int
    month: int
    per_year: ClassVar[int] = 12
    number_field: ClassVar[str] = "month"

    @classmethod
    def of(cls, d: date) -> Month:
        """The month a civil date falls in."""
        d = _civil_date(d)
        return cls(d.year, d.month)

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        # The day before the next month's first day avoids a table of month lengths and leap years.
        if self.month == 12:
            return date(self.year, 12, 31)
        return date(self.year, self.month + 1, 1) - timedelta(days=1)

    @property
    def quarter(self) -> Quarter:
        return Quarter.of(self.first_day)

    @property
    def label(self) -> str:
        """The name shown to people, e.g. 2026年11月 (translated)."""
        return gettext("%(year)s年%(month)s月") % {"year": self.year, "month": self.month}


@dataclass(frozen=True, order=True)
class Week(_Period):
    """An ISO 8601 week, Monday to Sunday, e.g. ``Week(2026, 49)``; ordered by (ISO year, week).

    The ISO year is not always the calendar year of every day: 2026-12-31 (a Thursday) is in
    ``Week(2026, 53)``, and 2027-01-01 (a Friday) too. :meth:`of` and :meth:`parse` are the way in.
    """

    year: int
    week: int

    def __post_init__(self) -> None:
        _check_year(self.year)
        _check_number("week", self.week, 53)
        if self.week == 53 and date(self.year, 12, 28).isocalendar().week != 53:
            # 28 December is always in the year's last ISO week.
            raise ValueError(f"{self.year} has no ISO week 53")

    @classmethod
    def of(cls, d: date) -> Week:
        """The ISO week a civil date falls in."""
        year, week, _weekday = _civil_date(d).isocalendar()
        return cls(year, week)

    @classmethod
    def parse(cls, text: str) -> Week:
        """``"2026-W49"`` (the ISO form, as ``str(week.code)``) → ``Week(2026, 49)``; ValueError otherwise."""
        year, sep, week = str(text).strip().upper().partition("-W")
        if not sep or not year.isdigit() or not week.isdigit():
            raise ValueError(f"not an ISO week: {text!r}")
        return cls(int(year), int(week))

    @property
    def code(self) -> str:
        """The ISO form, e.g. ``2026-W49`` (for URLs and form values)."""
        return f"{self.year}-W{self.week:02d}"

    @property
    def first_day(self) -> date:
        """The Monday."""
        return date.fromisocalendar(self.year, self.week, 1)

    @property
    def last_day(self) -> date:
        """The Sunday."""
        return date.fromisocalendar(self.year, self.week, 7)

    def previous(self) -> Week:
        return Week.of(self.first_day - timedelta(days=7))

    def next(self) -> Week:
        return Week.of(self.first_day + timedelta(days=7))

    @property
    def label(self) -> str:
        """The name shown to people, e.g. 2026年第49周（11月30日—12月6日） (translated)."""
        first, last = self.first_day, self.last_day
        return gettext("%(year)s年第%(week)s周（%(first_month)s月%(first_day)s日—%(last_month)s月%(last_day)s日）") % {
            "year": self.year,
            "week": self.week,
            "first_month": first.month,
            "first_day": first.day,
            "last_month": last.month,
            "last_day": last.day,
        }


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


# --- Deadlines (DOMAIN.md §3) ---------------------------------------------------------


def _policy_number(policy_or_number: Policy | int, field: str) -> int:
    # Callers either hold the organisation's policy or have already read the number from it.
    if isinstance(policy_or_number, int):
        return policy_or_number
    return getattr(policy_or_number, field)


def _day_of_month(year: int, month: int, day: int) -> date:
    # The policy keeps deadline days at 1..28 so every month has them; a bare int is checked here.
    if not 1 <= day <= 28:
        raise ValueError(f"a deadline day must be 1..28, not {day}")
    return date(year, month, day)


# Each organisation's working calendar, once per request or job (:func:`calendar_memo`): a list
# that asks every row's deadline reads the overrides once, not once a row (a review measured 101
# queries for a 45-person roster with 截止日遇节假日顺延 on).
_calendars: ContextVar[dict[int | None, _WorkingCalendar] | None] = ContextVar("working_calendars", default=None)


@contextmanager
def calendar_memo() -> Iterator[None]:
    """Inside the block (a request: ``accounts.selectors.policy_memo``; a job: ``jobs.job_run``),
    each organisation's working calendar is built once and its overrides read a span at a time."""
    token = _calendars.set({})
    try:
        yield
    finally:
        _calendars.reset(token)


def _calendar(organisation: Organisation | int | None) -> _WorkingCalendar:
    memo = _calendars.get()
    if memo is None:
        return _WorkingCalendar(organisation)
    key = _organisation_id(organisation)
    if key not in memo:
        memo[key] = _WorkingCalendar(key)
    return memo[key]


def _on_a_working_day(policy: Policy | int, deadline: date) -> date:
    """``deadline``, or the next working day where the policy moves deadlines off days off
    (``Policy.deadlines_on_working_days``; a bare day number moves nothing)."""
    if isinstance(policy, int) or not getattr(policy, "deadlines_on_working_days", False):
        return deadline
    calendar = _calendar(policy.organisation_id)
    while not calendar.is_working_day(deadline):
        deadline += timedelta(days=1)
    return deadline


def target_deadline(policy: Policy | int, quarter: Quarter) -> date:
    """The last on-time day for a quarter's targets: day ``policy.target_deadline_day`` of the
    quarter's first month. ``policy`` may also be that day number itself."""
    # The day the quarter was held to, should HR have changed it since (Policy.past_deadline_days).
    day = policy if isinstance(policy, int) else policy.deadline_day("target", quarter.year, quarter.quarter)
    deadline = _day_of_month(quarter.year, quarter.first_month, day)
    started_on = None if isinstance(policy, int) else policy.started_on
    if started_on is not None and quarter.first_day < started_on <= quarter.last_day:
        # The quarter the organisation (or the newcomer) began in: the usual lead time, counted
        # from that day — never less than the quarter's own deadline leaves. Before, a start just
        # before the usual deadline left a day or none (a user test: started on the 12th, due the 12th).
        return _on_a_working_day(policy, max(deadline, started_on + timedelta(days=day - 1)))
    return _on_a_working_day(policy, deadline)


def summary_deadline(policy_or_day: Policy | int, month: Month) -> date:
    """The last on-time day for a month's summary: day ``policy.summary_deadline_day`` of the
    following month (December's is in January of the next year). ``policy_or_day`` may be the
    policy or the day number itself (``deadline_day`` of the older helpers)."""
    # The day the month was held to, should HR have changed it since (Policy.past_deadline_days).
    day = (
        policy_or_day
        if isinstance(policy_or_day, int)
        else policy_or_day.deadline_day("summary", month.year, month.month)
    )
    following = month.next()
    return _on_a_working_day(policy_or_day, _day_of_month(following.year, following.month, day))


def person_policy(policy: Policy, person) -> Policy:
    """``policy`` as it reads for ``person``: a newcomer's ``appraisal_start`` (入职、调入) later than
    the organisation's start in the system stands in for ``Policy.started_on``, so that what
    :func:`is_due`, :func:`target_deadline` and :func:`summary_deadline` say of the organisation's
    start holds for their own — nothing before it is due, and the quarter they began in gets the
    usual lead time from that day. A copy to read, never to save."""
    start = getattr(person, "appraisal_start", None)
    if start is None or (policy.started_on is not None and start <= policy.started_on):
        return policy
    personal = copy.copy(policy)
    personal.started_on = start
    personal.save = _read_only_copy
    return personal


def _read_only_copy(*args, **kwargs):
    raise TypeError("a person's view of the policy (periods.person_policy) is not saved")


def due_for_people(period: Quarter | Month, prefix: str = "") -> Q:
    """The people ``period`` asks something of, as a filter on ``User`` (``prefix``: the path to
    it, e.g. ``"owner__"``): those with no later start of their own (:func:`person_policy`). The
    organisation's own start is :func:`is_due`'s."""
    return Q(**{f"{prefix}appraisal_start__isnull": True}) | Q(**{f"{prefix}appraisal_start__lte": period.last_day})


def is_due_for(period: Quarter | Month, appraisal_start: date | None) -> bool:
    """Whether ``period`` asks anything of a person whose own start (``User.appraisal_start``, 参加考核
    日期) is ``appraisal_start``: :func:`due_for_people` for one person, where the rows are already
    read (the roster page and its workbook). A newcomer owes nothing of a period that ended before
    they began."""
    return appraisal_start is None or appraisal_start <= period.last_day


def past_deadline(policy: Policy, period: Quarter | Month, appraisal_start: date | None, today: date) -> bool:
    """Whether, on ``today``, a person whose own start is ``appraisal_start`` is past their deadline
    for ``period`` (a month: its summary; a quarter: its targets): the period asks it of them and
    their deadline (:func:`person_policy`: a newcomer's quarter counts the usual lead time from
    their first day) is before today. Whether they handed it in is the caller's to add."""
    own = person_policy(policy, SimpleNamespace(appraisal_start=appraisal_start))
    if not is_due(own, period):
        return False
    deadline = summary_deadline(own, period) if isinstance(period, Month) else target_deadline(own, period)
    return today > deadline


def past_deadline_people(policy: Policy, period: Quarter | Month, today: date, prefix: str = "") -> Q:
    """:func:`past_deadline` as a filter on ``User`` (``prefix``: the path to it), for a list that
    narrows to the people past their deadline (the roster's 迟交/逾期) however many there are."""
    start = f"{prefix}appraisal_start"
    nobody = Q(**{f"{prefix}pk__in": []})
    if not is_due(policy, period):
        return nobody
    # People whose own start is later than the organisation's read the policy with theirs.
    later = Q(**{f"{start}__gt": policy.started_on}) if policy.started_on else Q(**{f"{start}__isnull": False})
    as_organisation = ~later  # NOT (start > x AND start IS NOT NULL): those without a start too
    owing = later & Q(**{f"{start}__lte": period.last_day})
    if isinstance(period, Month):
        return as_organisation | owing if today > summary_deadline(policy, period) else nobody
    day = policy.deadline_day("target", period.year, period.quarter)
    usual = _on_a_working_day(policy, _day_of_month(period.year, period.first_month, day))
    found = as_organisation if today > target_deadline(policy, period) else nobody
    if today > usual:
        found |= owing & Q(**{f"{start}__lte": usual})
    # Begun after the usual deadline: theirs is day − 1 days after their first day.
    return found | owing & Q(**{f"{start}__gt": usual}) & Q(**{f"{start}__lte": today - timedelta(days=day)})


def roster_default_month(policy: Policy) -> Month:
    """The month a roster of submissions opens on: the last month that has ended, or the month under
    way when the last one asked nothing of anyone (it ended before the organisation began appraising
    in the system). An office that went live this month saw "0 人" there and no overdue target."""
    current = Month.current()
    last = current.previous()
    return last if is_due(policy, last) else current


def is_due(policy: Policy, period: Quarter | Month) -> bool:
    """Whether ``period`` asks anything of the organisation's people: not when it ended before the
    organisation began appraising in the system (``Policy.started_on``); its targets, summaries
    and grading are then neither missing nor late."""
    return policy.started_on is None or period.last_day >= policy.started_on


# The months of a new year that still belong to the year before: its fourth quarter is graded in
# January, its year-end decided, posted and fed back in January and February.
YEAR_END_MONTHS = 2


def year_at_work(on: date | None = None) -> int:
    """The appraisal year a page opens on when none is asked for: the year before until the end of
    February (:data:`YEAR_END_MONTHS`), this year after."""
    day = on or today()
    return day.year - 1 if day.month <= YEAR_END_MONTHS else day.year


def quarter_at_work(on: date | None = None) -> Quarter:
    """The quarter a page of quarters opens on when none is asked for: in a quarter's first month the
    one just ended (its summaries are due and its grading is under way), else the current one."""
    current = Quarter.of(on or today())
    return current.previous() if (on or today()).month == current.first_month else current


def grading_deadline(policy: Policy | int, quarter: Quarter) -> date:
    """The day grading of a quarter should be finished: ``policy.grading_deadline_days``
    calendar days after the quarter's last day. ``policy`` may also be that number of days."""
    days = _policy_number(policy, "grading_deadline_days")
    if days < 0:
        raise ValueError(f"grading deadline days must not be negative, not {days}")
    return quarter.last_day + timedelta(days=days)


def grading_window_opens(
    quarter: Quarter, policy: Policy | str, *, survey_entered_on: date | None = None
) -> date | None:
    """The first day a quarter may be graded (and approved), by ``policy.grading_opens``:

    * after the quarter ends (default): the day after its last day;
    * after the satisfaction survey is entered (seed 002): that day too, but not before the
      survey's results for the quarter are in — ``survey_entered_on`` is the day they were
      first entered (the caller looks it up); None while they are missing, so the window is
      not open yet and no date can be named.

    ``policy`` may also be the ``GradingOpens`` value itself.
    """
    rule = policy if isinstance(policy, str) else policy.grading_opens
    after_end = quarter.last_day + timedelta(days=1)
    if rule == GradingOpens.SURVEY_ENTERED:
        if survey_entered_on is None:
            return None
        return max(after_end, _civil_date(survey_entered_on))
    return after_end


def grading_window_is_open(
    quarter: Quarter, policy: Policy | str, *, on: date | None = None, survey_entered_on: date | None = None
) -> bool:
    """Whether grading of ``quarter`` may happen on ``on`` (default: today)."""
    opens = grading_window_opens(quarter, policy, survey_entered_on=survey_entered_on)
    return opens is not None and (on or today()) >= opens


def grading_open_refusal(
    quarter: Quarter, policy: Policy, *, on: date | None = None, survey_entered_on: date | None = None
) -> str | None:
    """Why HR may not open ``quarter`` for grading on ``on`` (default: today), in plain words;
    None when it may. Refused: a quarter that has not begun, one that ended before the organisation
    began in the system (``Policy.started_on``), one whose grading window has not opened, and one
    more than ``policy.grading_open_past_quarters`` quarters before the current."""
    on = on or today()
    current = Quarter.of(on)
    if on < quarter.first_day:
        return gettext("%(quarter)s尚未开始，不能开放评鉴。") % {"quarter": quarter.label}
    if not is_due(policy, quarter):
        return gettext("%(quarter)s在本单位系统启用日期（%(date)s）之前结束，无需在系统中评鉴。") % {
            "quarter": quarter.label,
            "date": policy.started_on.isoformat(),
        }
    opens = grading_window_opens(quarter, policy, survey_entered_on=survey_entered_on)
    if opens is None:
        return gettext("%(quarter)s的满意度测评结果尚未录入，按考核政策须录入后才能开放评鉴。") % {
            "quarter": quarter.label
        }
    if on < opens:
        return gettext("%(quarter)s的评鉴自%(date)s起方可开放（季度结束后）。") % {
            "quarter": quarter.label,
            "date": opens.isoformat(),
        }
    earliest = current
    for _step in range(policy.grading_open_past_quarters):
        earliest = earliest.previous()
    if quarter < earliest:
        return gettext("%(quarter)s已超过补开评鉴的期限：按考核政策，只能开放%(earliest)s及以后已结束的季度。") % {
            "quarter": quarter.label,
            "earliest": earliest.label,
        }
    return None


# --- Closed quarters (read-only after approval) ----------------------------------------


def hold_against_approval(organisation: Organisation | int) -> None:
    """Make a write that checked a quarter is open wait for — or be waited for by — the quarter's
    approval, so a write racing the approval cannot slip in after it.

    The approval takes the organisation's row ``FOR NO KEY UPDATE`` (:func:`accounts.services.
    period_approval_begin`) before it checks anything and writes the :class:`PeriodLock`; a write
    holds the same row ``FOR SHARE`` from its check until it commits. Writes do not block one
    another (shared locks), nor inserts that reference the organisation (``FOR KEY SHARE``). The
    lock row itself cannot be locked: it does not exist until the approval writes it. Only inside
    a transaction on PostgreSQL: SQLite serialises writers with ``BEGIN IMMEDIATE`` already, and
    outside a transaction a lock would end with the statement.
    """
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        return
    from .models import Organisation

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {Organisation._meta.db_table} WHERE id = %s FOR SHARE", [_organisation_id(organisation)]
        )


def _lock_rows(organisation_id: int, year: int, number: int):
    return PeriodLock.objects.filter(organisation_id=organisation_id, year=year, quarter=number)


def _locks(organisation: Organisation | int, quarter: Quarter):
    hold_against_approval(organisation)
    return _lock_rows(_organisation_id(organisation), quarter.year, quarter.quarter)


def period_lock(organisation: Organisation | int, quarter: Quarter) -> PeriodLock | None:
    """The lock of an organisation's quarter, written when the agency head approved it; or None."""
    return _locks(organisation, quarter).first()


def is_period_locked(organisation: Organisation | int, quarter: Quarter) -> bool:
    """Whether the organisation's quarter is closed (:func:`period_lock` without reading the row:
    every write of a quarter's documents asks this, through a statement composed once: 30 µs a
    question on the tests' SQLite instead of 400)."""
    hold_against_approval(organisation)
    values = [_organisation_id(organisation), quarter.year, quarter.quarter]
    return shapes.exists("period locked", _lock_rows, values)


def locked_quarters(organisation: Organisation | int, quarters: list[Quarter]) -> set[Quarter]:
    """Which of ``quarters`` are closed for the organisation (one query)."""
    if not quarters:
        return set()
    scope = Q()
    for q in set(quarters):
        scope |= Q(year=q.year, quarter=q.quarter)
    hold_against_approval(organisation)
    rows = PeriodLock.objects.filter(scope, organisation_id=_organisation_id(organisation))
    return {Quarter(year, number) for year, number in rows.values_list("year", "quarter")}


def refuse_if_locked(organisation: Organisation | int, quarter: Quarter) -> None:
    """Raise a ValidationError when the quarter has been approved and is closed for changes."""
    if is_period_locked(organisation, quarter):
        raise ValidationError(
            gettext("%(quarter)s的考核结果已审批，相关目标、完成情况和评鉴依据均不能再修改。")
            % {"quarter": quarter.label},
            code="period_locked",
        )


def is_late(deadline: date, submitted_at: datetime) -> bool:
    """Whether a submission at the instant ``submitted_at`` missed ``deadline``.

    Anything handed in on the deadline day itself, up to midnight in China, is on time:
    23:30 UTC on the deadline day is already the next morning in Beijing, and late.
    """
    return today(submitted_at) > deadline


# --- Working days --------------------------------------------------------------------

# Years already reported as unknown to both the library and the override table, so the
# warning appears once per process and not once per day looked at.
_warned_unknown_years: set[tuple[int, int | None]] = set()


def statutory_year_range() -> tuple[int, int]:
    """The first and last year the installed ``chinese_calendar`` package has data for."""
    return min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year


def statutory_is_working_day(d: date) -> bool | None:
    """The State Council's arrangement for ``d`` from the ``chinese_calendar`` package:
    True for a working day (including a make-up Saturday or Sunday, 调休), False for a weekend
    or statutory holiday, None when the package has no data for that year."""
    try:
        return chinese_calendar.is_workday(_civil_date(d))
    except NotImplementedError:
        # Raised for years outside the package's data: it knows a year only once the State
        # Council has announced it and a release has followed.
        return None


def _organisation_id(organisation: Organisation | int | None) -> int | None:
    if organisation is None or isinstance(organisation, int):
        return organisation
    return organisation.pk


class _WorkingCalendar:
    """Working-day answers for one organisation, loading the override rows a span at a time
    so counting a publication window costs a query or two, not one per day."""

    # Days fetched per query beyond what is asked for: a window of a few weeks fits in one load.
    _CHUNK = timedelta(days=62)

    def __init__(self, organisation: Organisation | int | None) -> None:
        self.organisation_id = _organisation_id(organisation)
        self._overrides: dict[date, bool] = {}
        self._loaded: tuple[date, date] | None = None
        self._years_with_overrides: dict[int, bool] = {}

    def _covers(self, first: date, last: date) -> bool:
        return self._loaded is not None and self._loaded[0] <= first and last <= self._loaded[1]

    def _load(self, first: date, last: date) -> None:
        if self._covers(first, last):
            return
        if self._loaded:
            first, last = min(first, self._loaded[0]), max(last, self._loaded[1])
        scope = Q(organisation__isnull=True)
        if self.organisation_id is not None:
            scope |= Q(organisation_id=self.organisation_id)
        rows = WorkingDayOverride.objects.filter(scope, date__range=(first, last)).values_list(
            "date", "organisation_id", "is_working_day"
        )
        overrides: dict[date, bool] = {}
        # Global rows first, then the organisation's own on top: the organisation's word wins.
        for day, _organisation_id, working in sorted(rows, key=lambda row: row[1] is not None):
            overrides[day] = working
        self._overrides = overrides
        self._loaded = (first, last)

    def is_working_day(self, d: date) -> bool:
        d = _civil_date(d)
        if not self._covers(d, d):
            self._load(d, d + self._CHUNK)
        if d in self._overrides:
            return self._overrides[d]
        statutory = statutory_is_working_day(d)
        if statutory is not None:
            return statutory
        self._warn_unknown_year(d.year)
        return d.weekday() < 5

    def _warn_unknown_year(self, year: int) -> None:
        key = (year, self.organisation_id)
        if key in _warned_unknown_years:
            return
        if year not in self._years_with_overrides:
            scope = Q(organisation__isnull=True)
            if self.organisation_id is not None:
                scope |= Q(organisation_id=self.organisation_id)
            self._years_with_overrides[year] = WorkingDayOverride.objects.filter(scope, date__year=year).exists()
        # HR having entered the year's exceptions means Monday–Friday is the intended rule for
        # the remaining days; only a year nobody has described deserves a warning.
        if self._years_with_overrides[year]:
            return
        _warned_unknown_years.add(key)
        logger.warning(
            "No holiday data for %s (chinese_calendar knows up to %s) and no working-day override: "
            "assuming Monday to Friday are working days. Upgrade chinesecalendar or add overrides.",
            year,
            statutory_year_range()[1],
        )


def is_working_day(d: date, organisation: Organisation | int | None = None) -> bool:
    """Whether ``d`` is a working day for ``organisation`` (an instance or id; None: no
    organisation-specific corrections).

    The organisation's own override wins over a global override (organisation null), which
    wins over the statutory arrangement from ``chinese_calendar``; for a year the package does
    not know, Monday to Friday are working days (with a warning logged once).
    """
    return _WorkingCalendar(organisation).is_working_day(d)


def add_working_days(start: date, n: int, organisation: Organisation | int | None = None) -> date:
    """The last day of a window of ``n`` working days beginning on ``start`` (e.g. a publication).

    ``start`` counts as the first day when it is a working day; otherwise the window begins on
    the next working day. So ``add_working_days(d, 1)`` is ``d`` itself on a working day, and
    ``working_days_between(start, add_working_days(start, n)) == n``.
    Raises ValueError for ``n < 1``.
    """
    if n < 1:
        raise ValueError(f"a window has at least one working day, not {n}")
    return _nth_working_day(_WorkingCalendar(organisation), _civil_date(start), n, step=timedelta(days=1))


def working_days(a: date, b: date, organisation: Organisation | int | None = None) -> list[date]:
    """The working days from ``a`` to ``b``, both included (one query for the overrides)."""
    a, b = _civil_date(a), _civil_date(b)
    if b < a:
        return []
    calendar = _WorkingCalendar(organisation)
    calendar._load(a, b)
    return [day for day in _days(a, b) if calendar.is_working_day(day)]


def working_days_between(a: date, b: date, organisation: Organisation | int | None = None) -> int:
    """The number of working days from ``a`` to ``b``, both included; 0 when ``b`` is before ``a``."""
    return len(working_days(a, b, organisation))


def working_day_back(end: date, n: int, organisation: Organisation | int | None = None) -> date:
    """The ``n``-th working day counting back from ``end`` (``end`` counts when it is a working
    day): a deadline of ``n`` working days has passed for whatever happened before this day.
    Raises ValueError for ``n < 1``."""
    if n < 1:
        raise ValueError(f"count at least one working day back, not {n}")
    calendar = _WorkingCalendar(organisation)
    day = _civil_date(end)
    # One load for the usual span (weekends and a Golden Week included); a longer walk loads more.
    calendar._load(day - timedelta(days=2 * n + 14), day)
    return _nth_working_day(calendar, day, n, step=timedelta(days=-1))


def _nth_working_day(calendar: _WorkingCalendar, day: date, n: int, *, step: timedelta) -> date:
    """The ``n``-th working day walking from ``day`` (counted when it is one) a ``step`` at a time."""
    remaining = n
    while True:
        if calendar.is_working_day(day):
            remaining -= 1
            if remaining == 0:
                return day
        day += step


# --- Plausible dates -------------------------------------------------------------------

# How far from the period it belongs to a typed date or year may lie. A target's deadline may
# run into the next year; a goal may be written for last year or next; further is a typing
# mistake (1900 for 2026), which would otherwise raise flags and break reports.
PLAUSIBLE_SPREAD_YEARS = 1


def _plausible_years(around: Quarter | Month | int | None, today_: date) -> tuple[int, int]:
    if around is None:
        return MIN_YEAR, today_.year + PLAUSIBLE_SPREAD_YEARS
    year = around if isinstance(around, int) else around.year
    return max(MIN_YEAR, year - PLAUSIBLE_SPREAD_YEARS), year + PLAUSIBLE_SPREAD_YEARS


def _refuse(message: str, field: str | None) -> ValidationError:
    return ValidationError({field: message} if field else message, code="implausible_date")


def check_plausible_year(
    year: int, *, around: Quarter | Month | int | None = None, label=None, field: str | None = None
) -> None:
    """Refuse a year far from the period it belongs to (``around``: a quarter, a month or a year;
    default the current year). Raises ``ValidationError`` (under ``field`` when given)."""
    first, last = _plausible_years(around if around is not None else today().year, today())
    if not first <= year <= last:
        raise _refuse(
            gettext("%(label)s须在%(first)s年至%(last)s年之间（现为%(year)s）。")
            % {"label": label or gettext("年度"), "first": first, "last": last, "year": year},
            field,
        )


def check_plausible_date(
    d: date,
    *,
    around: Quarter | Month | int | None = None,
    not_future: bool = False,
    label=None,
    field: str | None = None,
    now: datetime | None = None,
) -> None:
    """Refuse a date that cannot belong to its period: outside a year either side of ``around``
    (a quarter, a month or a year), or — with no ``around`` — before :data:`MIN_YEAR`; with
    ``not_future``, after today. The one rule for typed dates (deadlines, sanctions, moves)."""
    d = _civil_date(d)
    today_ = today(now)
    first, last = _plausible_years(around, today_)
    label = label or gettext("日期")
    if not first <= d.year <= last:
        raise _refuse(
            gettext("%(label)s须在%(first)s年至%(last)s年之间（现为%(date)s）。")
            % {"label": label, "first": first, "last": last, "date": d.isoformat()},
            field,
        )
    if not_future and d > today_:
        raise _refuse(
            # Today said, not the date typed: "（现为2027-01-20）" read as if today were the 20th (a user test).
            gettext("%(label)s不能晚于今天（今天是%(today)s，填写的是%(date)s）。")
            % {"label": label, "today": today_.isoformat(), "date": d.isoformat()},
            field,
        )


# --- Public-welfare posts (DOMAIN.md §8) -------------------------------------------------------


def welfare_window(policy: Policy, year: int) -> tuple[date, date]:
    """The annual assessment window of public-welfare posts in ``year`` (policy; default 1–15 December)."""
    _check_year(year)
    month = policy.welfare_window_month
    return (
        _day_of_month(year, month, policy.welfare_window_first_day),
        _day_of_month(year, month, policy.welfare_window_last_day),
    )


def welfare_report_deadline(policy: Policy, year: int, opened_on: date | None = None) -> date:
    """The last day of a worker's 个人述职: the window's last day, or, where the unit opened the
    year's assessment (``opened_on``) too late to leave the window's length before it, as many days
    after the opening as the window gives (a unit opening on 20 December does not make its workers
    late at once, nor one opening on the window's last day)."""
    first, last = welfare_window(policy, year)
    if opened_on is None:
        return last
    return max(last, opened_on + (last - first))


def past_deadline_days_after_change(policy: Policy, *, old_target_day: int, old_summary_day: int, now=None) -> dict:
    """``policy.past_deadline_days`` once HR changes a deadline day today: the periods whose
    deadline under the old day has passed keep that day (their 迟交 was judged by it), and so does
    the period whose deadline the new day would put in the past (everyone would be late at once, and
    changing the day back could not undo it: a user test); the periods after take the new one."""
    history = {kind: [list(entry) for entry in entries] for kind, entries in policy.past_deadline_days.items()}
    today_ = today(now)

    def keep(kind: str, last_past: tuple[int, int], day: int) -> None:
        entries = history.setdefault(kind, [])
        if not entries or tuple(entries[-1][:2]) < last_past:
            entries.append([*last_past, day])

    if old_summary_day != policy.summary_deadline_day:
        last = Month.of(today_).previous()  # its deadline falls in this month
        if today_ <= summary_deadline(old_summary_day, last) and today_ <= summary_deadline(
            policy.summary_deadline_day, last
        ):
            last = last.previous()
        keep("summary", (last.year, last.month), old_summary_day)
    if old_target_day != policy.target_deadline_day:
        last = Quarter.of(today_)
        if today_ <= target_deadline(old_target_day, last) and today_ <= target_deadline(
            policy.target_deadline_day, last
        ):
            last = last.previous()
        keep("target", (last.year, last.quarter), old_target_day)
    return history
