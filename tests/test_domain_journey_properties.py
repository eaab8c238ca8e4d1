"""Any sequence of commands keeps a case valid, and replaying its events rebuilds it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from domain.actors import TIMER_ACTOR
from domain.commands import DeadlinePassed, RecordEarlyContact
from domain.decide import decide, open_case
from domain.errors import CaseError
from domain.events import EarlyContactRecorded, ManagerRemindedOfContact, MissedContactEscalated
from domain.evolve import evolve, fold
from domain.ids import case_id_for_absence
from domain.stages import ContactMethod, Stage
from tests.builders import HR_ACTOR, MANAGER_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)

steps = st.lists(
    st.tuples(
        st.sampled_from(["contact", "remind", "escalate"]),
        st.integers(min_value=0, max_value=6 * 24 * 60),  # minutes that pass before it
        st.integers(min_value=-3 * 24 * 60, max_value=10),  # contact time relative to now
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_every_command_sequence_leaves_a_valid_replayable_case(
    sequence: list[tuple[str, int, int]],
) -> None:
    opened = open_case(open_command(), case_id=case_id_for_absence("acme-trust", "ABS-1"),
                       now=OPENED, actor=HR_ACTOR)
    state = evolve(None, opened)
    events = [opened]
    now = OPENED
    for kind, minutes_passing, contact_offset in sequence:
        now += timedelta(minutes=minutes_passing)
        command: RecordEarlyContact | DeadlinePassed
        if kind == "contact":
            command = RecordEarlyContact(
                contacted_at=now + timedelta(minutes=contact_offset),
                method=ContactMethod.VIDEO,
                agreed_contact_frequency_days=14,
            )
        elif kind == "remind":
            command = DeadlinePassed(key="early_contact_due")
        else:
            command = DeadlinePassed(key="early_contact_escalation")
        try:
            decided = decide(state, command, now=now,
                             actor=MANAGER_ACTOR if kind == "contact" else TIMER_ACTOR)
        except CaseError:
            continue  # a refusal changes nothing
        for event in decided:
            state = evolve(state, event)
            events.append(event)

        assert state.version == len(events)
        assert state.contact_reminders_sent <= 1
        if state.early_contact is not None:
            assert state.stage is Stage.ASSESSMENT
        else:
            assert state.stage is Stage.EARLY_CONTACT

    contacted = [i for i, e in enumerate(events) if isinstance(e, EarlyContactRecorded)]
    assert len(contacted) <= 1
    if contacted:
        later = events[contacted[0] + 1:]
        assert not any(isinstance(e, ManagerRemindedOfContact | MissedContactEscalated)
                       for e in later)
    for event in events:
        if isinstance(event, ManagerRemindedOfContact):
            assert event.occurred_at >= state.contact_due_at
        if isinstance(event, MissedContactEscalated):
            assert event.occurred_at >= state.contact_escalation_at
    assert fold(events) == state
