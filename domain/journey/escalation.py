"""Escalation to OH: always a recommendation, raised by a finding or a deadline missed twice,
until a named OH professional confirms or dismisses it."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain import values
from domain.actors import Actor, Role
from domain.errors import InvalidCommand
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    DeadlineEvent,
    Event,
    Evolution,
)
from domain.journey.professional import Professional, confirming_professional
from domain.stages import OPEN_STAGES, Action
from domain.state import CaseState, Escalation

if TYPE_CHECKING:
    from domain.events import CaseEvent


class ConfirmEscalation(Command):
    """A named OH professional confirms (or dismisses) an escalation recommendation."""

    escalation_number: int = Field(ge=1)
    confirmed_by: str | None = Field(default=None, min_length=1, max_length=SHORT)
    professional: Professional | None = Field(
        default=None, description="Who confirms: through the API, the signed-in user.")
    confirm: bool = True
    comment: str | None = Field(default=None, max_length=TEXT)


class CaseEscalated(DeadlineEvent):
    """A recommendation to escalate, until a named OH professional confirms it."""

    type: Literal["CaseEscalated"] = "CaseEscalated"
    number: int
    cause: str
    escalated_to: tuple[Role, ...]


class EscalationConfirmed(Event):
    """Version 2 names the professional (id, profession, registration); version 1 only a name."""

    type: Literal["EscalationConfirmed"] = "EscalationConfirmed"
    event_version: Literal[2] = 2
    number: int
    confirmed_by: str
    confirmed: bool
    comment: str | None = None
    professional: values.Assessor | None = None


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


def confirm_escalation(state: CaseState, command: ConfirmEscalation, now: datetime,
                       actor: Actor) -> list[CaseEvent]:
    matching = [e for e in state.escalations if e.number == command.escalation_number]
    if not matching:
        numbers = ", ".join(str(e.number) for e in state.escalations) or "none"
        raise InvalidCommand("escalation_number", f"no such escalation (escalations: {numbers})")
    if matching[0].confirmed is not None:
        raise InvalidCommand("escalation_number", "that escalation was already decided")
    verb = "confirmed" if command.confirm else "dismissed"
    confirmed_by = confirming_professional(command)
    return [
        EscalationConfirmed(
            occurred_at=now, actor=actor, number=command.escalation_number,
            confirmed_by=confirmed_by, confirmed=command.confirm, comment=command.comment,
            professional=command.professional,
            reason=f"escalation {command.escalation_number} {verb} by {confirmed_by}",
        )
    ]


def _escalated(state: CaseState, event: CaseEscalated) -> Changes:
    return {"escalations": (*state.escalations, Escalation(
        number=event.number, raised_at=event.occurred_at, cause=event.cause,
        escalated_to=event.escalated_to))}


def _decided(state: CaseState, event: EscalationConfirmed) -> Changes:
    return {"escalations": tuple(
        x.model_copy(update={"confirmed": event.confirmed, "confirmed_by": event.confirmed_by})
        if x.number == event.number else x
        for x in state.escalations)}


EVOLUTION: Evolution = {CaseEscalated: _escalated, EscalationConfirmed: _decided}

RULES: dict[Action, ActionRule] = {
    Action.CONFIRM_ESCALATION: ActionRule(
        command=ConfirmEscalation, decide=confirm_escalation, roles=OH, stages=OPEN_STAGES,
        path="escalations/decision",
        example={"escalation_number": 1, "confirmed_by": "Dr Ana Shah, OH physician",
                 "confirm": True},
    ),
}
