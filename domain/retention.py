"""Retention: the day a closed case's time is up, on the Europe/London calendar.

A case is kept for the employer policy's `retention_years_after_closure` whole years after the
day it closed, and may be erased from the anniversary of that day. A closure on 29 February
has no anniversary in a common year: its time is up on 1 March, never on 28 February, so a
record is kept a day longer rather than erased a day early.

Which policy applies (the employer's version in force on the day of the sweep, not the one
recorded on the case) is explained beside the field in `domain.policy`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from domain.calendar import london_date
from domain.policy import Policy


def _anniversary(day: date, years: int) -> date:
    """`day` moved `years` years on; 29 February becomes 1 March in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return date(day.year + years, 3, 1)


def retention_expires_on(closed_on: date, policy: Policy) -> date:
    """The first day on which a case closed on `closed_on` is no longer kept under `policy`."""
    return _anniversary(closed_on, policy.retention_years_after_closure)


def is_expired(closed_on: date, policy: Policy, today: date) -> bool:
    """Whether a case closed on `closed_on` has outlived its retention on `today` (London)."""
    return retention_expires_on(closed_on, policy) <= today


def latest_expired_closure(today: date, policy: Policy) -> date:
    """The last closure date whose retention is up by `today`: every case closed on or before
    it has expired, every case closed after it has not (what a query of closures filters on).

    It is `today` taken back the policy's years; a 29 February that year lacks becomes
    28 February (a 29 February closure then expires on 1 March, after `today`)."""
    years = policy.retention_years_after_closure
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return date(today.year - years, 2, 28)


def hold_placed(placed_at: datetime, placed_by: str, reason: str) -> str:
    """When, by whom and why a legal hold was placed, in one phrase: what the holds listing and
    an erasure refused because of the hold both say."""
    return (f"placed {placed_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC by {placed_by} "
            f"(reason: {reason})")


def sweep_day(now: datetime) -> date:
    """The London calendar day of the moment a sweep runs (an aware moment)."""
    return london_date(now)
