"""Therapy referrals (physiotherapy, talking therapy, mediation, ...) and their progress from
referral to completion or decline; the wait for a start is what the service is judged on.

Rapid access: once the receiving professional decides it (at the referral's acceptance, or in
an assessment), a therapy may be referred at once, before any assessment or plan, and each
therapy so referred has a target to its first treatment (policy): OH is reminded when treatment
has not started by then, and the case escalates when it is missed twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import Actor, Role
from domain.errors import ActionNotAllowed, InvalidCommand
from domain.guards import check_day_not_in_future, check_not_before_case
from domain.journey.base import (
    EXAMPLE_ON,
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    Event,
    Evolution,
    Preconditions,
    on_day,
    with_second_miss,
)
from domain.practice import follows
from domain.stages import TREATING, Action, Stage
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


# Before the plan stages a therapy needs rapid access decided (see the preconditions).
_THERAPY_STAGES = TREATING | {Stage.ASSESSMENT}
_AWAITING_TREATMENT = frozenset({TherapyStatus.REFERRED, TherapyStatus.WAITING})


class ReferToTherapy(Command):
    """Refer to a therapy; before an assessment, only once rapid access has been decided."""

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


class FirstTreatmentTargetSet(Event):
    """A therapy referred under rapid access: its first treatment is due by `due_on`."""

    type: Literal["FirstTreatmentTargetSet"] = "FirstTreatmentTargetSet"
    number: int
    due_on: date


class TherapyUpdated(Event):
    type: Literal["TherapyUpdated"] = "TherapyUpdated"
    number: int
    status: TherapyStatus
    on: date
    status_reason: str | None = None


def rapid_access_decided(state: CaseState) -> bool:
    """Whether the receiving professional has decided rapid access, at the referral's
    acceptance or in any assessment."""
    return state.rapid_access_at is not None or any(a.rapid_access for a in state.assessments)


def under_rapid_access(state: CaseState) -> bool:
    """Whether a therapy referred now is referred under rapid access: decided, and no plan
    agreed yet (a plan's own actions and reviews carry the therapies it names)."""
    return follows(state) and state.plan is None and rapid_access_decided(state)


def therapy_referral(state: CaseState, *, kind: TherapyKind, provider: str | None,
                     referred_on: date, now: datetime, actor: Actor, rapid_access: bool
                     ) -> list[CaseEvent]:
    """A therapy referral; under rapid access with its first-treatment target (policy)."""
    number = len(state.therapies) + 1
    events: list[CaseEvent] = [
        TherapyReferred(occurred_at=now, actor=actor, number=number, kind=kind,
                        provider=provider, referred_on=referred_on,
                        reason=f"therapy {number} referred")
    ]
    if rapid_access:
        days = state.policy.first_treatment_days
        due = referred_on + timedelta(days=days)
        events.append(FirstTreatmentTargetSet(
            occurred_at=now, actor=actor, number=number, due_on=due,
            reason=f"therapy {number} referred under rapid access: first treatment due by "
            f"{due.isoformat()} (policy {state.policy.version}: {days} days)"))
    return events


def refer_to_therapy(state: CaseState, command: ReferToTherapy, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    check_day_not_in_future("referred_on", command.referred_on, now)
    check_not_before_case("referred_on", command.referred_on, state)
    return therapy_referral(state, kind=command.kind, provider=command.provider,
                            referred_on=command.referred_on, now=now, actor=actor,
                            rapid_access=under_rapid_access(state))


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


def _target_set(state: CaseState, event: FirstTreatmentTargetSet) -> Changes:
    return {"therapies": tuple(
        t.model_copy(update={"first_treatment_due_on": event.due_on})
        if t.number == event.number else t for t in state.therapies)}


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


def deadlines(state: CaseState) -> list[Deadline]:
    """Each therapy referred under rapid access and not started: its first-treatment target,
    then an escalation when it is missed twice."""
    if state.stage is Stage.FOLLOW_UP:
        return []
    found: list[Deadline] = []
    for therapy in state.therapies:
        if therapy.first_treatment_due_on is None or therapy.status not in _AWAITING_TREATMENT:
            continue
        first = Deadline(
            key=f"first_treatment_due_{therapy.number}", name="first_treatment_due",
            due_at=on_day(therapy.first_treatment_due_on, state.policy), recipients=(Role.OH,),
            why=f"therapy {therapy.number}, referred under rapid access, has not started "
            f"within {state.policy.first_treatment_days} days of referral")
        found.extend(with_second_miss(
            state, first, (Role.OH,),
            f"first treatment of therapy {therapy.number} (rapid access) overdue twice"))
    return found


class RapidAccessNeeded(ActionNotAllowed):
    """A therapy action before the plan stages, on a case without rapid access decided."""

    def __init__(self, action: Action, stage: Stage, needed: str) -> None:
        super().__init__(action.value, stage.value, [])
        self.message = (f"'{action.value}' is not allowed while the case is in stage "
                        f"'{stage.value}' {needed}")
        self.args = (self.message,)


def _referral_needs_rapid_access(state: CaseState, actor: Actor) -> None:
    """Before an assessment, a therapy is referred only under rapid access."""
    if state.stage in TREATING:
        return
    if not follows(state):
        raise RapidAccessNeeded(Action.REFER_TO_THERAPY, state.stage,
                                "(the case follows the rules from before rapid access)")
    if not rapid_access_decided(state):
        raise RapidAccessNeeded(Action.REFER_TO_THERAPY, state.stage,
                                "unless rapid access was decided: accept the referral with "
                                "rapid_access, or record the assessment first")


def _update_needs_practice(state: CaseState, actor: Actor) -> None:
    """Before an assessment, therapies are updated only on cases with rapid access."""
    if state.stage not in TREATING and not follows(state):
        raise RapidAccessNeeded(Action.UPDATE_THERAPY, state.stage,
                                "(the case follows the rules from before rapid access)")


EVOLUTION: Evolution = {TherapyReferred: _referred, TherapyUpdated: _updated,
                        FirstTreatmentTargetSet: _target_set}

PRECONDITIONS: Preconditions = {
    Action.REFER_TO_THERAPY: (_referral_needs_rapid_access,),
    Action.UPDATE_THERAPY: (_update_needs_practice,),
}

RULES: dict[Action, ActionRule] = {
    Action.REFER_TO_THERAPY: ActionRule(
        command=ReferToTherapy, decide=refer_to_therapy, roles=OH, stages=_THERAPY_STAGES,
        path="therapies",
        example={"kind": "physiotherapy", "provider": "Community MSK service",
                 "referred_on": EXAMPLE_ON},
    ),
    Action.UPDATE_THERAPY: ActionRule(
        command=UpdateTherapy, decide=update_therapy, roles=OH, stages=_THERAPY_STAGES,
        path="therapies/updates",
        example={"therapy_number": 1, "status": "started", "on": EXAMPLE_ON},
    ),
}
