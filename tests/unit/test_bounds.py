"""Dates outside the policy's window are refused naming the field; every date inside it keeps
the calendar arithmetic of the deadlines working."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.bounds import accepted_window, check_dates_within_window
from domain.commands import (
    EmploymentInput,
    ExtendAbsence,
    PastAbsenceInput,
    RecordFitNote,
    ReferToOh,
)
from domain.deadlines import open_deadlines
from domain.decide import decide
from domain.errors import InvalidCommand
from domain.policy import DEFAULT_POLICY
from domain.vocabulary import FitNoteAssessment, IssuerProfession
from eventstore.moments import parse_date, parse_moment
from localstack.samples import open_command
from tests.support.builders import MANAGER_ACTOR, opened_state

TODAY = date(2026, 11, 30)
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
FIRST, LAST = accepted_window(TODAY, DEFAULT_POLICY)


def fit_note(issued_on: date, ends_on: date) -> RecordFitNote:
    return RecordFitNote(issued_on=issued_on, issuer_profession=IssuerProfession.DOCTOR,
                         assessment=FitNoteAssessment.NOT_FIT, starts_on=issued_on,
                         ends_on=ends_on)


def test_the_default_window_is_five_years_back_and_two_ahead() -> None:
    window = (FIRST, LAST)

    assert window == (date(2021, 11, 29), date(2028, 11, 30))


@pytest.mark.parametrize("sentinel", [date(9999, 12, 31), date(1, 1, 1), LAST + timedelta(1),
                                      FIRST - timedelta(1)])
def test_a_date_outside_the_window_is_refused_naming_its_field(sentinel: date) -> None:
    extension = ExtendAbsence(sent_at=NOW, expected_last_day=sentinel)

    with pytest.raises(InvalidCommand) as refused:
        check_dates_within_window(extension, today=TODAY, policy=DEFAULT_POLICY)

    assert refused.value.field == "expected_last_day"
    assert FIRST.isoformat() in refused.value.reason


def test_the_first_bad_date_is_named_even_when_others_are_fine() -> None:
    with pytest.raises(InvalidCommand) as refused:
        check_dates_within_window(fit_note(TODAY, date(9999, 12, 31)), today=TODAY,
                                  policy=DEFAULT_POLICY)

    assert refused.value.field == "ends_on"


def test_the_edges_of_the_window_are_accepted() -> None:
    check_dates_within_window(fit_note(FIRST, LAST), today=TODAY, policy=DEFAULT_POLICY)


def test_a_time_is_judged_by_its_london_date() -> None:
    summer_today = date(2026, 7, 1)
    _, last = accepted_window(summer_today, DEFAULT_POLICY)  # 2028-07-01, British Summer Time
    just_before_midnight_utc = datetime.combine(last, datetime.min.time(), tzinfo=UTC) + (
        timedelta(hours=23, minutes=30))  # 00:30 on the next day in London

    with pytest.raises(InvalidCommand) as refused:
        check_dates_within_window(ExtendAbsence(sent_at=just_before_midnight_utc,
                                                expected_last_day=summer_today),
                                  today=summer_today, policy=DEFAULT_POLICY)

    assert refused.value.field == "sent_at"


@given(first_day=st.dates(min_value=FIRST, max_value=LAST))
def test_every_first_day_in_the_window_has_deadlines_that_compute(first_day: date) -> None:
    state = opened_state(NOW, first_day=first_day)

    assert all(d.due_at.year < 2200 for d in open_deadlines(state))


@pytest.mark.parametrize("text", ["9999-12-31", "0001-01-01T00:00:00+00:00", "2200-01-01"])
def test_moments_auditors_type_are_held_to_the_calendar(text: str) -> None:
    with pytest.raises(ValueError, match="between"):
        parse_moment(text)


def test_dates_auditors_type_are_held_to_the_calendar() -> None:
    assert parse_date("2026-11-30") == TODAY
    with pytest.raises(ValueError, match="between"):
        parse_date("9999-12-31")


def test_a_decision_on_a_case_whose_stored_dates_break_the_calendar_is_refused() -> None:
    # A case opened before dates were bounded, with HR's sentinel as its first day.
    poisoned = opened_state(NOW, first_day=date(9999, 12, 30), reported_when_opened=True)
    referral = ReferToOh(reason="Absence expected beyond four weeks")

    with pytest.raises(InvalidCommand) as refused:
        decide(poisoned, referral, now=NOW, actor=MANAGER_ACTOR)

    assert "deadlines beyond the calendar" in refused.value.reason


def test_a_long_career_and_old_absences_are_facts_held_only_to_the_calendar() -> None:
    today = date(2026, 11, 30)
    command = open_command(absence_id="ABS-LONG", first_day=today).model_copy(update={
        "employment": EmploymentInput(service_start=date(1988, 9, 1)),
        "previous_absences": (PastAbsenceInput(first_day=date(2014, 2, 3),
                                               last_day=date(2014, 2, 20)),),
    })

    check_dates_within_window(command, today=today, policy=DEFAULT_POLICY)

    sentinel = command.model_copy(update={
        "employment": EmploymentInput(service_start=date(1, 1, 1))})
    with pytest.raises(InvalidCommand) as refused:
        check_dates_within_window(sentinel, today=today, policy=DEFAULT_POLICY)
    assert refused.value.field == "employment.service_start"
