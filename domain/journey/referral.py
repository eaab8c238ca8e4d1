"""Stay-at-work referral: a health problem shows before any absence; OH triages the referral,
accepting it for assessment or declining it against the service's criteria."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain import values
from domain.actors import PRINTABLE, Actor, Person
from domain.calendar import london_date
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Event,
    Evolution,
    unchanged,
)
from domain.journey.closure import CaseClosed
from domain.journey.oh_referral import oh_referral
from domain.policy import Policy
from domain.practice import CURRENT_PRACTICE
from domain.stages import Action, ReasonCategory, Stage
from domain.state import CaseState, Referral
from domain.vocabulary import Outcome, ReferralSource, Route

if TYPE_CHECKING:
    from domain.events import CaseEvent


class ReceiveReferral(Command):
    """Open a stay-at-work case from a referral made before any absence."""

    employer_id: str = Field(min_length=1, max_length=100)
    referral_id: str = Field(min_length=1, max_length=100)
    employee: Person
    manager: Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    policy: Policy
    summary: str | None = Field(default=None, max_length=TEXT, description="OH only.")


class AcceptReferral(Command):
    """OH accepts a stay-at-work referral for assessment."""

    accepted_by: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE,
                             description="Named OH professional.")


class DeclineReferral(Command):
    """OH declines a referral against the service's exclusion criteria."""

    declined_by: str = Field(min_length=1, max_length=SHORT)
    reason: str = Field(min_length=1, max_length=TEXT)


class ReferralReceived(Event):
    """A stay-at-work referral opened the case before any absence."""

    type: Literal["ReferralReceived"] = "ReferralReceived"
    event_version: Literal[2] = 2
    case_id: str
    employer_id: str
    referral_id: str
    employee: values.Person
    manager: values.Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    policy: Policy
    summary: str | None = None
    practice: int = 0
    """The version of the practice rules the case follows (`domain.practice`); 0 for every
    case opened before version 2 of this event."""


class ReferralAccepted(Event):
    type: Literal["ReferralAccepted"] = "ReferralAccepted"
    accepted_by: str


class ReferralDeclined(Event):
    type: Literal["ReferralDeclined"] = "ReferralDeclined"
    declined_by: str
    decline_reason: str


def receive_referral(
    command: ReceiveReferral, *, case_id: str, now: datetime, actor: Actor,
    practice: int = CURRENT_PRACTICE,
) -> ReferralReceived:
    """A referral before any absence opens a stay-at-work case, following the practice rules
    of version `practice`."""
    return ReferralReceived(
        case_id=case_id,
        occurred_at=now,
        actor=actor,
        reason=f"stay-at-work referral ({command.source.value}); "
        f"policy {command.policy.version} in force",
        employer_id=command.employer_id,
        referral_id=command.referral_id,
        employee=command.employee,
        manager=command.manager,
        source=command.source,
        reason_category=command.reason_category,
        referred_on=command.referred_on,
        policy=command.policy,
        summary=command.summary,
        practice=practice,
    )


def accept_referral(state: CaseState, command: AcceptReferral, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    return [
        ReferralAccepted(occurred_at=now, actor=actor, accepted_by=command.accepted_by,
                         reason=f"referral accepted for assessment by {command.accepted_by}"),
        oh_referral(state, cause="stay_at_work_referral", now=now, actor=actor,
                    reason="stay-at-work referral accepted"),
    ]


def decline_referral(state: CaseState, command: DeclineReferral, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    return [
        ReferralDeclined(occurred_at=now, actor=actor, declined_by=command.declined_by,
                         decline_reason=command.reason,
                         reason=f"referral declined by {command.declined_by} against the "
                         "service's criteria"),
        CaseClosed(occurred_at=now, actor=actor, outcome=Outcome.DECLINED,
                   closed_on=london_date(now), reason="closed: referral declined"),
    ]


def referral_received(event: ReferralReceived) -> CaseState:
    """The first state of a stay-at-work case, awaiting OH triage."""
    return CaseState(
        case_id=event.case_id, version=1, route=Route.STAY_AT_WORK, stage=Stage.REFERRAL,
        employer_id=event.employer_id, employee=event.employee, manager=event.manager,
        reason_category=event.reason_category, policy=event.policy, practice=event.practice,
        opened_at=event.occurred_at,
        referral=Referral(referral_id=event.referral_id, source=event.source,
                          referred_on=event.referred_on),
    )


def _accepted(state: CaseState, event: ReferralAccepted) -> Changes:
    referral = (state.referral.model_copy(update={"accepted_by": event.accepted_by})
                if state.referral else None)
    return {"stage": Stage.ASSESSMENT, "referral": referral}


EVOLUTION: Evolution = {ReferralAccepted: _accepted, ReferralDeclined: unchanged}

RULES: dict[Action, ActionRule] = {
    Action.ACCEPT_REFERRAL: ActionRule(
        command=AcceptReferral, decide=accept_referral, roles=OH,
        stages=frozenset({Stage.REFERRAL}), path="referral/acceptance",
        example={"accepted_by": "Jo Reid, OH nurse"},
    ),
    Action.DECLINE_REFERRAL: ActionRule(
        command=DeclineReferral, decide=decline_referral, roles=OH,
        stages=frozenset({Stage.REFERRAL}), path="referral/decline",
        example={"declined_by": "Jo Reid, OH nurse",
                 "reason": "Outside the service's criteria: private treatment"},
    ),
}
