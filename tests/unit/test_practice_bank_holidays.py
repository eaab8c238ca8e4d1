"""Bank holidays come from the `holidays` package for every year a policy's dates can fall in;
a policy stored with its own list keeps it."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.calendar import add_working_days, england_and_wales_bank_holidays
from domain.journey.early_contact import early_contact_due
from domain.policy import DEFAULT_POLICY, Policy

# The list the policy carried by hand until 2027 (weekday closures only).
HAND_TYPED_2025_TO_2027 = (
    date(2025, 1, 1), date(2025, 4, 18), date(2025, 4, 21), date(2025, 5, 5),
    date(2025, 5, 26), date(2025, 8, 25), date(2025, 12, 25), date(2025, 12, 26),
    date(2026, 1, 1), date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4),
    date(2026, 5, 25), date(2026, 8, 31), date(2026, 12, 25), date(2026, 12, 28),
    date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3),
    date(2027, 5, 31), date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
)


def years_without_a_closure(policy: Policy) -> list[int]:
    closed_years = {day.year for day in policy.non_working_days}
    return [year for year in policy.date_window_years if year not in closed_years]


def test_every_year_of_the_default_policy_window_has_bank_holidays() -> None:
    assert DEFAULT_POLICY.date_window_years == range(2021, 2029)
    assert years_without_a_closure(DEFAULT_POLICY) == []


@settings(max_examples=60, deadline=None)
@given(effective_from=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
       back=st.integers(min_value=30, max_value=3_650), ahead=st.integers(min_value=30,
                                                                          max_value=3_660))
def test_every_year_of_any_new_policy_window_has_bank_holidays(
        effective_from: date, back: int, ahead: int) -> None:
    policy = Policy(version="p", effective_from=effective_from, dates_accepted_days_back=back,
                    dates_accepted_days_ahead=ahead)

    assert years_without_a_closure(policy) == []
    assert all(day.weekday() < 5 for day in policy.non_working_days)


def test_the_package_agrees_with_the_list_once_typed_by_hand() -> None:
    assert england_and_wales_bank_holidays(range(2025, 2028)) == HAND_TYPED_2025_TO_2027


def test_a_policy_effective_in_2031_closes_its_own_bank_holidays() -> None:
    policy = Policy(version="trust-2031", effective_from=date(2031, 4, 1))

    assert date(2032, 12, 27) in policy.non_working_days  # Christmas on a Saturday
    assert date(2031, 4, 11) in policy.non_working_days  # Good Friday
    assert date(2026, 4, 6) in policy.non_working_days  # within five years back


def test_contact_due_skips_a_bank_holiday_beyond_the_old_list() -> None:
    policy = Policy(version="trust-2028", effective_from=date(2028, 4, 1))
    # Thursday 13 April 2028; Good Friday 14 April and Easter Monday 17 April are closed.
    due = early_contact_due(date(2028, 4, 13), policy)

    assert due.date() == date(2028, 4, 18)
    assert add_working_days(date(2028, 12, 22), 1, policy.non_working_days) == date(2028, 12, 27)


def test_a_stored_policy_keeps_the_list_it_was_stored_with() -> None:
    stored = DEFAULT_POLICY.model_dump(mode="json")
    stored["non_working_days"] = ["2026-12-25"]

    assert Policy.model_validate(stored).non_working_days == (date(2026, 12, 25),)
    assert Policy.model_validate({**stored, "non_working_days": []}).non_working_days == ()


def test_a_new_policy_stores_its_list_so_every_copy_carries_the_same_days() -> None:
    policy = Policy(version="p", effective_from=date(2026, 4, 6))
    unset_left_out = policy.model_dump(exclude_unset=True)

    assert unset_left_out["non_working_days"] == policy.non_working_days
    assert Policy.model_validate_json(policy.model_dump_json()) == policy
    assert len(policy.model_dump_json()) < 6_000  # stored in every CaseOpened, with its services
