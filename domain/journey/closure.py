"""Closing a case with its outcome, and the follow-up that checks a return was sustained.

Under the practice rules (`domain.practice`) a follow-up that finds the return not sustained
reopens the journey instead of closing it: the case goes back to assessment with a new referral
to OH (its first consultation due by policy), and its closure stays in the record."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import Actor, Role
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future, check_not_before_case
from domain.journey import oh_referral
from domain.journey.base import (
    EXAMPLE_ON,
    OH,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    Event,
    Evolution,
    on_day,
)
from domain.policy import Policy
from domain.practice import follows
from domain.stages import OPEN_STAGES, Action, Stage
from domain.state import REOPENINGS_KEPT, CaseState, Closure, FollowUp
from domain.vocabulary import (
    RETURN_OUTCOMES,
    Intervention,
    Outcome,
    RedeploymentConclusion,
    Route,
)

if TYPE_CHECKING:
    from domain.events import CaseEvent


class CloseCase(Command):
    """Close with an outcome; a return also records the most important intervention twice."""

    outcome: Outcome
    closed_on: date
    returned_on: date | None = None
    intervention_by_employee: Intervention | None = None
    intervention_by_case_manager: Intervention | None = None
    comment: str | None = Field(default=None, max_length=TEXT)


class RecordFollowUp(Command):
    """The check, after return, that it was sustained."""

    checked_on: date
    sustained: bool
    notes: str | None = Field(default=None, max_length=TEXT)


class CaseClosed(Event):
    type: Literal["CaseClosed"] = "CaseClosed"
    outcome: Outcome
    closed_on: date
    returned_on: date | None = None
    intervention_by_employee: Intervention | None = None
    intervention_by_case_manager: Intervention | None = None
    comment: str | None = None
    follow_up_due_on: date | None = None


class FollowUpRecorded(Event):
    type: Literal["FollowUpRecorded"] = "FollowUpRecorded"
    checked_on: date
    sustained: bool
    notes: str | None = None


class CaseReopened(Event):
    """A follow-up found the return not sustained: the case is open again, back in
    assessment. The closure it had stays in the record, before this event."""

    type: Literal["CaseReopened"] = "CaseReopened"
    follow_up_checked_on: date
    stage: Stage = Stage.ASSESSMENT


# The cause an OH referral made by a reopening records.
RETURN_NOT_SUSTAINED = "return_not_sustained"
# The deadlines of a referral's first consultation (and its second miss): a reopened case's new
# referral has them afresh.
_REFERRAL_DEADLINES = "first_assessment_due"


def follow_up_due(back_on: date, policy: Policy) -> date:
    """The day to check that a return from `back_on` was sustained, by policy."""
    return back_on + timedelta(days=policy.follow_up_days)


def close_case(state: CaseState, command: CloseCase, now: datetime, actor: Actor
               ) -> list[CaseEvent]:
    check_day_not_in_future("closed_on", command.closed_on, now)
    check_not_before_case("closed_on", command.closed_on, state)
    outcome = command.outcome
    if outcome is Outcome.DECLINED:
        raise InvalidCommand("outcome", "a referral is declined with decline_referral")
    returned_on = command.returned_on
    if outcome in RETURN_OUTCOMES:
        returned_on = _check_return(state, command)
        for field in ("intervention_by_employee", "intervention_by_case_manager"):
            if getattr(command, field) is None:
                raise InvalidCommand(
                    field, "a return records the most important intervention, as both the "
                    "employee and the case manager see it"
                )
    follow_up_due_on = (
        follow_up_due(returned_on or command.closed_on, state.policy)
        if outcome in RETURN_OUTCOMES
        else None
    )
    return [
        CaseClosed(
            occurred_at=now, actor=actor, outcome=outcome, closed_on=command.closed_on,
            returned_on=returned_on,
            intervention_by_employee=command.intervention_by_employee,
            intervention_by_case_manager=command.intervention_by_case_manager,
            comment=command.comment, follow_up_due_on=follow_up_due_on,
            reason=f"closed: {outcome.value}"
            + (f"; follow-up due {follow_up_due_on.isoformat()}" if follow_up_due_on else ""),
        )
    ]


def _check_community_return(state: CaseState, command: CloseCase) -> date | None:
    """A community case has no absence HR reports: a person in work returns to it (or never
    left it), one out of work starts work, each on the day the closing gives."""
    outcome = command.outcome
    in_work = state.referral.in_work if state.referral is not None else None
    if outcome is Outcome.RESOLVED_WITHOUT_ABSENCE:
        return None
    if outcome is Outcome.STARTED_WORK and in_work:
        raise InvalidCommand("outcome", "the person was in work when referred: use "
                             "returned_to_own_role or returned_with_adjustments")
    if outcome is not Outcome.STARTED_WORK and not in_work:
        raise InvalidCommand("outcome", "the person was out of work when referred: use "
                             "started_work, withdrawn or another outcome")
    if command.returned_on is None:
        raise InvalidCommand("returned_on", "give the day the person started or returned to "
                             "work")
    if command.returned_on > command.closed_on:
        raise InvalidCommand("returned_on", "must not be after closed_on")
    return command.returned_on


def _check_return(state: CaseState, command: CloseCase) -> date | None:
    """The return date a return outcome rests on; refuses outcomes the case does not support."""
    outcome = command.outcome
    if state.route is Route.COMMUNITY:
        return _check_community_return(state, command)
    if outcome is Outcome.STARTED_WORK:
        raise InvalidCommand("outcome", "started_work is for a community case of a person "
                             "out of work")
    phased = state.phased_return
    if phased is not None and phased.completed_on is None:
        raise InvalidCommand("outcome", "complete the phased return first")
    trial = state.redeployment
    if outcome is Outcome.REDEPLOYED:
        if trial is None or trial.conclusion is not RedeploymentConclusion.CONFIRMED:
            raise InvalidCommand("outcome", "redeployed needs a confirmed redeployment trial")
    elif trial is not None and trial.conclusion is None:
        raise InvalidCommand("outcome", "conclude the redeployment trial first")
    if outcome is Outcome.RESOLVED_WITHOUT_ABSENCE:
        if state.absence is not None:
            raise InvalidCommand("outcome", "the case has an absence: record the return instead")
        return None
    if state.absence is None:
        raise InvalidCommand(
            "outcome", "there was no absence: use resolved_without_absence, withdrawn or "
            "another outcome"
        )
    returned_on = command.returned_on or state.absence.returned_on
    if returned_on is None:
        raise InvalidCommand("returned_on", "give the date the employee returned to work")
    if returned_on < state.absence.first_day:
        raise InvalidCommand("returned_on", "must not be before the absence began")
    return returned_on


def record_follow_up(state: CaseState, command: RecordFollowUp, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    check_day_not_in_future("checked_on", command.checked_on, now)
    recorded: list[CaseEvent] = [
        FollowUpRecorded(
            occurred_at=now, actor=actor, checked_on=command.checked_on,
            sustained=command.sustained, notes=command.notes,
            reason=f"follow-up: return {'sustained' if command.sustained else 'not sustained'}",
        )
    ]
    if not command.sustained and follows(state):
        recorded += _reopening(state, command.checked_on, now, actor)
    return recorded


def _reopening(state: CaseState, checked_on: date, now: datetime, actor: Actor
               ) -> list[CaseEvent]:
    """A return that did not last reopens the journey: back to assessment, and OH is asked
    again, with the first consultation due by policy."""
    closed_on = state.closure.closed_on.isoformat() if state.closure else "earlier"
    return [
        CaseReopened(occurred_at=now, actor=actor, follow_up_checked_on=checked_on,
                     reason=f"the return was not sustained at the follow-up of "
                     f"{checked_on.isoformat()}: the case closed on {closed_on} is reopened "
                     "and goes back to assessment"),
        oh_referral.oh_referral(state, cause=RETURN_NOT_SUSTAINED, now=now, actor=actor,
                                reason="return to work not sustained: referred to OH again"),
    ]


def _closed(state: CaseState, event: CaseClosed) -> Changes:
    closure = Closure(
        outcome=event.outcome, closed_on=event.closed_on, returned_on=event.returned_on,
        intervention_by_employee=event.intervention_by_employee,
        intervention_by_case_manager=event.intervention_by_case_manager,
        follow_up_due_on=event.follow_up_due_on,
    )
    follow_up = event.outcome in RETURN_OUTCOMES and event.follow_up_due_on is not None
    return {"stage": Stage.FOLLOW_UP if follow_up else Stage.CLOSED, "closure": closure}


def _followed_up(state: CaseState, event: FollowUpRecorded) -> Changes:
    follow_up = FollowUp(checked_on=event.checked_on, sustained=event.sustained)
    if not event.sustained and follows(state):
        return {"follow_up": follow_up}  # the reopening that follows moves the case on
    return {"stage": Stage.CLOSED, "follow_up": follow_up}


def _reopened(state: CaseState, event: CaseReopened) -> Changes:
    """Open again: no closure in force (the record keeps it), and no referral to OH until the
    new one that follows (its first consultation a deadline afresh)."""
    return {"stage": event.stage, "closure": None, "oh_referral": None,
            "reopened_on": (*state.reopened_on, event.follow_up_checked_on)[-REOPENINGS_KEPT:],
            "fired": frozenset(key for key in state.fired
                               if not key.startswith(_REFERRAL_DEADLINES))}


def deadlines(state: CaseState) -> list[Deadline]:
    """The check that a return was sustained."""
    closure = state.closure
    if state.stage is not Stage.FOLLOW_UP or closure is None or closure.follow_up_due_on is None:
        return []
    return [Deadline(key="follow_up_due", name="follow_up_due",
                     due_at=on_day(closure.follow_up_due_on, state.policy), recipients=(Role.OH,),
                     why="check that the return to work was sustained")]


EVOLUTION: Evolution = {CaseClosed: _closed, FollowUpRecorded: _followed_up,
                        CaseReopened: _reopened}

RULES: dict[Action, ActionRule] = {
    Action.CLOSE_CASE: ActionRule(
        command=CloseCase, decide=close_case, roles=OH, stages=OPEN_STAGES, path="closure",
        example={"outcome": "returned_with_adjustments", "closed_on": EXAMPLE_ON,
                 "intervention_by_employee": "msk_treatment",
                 "intervention_by_case_manager": "personal_support_confidence"},
    ),
    Action.RECORD_FOLLOW_UP: ActionRule(
        command=RecordFollowUp, decide=record_follow_up, roles=OH,
        stages=frozenset({Stage.FOLLOW_UP}), path="follow-up",
        example={"checked_on": EXAMPLE_ON, "sustained": True},
    ),
}
