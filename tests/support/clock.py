"""The application's clock in tests: ``accounts.periods.today`` answering a day the test may move."""

from __future__ import annotations

from datetime import date


def movable_today(monkeypatch, day: date) -> dict:
    """Set today to ``day``; the dict returned holds it (``clock["value"] = …`` moves it on)."""
    clock = {"value": day}
    monkeypatch.setattr("accounts.periods.today", lambda now=None: clock["value"])
    return clock
