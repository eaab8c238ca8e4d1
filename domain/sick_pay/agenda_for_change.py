"""NHS contractual sick pay (Agenda for Change): full pay, then half pay, by length of service.

NHS Terms and Conditions of Service Handbook, section 14 (sickness absence), paragraph 14.2:
by reckonable service (section 12) on the first day of sickness absence,
- during the first year of service: one month's full pay and two months' half pay;
- during the second year: two months' full pay and two months' half pay;
- during the third year: four months' full and four months' half pay;
- during the fourth and fifth years: five months' full and five months' half pay;
- after completing five years: six months' full and six months' half pay.
(The current scale has no qualifying period within the first year: it pays from the first day.)

Section 14 also reckons the entitlement on the first day of absence less the paid sickness absence
of the 12 months immediately before that day. rtw reads that as: every calendar day of the
employee's earlier absences inside that window counts as a day of paid sick leave, taken from full
pay first and then from half pay (the order the scale pays them in). HR's own day counts, when
sent, win over this (`domain.sick_pay.dates`): HR knows which of those days were paid.

Months are calendar months from the first day of absence (one month from 15 January runs to
14 February; from 31 January, to the last day of February); a year of service is complete on
its anniversary (service from 29 February: on 1 March in a year with no 29 February).
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Sequence
from datetime import date, timedelta

from pydantic import BaseModel, ConfigDict

from domain.sick_pay.statutory import RuledDate
from domain.values import PastAbsence

HANDBOOK = "NHS Terms and Conditions of Service Handbook, section 14"
SCALE = f"{HANDBOOK}, paragraph 14.2"
WINDOW_MONTHS = 12

# (completed years of service at least, months of full pay, months of half pay, in words)
_SCALE: tuple[tuple[int, int, int, str], ...] = (
    (5, 6, 6, "after five years' service"),
    (3, 5, 5, "in the fourth or fifth year of service"),
    (2, 4, 4, "in the third year of service"),
    (1, 2, 2, "in the second year of service"),
    (0, 1, 2, "in the first year of service"),
)


class ContractualDates(BaseModel):
    """When contractual sick pay drops: the last day of full pay and of half pay."""

    model_config = ConfigDict(frozen=True)

    full_pay_ends_on: RuledDate
    """The last day of full pay (the day before the first day when no full pay is left)."""
    half_pay_ends_on: RuledDate
    """The last day of half pay; from the next day no contractual sick pay."""


def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months on, or the month's last day when it has none."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def months_on(day: date, months: int) -> date:
    """The first day after a period of `months` calendar months beginning on `day` (negative:
    the first day of the period of that many months ending the day before `day`). A period
    from a day the end month does not have (31 January, one month) runs to that month's last
    day inclusive."""
    shifted = add_months(day, months)
    return shifted + timedelta(days=1) if shifted.day != day.day else shifted


def anniversary(day: date, years: int) -> date:
    """The day `years` years after `day`; 29 February's falls on 1 March in common years."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return date(day.year + years, 3, 1)


def completed_years(service_start: date, on: date) -> int:
    """Whole years of service completed on `on`."""
    years = on.year - service_start.year
    while years > 0 and anniversary(service_start, years) > on:
        years -= 1
    return max(years, 0)


def used_in_window(first_day: date, previous: Sequence[PastAbsence]) -> int:
    """Calendar days of earlier absence in the 12 months immediately before `first_day`."""
    window_start = months_on(first_day, -WINDOW_MONTHS)
    day_before = first_day - timedelta(days=1)
    used = 0
    for absence in previous:
        start = max(absence.first_day, window_start)
        end = min(absence.last_day or day_before, day_before)
        if end >= start:
            used += (end - start).days + 1
    return used


def afc_dates(first_day: date, service_start: date, previous: Sequence[PastAbsence] = ()
              ) -> ContractualDates:
    """The last days of full and of half pay for an absence starting `first_day`."""
    years = completed_years(service_start, first_day)
    full_months, half_months, band = next(
        (full, half, words) for at_least, full, half, words in _SCALE if years >= at_least)
    full_end = months_on(first_day, full_months)  # first day past full pay, before deduction
    half_end = months_on(first_day, full_months + half_months)
    full_days, half_days = (full_end - first_day).days, (half_end - full_end).days
    used = used_in_window(first_day, previous)
    full_left = max(full_days - used, 0)
    half_left = max(half_days - max(used - full_days, 0), 0)
    last_full = first_day + timedelta(days=full_left - 1)
    last_half = last_full + timedelta(days=half_left)
    reduced = (f", less {used} day(s) of sick leave in the 12 months before the first day "
               "(taken from full pay first)") if used else ""
    return ContractualDates(
        full_pay_ends_on=RuledDate(
            on=last_full, rule=f"{full_months} month(s) of full pay {band}{reduced}",
            source=f"{SCALE}; the 12-month reckoning of {HANDBOOK}"),
        half_pay_ends_on=RuledDate(
            on=last_half, rule=f"then {half_months} month(s) of half pay {band}{reduced}",
            source=f"{SCALE}; the 12-month reckoning of {HANDBOOK}"),
    )
