"""Given a state and an event, the next state. The workflow and the audit replay share it.

Each stage module says how its own events change the case (its `EVOLUTION`); this module
gathers them, opens a case on its first event and counts every event into the state's version.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain import events as e
from domain.journey import (
    absence,
    appointments,
    assessment,
    case_notes,
    closure,
    community,
    corrections,
    early_contact,
    erasure,
    escalation,
    fit_note,
    hr_facts,
    medical_reports,
    oh_referral,
    ownership,
    phased_return,
    plan,
    policy_change,
    redeployment,
    referral,
    reminders,
    report_consent,
    therapy,
    triage,
)
from domain.journey.base import Evolution
from domain.state import CaseState


class ReplayError(Exception):
    """Stored events that cannot follow one another (a broken or foreign stream)."""


_OPENERS: dict[type[Any], Callable[[Any], CaseState]] = {
    e.CaseOpened: absence.case_opened,
    e.ReferralReceived: referral.referral_received,
    e.CommunityReferralReceived: community.community_referral_received,
}

_APPLY: Evolution = {
    **absence.EVOLUTION, **referral.EVOLUTION, **early_contact.EVOLUTION,
    **oh_referral.EVOLUTION, **assessment.EVOLUTION, **escalation.EVOLUTION, **plan.EVOLUTION,
    **therapy.EVOLUTION, **fit_note.EVOLUTION, **phased_return.EVOLUTION,
    **redeployment.EVOLUTION, **hr_facts.EVOLUTION, **closure.EVOLUTION, **reminders.EVOLUTION,
    **policy_change.EVOLUTION, **appointments.EVOLUTION,
    **case_notes.EVOLUTION, **corrections.EVOLUTION,
    **ownership.EVOLUTION, **triage.EVOLUTION, **report_consent.EVOLUTION,
    **erasure.EVOLUTION,
    **medical_reports.EVOLUTION,
}


def evolve(state: CaseState | None, event: e.CaseEvent) -> CaseState:
    """Apply one event; the first event of a stream opens the case."""
    if state is None:
        opener = _OPENERS.get(type(event))
        if opener is None:
            raise ReplayError(
                "a case must begin with CaseOpened, ReferralReceived or "
                f"CommunityReferralReceived, not {event.type}"
            )
        return opener(event)
    if isinstance(event, e.OPENING_EVENTS):
        raise ReplayError(f"{event.type} can only be the first event of a case")
    apply = _APPLY.get(type(event))
    if apply is None:
        raise ReplayError(f"unknown event type {type(event).__name__}")
    changes = apply(state, event)
    deadline_key = getattr(event, "deadline_key", None)
    if deadline_key:
        changes["fired"] = state.fired | {deadline_key}
    return state.model_copy(update={"version": state.version + 1, **changes})


def fold(events: Iterable[e.CaseEvent]) -> CaseState | None:
    """Rebuild a case from its events, oldest first."""
    state: CaseState | None = None
    for event in events:
        state = evolve(state, event)
    return state
