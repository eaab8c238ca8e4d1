"""Escalation to OH: always a recommendation until a named OH professional confirms it."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor, Role
from domain.events import CaseEscalated, CaseEvent
from domain.state import CaseState


def escalation(state: CaseState, *, cause: str, now: datetime, actor: Actor, reason: str,
               deadline_key: str | None = None) -> CaseEscalated:
    """A recommendation to escalate to OH (and HR where policy says), pending confirmation."""
    to = (Role.OH, Role.HR) if state.policy.hr_informed_of_escalations else (Role.OH,)
    return CaseEscalated(
        occurred_at=now,
        actor=actor,
        reason=f"{reason}; a recommendation until a named OH professional confirms it",
        deadline_key=deadline_key,
        number=len(state.escalations) + 1,
        cause=cause,
        escalated_to=to,
    )


def escalation_unless_pending(state: CaseState, *, cause: str, now: datetime, actor: Actor,
                              reason: str) -> list[CaseEvent]:
    """One escalation per cause until it is decided: a repeated finding adds none."""
    if state.pending_escalation(cause):
        return []
    return [escalation(state, cause=cause, now=now, actor=actor, reason=reason)]
