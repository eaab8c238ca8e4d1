"""Dates that reach a case are held to a window around today that the policy states.

HR feeds send sentinels (`9999-12-31` for "open-ended", `0001-01-01` for "unknown"); a clinician
may mistype a year. A date far outside the working life of a case means nothing to practice and
breaks the calendar arithmetic every deadline is made of, so such a date is refused at the edge,
naming the field and the window, and never reaches the record.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta

from pydantic import BaseModel

from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.policy import Policy

# What any date anywhere may be (query parameters, cursors, exports of old records): wide enough
# for every real record, narrow enough that date arithmetic of a few years cannot overflow.
EARLIEST = date(1900, 1, 1)
LATEST = date(2199, 12, 31)


def check_calendar(value: date, field: str) -> None:
    """Refuse a date outside the calendar rtw works in, whatever the policy."""
    if not EARLIEST <= value <= LATEST:
        raise InvalidCommand(field, f"must be between {EARLIEST.isoformat()} and "
                                    f"{LATEST.isoformat()}")


def accepted_window(today: date, policy: Policy) -> tuple[date, date]:
    """The first and last dates the policy accepts on a case, today."""
    return (today - timedelta(days=policy.dates_accepted_days_back),
            today + timedelta(days=policy.dates_accepted_days_ahead))


# Fields that tell of a working life rather than of the case: a start of service forty years
# back, or an absence older than the window, is a fact the sick-pay and linking rules read (or
# pass over), so they are held only to the calendar.
HISTORICAL_FIELDS = frozenset({"service_start", "previous_absences"})


def check_dates_within_window(command: BaseModel, *, today: date, policy: Policy) -> None:
    """Refuse the command if any date or time it carries lies outside the policy's window.

    The policy itself (which the command may carry) comes from configuration, not from the
    caller, and is not checked here. Dates of `HISTORICAL_FIELDS` are held to the calendar.
    """
    earliest, latest = accepted_window(today, policy)
    for field, value in _dates_in(command, prefix=""):
        day = london_date(value) if isinstance(value, datetime) else value
        if HISTORICAL_FIELDS & set(field.split(".")):
            check_calendar(day, field)
            continue
        if not earliest <= day <= latest:
            raise InvalidCommand(
                field,
                f"{day.isoformat()} is outside the dates this service accepts today: "
                f"{earliest.isoformat()} to {latest.isoformat()} (policy {policy.version}: "
                f"{policy.dates_accepted_days_back} days back, "
                f"{policy.dates_accepted_days_ahead} days ahead)",
            )


def _dates_in(value: object, *, prefix: str) -> Iterator[tuple[str, date]]:
    if isinstance(value, Policy):
        return
    if isinstance(value, date):  # datetime is a date too
        yield prefix, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _dates_in(getattr(value, name), prefix=f"{prefix}.{name}" if prefix
                                 else name)
    elif isinstance(value, tuple | list):
        for index, item in enumerate(value):
            yield from _dates_in(item, prefix=f"{prefix}.{index}")
