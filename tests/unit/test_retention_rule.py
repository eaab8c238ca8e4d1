"""The retention rule: the day a closed case's time is up, on fixed dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.policy import DEFAULT_POLICY, Policy
from domain.retention import (
    is_expired,
    latest_expired_closure,
    retention_expires_on,
    sweep_day,
)


def _policy(years: int) -> Policy:
    return Policy(version="test", effective_from=date(2026, 4, 6),
                  retention_years_after_closure=years)


def test_a_case_is_kept_six_years_after_closure_by_default() -> None:
    assert DEFAULT_POLICY.retention_years_after_closure == 6
    assert retention_expires_on(date(2020, 3, 15), DEFAULT_POLICY) == date(2026, 3, 15)


def test_a_case_expires_on_the_anniversary_and_not_the_day_before() -> None:
    assert not is_expired(date(2020, 3, 15), DEFAULT_POLICY, date(2026, 3, 14))
    assert is_expired(date(2020, 3, 15), DEFAULT_POLICY, date(2026, 3, 15))


def test_a_29_february_closure_expires_on_1_march_of_a_common_year() -> None:
    assert retention_expires_on(date(2024, 2, 29), DEFAULT_POLICY) == date(2030, 3, 1)
    assert not is_expired(date(2024, 2, 29), DEFAULT_POLICY, date(2030, 2, 28))


def test_a_29_february_closure_expires_on_29_february_of_a_leap_year() -> None:
    assert retention_expires_on(date(2024, 2, 29), _policy(4)) == date(2028, 2, 29)


def test_the_employer_sets_the_years() -> None:
    assert retention_expires_on(date(2020, 1, 10), _policy(10)) == date(2030, 1, 10)


@pytest.mark.parametrize("years", [0, 101])
def test_years_outside_one_to_a_hundred_are_refused(years: int) -> None:
    with pytest.raises(ValueError, match="retention_years_after_closure"):
        _policy(years)


@pytest.mark.parametrize("years", [1, 4, 6])
def test_the_latest_expired_closure_separates_expired_cases_from_kept_ones(years: int) -> None:
    """Every closure date up to it has expired and none after it has, over leap days."""
    policy = _policy(years)
    for today in (date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1), date(2029, 2, 28),
                  date(2029, 3, 1), date(2030, 12, 31)):
        cutoff = latest_expired_closure(today, policy)
        day = cutoff - timedelta(days=400)
        while day <= cutoff + timedelta(days=400):
            assert is_expired(day, policy, today) == (day <= cutoff), (today, day)
            day += timedelta(days=1)


def test_the_sweep_day_is_the_london_date() -> None:
    # 23:30 UTC on a summer evening is already the next day in London (BST); in winter not.
    assert sweep_day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert sweep_day(datetime(2026, 12, 30, 23, 30, tzinfo=UTC)) == date(2026, 12, 30)
