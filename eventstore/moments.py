"""Reading the moments and dates auditors type: `--as-of`, `--from`, `--to`."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.bounds import EARLIEST, LATEST

LONDON = ZoneInfo("Europe/London")
ACCEPTED = "an ISO 8601 time with its offset (2026-11-23T17:00:00+00:00) or a date (2026-11-23)"


def parse_moment(text: str) -> datetime:
    """A moment with its offset, or a date meaning the end of that day in London."""
    try:
        day: date | None = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is not None:
        return end_of_london_day(within_calendar(day))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not {ACCEPTED}") from None
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no offset; give {ACCEPTED}")
    within_calendar(moment.date())
    return moment


def parse_date(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)") from None
    return within_calendar(day)


def within_calendar(day: date) -> date:
    """The day itself, or a ValueError for one outside the calendar rtw keeps records in."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"{day.isoformat()} is not between {EARLIEST.isoformat()} and "
                         f"{LATEST.isoformat()}")
    return day


def end_of_london_day(day: date) -> datetime:
    """The last instant of the London calendar day (so 'as of 23 Nov' includes all of it)."""
    next_midnight = datetime.combine(day + timedelta(days=1), time(), tzinfo=LONDON)
    return next_midnight - timedelta(microseconds=1)
