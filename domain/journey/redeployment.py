"""Redeployment: a trial in another role when the employee cannot return to their own, reviewed
in set weeks and concluded as confirmed (a redeployed return) or reverted (back to
rehabilitation)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import Actor, Role
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future, check_not_before_case, check_week_to_review
from domain.journey.absence import back_at_work
from domain.journey.base import (
    EXAMPLE_ON,
    HR_MANAGER_OH,
    OH_OR_HR,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    Event,
    Evolution,
    on_day,
)
from domain.stages import Action, Stage
from domain.state import CaseState, Redeployment
from domain.vocabulary import RedeploymentConclusion

if TYPE_CHECKING:
    from domain.events import CaseEvent


class StartRedeploymentTrial(Command):
    vacancy_ref: str = Field(min_length=1, max_length=100)
    role_title: str = Field(min_length=1, max_length=SHORT)
    starts_on: date
    trial_weeks: int = Field(ge=1, le=52)
    permanent: bool
    retraining: str | None = Field(default=None, max_length=TEXT)


class ReviewRedeploymentTrial(Command):
    week: int = Field(ge=1, le=52)
    on_track: bool
    notes: str | None = Field(default=None, max_length=TEXT)


class ConcludeRedeployment(Command):
    conclusion: RedeploymentConclusion
    on: date
    reason: str | None = Field(default=None, max_length=TEXT)


class RedeploymentTrialStarted(Event):
    type: Literal["RedeploymentTrialStarted"] = "RedeploymentTrialStarted"
    vacancy_ref: str
    role_title: str
    starts_on: date
    trial_weeks: int
    permanent: bool
    retraining: str | None = None


class RedeploymentTrialReviewed(Event):
    type: Literal["RedeploymentTrialReviewed"] = "RedeploymentTrialReviewed"
    week: int
    on_track: bool
    notes: str | None = None


class RedeploymentConcluded(Event):
    type: Literal["RedeploymentConcluded"] = "RedeploymentConcluded"
    conclusion: RedeploymentConclusion
    on: date
    conclusion_reason: str | None = None


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
    check_week_to_review(command.week, trial.trial_weeks, trial.reviewed_weeks,
                         f"the trial lasts {trial.trial_weeks} weeks")
    return [
        RedeploymentTrialReviewed(
            occurred_at=now, actor=actor, week=command.week, on_track=command.on_track,
            notes=command.notes, reason=f"redeployment trial reviewed in week {command.week}",
        )
    ]


def conclude_redeployment(state: CaseState, command: ConcludeRedeployment, now: datetime,
                          actor: Actor) -> list[CaseEvent]:
    if state.redeployment is None:
        raise InvalidCommand("conclusion", "there is no redeployment trial")
    check_day_not_in_future("on", command.on, now)
    return [
        RedeploymentConcluded(
            occurred_at=now, actor=actor, conclusion=command.conclusion, on=command.on,
            conclusion_reason=command.reason,
            reason=f"redeployment {command.conclusion.value}",
        )
    ]


def _started(state: CaseState, event: RedeploymentTrialStarted) -> Changes:
    return {"stage": Stage.REDEPLOYMENT, **back_at_work(state, event.starts_on),
            "redeployment": Redeployment(
                vacancy_ref=event.vacancy_ref, role_title=event.role_title,
                starts_on=event.starts_on, trial_weeks=event.trial_weeks,
                permanent=event.permanent, retraining=event.retraining)}


def _reviewed(state: CaseState, event: RedeploymentTrialReviewed) -> Changes:
    trial = state.redeployment
    return {} if trial is None else {"redeployment": trial.model_copy(
        update={"reviewed_weeks": (*trial.reviewed_weeks, event.week)})}


def _concluded(state: CaseState, event: RedeploymentConcluded) -> Changes:
    trial = state.redeployment
    if trial is None:
        return {}
    changes: Changes = {"redeployment": trial.model_copy(
        update={"conclusion": event.conclusion, "concluded_on": event.on})}
    if event.conclusion is RedeploymentConclusion.REVERTED:
        changes["stage"] = Stage.REHABILITATION
    return changes


def deadlines(state: CaseState) -> list[Deadline]:
    """The trial's next review week, and its end."""
    trial = state.redeployment
    if trial is None or trial.conclusion is not None or state.stage is not Stage.REDEPLOYMENT:
        return []
    found: list[Deadline] = []
    for week in state.policy.redeployment_trial_review_weeks:
        if week <= trial.trial_weeks and week not in trial.reviewed_weeks:
            found.append(Deadline(key=f"trial_review_week_{week}", name="trial_review_due",
                                  due_at=on_day(trial.starts_on + timedelta(days=7 * week),
                                             state.policy),
                                  recipients=(Role.OH, Role.MANAGER, Role.HR),
                                  why=f"redeployment trial review in week {week}"))
            break
    found.append(Deadline(key="trial_ends", name="trial_ends",
                          due_at=on_day(trial.starts_on + timedelta(days=7 * trial.trial_weeks),
                                     state.policy),
                          recipients=(Role.OH, Role.HR),
                          why="the redeployment trial has ended: confirm or revert"))
    return found


EVOLUTION: Evolution = {
    RedeploymentTrialStarted: _started,
    RedeploymentTrialReviewed: _reviewed,
    RedeploymentConcluded: _concluded,
}

RULES: dict[Action, ActionRule] = {
    Action.START_REDEPLOYMENT_TRIAL: ActionRule(
        command=StartRedeploymentTrial, decide=start_redeployment_trial, roles=OH_OR_HR,
        stages=frozenset({Stage.REHABILITATION}), path="redeployment",
        example={"vacancy_ref": "VAC-88", "role_title": "Ward clerk", "starts_on": EXAMPLE_ON,
                 "trial_weeks": 8, "permanent": True},
    ),
    Action.REVIEW_REDEPLOYMENT_TRIAL: ActionRule(
        command=ReviewRedeploymentTrial, decide=review_redeployment_trial, roles=HR_MANAGER_OH,
        stages=frozenset({Stage.REDEPLOYMENT}), path="redeployment/reviews",
        example={"week": 2, "on_track": True},
    ),
    Action.CONCLUDE_REDEPLOYMENT: ActionRule(
        command=ConcludeRedeployment, decide=conclude_redeployment, roles=OH_OR_HR,
        stages=frozenset({Stage.REDEPLOYMENT}), path="redeployment/conclusion",
        example={"conclusion": "confirmed", "on": EXAMPLE_ON},
    ),
}
