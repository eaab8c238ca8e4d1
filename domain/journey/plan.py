"""The rehabilitation plan: agreed by the employee, the line manager and OH together, reviewed
on its dates, and revised as a new version while the previous ones stay on record. On a
community case (no employer involved) the plan is the person's and the service's: agreed by the
two of them, with no action owned by a line manager, and its reviews remind the service alone.

Under the practice rules (`domain.practice`) a plan starts from the adjustments a 'may be fit'
note proposed, each action's due date reminds its owner, and a review that finds the plan not
on track calls for a revision within the policy's days (escalated if missed twice)."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from domain import values
from domain.actors import Actor, Role
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future, check_not_in_future, check_text_present
from domain.journey.assessment import Adjustment
from domain.journey.base import (
    EXAMPLE_AT,
    EXAMPLE_ON,
    HR_MANAGER_OH,
    MANAGER_OR_OH,
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    Event,
    Evolution,
    on_day,
    with_second_miss,
)
from domain.journey.fit_note import adjustments_to_start_from
from domain.practice import follows
from domain.stages import RETURNING, Action, Stage
from domain.state import CaseState, Plan
from domain.values import PlanAgreement

if TYPE_CHECKING:
    from domain.events import CaseEvent


# The input forms of values.PlanAction and values.PlanContent: what a command may carry.
class PlanAction(Command):
    owner: str = Field(min_length=1, max_length=SHORT)
    description: str = Field(min_length=1, max_length=TEXT)
    due_on: date


class PlanContent(Command):
    concerns: list[str] = Field(default_factory=list, max_length=50)
    wellbeing_needs: list[str] = Field(default_factory=list, max_length=50)
    goals: list[str] = Field(min_length=1, max_length=50)
    actions: list[PlanAction] = Field(default_factory=list, max_length=100)
    adjustments: list[Adjustment] = Field(default_factory=list, max_length=50)
    support_organisations: list[str] = Field(default_factory=list, max_length=50)
    specific_needs: list[str] = Field(default_factory=list, max_length=50)
    review_dates: list[date] = Field(min_length=1, max_length=52)


class AgreePlan(Command):
    """The rehabilitation plan agreed by employee, line manager and OH."""

    agreed_at: AwareDatetime
    plan: PlanContent
    agreed_by: PlanAgreement


class RevisePlan(Command):
    """A new version of the plan, agreed again; the previous version stays on record."""

    agreed_at: AwareDatetime
    plan: PlanContent
    agreed_by: PlanAgreement
    reason: str = Field(min_length=1, max_length=TEXT)


class RecordPlanReview(Command):
    reviewed_on: date
    notes: str | None = Field(default=None, max_length=TEXT)
    on_track: bool


class CompletePlanAction(Command):
    """An action of the current plan is done (numbered from 1, in the plan's order)."""

    action_number: int = Field(ge=1, le=100)
    completed_on: date
    notes: str | None = Field(default=None, max_length=TEXT)


class PlanAgreed(Event):
    """A plan agreed with the employee, manager and OH; a revision is a new plan version.

    Version 2 names the plan's number `plan_version` (as `PlanReviewed` does); version 1 called
    it `version`, which read as the event's own version.
    """

    type: Literal["PlanAgreed"] = "PlanAgreed"
    event_version: Literal[2] = 2
    plan_version: int
    agreed_at: AwareDatetime
    plan: values.PlanContent
    agreed_by: PlanAgreement
    revision_reason: str | None = None


class PlanReviewed(Event):
    type: Literal["PlanReviewed"] = "PlanReviewed"
    plan_version: int
    reviewed_on: date
    on_track: bool
    notes: str | None = None


class PlanActionCompleted(Event):
    type: Literal["PlanActionCompleted"] = "PlanActionCompleted"
    plan_version: int
    action_number: int
    completed_on: date
    notes: str | None = None


# The words of an action's owner that say whom its due date reminds; OH leads the plan, so an
# owner named otherwise (a support organisation, a therapist) is followed up by OH.
_OWNER_WORDS: tuple[tuple[tuple[str, ...], Role], ...] = (
    (("manager", "supervisor"), Role.MANAGER),
    (("hr", "human resources", "people team"), Role.HR),
    (("employee", "staff member", "worker"), Role.EMPLOYEE),
)


def owner_role(owner: str) -> Role:
    """The role an action's recorded owner names ('line manager', 'HR', 'employee', 'OH')."""
    words = re.findall(r"[a-z]+", owner.lower())
    text = " ".join(words)
    for names, role in _OWNER_WORDS:
        if any(name in words or (" " in name and name in text) for name in names):
            return role
    return Role.OH


def _check_plan(state: CaseState, command: AgreePlan | RevisePlan, now: datetime) -> None:
    check_not_in_future("agreed_at", command.agreed_at, now)
    _check_agreement(state, command)
    check_text_present("plan.goals", command.plan.goals)
    agreed_on = london_date(command.agreed_at)
    if any(day < agreed_on for day in command.plan.review_dates):
        raise InvalidCommand("plan.review_dates", f"must be on or after {agreed_on.isoformat()}")


def _check_agreement(state: CaseState, command: AgreePlan | RevisePlan) -> None:
    """Everyone the plan needs has agreed it: the employee, the line manager and OH; on a
    community case, the person and the service, with no manager and no action for one."""
    agreed_by = command.agreed_by
    if state.manager is not None:
        if not (agreed_by.employee and agreed_by.manager and agreed_by.oh):
            raise InvalidCommand(
                "agreed_by", "a plan is agreed by the employee, the line manager and OH together"
            )
        return
    if not (agreed_by.employee and agreed_by.oh):
        raise InvalidCommand("agreed_by", "a community plan is agreed by the person and the "
                             "service together")
    if agreed_by.manager:
        raise InvalidCommand("agreed_by.manager", "a community case has no line manager to "
                             "agree the plan")
    for number, action in enumerate(command.plan.actions):
        if owner_role(action.owner) is Role.MANAGER:
            raise InvalidCommand(f"plan.actions.{number}.owner", "a community case has no "
                                 "line manager to own an action; name the person, the service "
                                 "or a support organisation")


def _started_from_advice(state: CaseState, plan: PlanContent) -> tuple[values.PlanContent, str]:
    """The plan as stored: one given without adjustments starts (under the practice rules) from
    those the latest 'may be fit' note proposed and the employer has not refused; and the words
    that say so."""
    content = values.PlanContent.model_validate(plan)
    proposed = adjustments_to_start_from(state) if not plan.adjustments else ()
    if not proposed:
        return content, ""
    return (content.model_copy(update={"adjustments": list(proposed)}),
            f"; {len(proposed)} adjustment(s) taken from the fit note's advice")


def agree_plan(state: CaseState, command: AgreePlan, now: datetime, actor: Actor
               ) -> list[CaseEvent]:
    _check_plan(state, command, now)
    plan, advised = _started_from_advice(state, command.plan)
    return [
        PlanAgreed(
            occurred_at=command.agreed_at, actor=actor, plan_version=1,
            agreed_at=command.agreed_at,
            plan=plan, agreed_by=command.agreed_by,
            reason=f"rehabilitation plan agreed with {len(command.plan.goals)} goal(s); reviews "
            f"on {', '.join(d.isoformat() for d in sorted(command.plan.review_dates))}{advised}",
        )
    ]


def revise_plan(state: CaseState, command: RevisePlan, now: datetime, actor: Actor
                ) -> list[CaseEvent]:
    _check_plan(state, command, now)
    version = (state.plan.version if state.plan else 0) + 1
    plan, advised = _started_from_advice(state, command.plan)
    return [
        PlanAgreed(
            occurred_at=command.agreed_at, actor=actor, plan_version=version,
            agreed_at=command.agreed_at, plan=plan, agreed_by=command.agreed_by,
            revision_reason=command.reason,
            reason=f"plan revised to version {version}: {command.reason}{advised}",
        )
    ]


def complete_plan_action(state: CaseState, command: CompletePlanAction, now: datetime,
                         actor: Actor) -> list[CaseEvent]:
    plan = state.plan
    if plan is None:
        raise InvalidCommand("action_number", "there is no agreed plan")
    count = len(plan.content.actions)
    if command.action_number > count:
        raise InvalidCommand("action_number", f"plan version {plan.version} has {count} "
                             "action(s), numbered from 1")
    if command.action_number in plan.completed_actions:
        raise InvalidCommand("action_number",
                             f"action {command.action_number} was already completed")
    check_day_not_in_future("completed_on", command.completed_on, now)
    agreed_on = london_date(plan.agreed_at)
    if command.completed_on < agreed_on:
        raise InvalidCommand("completed_on",
                             f"must not be before the plan was agreed on {agreed_on.isoformat()}")
    return [
        PlanActionCompleted(
            occurred_at=now, actor=actor, plan_version=plan.version,
            action_number=command.action_number, completed_on=command.completed_on,
            notes=command.notes,
            reason=f"action {command.action_number} of plan version {plan.version} completed "
            f"on {command.completed_on.isoformat()}",
        )
    ]


def record_plan_review(state: CaseState, command: RecordPlanReview, now: datetime,
                       actor: Actor) -> list[CaseEvent]:
    if state.plan is None:
        raise InvalidCommand("reviewed_on", "there is no agreed plan to review")
    check_day_not_in_future("reviewed_on", command.reviewed_on, now)
    return [
        PlanReviewed(
            occurred_at=now, actor=actor, plan_version=state.plan.version,
            reviewed_on=command.reviewed_on, on_track=command.on_track, notes=command.notes,
            reason=f"plan version {state.plan.version} reviewed: "
            f"{'on track' if command.on_track else 'not on track'}",
        )
    ]


def _agreed(state: CaseState, event: PlanAgreed) -> Changes:
    plan = Plan(version=event.plan_version, agreed_at=event.agreed_at, content=event.plan,
                agreed_by=event.agreed_by)
    history = (*state.plan_history, state.plan) if state.plan else state.plan_history
    changes: Changes = {"plan": plan, "plan_history": history}
    if state.stage is Stage.PLANNING:
        changes["stage"] = Stage.REHABILITATION
    return changes


def _reviewed(state: CaseState, event: PlanReviewed) -> Changes:
    if state.plan is None:
        return {}
    update: Changes = {"reviewed_on": (*state.plan.reviewed_on, event.reviewed_on)}
    if follows(state) and event.plan_version == state.plan.version:
        update["off_track_on"] = None if event.on_track else event.reviewed_on
    return {"plan": state.plan.model_copy(update=update)}


def _action_completed(state: CaseState, event: PlanActionCompleted) -> Changes:
    plan = state.plan
    if plan is None or plan.version != event.plan_version:
        return {}
    return {"plan": plan.model_copy(
        update={"completed_actions": (*plan.completed_actions, event.action_number)})}


def _practice_deadlines(state: CaseState, plan: Plan) -> list[Deadline]:
    """Each open action's due date, reminding its owner; and the revision a review that found
    the plan not on track calls for, reminding OH and escalated if missed twice."""
    policy = state.policy
    found: list[Deadline] = []
    for number, action in enumerate(plan.content.actions, start=1):
        if number in plan.completed_actions:
            continue
        found.append(Deadline(key=f"plan_v{plan.version}_action_{number}_due",
                              name="plan_action_due", due_at=on_day(action.due_on, policy),
                              recipients=(owner_role(action.owner),),
                              why=f"action {number} of plan version {plan.version} is due on "
                              f"{action.due_on.isoformat()}"))
    if plan.off_track_on is not None:
        day = plan.off_track_on + timedelta(days=policy.plan_revision_days)
        first = Deadline(key=f"plan_v{plan.version}_revision_after_{plan.off_track_on}",
                         name="plan_revision_due", due_at=on_day(day, policy),
                         recipients=(Role.OH,),
                         why=f"plan version {plan.version} was found not on track on "
                         f"{plan.off_track_on.isoformat()}: revise it within "
                         f"{policy.plan_revision_days} day(s)")
        found.extend(with_second_miss(state, first, (Role.OH,), "plan revision missed twice"))
    return found


def deadlines(state: CaseState) -> list[Deadline]:
    """The plan's next review, one at a time; under the practice rules also its actions' due
    dates and the revision a review not on track calls for."""
    plan = state.plan
    if plan is None or state.stage not in RETURNING:
        return []
    found: list[Deadline] = _practice_deadlines(state, plan) if follows(state) else []
    for day in sorted(plan.content.review_dates):
        if any(reviewed >= day for reviewed in plan.reviewed_on):
            continue
        first = Deadline(key=f"plan_v{plan.version}_review_{day.isoformat()}",
                         name="plan_review_due", due_at=on_day(day, state.policy),
                         recipients=(Role.OH,) if state.manager is None
                         else (Role.OH, Role.MANAGER),
                         why=f"plan version {plan.version} review due on {day.isoformat()}")
        found.extend(with_second_miss(state, first, (Role.OH,), "plan review missed twice"))
        break  # one review at a time
    return found


EVOLUTION: Evolution = {PlanAgreed: _agreed, PlanReviewed: _reviewed,
                        PlanActionCompleted: _action_completed}

_EXAMPLE_PLAN = {
    "concerns": ["Worried about lifting"], "wellbeing_needs": ["Sleep"],
    "goals": ["Full duties within six weeks"],
    "actions": [{"owner": "line manager", "description": "Desk assessment",
                 "due_on": "2026-11-30"}],
    "adjustments": [{"kind": "equipment", "detail": "Sit-stand desk"}],
    "support_organisations": ["Employee assistance programme"], "specific_needs": [],
    "review_dates": ["2026-12-07"],
}
_EXAMPLE_AGREEMENT = {"employee": True, "manager": True, "oh": True}

RULES: dict[Action, ActionRule] = {
    Action.AGREE_PLAN: ActionRule(
        command=AgreePlan, decide=agree_plan, roles=OH, stages=frozenset({Stage.PLANNING}),
        path="plan",
        example={"agreed_at": EXAMPLE_AT, "plan": _EXAMPLE_PLAN, "agreed_by": _EXAMPLE_AGREEMENT},
    ),
    Action.REVISE_PLAN: ActionRule(
        command=RevisePlan, decide=revise_plan, roles=OH, stages=RETURNING,
        path="plan/revisions",
        example={"agreed_at": EXAMPLE_AT, "plan": _EXAMPLE_PLAN, "agreed_by": _EXAMPLE_AGREEMENT,
                 "reason": "Therapy waiting list longer than planned"},
    ),
    Action.RECORD_PLAN_REVIEW: ActionRule(
        command=RecordPlanReview, decide=record_plan_review, roles=MANAGER_OR_OH,
        stages=RETURNING, path="plan/reviews",
        example={"reviewed_on": EXAMPLE_ON, "on_track": True},
    ),
    Action.COMPLETE_PLAN_ACTION: ActionRule(
        command=CompletePlanAction, decide=complete_plan_action, roles=HR_MANAGER_OH,
        stages=RETURNING, path="plan/actions/completed",
        example={"action_number": 1, "completed_on": EXAMPLE_ON,
                 "notes": "Desk assessment done; sit-stand desk ordered"},
    ),
}
