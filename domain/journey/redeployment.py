"""Redeployment: a trial in another role when the employee cannot return to their own, reviewed
in set weeks and concluded as confirmed (a redeployed return) or reverted (back to
rehabilitation).

Under the practice rules (`domain.practice`) a trial records the vacancy matched against the
employee (OH's restrictions and their capabilities against the vacancy's demands and skills,
and the judgement), and a redeployment is confirmed only once an OH professional signs it off."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, StringConstraints

from domain import values
from domain.actors import Actor, Role
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future, check_not_before_case, check_week_to_review
from domain.journey.absence import back_at_work
from domain.journey.base import (
    EXAMPLE_ON,
    HR_MANAGER_OH,
    OH,
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
from domain.practice import follows
from domain.stages import Action, Stage
from domain.state import CaseState, Redeployment
from domain.vocabulary import MatchJudgement, RedeploymentConclusion, WorkDemand

if TYPE_CHECKING:
    from domain.events import CaseEvent


Item = Annotated[str, StringConstraints(min_length=1, max_length=SHORT)]
ITEMS = 20


class VacancyMatch(Command):
    """The vacancy matched against the employee, as OH, HR and the manager reviewed it."""

    restrictions: list[WorkDemand] = Field(
        default=[], max_length=len(WorkDemand),
        description="What OH's advice asks the employee to avoid (none: no restriction).")
    capabilities: list[Item] = Field(
        default=[], max_length=ITEMS, description="What the employee can bring: skills, "
        "experience, qualifications.")
    demands: list[WorkDemand] = Field(max_length=len(WorkDemand),
                                      description="What the vacancy asks of the person.")
    skills_needed: list[Item] = Field(default=[], max_length=ITEMS)
    judgement: MatchJudgement
    adjustments: list[Item] = Field(
        default=[], max_length=ITEMS, description="What makes a restricted demand workable; "
        "needed when the judgement is suitable_with_adjustments.")


class StartRedeploymentTrial(Command):
    vacancy_ref: str = Field(min_length=1, max_length=100)
    role_title: str = Field(min_length=1, max_length=SHORT)
    starts_on: date
    trial_weeks: int = Field(ge=1, le=52)
    permanent: bool
    retraining: str | None = Field(default=None, max_length=TEXT)
    match: VacancyMatch | None = Field(
        default=None, description="The vacancy matched against the employee; required for "
        "cases following the practice rules.")


class SignOffRedeployment(Command):
    """An OH professional (the signed-in user) signs off the redeployment: the role suits the
    employee's health. Needed before the redeployment is confirmed."""

    on: date
    notes: str | None = Field(default=None, max_length=TEXT)


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


class VacancyMatched(Event):
    """The vacancy of a trial, matched against the employee's restrictions and capabilities."""

    type: Literal["VacancyMatched"] = "VacancyMatched"
    vacancy_ref: str
    match: values.VacancyMatch


class RedeploymentSignedOff(Event):
    """A named OH professional (the actor) signed the redeployment off."""

    type: Literal["RedeploymentSignedOff"] = "RedeploymentSignedOff"
    on: date
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
    started: list[CaseEvent] = [
        RedeploymentTrialStarted(
            occurred_at=now, actor=actor, vacancy_ref=command.vacancy_ref,
            role_title=command.role_title, starts_on=command.starts_on,
            trial_weeks=command.trial_weeks, permanent=command.permanent,
            retraining=command.retraining,
            reason=f"redeployment trial of {command.trial_weeks} weeks in vacancy "
            f"{command.vacancy_ref} from {command.starts_on.isoformat()}",
        )
    ]
    if command.match is None:
        if follows(state):
            raise InvalidCommand(
                "match", "record the vacancy matched against the employee: OH's "
                "restrictions, their capabilities, the vacancy's demands and skills, and the "
                "judgement")
        return started
    match = _checked_match(state, command.match)
    conflicts = [d.value for d in match.demands if d in match.restrictions]
    return [*started, VacancyMatched(
        occurred_at=now, actor=actor, vacancy_ref=command.vacancy_ref, match=match,
        reason=f"vacancy {command.vacancy_ref} judged {match.judgement.value} against OH's "
        f"restrictions" + (f"; restricted demands: {', '.join(conflicts)}" if conflicts else ""))]


def _checked_match(state: CaseState, match: VacancyMatch) -> values.VacancyMatch:
    """The match as recorded, once its judgement agrees with its facts: a trial starts only in
    a vacancy judged suitable, and a demand OH's advice restricts needs named adjustments."""
    if match.judgement is MatchJudgement.UNSUITABLE:
        raise InvalidCommand("match.judgement", "a trial starts only in a vacancy judged "
                             "suitable or suitable_with_adjustments")
    conflicts = [d.value for d in match.demands if d in match.restrictions]
    if conflicts and match.judgement is MatchJudgement.SUITABLE:
        raise InvalidCommand(
            "match.judgement", f"the vacancy demands {', '.join(conflicts)}, which OH's "
            "advice restricts: judge it suitable_with_adjustments (naming them) or unsuitable")
    if match.judgement is MatchJudgement.SUITABLE_WITH_ADJUSTMENTS and not match.adjustments:
        raise InvalidCommand("match.adjustments", "name the adjustments that make the vacancy "
                             "suitable")
    latest = state.latest_assessment
    return values.VacancyMatch(
        restrictions=tuple(match.restrictions), capabilities=tuple(match.capabilities),
        demands=tuple(match.demands), skills_needed=tuple(match.skills_needed),
        judgement=match.judgement, adjustments=tuple(match.adjustments),
        advice_of_assessment=latest.number if latest else None)


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
    trial = state.redeployment
    if trial is None:
        raise InvalidCommand("conclusion", "there is no redeployment trial")
    check_day_not_in_future("on", command.on, now)
    if (command.conclusion is RedeploymentConclusion.CONFIRMED and follows(state)
            and trial.signed_off_by is None):
        raise InvalidCommand(
            "conclusion", "a redeployment is confirmed only once OH has signed it off: an OH "
            "professional takes sign_off_redeployment first")
    return [
        RedeploymentConcluded(
            occurred_at=now, actor=actor, conclusion=command.conclusion, on=command.on,
            conclusion_reason=command.reason,
            reason=f"redeployment {command.conclusion.value}",
        )
    ]


def sign_off_redeployment(state: CaseState, command: SignOffRedeployment, now: datetime,
                          actor: Actor) -> list[CaseEvent]:
    trial = state.redeployment
    if trial is None:
        raise InvalidCommand("on", "there is no redeployment trial")
    if trial.conclusion is not None:
        raise InvalidCommand("on", f"the trial was concluded ({trial.conclusion.value}) already")
    if trial.signed_off_by is not None:
        raise InvalidCommand("on", f"signed off already by {trial.signed_off_by} on "
                             f"{trial.signed_off_on}")
    check_day_not_in_future("on", command.on, now)
    if command.on < trial.starts_on:
        raise InvalidCommand("on", f"must not be before the trial began "
                             f"({trial.starts_on.isoformat()})")
    return [RedeploymentSignedOff(occurred_at=now, actor=actor, on=command.on,
                                  notes=command.notes,
                                  reason=f"redeployment signed off by OH ({actor.id})")]


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


def _matched(state: CaseState, event: VacancyMatched) -> Changes:
    trial = state.redeployment
    return {} if trial is None else {"redeployment": trial.model_copy(
        update={"match": event.match})}


def _signed_off(state: CaseState, event: RedeploymentSignedOff) -> Changes:
    trial = state.redeployment
    return {} if trial is None else {"redeployment": trial.model_copy(
        update={"signed_off_by": event.actor.id, "signed_off_on": event.on})}


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
    VacancyMatched: _matched,
    RedeploymentSignedOff: _signed_off,
}

RULES: dict[Action, ActionRule] = {
    Action.START_REDEPLOYMENT_TRIAL: ActionRule(
        command=StartRedeploymentTrial, decide=start_redeployment_trial, roles=OH_OR_HR,
        stages=frozenset({Stage.REHABILITATION}), path="redeployment",
        example={"vacancy_ref": "VAC-88", "role_title": "Ward clerk", "starts_on": EXAMPLE_ON,
                 "trial_weeks": 8, "permanent": True,
                 "match": {"restrictions": ["manual_handling", "night_work"],
                           "capabilities": ["Typing", "Patient administration system"],
                           "demands": ["screen_work", "public_facing"],
                           "skills_needed": ["Typing"], "judgement": "suitable"}},
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
    Action.SIGN_OFF_REDEPLOYMENT: ActionRule(
        command=SignOffRedeployment, decide=sign_off_redeployment, roles=OH,
        stages=frozenset({Stage.REDEPLOYMENT}), path="redeployment/sign-off",
        example={"on": EXAMPLE_ON, "notes": "Duties suit the advice of the last assessment"},
    ),
}
