"""NHS contractual sick pay (Agenda for Change): worked examples per service band and for the
12-month reckoning."""

from __future__ import annotations

from datetime import date

import pytest

from domain.sick_pay.agenda_for_change import afc_dates, completed_years, used_in_window
from domain.values import PastAbsence


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _off(first: str, last: str | None) -> PastAbsence:
    return PastAbsence(first_day=_d(first), last_day=_d(last) if last else None)


@pytest.mark.parametrize(("service_start", "full_ends", "half_ends", "band"), [
    # first day of absence Mon 1 June 2026 throughout
    ("2026-01-05", "2026-06-30", "2026-08-31", "first year"),  # 1 + 2 months
    ("2025-06-02", "2026-06-30", "2026-08-31", "first year"),  # a day before the anniversary
    ("2025-06-01", "2026-07-31", "2026-09-30", "second year"),  # on the anniversary: 2 + 2
    ("2024-06-01", "2026-09-30", "2027-01-31", "third year"),  # 4 + 4
    ("2023-06-01", "2026-10-31", "2027-03-31", "fourth or fifth"),  # 5 + 5
    ("2021-06-02", "2026-10-31", "2027-03-31", "fourth or fifth"),  # fifth year's last day
    ("2021-06-01", "2026-11-30", "2027-05-31", "after five years"),  # 6 + 6
    ("2001-01-01", "2026-11-30", "2027-05-31", "after five years"),
])
def test_full_and_half_pay_by_length_of_service_on_the_first_day(
        service_start: str, full_ends: str, half_ends: str, band: str) -> None:
    dates = afc_dates(_d("2026-06-01"), _d(service_start))

    assert dates.full_pay_ends_on.on == _d(full_ends)
    assert dates.half_pay_ends_on.on == _d(half_ends)
    assert band in dates.full_pay_ends_on.rule
    assert "14.2" in dates.full_pay_ends_on.source


@pytest.mark.parametrize(("first_day", "service_start", "full_ends", "half_ends"), [
    # From 31 January one month runs to the last day of February.
    ("2026-01-31", "2025-10-01", "2026-02-28", "2026-04-30"),
    # From 29 February (a leap year) two months run to 28 April.
    ("2028-02-29", "2027-01-01", "2028-04-28", "2028-06-28"),
    # From 15 January one month runs to 14 February.
    ("2026-01-15", "2025-10-01", "2026-02-14", "2026-04-14"),
])
def test_months_are_calendar_months_from_the_first_day(
        first_day: str, service_start: str, full_ends: str, half_ends: str) -> None:
    dates = afc_dates(_d(first_day), _d(service_start))

    assert dates.full_pay_ends_on.on == _d(full_ends)
    assert dates.half_pay_ends_on.on == _d(half_ends)


@pytest.mark.parametrize(("service_start", "on", "years"), [
    ("2024-02-29", "2025-02-28", 0), ("2024-02-29", "2025-03-01", 1),
    ("2024-02-29", "2028-02-29", 4), ("2020-06-01", "2026-05-31", 5),
])
def test_a_year_of_service_is_complete_on_its_anniversary(
        service_start: str, on: str, years: int) -> None:
    assert completed_years(_d(service_start), _d(on)) == years


def test_sick_leave_in_the_12_months_before_comes_off_full_pay_first() -> None:
    # after five years: 183 days' full pay from 1 June (to 30 Nov), 182 half; 10 days used
    earlier = _off("2026-01-05", "2026-01-14")

    dates = afc_dates(_d("2026-06-01"), _d("2020-01-01"), [earlier])

    assert dates.full_pay_ends_on.on == _d("2026-11-20")
    assert dates.half_pay_ends_on.on == _d("2027-05-21")
    assert "less 10 day(s)" in dates.full_pay_ends_on.rule


def test_sick_leave_beyond_full_pay_comes_off_half_pay() -> None:
    # first year: 30 days' full pay in June, 62 half (July, August); 60 days used
    earlier = _off("2026-03-02", "2026-04-30")

    dates = afc_dates(_d("2026-06-01"), _d("2026-01-05"), [earlier])

    assert dates.full_pay_ends_on.on == _d("2026-05-31")  # none left: ends before day one
    assert dates.half_pay_ends_on.on == _d("2026-07-02")  # 32 of 62 half-pay days left


def test_no_pay_left_when_the_window_used_it_all() -> None:
    earlier = _off("2025-06-01", "2026-05-29")

    dates = afc_dates(_d("2026-06-01"), _d("2025-01-05"))
    used = afc_dates(_d("2026-06-01"), _d("2025-01-05"), [earlier])

    assert dates.half_pay_ends_on.on > dates.full_pay_ends_on.on
    assert used.full_pay_ends_on.on == used.half_pay_ends_on.on == _d("2026-05-31")


@pytest.mark.parametrize(("previous", "used"), [
    ([("2025-05-25", "2025-06-03")], 3),  # only 1-3 June 2025 are in the window
    ([("2025-05-01", "2025-05-31")], 0),  # wholly before it
    ([("2026-05-30", None)], 2),  # not ended: counted to the day before the first day
    ([("2026-01-05", "2026-01-14"), ("2026-03-02", "2026-03-03")], 12),
])
def test_the_window_is_the_12_months_immediately_before_the_first_day(
        previous: list[tuple[str, str | None]], used: int) -> None:
    assert used_in_window(_d("2026-06-01"), [_off(f, t) for f, t in previous]) == used


def test_the_window_before_29_february_starts_on_1_march() -> None:
    assert used_in_window(_d("2028-02-29"), [_off("2027-02-28", "2027-03-01")]) == 1
