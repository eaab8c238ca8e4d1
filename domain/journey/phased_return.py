"""Phased return: back at work on a schedule of reduced hours and duties, week by week, within
the policy's limit (longer on OH advice), each week reviewed, extended if needed, then completed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain import values
from domain.actors import Actor, Role
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future, check_not_before_case, check_week_to_review
from domain.journey.absence import back_at_work
from domain.journey.base import (
    EXAMPLE_ON,
    MANAGER_OR_OH,
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
from domain.journey.fit_note import advised_phased_return
from domain.policy import Policy
from domain.stages import Action, Stage
from domain.state import CaseState, PhasedReturn

if TYPE_CHECKING:
    from domain.events import CaseEvent


# The input form of values.PhasedReturnWeek: what a command may carry.
class PhasedReturnWeek(Command):
    week: int = Field(ge=1, le=26)
    hours: float = Field(gt=0, le=60)
    duties: str = Field(min_length=1, max_length=TEXT)


class StartPhasedReturn(Command):
    starts_on: date
    weeks: list[PhasedReturnWeek] = Field(min_length=1, max_length=26)
    on_oh_advice: bool = False


class ReviewPhasedReturnWeek(Command):
    week: int = Field(ge=1, le=26)
    on_track: bool
    notes: str | None = Field(default=None, max_length=TEXT)


class ExtendPhasedReturn(Command):
    weeks: list[PhasedReturnWeek] = Field(min_length=1, max_length=26)
    on_oh_advice: bool = False
    reason: str = Field(min_length=1, max_length=TEXT)


class CompletePhasedReturn(Command):
    completed_on: date


class PhasedReturnStarted(Event):
    type: Literal["PhasedReturnStarted"] = "PhasedReturnStarted"
    starts_on: date
    weeks: tuple[values.PhasedReturnWeek, ...]
    on_oh_advice: bool


class PhasedReturnWeekReviewed(Event):
    type: Literal["PhasedReturnWeekReviewed"] = "PhasedReturnWeekReviewed"
    week: int
    on_track: bool
    notes: str | None = None


class PhasedReturnExtended(Event):
    type: Literal["PhasedReturnExtended"] = "PhasedReturnExtended"
    weeks: tuple[values.PhasedReturnWeek, ...]
    on_oh_advice: bool
    extension_reason: str


class PhasedReturnCompleted(Event):
    type: Literal["PhasedReturnCompleted"] = "PhasedReturnCompleted"
    completed_on: date


def _check_weeks(weeks: list[PhasedReturnWeek], first: int, total: int, policy: Policy,
                 on_oh_advice: bool) -> None:
    numbers = [week.week for week in weeks]
    expected = list(range(first, first + len(weeks)))
    if numbers != expected:
        raise InvalidCommand("weeks", f"weeks must be numbered {expected} in order")
    limit = (policy.phased_return_max_weeks_on_oh_advice if on_oh_advice
             else policy.phased_return_max_weeks)
    if total > limit:
        advice = "on OH advice" if on_oh_advice else "without OH advice"
        raise InvalidCommand(
            "weeks",
            f"a phased return may last at most {limit} weeks {advice} "
            f"(policy {policy.version}); this would make {total}",
        )


def start_phased_return(state: CaseState, command: StartPhasedReturn, now: datetime,
                        actor: Actor) -> list[CaseEvent]:
    check_not_before_case("starts_on", command.starts_on, state)
    _check_weeks(command.weeks, 1, len(command.weeks), state.policy, command.on_oh_advice)
    note = advised_phased_return(state)
    advised = f", as fit note {note} advised" if note is not None else ""
    return [
        PhasedReturnStarted(
            occurred_at=now, actor=actor, starts_on=command.starts_on,
            weeks=tuple(command.weeks), on_oh_advice=command.on_oh_advice,
            reason=f"phased return of {len(command.weeks)} week(s) from "
            f"{command.starts_on.isoformat()}{advised}",
        )
    ]


def review_phased_return_week(state: CaseState, command: ReviewPhasedReturnWeek,
                              now: datetime, actor: Actor) -> list[CaseEvent]:
    phased = state.phased_return
    if phased is None:
        raise InvalidCommand("week", "there is no phased return")
    check_week_to_review(command.week, len(phased.weeks), phased.reviewed_weeks,
                         f"the schedule has {len(phased.weeks)} week(s)")
    return [
        PhasedReturnWeekReviewed(
            occurred_at=now, actor=actor, week=command.week, on_track=command.on_track,
            notes=command.notes,
            reason=f"phased return week {command.week} reviewed: "
            f"{'on track' if command.on_track else 'not on track'}",
        )
    ]


def extend_phased_return(state: CaseState, command: ExtendPhasedReturn, now: datetime,
                         actor: Actor) -> list[CaseEvent]:
    phased = state.phased_return
    if phased is None or phased.completed_on is not None:
        raise InvalidCommand("weeks", "there is no phased return in progress to extend")
    on_advice = command.on_oh_advice or phased.on_oh_advice
    _check_weeks(command.weeks, len(phased.weeks) + 1, len(phased.weeks) + len(command.weeks),
                 state.policy, on_advice)
    return [
        PhasedReturnExtended(
            occurred_at=now, actor=actor, weeks=tuple(command.weeks), on_oh_advice=on_advice,
            extension_reason=command.reason,
            reason=f"phased return extended by {len(command.weeks)} week(s): {command.reason}",
        )
    ]


def complete_phased_return(state: CaseState, command: CompletePhasedReturn, now: datetime,
                           actor: Actor) -> list[CaseEvent]:
    phased = state.phased_return
    if phased is None or phased.completed_on is not None:
        raise InvalidCommand("completed_on", "there is no phased return in progress")
    check_day_not_in_future("completed_on", command.completed_on, now)
    if command.completed_on < phased.starts_on:
        raise InvalidCommand("completed_on", f"must not be before {phased.starts_on}")
    return [
        PhasedReturnCompleted(
            occurred_at=now, actor=actor, completed_on=command.completed_on,
            reason="phased return completed: back to full hours and duties",
        )
    ]


def _started(state: CaseState, event: PhasedReturnStarted) -> Changes:
    return {"stage": Stage.PHASED_RETURN, **back_at_work(state, event.starts_on),
            "phased_return": PhasedReturn(starts_on=event.starts_on, weeks=event.weeks,
                                          on_oh_advice=event.on_oh_advice)}


def _reviewed(state: CaseState, event: PhasedReturnWeekReviewed) -> Changes:
    phased = state.phased_return
    return {} if phased is None else {"phased_return": phased.model_copy(
        update={"reviewed_weeks": (*phased.reviewed_weeks, event.week)})}


def _extended(state: CaseState, event: PhasedReturnExtended) -> Changes:
    phased = state.phased_return
    return {} if phased is None else {"phased_return": phased.model_copy(
        update={"weeks": (*phased.weeks, *event.weeks), "on_oh_advice": event.on_oh_advice})}


def _completed(state: CaseState, event: PhasedReturnCompleted) -> Changes:
    phased = state.phased_return
    return {} if phased is None else {"phased_return": phased.model_copy(
        update={"completed_on": event.completed_on})}


def deadlines(state: CaseState) -> list[Deadline]:
    """The next week to review, then the end of the schedule."""
    phased = state.phased_return
    if phased is None or phased.completed_on is not None or state.stage is not (
        Stage.PHASED_RETURN
    ):
        return []
    for week in phased.weeks:
        if week.week in phased.reviewed_weeks:
            continue
        day = phased.starts_on + timedelta(days=7 * week.week)
        return [Deadline(key=f"phased_week_{week.week}_review", name="phased_return_week_review",
                         due_at=on_day(day, state.policy), recipients=(Role.MANAGER, Role.OH),
                         why=f"week {week.week} of the phased return ends; review it")]
    day = phased.starts_on + timedelta(days=7 * len(phased.weeks))
    return [Deadline(key=f"phased_return_end_{len(phased.weeks)}", name="phased_return_ends",
                     due_at=on_day(day, state.policy), recipients=(Role.MANAGER, Role.OH),
                     why="the phased return schedule has ended: complete or extend it")]


EVOLUTION: Evolution = {
    PhasedReturnStarted: _started,
    PhasedReturnWeekReviewed: _reviewed,
    PhasedReturnExtended: _extended,
    PhasedReturnCompleted: _completed,
}

_WEEK_STAGE = frozenset({Stage.PHASED_RETURN})
RULES: dict[Action, ActionRule] = {
    Action.START_PHASED_RETURN: ActionRule(
        command=StartPhasedReturn, decide=start_phased_return, roles=OH,
        stages=frozenset({Stage.REHABILITATION}), path="phased-return",
        example={"starts_on": EXAMPLE_ON,
                 "weeks": [{"week": n, "hours": 7.5 * (n + 1), "duties": "Admin, no lifting"}
                           for n in (1, 2)],
                 "on_oh_advice": False},
    ),
    Action.REVIEW_PHASED_RETURN_WEEK: ActionRule(
        command=ReviewPhasedReturnWeek, decide=review_phased_return_week, roles=MANAGER_OR_OH,
        stages=_WEEK_STAGE, path="phased-return/reviews",
        example={"week": 1, "on_track": True},
    ),
    Action.EXTEND_PHASED_RETURN: ActionRule(
        command=ExtendPhasedReturn, decide=extend_phased_return, roles=OH,
        stages=_WEEK_STAGE, path="phased-return/extension",
        example={"weeks": [{"week": 3, "hours": 30, "duties": "Full duties"}],
                 "on_oh_advice": True, "reason": "Fatigue in week 2"},
    ),
    Action.COMPLETE_PHASED_RETURN: ActionRule(
        command=CompletePhasedReturn, decide=complete_phased_return, roles=MANAGER_OR_OH,
        stages=_WEEK_STAGE, path="phased-return/completion",
        example={"completed_on": EXAMPLE_ON},
    ),
}
