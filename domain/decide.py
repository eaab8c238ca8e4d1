"""Given a state and a command, decide the events. Pure: `now` and the actor are passed in."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from domain.actions import (
    ACTION_OF_COMMAND,
    RULES,
    check_own_team,
    check_preconditions,
    check_role_may,
    check_stage_allows,
)
from domain.actors import Actor, Role
from domain.bounds import check_dates_within_window
from domain.calendar import london_date
from domain.deadlines import decide_deadline, open_deadlines
from domain.errors import CaseError, InvalidCommand, RoleNotAllowed
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.journey import hr_facts, policy_change
from domain.journey.absence import open_case
from domain.journey.community import receive_community_referral
from domain.journey.referral import receive_referral
from domain.journey.reminders import DeadlinePassed
from domain.state import CaseState

__all__ = ["decide", "open_case", "receive_community_referral", "receive_referral"]


def decide(state: CaseState, command: BaseModel, *, now: datetime, actor: Actor,
           check_dates: bool = True) -> list[CaseEvent]:
    """The events a command produces on the case; raises a CaseError to refuse it.

    People's actions are checked for the actor's role, then their team (so that a manager
    outside the team learns nothing of the case, not even its stage), then the stage, then the
    rules of practice the action must meet, then the dates they carry against the policy's
    window. HR facts and deadlines that no longer apply
    decide nothing (an empty list) rather than fail, so that a repeated or late message cannot
    change the outcome; so does adopting the policy version a case already follows.
    `check_dates=False` is for replaying decisions already accepted.
    """
    if isinstance(command, DeadlinePassed):
        return decide_deadline(state, command.key, now=now, actor=actor)
    administration = policy_change.DECISIONS.get(type(command))
    if administration is not None:
        return _with_computable_deadlines(state, administration(state, command, now, actor),
                                          check=check_dates)
    hr_fact = hr_facts.DECISIONS.get(type(command))
    if hr_fact is not None:
        if actor.role not in (Role.HR, Role.SYSTEM):
            raise RoleNotAllowed(type(command).__name__, actor.role.value, [Role.HR.value])
        if check_dates:
            check_dates_within_window(command, today=london_date(now), policy=state.policy)
        return _with_computable_deadlines(state, hr_fact(state, command, now, actor),
                                          check=check_dates)
    action = ACTION_OF_COMMAND.get(type(command))
    if action is None:
        raise CaseError(f"unknown command {type(command).__name__}")
    check_role_may(action, actor.role)
    check_own_team(state, actor)
    check_stage_allows(state, action)
    check_preconditions(state, action, actor)
    if check_dates:
        check_dates_within_window(command, today=london_date(now), policy=state.policy)
    return _with_computable_deadlines(state, RULES[action].decide(state, command, now, actor),
                                      check=check_dates)


def _with_computable_deadlines(state: CaseState, events: list[CaseEvent], *, check: bool
                               ) -> list[CaseEvent]:
    """The events, once the deadlines of the case they make are known to compute: a decision
    whose dates the calendar cannot carry is refused before anything is stored."""
    if check and events:
        after = state
        try:
            for event in events:
                after = evolve(after, event)
            open_deadlines(after)
        except (OverflowError, ValueError):
            raise InvalidCommand("command", "its dates put the case's deadlines beyond the "
                                 "calendar; check every date it carries") from None
    return events
