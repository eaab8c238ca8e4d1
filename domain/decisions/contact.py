"""Early contact, keeping in touch, and getting the case to occupational health."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.actors import Actor
from domain.calendar import london_date
from domain.commands import (
    AcceptReferral,
    DeclineReferral,
    RecordCheckIn,
    RecordEarlyContact,
    ReferToOh,
)
from domain.errors import InvalidCommand
from domain.events import (
    CaseClosed,
    CaseEvent,
    CheckInRecorded,
    EarlyContactRecorded,
    OhReferralMade,
    ReferralAccepted,
    ReferralDeclined,
)
from domain.guards import check_not_before_absence, check_not_in_future
from domain.state import CaseState
from domain.vocabulary import Outcome


def record_early_contact(
    state: CaseState, command: RecordEarlyContact, now: datetime, actor: Actor
) -> list[CaseEvent]:
    check_not_in_future("contacted_at", command.contacted_at, now)
    check_not_before_absence("contacted_at", command.contacted_at, state)
    due = state.contact_due_at
    timing = (
        ""
        if due is None
        else f"; {'after' if command.contacted_at > due else 'within'} the contact deadline "
        f"{due.isoformat()}"
    )
    return [
        EarlyContactRecorded(
            occurred_at=command.contacted_at,
            actor=actor,
            reason=f"early contact by {command.method.value}{timing}",
            contacted_at=command.contacted_at,
            method=command.method,
            agreed_contact_frequency_days=command.agreed_contact_frequency_days,
            notes=command.notes,
        )
    ]


def record_check_in(
    state: CaseState, command: RecordCheckIn, now: datetime, actor: Actor
) -> list[CaseEvent]:
    check_not_in_future("contacted_at", command.contacted_at, now)
    if state.last_contact_at and command.contacted_at < state.last_contact_at:
        raise InvalidCommand(
            "contacted_at",
            f"must not be before the last recorded contact {state.last_contact_at.isoformat()}",
        )
    frequency = command.agreed_contact_frequency_days or state.contact_frequency_days or 7
    return [
        CheckInRecorded(
            occurred_at=command.contacted_at,
            actor=actor,
            reason=f"keeping-in-touch contact by {command.method.value}; next in {frequency} days",
            contacted_at=command.contacted_at,
            method=command.method,
            agreed_contact_frequency_days=frequency,
            notes=command.notes,
        )
    ]


def oh_referral(state: CaseState, *, cause: str, now: datetime, actor: Actor,
                reason: str, deadline_key: str | None = None) -> OhReferralMade:
    """The referral, with the first consultation due by policy."""
    due = now + timedelta(days=state.policy.first_assessment_days)
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
