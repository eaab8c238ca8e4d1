"""Given a state and a command, decide the events. Pure: `now` and the actor are passed in."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor
from domain.commands import (
    EscalateMissedContact,
    OpenCase,
    RecordEarlyContact,
    RemindManagerOfContact,
)
from domain.errors import CaseError
from domain.events import (
    CaseEvent,
    CaseOpened,
    EarlyContactRecorded,
    ManagerRemindedOfContact,
    MissedContactEscalated,
)
from domain.guards import check_not_before_absence, check_not_in_future, check_stage_allows
from domain.stages import Action, Stage
from domain.state import CaseState

Command = RecordEarlyContact | RemindManagerOfContact | EscalateMissedContact


def open_case(command: OpenCase, *, case_id: str, now: datetime, actor: Actor) -> CaseOpened:
    """The first event of every case."""
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
    )


def decide(state: CaseState, command: Command, *, now: datetime, actor: Actor) -> list[CaseEvent]:
    """The events a command produces on the case; raises a CaseError to refuse it.

    Timer commands whose deadline no longer applies decide nothing (an empty list).
    """
    if isinstance(command, RecordEarlyContact):
        return [_record_early_contact(state, command, now=now, actor=actor)]
    if isinstance(command, RemindManagerOfContact):
        return _remind_manager(state, now=now, actor=actor)
    if isinstance(command, EscalateMissedContact):
        return _escalate_missed_contact(state, now=now, actor=actor)
    raise CaseError(f"unknown command {type(command).__name__}")


def _record_early_contact(
    state: CaseState, command: RecordEarlyContact, *, now: datetime, actor: Actor
) -> EarlyContactRecorded:
    check_stage_allows(state, Action.RECORD_EARLY_CONTACT)
    check_not_in_future("contacted_at", command.contacted_at, now)
    check_not_before_absence("contacted_at", command.contacted_at, state)
    late = command.contacted_at > state.contact_due_at
    return EarlyContactRecorded(
        occurred_at=command.contacted_at,
        actor=actor,
        reason=(
            f"early contact by {command.method.value}; "
            f"{'after' if late else 'within'} the contact deadline "
            f"{state.contact_due_at.isoformat()}"
        ),
        contacted_at=command.contacted_at,
        method=command.method,
        agreed_contact_frequency_days=command.agreed_contact_frequency_days,
        notes=command.notes,
    )


def _remind_manager(state: CaseState, *, now: datetime, actor: Actor) -> list[CaseEvent]:
    if state.stage is not Stage.EARLY_CONTACT or state.contact_reminders_sent > 0:
        return []
    if now < state.contact_due_at:
        return []
    return [
        ManagerRemindedOfContact(
            occurred_at=now,
            actor=actor,
            reason=(
                f"no early contact recorded by the deadline {state.contact_due_at.isoformat()} "
                f"(policy {state.policy.version}: {state.policy.contact_due_working_days} "
                f"working day(s) after the absence was reported)"
            ),
            deadline=state.contact_due_at,
        )
    ]


def _escalate_missed_contact(state: CaseState, *, now: datetime, actor: Actor) -> list[CaseEvent]:
    if state.stage is not Stage.EARLY_CONTACT or state.contact_escalated:
        return []
    if now < state.contact_escalation_at:
        return []
    return [
        MissedContactEscalated(
            occurred_at=now,
            actor=actor,
            reason=(
                f"early contact still missing at the escalation deadline "
                f"{state.contact_escalation_at.isoformat()} after a reminder "
                f"(policy {state.policy.version})"
            ),
            deadline=state.contact_escalation_at,
        )
    ]
