"""Statutory Sick Pay's linking rule: worked examples, one per clause."""

from __future__ import annotations

from datetime import date

import pytest

from domain.sick_pay.linking import (
    is_period_of_incapacity,
    linked_chain_start,
    linked_periods,
)
from domain.values import PastAbsence


def _off(first: str, last: str | None, case: str | None = None) -> PastAbsence:
    return PastAbsence(first_day=date.fromisoformat(first),
                       last_day=date.fromisoformat(last) if last else None, case_id=case)


@pytest.mark.parametrize(("first", "last", "forms_one"), [
    ("2026-03-02", "2026-03-04", False),  # 3 days: no PIW
    ("2026-03-06", "2026-03-09", True),  # Fri to Mon: weekend days count
    ("2026-03-02", None, True),  # still off
    ("2026-04-06", "2026-04-06", True),  # one day is a PIW from 6 April 2026
    ("2026-04-03", "2026-04-06", True),
    ("2026-04-04", "2026-04-05", False),  # two days, both before it
])
def test_a_period_of_incapacity_is_four_or_more_consecutive_days(
        first: str, last: str | None, forms_one: bool) -> None:
    ended = date.fromisoformat(last) if last else None
    assert is_period_of_incapacity(date.fromisoformat(first), ended) is forms_one


def test_an_absence_ending_eight_weeks_before_links_and_one_a_day_earlier_does_not() -> None:
    new_start = date(2026, 6, 1)
    # 8 weeks (56 days) between: last day 5 April, gap 6 April .. 31 May is 56 days.
    within = _off("2026-03-30", "2026-04-05", "c1")
    beyond = _off("2026-03-29", "2026-04-04", "c2")

    assert linked_periods(new_start, [within]) == (within,)
    assert linked_periods(new_start, [beyond]) == ()


def test_links_chain_back_through_each_earlier_period_newest_first() -> None:
    first = _off("2026-01-05", "2026-01-16", "c1")
    second = _off("2026-02-16", "2026-02-27", "c2")

    chain = linked_periods(date(2026, 4, 6), [first, second])

    assert chain == (second, first)
    assert linked_chain_start(date(2026, 4, 6), [first, second]) == date(2026, 1, 5)


def test_a_short_absence_neither_links_nor_breaks_the_chain() -> None:
    piw = _off("2026-01-05", "2026-01-16")
    short = _off("2026-02-02", "2026-02-03")

    assert linked_periods(date(2026, 3, 2), [short, piw]) == (piw,)


def test_from_april_2026_a_one_day_absence_links() -> None:
    one_day = _off("2026-05-11", "2026-05-11")

    assert linked_periods(date(2026, 6, 1), [one_day]) == (one_day,)


def test_an_absence_still_going_on_or_overlapping_never_links() -> None:
    assert linked_periods(date(2026, 3, 2), [_off("2026-02-20", None)]) == ()
    assert linked_periods(date(2026, 3, 2), [_off("2026-02-20", "2026-03-05")]) == ()


def test_a_chain_stops_linking_after_three_years() -> None:
    old = _off("2023-03-01", "2023-03-31")
    chain = [old] + [_off(f"{year}-{month:02d}-01", f"{year}-{month:02d}-10")
                     for year in (2023, 2024, 2025, 2026)
                     for month in range(1, 13, 2)
                     if date(year, month, 1) > date(2023, 3, 31)
                     and date(year, month, 1) < date(2026, 3, 1)]

    linked = linked_periods(date(2026, 3, 2), chain)

    assert old not in linked
    assert linked and all(p.first_day >= date(2023, 3, 2) for p in linked)
