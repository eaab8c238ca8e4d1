"""Therapy referrals (physiotherapy, talking therapy, mediation, ...) and their progress from
referral to completion or decline; the wait for a start is what the service is judged on."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import Actor
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future, check_not_before_case
from domain.journey.base import (
    EXAMPLE_ON,
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Event,
    Evolution,
)
from domain.stages import TREATING, Action
from domain.state import CaseState, Therapy
from domain.vocabulary import TherapyKind, TherapyStatus

if TYPE_CHECKING:
    from domain.events import CaseEvent

_NEXT: dict[TherapyStatus, frozenset[TherapyStatus]] = {
    TherapyStatus.REFERRED: frozenset(
        {TherapyStatus.WAITING, TherapyStatus.STARTED, TherapyStatus.DECLINED}
    ),
    TherapyStatus.WAITING: frozenset({TherapyStatus.STARTED, TherapyStatus.DECLINED}),
    TherapyStatus.STARTED: frozenset({TherapyStatus.COMPLETED, TherapyStatus.DECLINED}),
    TherapyStatus.COMPLETED: frozenset(),
    TherapyStatus.DECLINED: frozenset(),
}


class ReferToTherapy(Command):
    kind: TherapyKind
    provider: str | None = Field(default=None, max_length=SHORT)
    referred_on: date


class UpdateTherapy(Command):
    therapy_number: int = Field(ge=1)
    status: TherapyStatus
    on: date
    reason: str | None = Field(default=None, max_length=TEXT)


class TherapyReferred(Event):
    type: Literal["TherapyReferred"] = "TherapyReferred"
    number: int
    kind: TherapyKind
    provider: str | None = None
    referred_on: date


class TherapyUpdated(Event):
    type: Literal["TherapyUpdated"] = "TherapyUpdated"
    number: int
    status: TherapyStatus
    on: date
    status_reason: str | None = None


def refer_to_therapy(state: CaseState, command: ReferToTherapy, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    check_day_not_in_future("referred_on", command.referred_on, now)
    check_not_before_case("referred_on", command.referred_on, state)
    number = len(state.therapies) + 1
    return [
        TherapyReferred(
            occurred_at=now, actor=actor, number=number, kind=command.kind,
            provider=command.provider, referred_on=command.referred_on,
            reason=f"therapy {number} referred",
        )
    ]


def update_therapy(state: CaseState, command: UpdateTherapy, now: datetime, actor: Actor
                   ) -> list[CaseEvent]:
    matching = [t for t in state.therapies if t.number == command.therapy_number]
    if not matching:
        raise InvalidCommand("therapy_number", f"no therapy {command.therapy_number} on the case")
    therapy = matching[0]
    allowed = _NEXT[therapy.status]
    if command.status not in allowed:
        options = ", ".join(sorted(s.value for s in allowed)) or "nothing (it has ended)"
        raise InvalidCommand(
            "status", f"a therapy that is {therapy.status.value} can become: {options}"
        )
    check_day_not_in_future("on", command.on, now)
    if command.on < therapy.referred_on:
        raise InvalidCommand("on", f"must not be before the referral {therapy.referred_on}")
    return [
        TherapyUpdated(
            occurred_at=now, actor=actor, number=therapy.number, status=command.status,
            on=command.on, status_reason=command.reason,
            reason=f"therapy {therapy.number}: {therapy.status.value} -> {command.status.value}",
        )
    ]


def _referred(state: CaseState, event: TherapyReferred) -> Changes:
    return {"therapies": (*state.therapies, Therapy(
        number=event.number, kind=event.kind, provider=event.provider,
        referred_on=event.referred_on))}


def _updated(state: CaseState, event: TherapyUpdated) -> Changes:
    def update(therapy: Therapy) -> Therapy:
        if therapy.number != event.number:
            return therapy
        changes: Changes = {"status": event.status}
        if event.status is TherapyStatus.STARTED:
            changes["started_on"] = event.on
        if event.status in (TherapyStatus.COMPLETED, TherapyStatus.DECLINED):
            changes["ended_on"] = event.on
        return therapy.model_copy(update=changes)

    return {"therapies": tuple(update(t) for t in state.therapies)}


EVOLUTION: Evolution = {TherapyReferred: _referred, TherapyUpdated: _updated}

RULES: dict[Action, ActionRule] = {
    Action.REFER_TO_THERAPY: ActionRule(
        command=ReferToTherapy, decide=refer_to_therapy, roles=OH, stages=TREATING,
        path="therapies",
        example={"kind": "physiotherapy", "provider": "Community MSK service",
                 "referred_on": EXAMPLE_ON},
    ),
    Action.UPDATE_THERAPY: ActionRule(
        command=UpdateTherapy, decide=update_therapy, roles=OH, stages=TREATING,
        path="therapies/updates",
        example={"therapy_number": 1, "status": "started", "on": EXAMPLE_ON},
    ),
}
