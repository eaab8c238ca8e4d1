"""The rehabilitation plan: agreed by the employee, the line manager and OH together, reviewed
on its dates, and revised as a new version while the previous ones stay on record."""

from __future__ import annotations

from datetime import date, datetime
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


def _check_plan(command: AgreePlan | RevisePlan, now: datetime) -> None:
    check_not_in_future("agreed_at", command.agreed_at, now)
    agreed_by = command.agreed_by
    if not (agreed_by.employee and agreed_by.manager and agreed_by.oh):
        raise InvalidCommand(
            "agreed_by", "a plan is agreed by the employee, the line manager and OH together"
        )
    check_text_present("plan.goals", command.plan.goals)
    agreed_on = london_date(command.agreed_at)
    if any(day < agreed_on for day in command.plan.review_dates):
        raise InvalidCommand("plan.review_dates", f"must be on or after {agreed_on.isoformat()}")


def agree_plan(state: CaseState, command: AgreePlan, now: datetime, actor: Actor
               ) -> list[CaseEvent]:
    _check_plan(command, now)
    return [
        PlanAgreed(
            occurred_at=command.agreed_at, actor=actor, plan_version=1,
            agreed_at=command.agreed_at,
            plan=command.plan, agreed_by=command.agreed_by,
            reason=f"rehabilitation plan agreed with {len(command.plan.goals)} goal(s); reviews "
            f"on {', '.join(d.isoformat() for d in sorted(command.plan.review_dates))}",
        )
    ]


def revise_plan(state: CaseState, command: RevisePlan, now: datetime, actor: Actor
                ) -> list[CaseEvent]:
    _check_plan(command, now)
    version = (state.plan.version if state.plan else 0) + 1
    return [
        PlanAgreed(
            occurred_at=command.agreed_at, actor=actor, plan_version=version,
            agreed_at=command.agreed_at, plan=command.plan, agreed_by=command.agreed_by,
            revision_reason=command.reason,
            reason=f"plan revised to version {version}: {command.reason}",
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
    return {"plan": state.plan.model_copy(
        update={"reviewed_on": (*state.plan.reviewed_on, event.reviewed_on)})}


def deadlines(state: CaseState) -> list[Deadline]:
    """The plan's next review, one at a time."""
    plan = state.plan
    if plan is None or state.stage not in RETURNING:
        return []
    found: list[Deadline] = []
    for day in sorted(plan.content.review_dates):
        if any(reviewed >= day for reviewed in plan.reviewed_on):
            continue
        first = Deadline(key=f"plan_v{plan.version}_review_{day.isoformat()}",
                         name="plan_review_due", due_at=on_day(day, state.policy),
                         recipients=(Role.OH, Role.MANAGER),
                         why=f"plan version {plan.version} review due on {day.isoformat()}")
        found.extend(with_second_miss(state, first, (Role.OH,), "plan review missed twice"))
        break  # one review at a time
    return found


EVOLUTION: Evolution = {PlanAgreed: _agreed, PlanReviewed: _reviewed}

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
}
