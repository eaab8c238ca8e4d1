"""Deciding and evolving a case: the rules of early contact, reminders and escalation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.actions import allowed_actions
from domain.actors import TIMER_ACTOR, Role
from domain.commands import DeadlinePassed, RecordEarlyContact
from domain.decide import decide, open_case
from domain.errors import ActionNotAllowed, InvalidCommand
from domain.events import (
    CaseEvent,
    EarlyContactRecorded,
    ManagerRemindedOfContact,
    MissedContactEscalated,
)
from domain.evolve import ReplayError, evolve, fold
from domain.ids import case_id_for_absence
from domain.notices import Notice, NoticeKind, notices_for
from domain.stages import Action, ContactMethod, Stage
from domain.state import CaseState
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command, opened_state

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday
DUE = datetime(2026, 11, 23, 17, tzinfo=UTC)
REMIND = DeadlinePassed(key="early_contact_due")
ESCALATE = DeadlinePassed(key="early_contact_escalation")
ESCALATION = datetime(2026, 11, 24, 17, tzinfo=UTC)


def contact(at: datetime, frequency: int = 7) -> RecordEarlyContact:
    return RecordEarlyContact(
        contacted_at=at, method=ContactMethod.PHONE, agreed_contact_frequency_days=frequency
    )


def test_a_new_case_awaits_early_contact() -> None:
    state = opened_state(OPENED)
    assert state.stage is Stage.EARLY_CONTACT
    assert state.version == 1
    assert Action.RECORD_EARLY_CONTACT in allowed_actions(state)
    assert Action.AGREE_PLAN not in allowed_actions(state)
    assert Action.RECORD_ABSENCE not in allowed_actions(state)
    assert state.contact_due_at == DUE


def test_recording_early_contact_moves_the_case_to_assessment() -> None:
    state = opened_state(OPENED)
    [event] = decide(state, contact(OPENED + timedelta(hours=2)), now=OPENED + timedelta(hours=3),
                     actor=MANAGER_ACTOR)
    assert isinstance(event, EarlyContactRecorded)
    assert "within the contact deadline" in event.reason
    after = evolve(state, event)
    assert after.stage is Stage.ASSESSMENT
    assert after.version == 2
    assert after.early_contact is not None
    assert after.early_contact.agreed_contact_frequency_days == 7
    assert after.early_contact.recorded_by == MANAGER_ACTOR.id


def test_late_contact_is_recorded_and_said_to_be_late() -> None:
    state = opened_state(OPENED)
    late = DUE + timedelta(hours=1)
    [event] = decide(state, contact(late), now=late, actor=MANAGER_ACTOR)
    assert "after the contact deadline" in event.reason


def test_contact_cannot_be_recorded_twice() -> None:
    state = opened_state(OPENED)
    events = decide(state, contact(OPENED), now=OPENED, actor=MANAGER_ACTOR)
    after = fold_onto(state, events)
    with pytest.raises(ActionNotAllowed) as refused:
        decide(after, contact(OPENED), now=OPENED, actor=MANAGER_ACTOR)
    assert refused.value.stage == "assessment"
    assert "record_early_contact" not in refused.value.allowed
    assert "record_assessment" in refused.value.allowed
    assert "record_early_contact" in refused.value.message


def test_contact_in_the_future_is_refused_naming_the_field() -> None:
    state = opened_state(OPENED)
    with pytest.raises(InvalidCommand) as refused:
        decide(state, contact(OPENED + timedelta(hours=1)), now=OPENED, actor=MANAGER_ACTOR)
    assert refused.value.field == "contacted_at"
    assert "future" in refused.value.reason


def test_contact_a_few_minutes_ahead_is_accepted_as_clock_skew() -> None:
    state = opened_state(OPENED)
    assert decide(state, contact(OPENED + timedelta(minutes=2)), now=OPENED, actor=MANAGER_ACTOR)


def test_contact_before_the_absence_began_is_refused() -> None:
    state = opened_state(OPENED, first_day=date(2026, 11, 20))
    with pytest.raises(InvalidCommand) as refused:
        decide(state, contact(datetime(2026, 11, 19, 23, 0, tzinfo=UTC)), now=OPENED,
               actor=MANAGER_ACTOR)
    assert refused.value.field == "contacted_at"
    assert "2026-11-20" in refused.value.reason


def test_no_reminder_before_the_deadline() -> None:
    state = opened_state(OPENED)
    assert decide(state, REMIND, now=DUE - timedelta(seconds=1),
                  actor=TIMER_ACTOR) == []


def test_reminds_manager_when_no_contact_by_next_working_day() -> None:
    state = opened_state(OPENED)
    [event] = decide(state, REMIND, now=DUE, actor=TIMER_ACTOR)
    assert isinstance(event, ManagerRemindedOfContact)
    assert event.deadline == DUE
    assert "default-2026-04" in event.reason
    after = evolve(state, event)
    assert after.contact_reminders_sent == 1
    assert decide(after, REMIND, now=DUE, actor=TIMER_ACTOR) == []


def test_escalates_to_hr_when_contact_still_missing() -> None:
    state = opened_state(OPENED)
    reminded = fold_onto(state, decide(state, REMIND, now=DUE,
                                       actor=TIMER_ACTOR))
    assert decide(reminded, ESCALATE, now=ESCALATION - timedelta(seconds=1),
                  actor=TIMER_ACTOR) == []
    [event] = decide(reminded, ESCALATE, now=ESCALATION, actor=TIMER_ACTOR)
    assert isinstance(event, MissedContactEscalated)
    assert event.escalated_to == "hr"
    assert evolve(reminded, event).contact_escalated


def test_no_reminder_or_escalation_once_contact_is_made() -> None:
    state = opened_state(OPENED)
    contacted = fold_onto(state, decide(state, contact(OPENED), now=OPENED, actor=MANAGER_ACTOR))
    assert decide(contacted, REMIND, now=DUE, actor=TIMER_ACTOR) == []
    assert decide(contacted, ESCALATE, now=ESCALATION, actor=TIMER_ACTOR) == []


def test_replay_must_start_with_the_case_being_opened() -> None:
    state = opened_state(OPENED)
    [event] = decide(state, contact(OPENED), now=OPENED, actor=MANAGER_ACTOR)
    with pytest.raises(ReplayError):
        evolve(None, event)


def test_fold_rebuilds_the_same_state() -> None:
    state = opened_state(OPENED)
    events = decide(state, REMIND, now=DUE, actor=TIMER_ACTOR)
    live = fold_onto(state, events)
    assert fold([*opening_events(), *events]) == live


def test_reminder_notice_goes_to_the_manager_as_a_kind_and_ids_only() -> None:
    state = opened_state(OPENED)
    [event] = decide(state, REMIND, now=DUE, actor=TIMER_ACTOR)
    [notice] = notices_for(state, event)
    assert notice == Notice(kind=NoticeKind.EARLY_CONTACT_DUE, recipient_role=Role.MANAGER,
                            recipient_id=state.manager.id, due_at=event.deadline)


def test_case_id_is_deterministic_and_opaque() -> None:
    first = case_id_for_absence("acme-trust", "ABS-1")
    assert first == case_id_for_absence("acme-trust", "ABS-1")
    assert first != case_id_for_absence("acme-trust", "ABS-2")
    assert first != case_id_for_absence("other-trust", "ABS-1")
    assert "acme" not in first and "ABS" not in first


def fold_onto(state: CaseState, events: list[CaseEvent]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def opening_events() -> list[CaseEvent]:
    command = open_command()
    return [open_case(command, case_id=case_id_for_absence("acme-trust", "ABS-1"), now=OPENED,
                      actor=HR_ACTOR)]
