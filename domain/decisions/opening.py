"""The first event of every case, and the absence that can follow a stay-at-work referral."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor
from domain.commands import OpenCase, ReceiveReferral, RecordAbsence
from domain.errors import InvalidCommand
from domain.events import AbsenceStarted, CaseEvent, CaseOpened, ReferralReceived
from domain.state import CaseState
from domain.vocabulary import Route


def open_case(command: OpenCase, *, case_id: str, now: datetime, actor: Actor) -> CaseOpened:
    """An absence notified by HR opens a return-to-work case."""
    return CaseOpened(
        case_id=case_id,
        occurred_at=now,
        actor=actor,
        reason=f"absence notified by HR; policy {command.policy.version} in force",
        employer_id=command.employer_id,
        absence_id=command.absence_id,
        employee=command.employee,
        manager=command.manager,
        first_day=command.first_day,
        reason_category=command.reason_category,
        policy=command.policy,
        sick_pay=command.sick_pay,
    )


def receive_referral(
    command: ReceiveReferral, *, case_id: str, now: datetime, actor: Actor
) -> ReferralReceived:
    """A referral before any absence opens a stay-at-work case."""
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
    )


def record_absence(
    state: CaseState, command: RecordAbsence, now: datetime, actor: Actor
) -> list[CaseEvent]:
    """A stay-at-work case becomes an absence; the same notification again changes nothing."""
    if state.absence is not None:
        if state.absence.absence_id == command.absence_id:
            return []
        raise InvalidCommand(
            "absence_id", f"the case already follows absence {state.absence.absence_id}"
        )
    if state.route is not Route.STAY_AT_WORK:
        raise InvalidCommand("absence_id", "only a stay-at-work case can take on an absence")
    return [
        AbsenceStarted(
            occurred_at=now,
            actor=actor,
            reason="the employee of a stay-at-work case went off sick; the case continues",
            absence_id=command.absence_id,
            first_day=command.first_day,
            sick_pay=command.sick_pay,
        )
    ]
