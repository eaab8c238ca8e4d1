"""Statutory Sick Pay as dated rules: worked examples, one table per rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.sick_pay.statutory import (
    lower_earnings_limit,
    qualifying_weekdays,
    ssp_dates,
    tax_year,
)
from domain.values import Employment, PastAbsence


def _d(text: str) -> date:
    return date.fromisoformat(text)


def _off(first: str, last: str) -> PastAbsence:
    return PastAbsence(first_day=_d(first), last_day=_d(last))


@pytest.mark.parametrize(("first_day", "starts_on", "source_has"), [
    # Before 6 April 2026: Mon 5 Jan; Mon, Tue, Wed are waiting days (s.155(1)).
    ("2026-01-05", "2026-01-08", "s.155(1)"),
    # Fri 2 Jan: Fri, Mon, Tue wait (the weekend is not qualifying); paid from Wed.
    ("2026-01-02", "2026-01-07", "s.155(1)"),
    # From 6 April 2026: paid from the first qualifying day.
    ("2026-06-01", "2026-06-01", "Employment Rights Act 2025"),
    # Sat 6 June 2026: the first qualifying day is Mon 8 June.
    ("2026-06-06", "2026-06-08", "Employment Rights Act 2025"),
    # A PIW spanning 6 April 2026: Thu 2 and Fri 3 April wait; Mon 6 April is paid.
    ("2026-04-02", "2026-04-06", "Employment Rights Act 2025"),
    # Wed 1 April: Wed, Thu, Fri wait (all before the change); paid from Mon 6 April.
    ("2026-04-01", "2026-04-06", "Employment Rights Act 2025"),
])
def test_ssp_starts_after_the_waiting_days_in_force_on_each_day(
        first_day: str, starts_on: str, source_has: str) -> None:
    dates = ssp_dates(_d(first_day))

    assert dates.entitled
    assert dates.starts_on is not None
    assert dates.starts_on.on == _d(starts_on)
    assert source_has in dates.starts_on.source


@pytest.mark.parametrize(("first_day", "ends_on", "ssp1_due_on"), [
    # From 6 April: 140 qualifying days (28 weeks of Mon-Fri) from Mon 1 June.
    ("2026-06-01", "2026-12-11", "2026-11-02"),
    # Before: paid from Thu 8 Jan; the 140th paid day is Wed 22 July, the 111th Thu 11 June.
    ("2026-01-05", "2026-07-22", "2026-06-11"),
    # Spanning: paid from Mon 6 April; 28 weeks end Fri 16 Oct; week 23 starts Mon 7 Sep.
    ("2026-04-02", "2026-10-16", "2026-09-07"),
])
def test_ssp_ends_after_28_weeks_and_ssp1_is_due_at_the_start_of_week_23(
        first_day: str, ends_on: str, ssp1_due_on: str) -> None:
    dates = ssp_dates(_d(first_day))

    assert dates.ends_on is not None and dates.ends_on.on == _d(ends_on)
    assert "s.155(4)" in dates.ends_on.source
    assert dates.ssp1_due_on is not None and dates.ssp1_due_on.on == _d(ssp1_due_on)
    assert "SSP1" in dates.ssp1_due_on.source


def test_the_28_weeks_count_the_qualifying_days_of_the_week() -> None:
    # Mon, Wed, Fri: 84 qualifying days; week 23 starts on the 67th.
    dates = ssp_dates(_d("2026-06-01"), employment=Employment(qualifying_days=(1, 3, 5)))

    assert dates.max_days == 84
    assert dates.ends_on is not None and dates.ends_on.on == _d("2026-12-11")
    assert dates.ssp1_due_on is not None and dates.ssp1_due_on.on == _d("2026-11-02")


@pytest.mark.parametrize(("first_day", "last_day", "earnings", "entitled", "starts_on"), [
    # 2025-26: LEL £125 a week. £120 is below: no SSP while the old rules last...
    ("2025-06-02", "2025-08-29", 12_000, False, None),
    # ...but an absence still going on is paid from 6 April 2026, when the LEL is gone.
    ("2025-06-02", None, 12_000, True, "2026-04-06"),
    # £125 exactly is not below the limit.
    ("2025-06-02", "2025-08-29", 12_500, True, "2025-06-05"),
    # 2024-25: LEL £123 a week; £123 qualifies.
    ("2025-03-03", "2025-04-30", 12_300, True, "2025-03-06"),
    ("2025-03-03", "2025-04-30", 12_299, False, None),
    # From 6 April 2026: any earnings.
    ("2026-05-04", "2026-05-29", 5_000, True, "2026-05-04"),
    # Earnings unknown: the test is not applied.
    ("2025-06-02", "2025-08-29", None, True, "2025-06-05"),
])
def test_the_lower_earnings_limit_applies_only_before_6_april_2026(
        first_day: str, last_day: str | None, earnings: int | None, entitled: bool,
        starts_on: str | None) -> None:
    dates = ssp_dates(_d(first_day), employment=Employment(average_weekly_earnings_pence=earnings),
                      last_day=_d(last_day) if last_day else None)

    assert dates.entitled is entitled
    assert (dates.starts_on.on if dates.starts_on else None) == (
        _d(starts_on) if starts_on else None)
    if not entitled:
        assert dates.why_not is not None and "lower earnings limit" in dates.why_not
        assert dates.ssp1_due_on is not None
        assert dates.ssp1_due_on.on == _d(first_day) + timedelta(days=7)


def test_linked_earlier_absences_reduce_the_28_weeks() -> None:
    # Mon 13 April .. Fri 8 May 2026: 20 qualifying days paid; 23 days before 1 June: linked.
    earlier = _off("2026-04-13", "2026-05-08")

    dates = ssp_dates(_d("2026-06-01"), [earlier])

    assert dates.paid_before == 20
    assert dates.ends_on is not None and dates.ends_on.on == _d("2026-11-13")
    # the 111th paid day is the 91st of this absence: Mon 5 October
    assert dates.ssp1_due_on is not None and dates.ssp1_due_on.on == _d("2026-10-05")


def test_an_absence_more_than_eight_weeks_later_starts_a_new_28_weeks() -> None:
    earlier = _off("2026-04-13", "2026-04-30")

    dates = ssp_dates(_d("2026-07-01"), [earlier])

    assert dates.paid_before == 0
    assert dates.ends_on is not None and dates.ends_on.on == _d("2027-01-12")


def test_a_linked_period_serves_the_waiting_days_once() -> None:
    # Before April 2026: Mon 5 .. Fri 16 Jan waits Mon-Wed and pays 7 days; 2 Feb links.
    earlier = _off("2026-01-05", "2026-01-16")

    dates = ssp_dates(_d("2026-02-02"), [earlier])

    assert dates.paid_before == 7
    assert dates.starts_on is not None and dates.starts_on.on == _d("2026-02-02")


def test_no_ssp_once_the_linked_period_has_paid_28_weeks() -> None:
    earlier = _off("2026-04-06", "2026-10-16")  # 140 qualifying days

    dates = ssp_dates(_d("2026-11-02"), [earlier])

    assert not dates.entitled
    assert dates.why_not is not None and "28 weeks" in dates.why_not
    assert dates.ssp1_due_on is not None and dates.ssp1_due_on.on == _d("2026-11-09")


def test_ssp1_within_7_days_when_the_linked_period_had_passed_week_23() -> None:
    earlier = _off("2026-04-06", "2026-09-18")  # 120 qualifying days paid

    dates = ssp_dates(_d("2026-10-05"), [earlier])

    assert dates.ends_on is not None and dates.ends_on.on == _d("2026-10-30")
    assert dates.ssp1_due_on is not None and dates.ssp1_due_on.on == _d("2026-10-12")
    assert "within 7 days" in dates.ssp1_due_on.rule


def test_no_ssp1_when_the_absence_ends_before_ssp_runs_out() -> None:
    dates = ssp_dates(_d("2026-06-01"), last_day=_d("2026-07-31"))

    assert dates.entitled
    assert dates.ends_on is None
    assert dates.ssp1_due_on is None


def test_an_absence_ending_within_its_waiting_days_pays_nothing_and_needs_no_form() -> None:
    dates = ssp_dates(_d("2026-01-05"), last_day=_d("2026-01-07"))

    assert not dates.entitled
    assert dates.ssp1_due_on is None


@pytest.mark.parametrize(("day", "year", "limit"), [
    ("2025-04-05", 2024, 12_300), ("2025-04-06", 2025, 12_500), ("2026-04-05", 2025, 12_500),
    ("2026-04-06", 2026, None), ("2019-01-01", 2018, None),
])
def test_the_lower_earnings_limit_by_tax_year(day: str, year: int, limit: int | None) -> None:
    assert tax_year(_d(day)) == year
    assert lower_earnings_limit(_d(day)) == limit


def test_qualifying_days_default_to_monday_to_friday() -> None:
    assert qualifying_weekdays(None) == frozenset({1, 2, 3, 4, 5})
    assert qualifying_weekdays(Employment(qualifying_days=(6, 7))) == frozenset({6, 7})
