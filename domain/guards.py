"""Named checks shared by the decisions and the workflow's update validators."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.state import CaseState

# Clocks of HR systems and phones drift; a moment stamped slightly ahead is not refused.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)


def check_not_in_future(field: str, moment: datetime, now: datetime) -> None:
    """Refuse a reported moment that has not happened yet."""
    if moment > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidCommand(field, f"must not be in the future (now is {now.isoformat()})")


def check_day_not_in_future(field: str, day: date, now: datetime) -> None:
    if day > london_date(now):
        raise InvalidCommand(field, f"must not be after today ({london_date(now).isoformat()})")


def case_start_day(state: CaseState) -> date:
    """The first day anything on the case can have happened."""
    days = [london_date(state.opened_at)]
    if state.absence:
        days.append(state.absence.first_day)
    if state.referral:
        days.append(state.referral.referred_on)
    return min(days)


def check_not_before_case(field: str, day: date, state: CaseState) -> None:
    """Refuse a date before the case (its absence or referral) began."""
    start = case_start_day(state)
    if day < start:
        raise InvalidCommand(field, f"must not be before the case began on {start.isoformat()}")


def check_not_before_absence(field: str, moment: datetime, state: CaseState) -> None:
    """Refuse a moment before the absence's first day (London calendar)."""
    if state.absence and london_date(moment) < state.absence.first_day:
        raise InvalidCommand(
            field,
            f"must not be before the absence's first day {state.absence.first_day.isoformat()}",
        )


def check_text_present(field: str, values: list[str] | tuple[str, ...]) -> None:
    if any(not value.strip() for value in values):
        raise InvalidCommand(field, "entries must not be blank")


def check_week_to_review(week: int, last_week: int, reviewed: tuple[int, ...],
                         beyond: str) -> None:
    """Refuse a review of a week past the schedule's last (saying `beyond`) or reviewed before."""
    if week > last_week:
        raise InvalidCommand("week", beyond)
    if week in reviewed:
        raise InvalidCommand("week", f"week {week} was already reviewed")
