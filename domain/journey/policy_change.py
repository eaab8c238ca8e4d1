"""Moving a running case to another version of its employer's policy.

A case keeps the version in force when it opened until an administrator adopts another one for
it, from then on. The event records who, when, and from which version to which. Deadlines the
rules read from the policy whenever they are asked follow the new version at once; the three a
case fixes when they are set (early contact and its escalation, the first OH consultation, the
follow-up) are set again from the same starting point, as long as nothing has acted on them.
What is already recorded (a reminder sent, a deadline met) stays as it was.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from domain.actors import Actor, Role
from domain.calendar import london_date
from domain.errors import ActionNotAllowed, InvalidCommand, RoleNotAllowed
from domain.journey.base import SHORT, Changes, Command, Decision, Event, Evolution
from domain.journey.closure import follow_up_due
from domain.journey.early_contact import contact_deadlines, early_contact_escalation
from domain.journey.oh_referral import first_assessment_due
from domain.policy import Policy
from domain.stages import Stage
from domain.state import CaseState

if TYPE_CHECKING:
    from domain.events import CaseEvent

ADOPT_POLICY = "adopt_policy"
ADOPTERS = frozenset({Role.ADMIN})
"""Who may move a case to another policy version: an administrator, never the case's people."""


class AdoptPolicy(Command):
    """Adopt another version of the employer's policy for this case, from now on."""

    policy: Policy = Field(description="The version to adopt, whole, as configured.")
    reason: str = Field(min_length=1, max_length=SHORT,
                        description="Why the case moves to this version, for the record.")


class PolicyAdopted(Event):
    """The case moved to another version of its employer's policy, from this moment on."""

    type: Literal["PolicyAdopted"] = "PolicyAdopted"
    from_version: str
    to_version: str
    policy: Policy


def check_may_adopt(state: CaseState, actor: Actor) -> None:
    """Only an administrator moves a case to another policy, and only a case still running."""
    if actor.role not in ADOPTERS:
        raise RoleNotAllowed(ADOPT_POLICY, actor.role.value, sorted(r.value for r in ADOPTERS))
    if state.stage is Stage.CLOSED:
        raise ActionNotAllowed(ADOPT_POLICY, state.stage.value, [])


def adopt_policy(state: CaseState, command: AdoptPolicy, now: datetime, actor: Actor
                 ) -> list[CaseEvent]:
    """The adoption, or nothing if the case already follows exactly this version."""
    check_may_adopt(state, actor)
    policy, current = command.policy, state.policy
    if policy == current:
        return []
    if policy.version == current.version:
        raise InvalidCommand("policy", f"version {policy.version} is already in force on this "
                             "case with other values; a changed policy needs a new version name")
    if policy.effective_from > london_date(now):
        raise InvalidCommand("policy", f"version {policy.version} takes effect on "
                             f"{policy.effective_from.isoformat()}; it can be adopted from then")
    return [PolicyAdopted(
        occurred_at=now, actor=actor, from_version=current.version, to_version=policy.version,
        policy=policy,
        reason=f"policy {policy.version} adopted in place of {current.version} from now on: "
        f"{command.reason}",
    )]


def deadlines_under(state: CaseState, policy: Policy) -> Changes:
    """The deadlines the case fixed when they were set, set again under `policy` where
    nothing has acted on them yet (neither met nor reminded)."""
    changes: Changes = {}
    if (state.stage is Stage.EARLY_CONTACT and state.contact_due_at is not None
            and "early_contact_escalation" not in state.fired):
        reported_on = state.absence.reported_on if state.absence else None
        if "early_contact_due" not in state.fired and reported_on is not None:
            due, escalation = contact_deadlines(reported_on, state.opened_at, policy)
            changes.update(contact_due_at=due, contact_escalation_at=escalation)
        else:  # reminded already: only the working days before HR hears of it change
            changes["contact_escalation_at"] = early_contact_escalation(
                max(state.contact_due_at, state.opened_at), policy)
    referral = state.oh_referral
    if (referral is not None and "first_assessment_due" not in state.fired
            and not any(a.assessed_at >= referral.referred_at for a in state.assessments)):
        changes["oh_referral"] = referral.model_copy(
            update={"assessment_due_at": first_assessment_due(referral.referred_at, policy)})
    closure = state.closure
    if (state.stage is Stage.FOLLOW_UP and closure is not None
            and closure.follow_up_due_on is not None and "follow_up_due" not in state.fired):
        back_on = closure.returned_on or closure.closed_on
        changes["closure"] = closure.model_copy(
            update={"follow_up_due_on": follow_up_due(back_on, policy)})
    return changes


def _adopted(state: CaseState, event: PolicyAdopted) -> Changes:
    return {**deadlines_under(state, event.policy), "policy": event.policy}


DECISIONS: dict[type[BaseModel], Decision] = {AdoptPolicy: adopt_policy}
"""What an administrator decides about a case outside the journey's actions."""

EVOLUTION: Evolution = {PolicyAdopted: _adopted}
