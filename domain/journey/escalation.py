"""Escalation to OH: always a recommendation, raised by a finding or a deadline missed twice,
until a named OH professional confirms or dismisses it.

Under the practice rules (`domain.practice`) a recommendation goes to OH alone: HR hears of it
(without clinical detail) only once a named OH professional has confirmed it, and a confirmed
escalation calls for an OH review of the case within the policy's days."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain import values
from domain.actors import Actor, Role
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future
from domain.journey.base import (
    EXAMPLE_ON,
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineEvent,
    Event,
    Evolution,
    on_day,
    with_second_miss,
)
from domain.journey.professional import Professional, confirming_professional
from domain.practice import follows
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


class RecordEscalationReview(Command):
    """OH has reviewed the case a confirmed escalation put before it."""

    escalation_number: int = Field(ge=1)
    reviewed_on: date
    notes: str | None = Field(default=None, max_length=TEXT, description="OH only.")


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


class EscalationReviewed(Event):
    """OH reviewed the case after a confirmed escalation."""

    type: Literal["EscalationReviewed"] = "EscalationReviewed"
    number: int
    reviewed_on: date
    notes: str | None = None


def escalation(state: CaseState, *, cause: str, now: datetime, actor: Actor, reason: str,
               deadline_key: str | None = None) -> CaseEscalated:
    """A recommendation to escalate to OH (and HR where policy says), pending confirmation.
    Under the practice rules HR is added only when a named professional confirms it."""
    to = (Role.OH, Role.HR) if _hr_told_when_raised(state) else (Role.OH,)
    return CaseEscalated(
        occurred_at=now,
        actor=actor,
        reason=f"{reason}; a recommendation until a named OH professional confirms it",
        deadline_key=deadline_key,
        number=len(state.escalations) + 1,
        cause=cause,
        escalated_to=to,
    )


def _hr_told_when_raised(state: CaseState) -> bool:
    """Before the practice rules HR heard of a recommendation as soon as it was raised."""
    return state.policy.hr_informed_of_escalations and not follows(state)


def hr_told_on_confirmation(state: CaseState) -> bool:
    """Whether HR hears of an escalation once a named OH professional confirms it."""
    return state.policy.hr_informed_of_escalations and follows(state)


def escalation_unless_pending(state: CaseState, *, cause: str, now: datetime, actor: Actor,
                              reason: str) -> list[CaseEvent]:
    """One escalation per cause until it is decided: a repeated finding adds none. Under the
    practice rules one that was confirmed stands too: OH already has the case before it."""
    if state.pending_escalation(cause) or (follows(state) and state.confirmed_escalation(cause)):
        return []
    return [escalation(state, cause=cause, now=now, actor=actor, reason=reason)]


def _escalation_numbered(state: CaseState, number: int) -> Escalation:
    """The escalation of that number, or a refusal naming the ones the case has."""
    matching = [e for e in state.escalations if e.number == number]
    if not matching:
        numbers = ", ".join(str(e.number) for e in state.escalations) or "none"
        raise InvalidCommand("escalation_number", f"no such escalation (escalations: {numbers})")
    return matching[0]


def confirm_escalation(state: CaseState, command: ConfirmEscalation, now: datetime,
                       actor: Actor) -> list[CaseEvent]:
    if _escalation_numbered(state, command.escalation_number).confirmed is not None:
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


def record_escalation_review(state: CaseState, command: RecordEscalationReview, now: datetime,
                             actor: Actor) -> list[CaseEvent]:
    found = _escalation_numbered(state, command.escalation_number)
    if found.confirmed is not True or found.confirmed_at is None:
        raise InvalidCommand("escalation_number",
                             "only an escalation a named OH professional confirmed is reviewed")
    if found.reviewed_on is not None:
        raise InvalidCommand("escalation_number", "that escalation was already reviewed")
    check_day_not_in_future("reviewed_on", command.reviewed_on, now)
    confirmed_on = london_date(found.confirmed_at)
    if command.reviewed_on < confirmed_on:
        raise InvalidCommand("reviewed_on", "must not be before the escalation was confirmed "
                             f"on {confirmed_on.isoformat()}")
    return [
        EscalationReviewed(
            occurred_at=now, actor=actor, number=found.number, reviewed_on=command.reviewed_on,
            notes=command.notes,
            reason=f"OH reviewed the case after escalation {found.number} on "
            f"{command.reviewed_on.isoformat()}",
        )
    ]


def _escalated(state: CaseState, event: CaseEscalated) -> Changes:
    return {"escalations": (*state.escalations, Escalation(
        number=event.number, raised_at=event.occurred_at, cause=event.cause,
        escalated_to=event.escalated_to))}


def _decided(state: CaseState, event: EscalationConfirmed) -> Changes:
    update: Changes = {"confirmed": event.confirmed, "confirmed_by": event.confirmed_by,
                       "confirmed_at": event.occurred_at}
    if event.confirmed and hr_told_on_confirmation(state):
        update["escalated_to"] = (Role.OH, Role.HR)
    return {"escalations": tuple(
        x.model_copy(update=update) if x.number == event.number else x
        for x in state.escalations)}


def _reviewed(state: CaseState, event: EscalationReviewed) -> Changes:
    return {"escalations": tuple(
        x.model_copy(update={"reviewed_on": event.reviewed_on}) if x.number == event.number
        else x for x in state.escalations)}


def _review_met(state: CaseState, found: Escalation) -> bool:
    """Reviewed: recorded as such, or an OH assessment made since the confirmation."""
    return found.reviewed_on is not None or any(
        found.confirmed_at is not None and a.assessed_at >= found.confirmed_at
        for a in state.assessments)


def deadlines(state: CaseState) -> list[Deadline]:
    """Under the practice rules: the OH review each confirmed escalation calls for, reminded
    to OH and escalated if missed twice, while the case is open."""
    if not follows(state) or state.stage not in OPEN_STAGES:
        return []
    found: list[Deadline] = []
    days = state.policy.escalation_review_days
    for item in state.escalations:
        if item.confirmed is not True or item.confirmed_at is None or _review_met(state, item):
            continue
        day = london_date(item.confirmed_at) + timedelta(days=days)
        first = Deadline(key=f"escalation_{item.number}_review", name="escalation_review_due",
                         due_at=on_day(day, state.policy), recipients=(Role.OH,),
                         why=f"escalation {item.number} was confirmed: OH reviews the case "
                         f"within {days} day(s)")
        found.extend(with_second_miss(state, first, (Role.OH,),
                                      f"review of escalation {item.number} missed twice"))
    return found


EVOLUTION: Evolution = {CaseEscalated: _escalated, EscalationConfirmed: _decided,
                        EscalationReviewed: _reviewed}

RULES: dict[Action, ActionRule] = {
    Action.CONFIRM_ESCALATION: ActionRule(
        command=ConfirmEscalation, decide=confirm_escalation, roles=OH, stages=OPEN_STAGES,
        path="escalations/decision",
        example={"escalation_number": 1, "confirmed_by": "Dr Ana Shah, OH physician",
                 "confirm": True},
    ),
    Action.RECORD_ESCALATION_REVIEW: ActionRule(
        command=RecordEscalationReview, decide=record_escalation_review, roles=OH,
        stages=OPEN_STAGES, path="escalations/reviews",
        example={"escalation_number": 1, "reviewed_on": EXAMPLE_ON,
                 "notes": "OH only: reviewed with the employee by phone"},
    ),
}
