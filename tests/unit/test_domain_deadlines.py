"""Early-contact deadlines fall on the right Europe/London working day and hour."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from domain.actors import TIMER_ACTOR, Role
from domain.calendar import london_date
from domain.commands import DeadlinePassed
from domain.deadlines import (
    early_contact_due,
    early_contact_escalation,
    is_task,
    next_deadline,
    open_deadlines,
    outstanding_deadlines,
)
from domain.decide import decide
from domain.errors import InvalidCommand
from domain.events import ReminderSent
from domain.evolve import evolve
from domain.journey.early_contact import ContactMethod, RecordEarlyContact
from domain.policy import DEFAULT_POLICY, Policy
from domain.stages import ReasonCategory
from domain.state import CaseState
from tests.support.builders import MANAGER_ACTOR, opened_state


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


@pytest.mark.parametrize(
    ("opened_at", "due_at", "escalation_at", "why"),
    [
        (utc(2026, 11, 20, 10), utc(2026, 11, 23, 17), utc(2026, 11, 24, 17),
         "reported on a Friday: due Monday 17:00 GMT"),
        (utc(2026, 7, 15, 8), utc(2026, 7, 16, 16), utc(2026, 7, 17, 16),
         "summer: 17:00 BST is 16:00 UTC"),
        (utc(2026, 12, 24, 9), utc(2026, 12, 29, 17), utc(2026, 12, 30, 17),
         "Christmas Day and the substitute Boxing Day holiday are skipped"),
        (utc(2026, 4, 2, 9), utc(2026, 4, 7, 16), utc(2026, 4, 8, 16),
         "Good Friday and Easter Monday are skipped"),
        (utc(2026, 10, 23, 9), utc(2026, 10, 26, 17), utc(2026, 10, 27, 17),
         "clocks go back on the Sunday between"),
        (utc(2026, 3, 27, 9), utc(2026, 3, 30, 16), utc(2026, 3, 31, 16),
         "clocks go forward on the Sunday between"),
        (utc(2026, 6, 22, 23, 30), utc(2026, 6, 24, 16), utc(2026, 6, 25, 16),
         "23:30 UTC on Monday is already Tuesday in London"),
        (utc(2026, 11, 21, 12), utc(2026, 11, 23, 17), utc(2026, 11, 24, 17),
         "reported on a Saturday: due the first working day after"),
    ],
)
def test_early_contact_deadlines_follow_the_london_working_calendar(
    opened_at: datetime, due_at: datetime, escalation_at: datetime, why: str
) -> None:
    # Reported on the day it opened (the first day of absence, in London).
    state = opened_state(opened_at, first_day=london_date(opened_at))
    assert state.contact_due_at == due_at, why
    assert state.contact_escalation_at == escalation_at, why


def test_an_absence_notified_late_is_due_for_contact_at_once_and_escalated_later() -> None:
    opened_at = utc(2026, 11, 30, 10)  # a Monday, ten days into the absence
    state = opened_state(opened_at, first_day=date(2026, 11, 20))
    assert state.contact_due_at == utc(2026, 11, 23, 17)  # the Friday's next working day
    assert state.contact_escalation_at == utc(2026, 12, 1, 17)  # a working day after opening
    [first, *_] = open_deadlines(state)
    assert (first.name, first.due_at < opened_at) == ("early_contact_due", True)


def test_the_day_reported_can_be_given_and_must_not_be_ahead() -> None:
    opened_at = utc(2026, 11, 30, 10)
    told = opened_state(opened_at, first_day=date(2026, 11, 20), reported_on=date(2026, 11, 26))
    assert told.contact_due_at == utc(2026, 11, 27, 17)
    with pytest.raises(InvalidCommand) as refused:
        opened_state(opened_at, reported_on=date(2026, 12, 1))
    assert refused.value.field == "reported_on"


def test_a_case_opened_before_the_day_reported_was_kept_is_due_from_its_opening() -> None:
    opened_at = utc(2026, 11, 30, 10)
    state = opened_state(opened_at, first_day=date(2026, 11, 20), reported_when_opened=True)
    assert state.contact_due_at == utc(2026, 12, 1, 17)
    assert early_contact_due(date(2026, 11, 30), DEFAULT_POLICY) == state.contact_due_at
    assert early_contact_escalation(state.contact_due_at, DEFAULT_POLICY) == utc(2026, 12, 2, 17)


def test_policy_can_require_contact_on_the_day_reported() -> None:
    same_day = Policy(version="strict-1", effective_from=date(2026, 1, 1),
                      contact_due_working_days=0)
    assert early_contact_due(utc(2026, 11, 18, 9), same_day) == utc(2026, 11, 18, 17)


def test_policy_bank_holidays_can_be_replaced() -> None:
    no_holidays = Policy(version="no-holidays", effective_from=date(2026, 1, 1),
                         non_working_days=())
    assert early_contact_due(utc(2026, 12, 24, 9), no_holidays) == utc(2026, 12, 25, 17)


def test_contact_deadlines_come_first_and_each_fires_once() -> None:
    state = opened_state(utc(2026, 11, 20, 10), reason=ReasonCategory.OTHER)
    names = [d.name for d in open_deadlines(state)]
    assert names == ["early_contact_due", "early_contact_escalation", "fit_note_needed",
                     "long_term_referral", "risk_flag_six_weeks",
                     # practice version 3: Statutory Sick Pay's 28 weeks run out in 2027
                     "ssp1_due", "ssp_ending_warning"]
    first = next_deadline(state)
    assert first is not None and first.due_at == utc(2026, 11, 23, 17)

    [reminded] = decide(state, DeadlinePassed(key=first.key), now=first.due_at, actor=TIMER_ACTOR)
    after = evolve(state, reminded)
    second = next_deadline(after)
    assert second is not None and second.name == "early_contact_escalation"
    assert decide(after, DeadlinePassed(key=first.key), now=first.due_at, actor=TIMER_ACTOR) == []


def test_day_eight_without_a_fit_note_reminds_employee_and_manager() -> None:
    state = opened_state(utc(2026, 11, 20, 10), reason=ReasonCategory.OTHER)
    [fit_note] = [d for d in open_deadlines(state) if d.name == "fit_note_needed"]
    assert fit_note.due_at == utc(2026, 11, 27, 9)  # day 8, 09:00 London
    [event] = decide(state, DeadlinePassed(key=fit_note.key), now=fit_note.due_at,
                     actor=TIMER_ACTOR)
    assert isinstance(event, ReminderSent)
    assert event.recipients == (Role.EMPLOYEE, Role.MANAGER)
    assert Role.OH not in event.recipients


def _fire(state: CaseState, name: str) -> CaseState:
    """The timer passes the named open deadline and its decision is recorded."""
    [deadline] = [d for d in open_deadlines(state) if d.name == name]
    for event in decide(state, DeadlinePassed(key=deadline.key), now=deadline.due_at,
                        actor=TIMER_ACTOR):
        state = evolve(state, event)
    return state


def test_a_missed_contact_stays_outstanding_and_overdue_until_it_is_made() -> None:
    state = opened_state(utc(2026, 11, 20, 10), reason=ReasonCategory.OTHER)
    reminded = _fire(state, "early_contact_due")
    # The timer has acted on it, so the workflow no longer waits for it...
    assert "early_contact_due" not in [d.name for d in open_deadlines(reminded)]
    # ...but the contact is still not made: it stays first, overdue since it fell due.
    first = outstanding_deadlines(reminded)[0]
    assert (first.name, first.due_at) == ("early_contact_due", utc(2026, 11, 23, 17))
    escalated = _fire(reminded, "early_contact_escalation")
    assert outstanding_deadlines(escalated)[0].name == "early_contact_due"
    contact = RecordEarlyContact(contacted_at=utc(2026, 11, 25, 9), method=ContactMethod.PHONE,
                                 agreed_contact_frequency_days=7)
    contacted = escalated
    for event in decide(escalated, contact, now=utc(2026, 11, 25, 9), actor=MANAGER_ACTOR):
        contacted = evolve(contacted, event)
    assert {"early_contact_due", "early_contact_escalation"}.isdisjoint(
        d.name for d in outstanding_deadlines(contacted))


def test_a_notice_that_went_out_is_not_left_outstanding() -> None:
    # Day 42's risk flag is a notice to OH, not a task: once raised it is done.
    state = opened_state(utc(2026, 11, 20, 10), reason=ReasonCategory.OTHER)
    flagged = _fire(state, "risk_flag_six_weeks")
    assert "risk_flag_six_weeks" not in [d.name for d in outstanding_deadlines(flagged)]
    assert not is_task(next(d for d in open_deadlines(state) if d.name == "risk_flag_six_weeks"))
