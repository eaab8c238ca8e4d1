"""Working days and local deadlines on the Europe/London calendar."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


def london_date(moment: datetime) -> date:
    """The calendar date in London at an aware moment."""
    return moment.astimezone(LONDON).date()


def is_working_day(day: date, non_working_days: Collection[date]) -> bool:
    """Monday to Friday, except the policy's bank holidays."""
    return day.weekday() < 5 and day not in non_working_days


def add_working_days(day: date, count: int, non_working_days: Collection[date]) -> date:
    """The date `count` working days after `day` (count >= 1)."""
    current = day
    remaining = count
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current, non_working_days):
            remaining -= 1
    return current


def local_moment(day: date, at: time) -> datetime:
    """A London wall-clock time on a date, as an aware UTC datetime.

    Mind the clock changes: 17:00 on a summer day is 16:00 UTC, on a winter day 17:00 UTC.
    """
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(UTC)


def england_and_wales_bank_holidays(years: Iterable[int]) -> tuple[date, ...]:
    """The bank holidays of England and Wales in `years` that close a working day (a holiday
    on a weekend is left out: its substitute weekday is the closed day), oldest first.

    From the `holidays` package, which computes them from the rules and the one-off
    proclamations it knows (pure data: no I/O)."""
    found = holidays.country_holidays("GB", subdiv="ENG", years=sorted(set(years)))
    return tuple(sorted(day for day in found if day.weekday() < 5))
