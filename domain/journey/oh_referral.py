"""Referral to occupational health: by hand, or when a deadline says the case needs OH (rapid
access, long-term absence). Either way the first consultation is then due by policy."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from domain.actors import Actor, Role
from domain.errors import InvalidCommand
from domain.journey.base import (
    HR_MANAGER_OH,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineEvent,
    DeadlineKind,
    Evolution,
    with_second_miss,
)
from domain.policy import Policy
from domain.practice import follows
from domain.stages import RAPID_ACCESS_CATEGORIES, WORKING_STAGES, Action, Stage
from domain.state import CaseState, OhReferral

if TYPE_CHECKING:
    from domain.events import CaseEvent


class ReferToOh(Command):
    """Refer the case to occupational health for assessment."""

    reason: str = Field(min_length=1, max_length=TEXT)


class OhReferralMade(DeadlineEvent):
    """The case was referred to occupational health; the first consultation is now due."""

    type: Literal["OhReferralMade"] = "OhReferralMade"
    cause: str
    assessment_due_at: AwareDatetime


def first_assessment_due(referred_at: datetime, policy: Policy) -> datetime:
    """When the first OH consultation is due after a referral, by policy."""
    return referred_at + timedelta(days=policy.first_assessment_days)


def oh_referral(state: CaseState, *, cause: str, now: datetime, actor: Actor,
                reason: str, deadline_key: str | None = None) -> OhReferralMade:
    """The referral, with the first consultation due by policy."""
    due = first_assessment_due(now, state.policy)
    return OhReferralMade(
        occurred_at=now,
        actor=actor,
        reason=f"{reason}; first OH consultation due by {due.isoformat()} "
        f"(policy {state.policy.version}: {state.policy.first_assessment_days} days)",
        deadline_key=deadline_key,
        cause=cause,
        assessment_due_at=due,
    )


def refer_to_oh(state: CaseState, command: ReferToOh, now: datetime, actor: Actor
                ) -> list[CaseEvent]:
    if state.oh_referral is not None:
        raise InvalidCommand(
            "reason", f"the case was already referred to OH on "
            f"{state.oh_referral.referred_at.isoformat()} ({state.oh_referral.cause})"
        )
    return [oh_referral(state, cause="manual", now=now, actor=actor,
                        reason=f"referred to OH by {actor.role.value}: {command.reason}")]


def _referred(state: CaseState, event: OhReferralMade) -> Changes:
    return {"oh_referral": OhReferral(referred_at=event.occurred_at, cause=event.cause,
                                      assessment_due_at=event.assessment_due_at)}


def first_consultation(state: CaseState, referral: OhReferral) -> datetime | None:
    """When the first OH consultation after the referral took place, if it has.

    Cases following the practice rules count the first appointment the employee attended at
    or after the referral, or an assessment recorded then if it came first (an assessment is
    made at a consultation, and a case may record one without booking it as an appointment).
    A booked appointment does not count until it is attended. Older cases count the first
    assessment only, as they always did."""
    assessed = [a.assessed_at for a in state.assessments if a.assessed_at >= referral.referred_at]
    if follows(state) and state.appointments.first_consultation_at is not None:
        assessed.append(state.appointments.first_consultation_at)
    return min(assessed, default=None)


RAPID_ACCESS_REFERRAL = "rapid_access_referral"
"""The deadline that refers MSK and mental-health cases to OH early; an event that gives what
it asks for (rapid access decided on accepting a referral) carries it as its deadline key."""


def deadlines(state: CaseState) -> list[Deadline]:
    """Rapid-access referral of MSK and mental-health cases; the first consultation after one
    (for cases following the practice rules: none once OH discharged the employee after
    missed appointments)."""
    policy = state.policy
    found: list[Deadline] = []
    if (state.oh_referral is None and state.reason_category in RAPID_ACCESS_CATEGORIES
            and state.stage not in (Stage.REFERRAL, Stage.FOLLOW_UP)):
        found.append(Deadline(key=RAPID_ACCESS_REFERRAL, name=RAPID_ACCESS_REFERRAL,
                              due_at=state.opened_at + timedelta(
                                  days=policy.rapid_access_referral_days),
                              kind=DeadlineKind.OH_REFERRAL, recipients=(Role.OH,),
                              why="musculoskeletal and mental-health cases are referred early"))
    referral = state.oh_referral
    if referral is not None and first_consultation(state, referral) is None and (
        not follows(state) or state.appointments.discharged_at is None
    ) and state.stage in WORKING_STAGES:
        first = Deadline(key="first_assessment_due", name="first_assessment_due",
                         due_at=referral.assessment_due_at, recipients=(Role.OH,),
                         why="first OH consultation not recorded within "
                         f"{policy.first_assessment_days} days of referral")
        found.extend(with_second_miss(state, first, (Role.OH,),
                                       "first OH assessment overdue twice"))
    return found


EVOLUTION: Evolution = {OhReferralMade: _referred}

RULES: dict[Action, ActionRule] = {
    Action.REFER_TO_OH: ActionRule(
        command=ReferToOh, decide=refer_to_oh, roles=HR_MANAGER_OH,
        stages=frozenset({Stage.EARLY_CONTACT, Stage.ASSESSMENT}), path="oh-referral",
        example={"reason": "Absence expected beyond four weeks"},
    ),
}
