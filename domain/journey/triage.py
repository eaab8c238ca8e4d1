"""Triage routes the case by the tier of its latest assessment (practice version 1 on).

Tier 1, self-help: the employee is sent self-help guidance, and OH checks in after a policy
interval; fine closes the case as resolved, not fine asks for a new assessment (which routes
the case again, usually to tier 2). Tier 2, case coordination: a named OH case manager owns the
case before its plan is agreed. Tier 3, specialist: as tier 2, and the employee is assessed by
the profession the policy names (an OH physician by default) before the plan, and referred to
a therapy or specialist service within a policy interval. Each deadline reminds OH, then
escalates if missed twice.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import Actor, Role
from domain.calendar import london_date
from domain.errors import InvalidCommand, PreconditionNotMet
from domain.guards import check_day_not_in_future
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
    Preconditions,
    on_day,
    with_second_miss,
)
from domain.journey.closure import CloseCase, close_case
from domain.practice import follows
from domain.stages import WORKING_STAGES, Action, Stage
from domain.state import Assessment, CaseState, SelfHelpCheckIn
from domain.vocabulary import Intervention, Outcome, Tier

if TYPE_CHECKING:
    from domain.events import CaseEvent

# The names of the deadlines triage sets; each hints at health, so OH alone sees them.
SELF_HELP_CHECK_IN_DUE = "self_help_check_in_due"
REASSESSMENT_DUE = "reassessment_due"
SPECIALIST_ASSESSMENT_DUE = "specialist_assessment_due"
SPECIALIST_REFERRAL_DUE = "specialist_referral_due"
DEADLINE_NAMES = (SELF_HELP_CHECK_IN_DUE, REASSESSMENT_DUE, SPECIALIST_ASSESSMENT_DUE,
                  SPECIALIST_REFERRAL_DUE)


class RecordSelfHelpCheckIn(Command):
    """OH's check-in on a tier-1 (self-help) case: fine closes it as resolved; not fine asks
    for a new assessment."""

    checked_on: date
    fine: bool = Field(description="Whether the self-help is enough: the employee is well "
                       "enough at (or back at) work.")
    returned_on: date | None = Field(
        default=None, description="Fine, on a case with an absence HR has not yet closed: the "
        "day the employee returned.")
    intervention_by_employee: Intervention | None = Field(
        default=None, description="Fine: the most important intervention, as the employee "
        "sees it (a resolved case records it, as any return does).")
    intervention_by_case_manager: Intervention | None = None
    notes: str | None = Field(default=None, max_length=TEXT, description="OH only.")


class SelfHelpCheckInRecorded(Event):
    """OH checked in on a tier-1 (self-help) assessment."""

    type: Literal["SelfHelpCheckInRecorded"] = "SelfHelpCheckInRecorded"
    assessment_number: int
    checked_on: date
    fine: bool
    notes: str | None = None


def specialist_run(state: CaseState) -> tuple[Assessment, ...]:
    """The latest assessments that are all tier 3, oldest first: the current specialist route
    (empty when the latest assessment is not tier 3)."""
    run: list[Assessment] = []
    for assessment in reversed(state.assessments):
        if assessment.tier is not Tier.SPECIALIST:
            break
        run.insert(0, assessment)
    return tuple(run)


def specialist_assessed(state: CaseState, run: tuple[Assessment, ...]) -> bool:
    """Whether the profession the policy names has assessed the employee on this route."""
    wanted = state.policy.specialist_profession.casefold()
    return any(a.assessor.profession.casefold() == wanted for a in run)


def record_self_help_check_in(state: CaseState, command: RecordSelfHelpCheckIn, now: datetime,
                              actor: Actor) -> list[CaseEvent]:
    latest = state.latest_assessment
    if latest is None or latest.tier is not Tier.SELF_HELP:
        raise PreconditionNotMet(
            "a tier-1 (self-help) assessment", Action.RECORD_ASSESSMENT.value,
            "a self-help check-in follows a tier-1 assessment, and the case's latest "
            "assessment is not one")
    check_day_not_in_future("checked_on", command.checked_on, now)
    assessed_on = london_date(latest.assessed_at)
    if command.checked_on < assessed_on:
        raise InvalidCommand("checked_on", f"must not be before the assessment on "
                             f"{assessed_on.isoformat()}")
    done = state.self_help_check_in
    if done is not None and done.assessment_number == latest.number:
        raise InvalidCommand("checked_on", f"assessment {latest.number} has its check-in "
                             f"({done.checked_on.isoformat()}); record a new assessment")
    checked = SelfHelpCheckInRecorded(
        occurred_at=now, actor=actor, assessment_number=latest.number,
        checked_on=command.checked_on, fine=command.fine, notes=command.notes,
        reason=f"self-help check-in on assessment {latest.number}: "
        + ("fine, the case closes as resolved" if command.fine
           else "not fine, the employee is to be assessed again"))
    if not command.fine:
        return [checked]
    outcome = Outcome.RESOLVED_WITHOUT_ABSENCE if state.absence is None \
        else Outcome.RETURNED_TO_OWN_ROLE
    closing = CloseCase(
        outcome=outcome, closed_on=command.checked_on, returned_on=command.returned_on,
        intervention_by_employee=command.intervention_by_employee,
        intervention_by_case_manager=command.intervention_by_case_manager,
        comment="resolved with self-help (tier 1)")
    return [checked, *close_case(state, closing, now, actor)]


def _checked_in(state: CaseState, event: SelfHelpCheckInRecorded) -> Changes:
    changes: Changes = {"self_help_check_in": SelfHelpCheckIn(
        assessment_number=event.assessment_number, checked_on=event.checked_on,
        fine=event.fine)}
    if not event.fine and state.stage is Stage.PLANNING:
        changes["stage"] = Stage.ASSESSMENT  # a new assessment routes the case again
    return changes


def deadlines(state: CaseState) -> list[Deadline]:
    """The deadlines of the route the latest assessment's tier set."""
    latest = state.latest_assessment
    if latest is None or state.stage not in WORKING_STAGES or not follows(state):
        return []
    if latest.tier is Tier.SELF_HELP:
        return _self_help(state, latest)
    if latest.tier is Tier.SPECIALIST:
        return _specialist(state)
    return []


def _oh_deadline(state: CaseState, *, key: str, name: str, on: date, why: str
                 ) -> list[Deadline]:
    first = Deadline(key=key, name=name, due_at=on_day(on, state.policy),
                     recipients=(Role.OH,), why=why)
    return with_second_miss(state, first, (Role.OH,), f"{why}: missed twice")


def _self_help(state: CaseState, latest: Assessment) -> list[Deadline]:
    done = state.self_help_check_in
    if done is None or done.assessment_number != latest.number:
        due = london_date(latest.assessed_at) + timedelta(
            days=state.policy.self_help_check_in_days)
        return _oh_deadline(state, key=f"self_help_check_in_a{latest.number}",
                            name=SELF_HELP_CHECK_IN_DUE, on=due,
                            why="check in with the employee on their self-help (tier 1)")
    if done.fine:
        return []
    return _oh_deadline(
        state, key=f"reassessment_a{latest.number}", name=REASSESSMENT_DUE,
        on=done.checked_on + timedelta(days=state.policy.first_assessment_days),
        why="self-help was not enough: assess the employee again and route the case")


def _specialist(state: CaseState) -> list[Deadline]:
    run = specialist_run(state)
    decided = run[0]
    decided_on = london_date(decided.assessed_at)
    policy = state.policy
    found: list[Deadline] = []
    if not specialist_assessed(state, run):
        found += _oh_deadline(
            state, key=f"specialist_assessment_a{decided.number}",
            name=SPECIALIST_ASSESSMENT_DUE,
            on=decided_on + timedelta(days=policy.specialist_assessment_days),
            why=f"a tier-3 case is assessed by an {policy.specialist_profession}")
    if not any(t.referred_on >= decided_on for t in state.therapies):
        found += _oh_deadline(
            state, key=f"specialist_referral_a{decided.number}", name=SPECIALIST_REFERRAL_DUE,
            on=decided_on + timedelta(days=policy.specialist_referral_days),
            why="a tier-3 case is referred to a therapy or specialist service")
    return found


def _case_manager_before_plan(state: CaseState, actor: Actor) -> None:
    """Tiers 2 and 3 are coordinated by a named OH case manager, named before the plan."""
    latest = state.latest_assessment
    if not follows(state) or latest is None or latest.tier is Tier.SELF_HELP:
        return
    if state.case_manager is None:
        raise PreconditionNotMet(
            "a case manager", Action.ASSIGN_CASE_MANAGER.value,
            f"a tier-{int(latest.tier)} case is coordinated by a named OH case manager, "
            "assigned before its plan is agreed")


def _specialist_before_plan(state: CaseState, actor: Actor) -> None:
    """A tier-3 plan rests on the assessment of the profession the policy names."""
    run = specialist_run(state)
    if not follows(state) or not run or specialist_assessed(state, run):
        return
    profession = state.policy.specialist_profession
    raise PreconditionNotMet(
        f"an assessment by an {profession}", Action.RECORD_ASSESSMENT.value,
        f"a tier-3 (specialist) case is assessed by an {profession} before its plan is agreed")


EVOLUTION: Evolution = {SelfHelpCheckInRecorded: _checked_in}

PRECONDITIONS: Preconditions = {
    Action.AGREE_PLAN: (_case_manager_before_plan, _specialist_before_plan),
}

RULES: dict[Action, ActionRule] = {
    Action.RECORD_SELF_HELP_CHECK_IN: ActionRule(
        command=RecordSelfHelpCheckIn, decide=record_self_help_check_in, roles=OH,
        stages=WORKING_STAGES, path="self-help/check-ins",
        example={"checked_on": EXAMPLE_ON, "fine": True, "returned_on": EXAMPLE_ON,
                 "intervention_by_employee": "personal_support_confidence",
                 "intervention_by_case_manager": "personal_support_confidence"},
    ),
}
