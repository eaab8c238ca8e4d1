"""Phased return and redeployment: schedules within policy, reviews, completion."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor
from domain.commands import (
    CompletePhasedReturn,
    ConcludeRedeployment,
    ExtendPhasedReturn,
    PhasedReturnWeek,
    ReviewPhasedReturnWeek,
    ReviewRedeploymentTrial,
    StartPhasedReturn,
    StartRedeploymentTrial,
)
from domain.errors import InvalidCommand
from domain.events import (
    CaseEvent,
    PhasedReturnCompleted,
    PhasedReturnExtended,
    PhasedReturnStarted,
    PhasedReturnWeekReviewed,
    RedeploymentConcluded,
    RedeploymentTrialReviewed,
    RedeploymentTrialStarted,
)
from domain.guards import check_day_not_in_future, check_not_before_case
from domain.policy import Policy
from domain.state import CaseState


def _max_weeks(policy: Policy, on_oh_advice: bool) -> int:
    return policy.phased_return_max_weeks_on_oh_advice if on_oh_advice else (
        policy.phased_return_max_weeks
    )


def _check_weeks(weeks: list[PhasedReturnWeek], first: int, total: int, policy: Policy,
                 on_oh_advice: bool) -> None:
    numbers = [week.week for week in weeks]
    expected = list(range(first, first + len(weeks)))
    if numbers != expected:
        raise InvalidCommand("weeks", f"weeks must be numbered {expected} in order")
    limit = _max_weeks(policy, on_oh_advice)
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
    return [
        PhasedReturnStarted(
            occurred_at=now, actor=actor, starts_on=command.starts_on,
            weeks=tuple(command.weeks), on_oh_advice=command.on_oh_advice,
            reason=f"phased return of {len(command.weeks)} week(s) from "
            f"{command.starts_on.isoformat()}",
        )
    ]


def review_phased_return_week(state: CaseState, command: ReviewPhasedReturnWeek,
                              now: datetime, actor: Actor) -> list[CaseEvent]:
    phased = state.phased_return
    if phased is None:
        raise InvalidCommand("week", "there is no phased return")
    if command.week > len(phased.weeks):
        raise InvalidCommand("week", f"the schedule has {len(phased.weeks)} week(s)")
    if command.week in phased.reviewed_weeks:
        raise InvalidCommand("week", f"week {command.week} was already reviewed")
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


def start_redeployment_trial(state: CaseState, command: StartRedeploymentTrial,
                             now: datetime, actor: Actor) -> list[CaseEvent]:
    check_not_before_case("starts_on", command.starts_on, state)
    limit = state.policy.redeployment_trial_max_weeks
    if command.trial_weeks > limit:
        raise InvalidCommand(
            "trial_weeks", f"a trial may last at most {limit} weeks (policy {state.policy.version})"
        )
    return [
        RedeploymentTrialStarted(
            occurred_at=now, actor=actor, vacancy_ref=command.vacancy_ref,
            role_title=command.role_title, starts_on=command.starts_on,
            trial_weeks=command.trial_weeks, permanent=command.permanent,
            retraining=command.retraining,
            reason=f"redeployment trial of {command.trial_weeks} weeks in vacancy "
            f"{command.vacancy_ref} from {command.starts_on.isoformat()}",
        )
    ]


def review_redeployment_trial(state: CaseState, command: ReviewRedeploymentTrial,
                              now: datetime, actor: Actor) -> list[CaseEvent]:
    trial = state.redeployment
    if trial is None:
        raise InvalidCommand("week", "there is no redeployment trial")
    if command.week > trial.trial_weeks:
        raise InvalidCommand("week", f"the trial lasts {trial.trial_weeks} weeks")
    if command.week in trial.reviewed_weeks:
        raise InvalidCommand("week", f"week {command.week} was already reviewed")
    return [
        RedeploymentTrialReviewed(
            occurred_at=now, actor=actor, week=command.week, on_track=command.on_track,
            notes=command.notes, reason=f"redeployment trial reviewed in week {command.week}",
        )
    ]


def conclude_redeployment(state: CaseState, command: ConcludeRedeployment, now: datetime,
                          actor: Actor) -> list[CaseEvent]:
    trial = state.redeployment
    if trial is None:
        raise InvalidCommand("conclusion", "there is no redeployment trial")
    check_day_not_in_future("on", command.on, now)
    return [
        RedeploymentConcluded(
            occurred_at=now, actor=actor, conclusion=command.conclusion, on=command.on,
            conclusion_reason=command.reason,
            reason=f"redeployment {command.conclusion.value}",
        )
    ]
