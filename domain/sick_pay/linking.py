"""Which earlier absences link to this one, by Statutory Sick Pay's rules.

A period of incapacity for work (PIW) was four or more consecutive calendar days of incapacity,
every day of the week counting (Social Security Contributions and Benefits Act 1992, s.152(2)
and (5)); from 6 April 2026 it is one day or more (s.152(2) as amended by the Employment
Rights Act 2025, s.10(3), in force by SI 2026/373). Two PIWs separated by not more than
8 weeks are one PIW (s.152(3)), so a chain of such absences counts together for SSP's 28
weeks. A linked chain stops linking once it has lasted three years (Statutory Sick Pay
(General) Regulations 1982, reg. 3(3)).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from domain.values import PastAbsence

PIW_MIN_DAYS = 4  # SSCBA 1992 s.152(2), before 6 April 2026
ONE_DAY_PIW_FROM = date(2026, 4, 6)  # Employment Rights Act 2025 s.10(3); SI 2026/373
LINKING_GAP = timedelta(weeks=8)  # SSCBA 1992 s.152(3): "not more than 8 weeks"
LINKED_PIW_LIMIT_YEARS = 3  # SSP (General) Regulations 1982 reg. 3(3)


def days_of(first_day: date, last_day: date) -> int:
    """The calendar days from `first_day` to `last_day`, both counted."""
    return (last_day - first_day).days + 1


def is_period_of_incapacity(first_day: date, last_day: date | None) -> bool:
    """Whether an absence forms a PIW: four or more consecutive days, or any absence reaching
    6 April 2026, when one day came to be enough. An absence still going on is taken to form
    one (the caller's own absence is assumed to)."""
    return (last_day is None or last_day >= ONE_DAY_PIW_FROM
            or days_of(first_day, last_day) >= PIW_MIN_DAYS)


def _three_years_after(day: date) -> date:
    try:
        return day.replace(year=day.year + LINKED_PIW_LIMIT_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + LINKED_PIW_LIMIT_YEARS, day=28)


def linked_periods(first_day: date, previous: Sequence[PastAbsence]) -> tuple[PastAbsence, ...]:
    """The earlier absences that form one PIW with an absence starting `first_day`, newest
    first: each a PIW ended not more than 8 weeks before the next, back from this one, and
    the whole chain within three years. Absences not yet ended, or ending on or after
    `first_day`, never link (they are the same absence or overlap it)."""
    ended = sorted((a for a in previous if a.last_day is not None and a.last_day < first_day),
                   key=lambda a: a.first_day, reverse=True)
    chain: list[PastAbsence] = []
    next_start = first_day
    for absence in ended:
        assert absence.last_day is not None  # noqa: S101 - filtered above
        if not is_period_of_incapacity(absence.first_day, absence.last_day):
            continue  # not a PIW (under four days, before April 2026): it neither links nor
            # breaks a chain
        gap = next_start - absence.last_day - timedelta(days=1)
        if gap > LINKING_GAP:
            break
        if first_day >= _three_years_after(absence.first_day):
            break
        chain.append(absence)
        next_start = absence.first_day
    return tuple(chain)


def linked_chain_start(first_day: date, previous: Sequence[PastAbsence]) -> date:
    """The first day of the linked PIW this absence belongs to (its own first day when it
    links to nothing)."""
    chain = linked_periods(first_day, previous)
    return chain[-1].first_day if chain else first_day
