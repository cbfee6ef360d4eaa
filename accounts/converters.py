"""Path converters for periods in URLs: a year outside the calendar's range is no page (404),
never a ValueError deep in a view (500)."""

from __future__ import annotations

from django.urls import register_converter

from .periods import MAX_YEAR, MIN_YEAR


class YearConverter:
    """``<year:year>``: four digits within the calendar's years (:data:`periods.MIN_YEAR` ..
    :data:`periods.MAX_YEAR`); ``/annual/0/``, ``/annual/99999/`` and ``/annual/-1/`` do not match."""

    regex = "[0-9]{4}"

    def to_python(self, value: str) -> int:
        year = int(value)
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise ValueError(value)  # Django answers 404 for a converter's ValueError
        return year

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(YearConverter, "year")
