"""The demo organisation and its year (``seed_demo``), built through the services.

Every row of the story is written by the service a person would use in the product, acting as
that person (:func:`act`), so the demo obeys the same rules and leaves the same audit trail (the
weekly board's past weeks excepted: its services accept only this and the last week). The
story happens in the past months of the year: where a service records the moment of a step (a
submission decides lateness) the demo passes that moment as ``now=``. Its Chinese text lives in
``data/*.json``, not in Python literals, and so do the tables that vary by case (what the year's line
counts, when each step of the objection was handled).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, wraps
from pathlib import Path
from types import SimpleNamespace

from django.db import transaction

from accounts import periods
from accounts.audit import acting_as
from accounts.models import Organisation, User
from accounts.selectors import policy_for_organisation, policy_memo
from accounts.services import policy_update


@cache
def load(name: str) -> dict:
    """The demo text table ``data/<name>.json``."""
    return json.loads((Path(__file__).resolve().parent / "data" / f"{name}.json").read_text(encoding="utf-8"))


def act(actor, service, **arguments):
    """Run one service step as ``actor``, who is named in its audit record; like a request, the
    step reads each organisation's policy once (:func:`accounts.selectors.policy_memo`)."""
    with acting_as(actor), policy_memo():
        return service(actor=actor, **arguments)


def account(organisation: Organisation, username: str) -> User:
    """The demo account ``username`` of ``organisation`` (demo_hr, demo_chief…)."""
    return User.objects.get(organisation=organisation, username=username)


def policy_switch_on(actor: User, field: str, *, reason: str) -> None:
    """``actor`` switches on the policy ``field`` of their organisation (``policy_update``, audited)."""
    policy = policy_for_organisation(organisation_id=actor.organisation_id)
    setattr(policy, field, True)
    with acting_as(actor):
        policy_update(policy=policy, reason=reason)


def backdate(row, **moments) -> None:
    """Give ``row`` the story's ``moments`` where its service stamped the present (one UPDATE, no signals),
    in the database and on ``row`` for the steps that read them after."""
    vars(row).update(moments)
    type(row).objects.filter(pk=row.pk).update(**moments)


def quarter_list(quarters: list[int]) -> str:
    """The quarters as "Q1/Q2/Q3" for a report's line, or "none"."""
    return "/".join(f"Q{quarter}" for quarter in quarters) or "none"


class Report(SimpleNamespace):
    """What a builder made: named figures for the tests and, in ``text``, the line seed_demo prints."""

    def describe(self) -> str:
        return self.text


def at_hour(day: date, hour: int) -> datetime:
    """``day`` at ``hour`` o'clock sharp, China time (the boards' and talks' fixed moments)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=periods.CHINA_TZ)


def demo_as_of(year: int, today: date) -> date:
    """The day the demo year is "in progress" at: today in the current year; a past year is over
    (December's summaries are in) — as of 20 January, or today when that is earlier, so nothing of
    the story (Q4's approval) is dated after today; a future year has just begun (Q1 under way,
    January summarised)."""
    if year == today.year:
        return today
    return min(date(year + 1, 1, 20), today) if year < today.year else date(year, 2, 10)


@dataclass
class Story:
    """The demo year as of a day, and a clock for the moments of its past (never on or after that day)."""

    year: int
    as_of: date
    rng: random.Random

    @property
    def past_months(self) -> list[int]:
        return list(range(1, (self.as_of.month - 1 if self.as_of.year == self.year else 12) + 1))

    @property
    def past_quarters(self) -> list[int]:
        return [q for q in range(1, 5) if periods.Quarter(self.year, q).months[-1] in self.past_months]

    @property
    def current_quarter(self) -> int | None:
        return periods.Quarter.of(self.as_of).quarter if self.as_of.year == self.year else None

    @property
    def last_day(self) -> date:
        return self.as_of - timedelta(days=1)

    def at(self, day: date, hour: int | None = None) -> datetime:
        """A moment of working hours on ``day`` (at the latest the day before "today")."""
        day, hour = min(day, self.last_day), self.rng.randint(8, 17) if hour is None else hour
        return datetime(day.year, day.month, day.day, hour, self.rng.randint(0, 59), tzinfo=periods.CHINA_TZ)

    def day(self, start: date, end: date) -> date | None:
        end = min(end, self.last_day)
        return start + timedelta(days=self.rng.randint(0, (end - start).days)) if start <= end else None

    def after(self, moment: datetime, max_days: int) -> datetime:
        """A moment 0..max_days days after ``moment``, before "today"."""
        later = self.at(moment.date() + timedelta(days=self.rng.randint(0, max_days)))
        return later if later > moment else moment + timedelta(minutes=self.rng.randint(20, 90))


def builder(seed_offset: int):
    """Make ``build(organisation, story, **options)`` a step of the story, called as
    ``build(organisation, year=…, seed=…, today=…, **options)`` in one transaction. Each step draws
    from its own ``seed + seed_offset``, so a change to one step's draws leaves the others' alone."""

    def decorate(build):
        @wraps(build)
        @transaction.atomic
        def run(organisation: Organisation, *, year: int, seed: int = 2026, today: date | None = None, **options):
            story = Story(year, demo_as_of(year, today or periods.today()), random.Random(seed + seed_offset))
            return build(organisation, story, **options)

        return run

    return decorate
