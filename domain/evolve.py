"""Given a state and an event, the next state. The workflow and the audit replay share it."""

from __future__ import annotations

from collections.abc import Iterable

from domain.deadlines import early_contact_due, early_contact_escalation
from domain.events import (
    CaseEvent,
    CaseOpened,
    EarlyContactRecorded,
    ManagerRemindedOfContact,
    MissedContactEscalated,
)
from domain.stages import Stage
from domain.state import CaseState, EarlyContact


class ReplayError(Exception):
    """Stored events that cannot follow one another (a broken or foreign stream)."""


def evolve(state: CaseState | None, event: CaseEvent) -> CaseState:
    """Apply one event; the first event of a stream must be CaseOpened."""
    if state is None:
        if not isinstance(event, CaseOpened):
            raise ReplayError(f"a case must begin with CaseOpened, not {event.type}")
        return _opened(event)
    if isinstance(event, CaseOpened):
        raise ReplayError("CaseOpened can only be the first event of a case")
    version = state.version + 1
    if isinstance(event, EarlyContactRecorded):
        contact = EarlyContact(
            contacted_at=event.contacted_at,
            method=event.method,
            agreed_contact_frequency_days=event.agreed_contact_frequency_days,
            recorded_by=event.actor.id,
        )
        return state.model_copy(
            update={"version": version, "stage": Stage.ASSESSMENT, "early_contact": contact}
        )
    if isinstance(event, ManagerRemindedOfContact):
        return state.model_copy(
            update={"version": version, "contact_reminders_sent": state.contact_reminders_sent + 1}
        )
    if isinstance(event, MissedContactEscalated):
        return state.model_copy(update={"version": version, "contact_escalated": True})
    raise ReplayError(f"unknown event type {type(event).__name__}")


def _opened(event: CaseOpened) -> CaseState:
    due = early_contact_due(event.occurred_at, event.policy)
    return CaseState(
        case_id=event.case_id,
        version=1,
        stage=Stage.EARLY_CONTACT,
        employer_id=event.employer_id,
        absence_id=event.absence_id,
        employee=event.employee,
        manager=event.manager,
        first_day=event.first_day,
        reason_category=event.reason_category,
        policy=event.policy,
        opened_at=event.occurred_at,
        contact_due_at=due,
        contact_escalation_at=early_contact_escalation(due, event.policy),
    )


def fold(events: Iterable[CaseEvent]) -> CaseState | None:
    """Rebuild a case from its events, oldest first."""
    state: CaseState | None = None
    for event in events:
        state = evolve(state, event)
    return state
