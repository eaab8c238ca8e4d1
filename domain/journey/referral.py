"""Stay-at-work referral: a health problem shows before any absence; the service it went to
triages it, accepting or declining it against the service's criteria.

A referral may name a service of the employer's policy (`domain.services`): one that fails a
criterion of it is refused at intake, naming the criterion. A referral to a service other than
OH (physiotherapy, talking therapy, employee assistance) goes straight to that service's
triage; accepted, its therapy is referred at once under rapid access. A referral naming no
service goes to OH, as it always did. A referral awaiting triage has a deadline (policy): OH
is reminded, and the case escalates when it is missed twice. A community referral
(`domain.journey.community`) is triaged the same way by the service it was made to.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain import values
from domain.actors import PRINTABLE, Actor, Person, Role
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineEvent,
    Event,
    Evolution,
    unchanged,
    with_second_miss,
)
from domain.journey.closure import CaseClosed
from domain.journey.oh_referral import RAPID_ACCESS_REFERRAL, oh_referral
from domain.journey.therapy import therapy_referral
from domain.policy import Policy
from domain.practice import CURRENT_PRACTICE, follows
from domain.services import (
    MAX_STATED,
    ReferralFacts,
    Service,
    ServiceRef,
    check_criterion_of,
    check_referral,
    find_service,
)
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
    service_id: ServiceRef | None = Field(
        default=None, description="The service referred to, from the employer policy's "
        "services (e.g. physio); none: occupational health.")
    answers: dict[ServiceRef, bool] = Field(
        default_factory=dict, max_length=MAX_STATED,
        description="Answers to the named service's questions, by question id. OH only.")
    flags: tuple[ServiceRef, ...] = Field(
        default=(), max_length=MAX_STATED,
        description="Exclusions the referrer states, by flag id (e.g. "
        "needs_urgent_medical_care). OH only.")


class AcceptReferral(Command):
    """The service triaging a stay-at-work referral accepts it: OH for assessment; a treating
    service (physiotherapy...) for its therapy, referred at once under rapid access."""

    accepted_by: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE,
                             description="Named OH professional.")
    rapid_access: bool = Field(
        default=False, description="Rapid access decided on acceptance by OH: a therapy may "
        "then be referred at once, before the assessment, with a first-treatment target.")


class DeclineReferral(Command):
    """The service triaging a referral declines it, naming the criterion it applied."""

    declined_by: str = Field(min_length=1, max_length=SHORT)
    reason: str | None = Field(default=None, min_length=1, max_length=TEXT,
                               description="Words for the referrer; unless given, the "
                               "criterion's description.")
    criterion: ServiceRef | None = Field(
        default=None, description="The id of the triaging service's criterion the referral "
        "fails (required on cases following practice version 1).")


class ReferralReceived(Event):
    """A stay-at-work referral opened the case before any absence."""

    type: Literal["ReferralReceived"] = "ReferralReceived"
    event_version: Literal[3] = 3
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
    service_id: str | None = None
    """The service named (None: OH); None for every referral before version 3."""
    answers: dict[str, bool] = Field(default_factory=dict)
    flags: tuple[str, ...] = ()


class ReferralAccepted(Event):
    type: Literal["ReferralAccepted"] = "ReferralAccepted"
    accepted_by: str


class ReferralDeclined(Event):
    type: Literal["ReferralDeclined"] = "ReferralDeclined"
    event_version: Literal[2] = 2
    declined_by: str
    decline_reason: str
    criterion: str | None = None
    """The triaging service's criterion applied; None before version 2 (and on cases that
    follow no practice version)."""
    service_id: str | None = None


class RapidAccessDecided(DeadlineEvent):
    """The receiving professional decided rapid access on accepting the referral."""

    type: Literal["RapidAccessDecided"] = "RapidAccessDecided"
    decided_by: str
    service_id: str | None = None


def check_referral_intake(command: ReceiveReferral) -> None:
    """Refuse a referral its named service does not take (see `domain.services`); a referral
    naming no service goes to OH as it always did, and states no answers or flags."""
    if command.service_id is None:
        if command.answers or command.flags:
            raise InvalidCommand("service_id", "name the service the answers and flags are "
                                 f"for; accepted: {_service_ids(command.policy)}")
        return
    service = find_service(command.policy.services, command.service_id)
    check_referral(service, ReferralFacts(
        route=Route.STAY_AT_WORK, source=command.source,
        reason_category=command.reason_category, answers=command.answers,
        flags=frozenset(command.flags)))


def _service_ids(policy: Policy) -> str:
    return ", ".join(service.id for service in policy.services)


def receive_referral(
    command: ReceiveReferral, *, case_id: str, now: datetime, actor: Actor,
    practice: int = CURRENT_PRACTICE,
) -> ReferralReceived:
    """A referral before any absence opens a stay-at-work case, following the practice rules
    of version `practice`; refused if it fails a criterion of the service it names."""
    check_referral_intake(command)
    to = f"; to {command.service_id}" if command.service_id else ""
    return ReferralReceived(
        case_id=case_id,
        occurred_at=now,
        actor=actor,
        reason=f"stay-at-work referral ({command.source.value}){to}; "
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
        service_id=command.service_id,
        answers=dict(command.answers),
        flags=command.flags,
    )


def triaging_service(state: CaseState) -> Service:
    """The service that triages the case's referral: the one it named, or OH (also when the
    policy version the case moved to no longer offers the service named)."""
    named = state.referral.service_id if state.referral else None
    offered = {service.id: service for service in state.policy.services}
    return offered.get(named or "") or find_service(state.policy.services, None)


def accept_referral(state: CaseState, command: AcceptReferral, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    """OH accepts for assessment (deciding rapid access, or not); a treating service accepts
    for its therapy, referred at once under rapid access."""
    service = triaging_service(state)
    therapy = service.therapy
    if command.rapid_access and not follows(state):
        raise InvalidCommand("rapid_access", "this case follows the rules from before rapid "
                             "access at acceptance; record it in the assessment")
    accepted = ReferralAccepted(
        occurred_at=now, actor=actor, accepted_by=command.accepted_by,
        reason=f"referral accepted for treatment by {service.name} by {command.accepted_by}"
        if therapy else f"referral accepted for assessment by {command.accepted_by}")
    if therapy is None:
        community = state.route is Route.COMMUNITY
        events: list[CaseEvent] = [accepted, oh_referral(
            state, cause="community_referral" if community else "stay_at_work_referral",
            now=now, actor=actor,
            reason=f"{'community' if community else 'stay-at-work'} referral accepted")]
        if command.rapid_access:
            events.append(_rapid_access(command, service, now, actor))
        return events
    decided = _rapid_access(command, service, now, actor)
    return [accepted, decided, *therapy_referral(
        state, kind=therapy, provider=service.name, referred_on=london_date(now), now=now,
        actor=actor, rapid_access=True)]


def _rapid_access(command: AcceptReferral, service: Service, now: datetime, actor: Actor
                  ) -> RapidAccessDecided:
    return RapidAccessDecided(
        occurred_at=now, actor=actor, decided_by=command.accepted_by, service_id=service.id,
        # Rapid access decided on acceptance gives what the early OH referral asks for.
        deadline_key=RAPID_ACCESS_REFERRAL,
        reason=f"rapid access decided by {command.accepted_by} on accepting the referral "
        f"({service.name}): a therapy may be referred at once")


def decline_referral(state: CaseState, command: DeclineReferral, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    """The triaging service declines, naming the criterion it applied (on cases following
    practice version 1; before, a reason in words was enough)."""
    service = triaging_service(state)
    if command.criterion is None:
        if follows(state):
            raise InvalidCommand("criterion", f"name the criterion of {service.name} "
                                 f"({service.id}) the referral fails; accepted: "
                                 f"{', '.join(c.id for c in service.criteria) or 'none'}")
        if command.reason is None:
            raise InvalidCommand("reason", "say why the referral is declined")
        words, applied = command.reason, None
    else:
        criterion = check_criterion_of(service, command.criterion)
        words, applied = command.reason or criterion.description, criterion.id
    against = f"criterion '{applied}' of {service.id}" if applied else "the service's criteria"
    return [
        ReferralDeclined(occurred_at=now, actor=actor, declined_by=command.declined_by,
                         decline_reason=words, criterion=applied,
                         service_id=service.id if applied else None,
                         reason=f"referral declined by {command.declined_by} against {against}"),
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
                          referred_on=event.referred_on, service_id=event.service_id),
    )


def _accepted(state: CaseState, event: ReferralAccepted) -> Changes:
    referral = (state.referral.model_copy(update={"accepted_by": event.accepted_by})
                if state.referral else None)
    return {"stage": Stage.ASSESSMENT, "referral": referral}


def _rapid_access_decided(state: CaseState, event: RapidAccessDecided) -> Changes:
    return {"rapid_access_at": state.rapid_access_at or event.occurred_at}


def deadlines(state: CaseState) -> list[Deadline]:
    """A stay-at-work referral awaiting triage: due within the policy's days of its arrival,
    a reminder to OH, then an escalation when it is missed twice (practice version 1)."""
    if state.stage is not Stage.REFERRAL or state.referral is None or not follows(state):
        return []
    days = state.policy.referral_triage_days
    service = state.referral.service_id or "OH"
    kind = "community" if state.route is Route.COMMUNITY else "stay-at-work"
    first = Deadline(key="referral_triage_due", name="referral_triage_due",
                     due_at=state.opened_at + timedelta(days=days), recipients=(Role.OH,),
                     why=f"{kind} referral not triaged by {service} within {days} days")
    return with_second_miss(state, first, (Role.OH,),
                            f"{kind} referral awaiting triage by {service} overdue twice")


EVOLUTION: Evolution = {ReferralAccepted: _accepted, ReferralDeclined: unchanged,
                        RapidAccessDecided: _rapid_access_decided}

RULES: dict[Action, ActionRule] = {
    Action.ACCEPT_REFERRAL: ActionRule(
        command=AcceptReferral, decide=accept_referral, roles=OH,
        stages=frozenset({Stage.REFERRAL}), path="referral/acceptance",
        example={"accepted_by": "Jo Reid, OH nurse", "rapid_access": True},
    ),
    Action.DECLINE_REFERRAL: ActionRule(
        command=DeclineReferral, decide=decline_referral, roles=OH,
        stages=frozenset({Stage.REFERRAL}), path="referral/decline",
        example={"declined_by": "Jo Reid, OH nurse", "criterion": "about_work",
                 "reason": "Asks for treatment only; the GP can refer to NHS services"},
    ),
}
