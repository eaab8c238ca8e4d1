"""Early contact and keeping in touch: the line manager contacts the employee by the end of the
next working day, is reminded, then HR is alerted; afterwards, contact on the agreed cadence."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from domain.actors import Actor, Role
from domain.calendar import add_working_days, local_moment, london_date
from domain.errors import InvalidCommand
from domain.guards import check_not_before_absence, check_not_in_future
from domain.journey.base import (
    EXAMPLE_AT,
    MANAGER_OR_OH,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineKind,
    Event,
    Evolution,
    on_day,
    with_second_miss,
)
from domain.policy import Policy
from domain.stages import WORKING_STAGES, Action, ContactMethod, Stage
from domain.state import CaseState, EarlyContact

if TYPE_CHECKING:
    from domain.events import CaseEvent


class RecordEarlyContact(Command):
    """Record that the line manager (or OH) has made early contact with the employee."""

    contacted_at: AwareDatetime = Field(description="When contact was made (ISO 8601 with offset).")
    method: ContactMethod
    agreed_contact_frequency_days: int = Field(
        ge=1, le=90, description="How often, in days, the employee agreed to be contacted."
    )
    notes: str | None = Field(default=None, max_length=TEXT)


class RecordCheckIn(Command):
    """A keeping-in-touch contact on the agreed cadence."""

    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int | None = Field(default=None, ge=1, le=90)
    notes: str | None = Field(default=None, max_length=TEXT)


class ContactMade(Event):
    """What every contact with the employee records: when, how, and how often from now on."""

    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    notes: str | None = None


class EarlyContactRecorded(ContactMade):
    """Early contact with the employee was made and the contact frequency agreed."""

    type: Literal["EarlyContactRecorded"] = "EarlyContactRecorded"


class CheckInRecorded(ContactMade):
    """A later keeping-in-touch contact, at the agreed frequency."""

    type: Literal["CheckInRecorded"] = "CheckInRecorded"


class ManagerRemindedOfContact(Event):
    """No early contact by the deadline: the line manager was reminded."""

    type: Literal["ManagerRemindedOfContact"] = "ManagerRemindedOfContact"
    deadline: AwareDatetime
    deadline_name: str = "early_contact_due"


class MissedContactEscalated(Event):
    """Still no early contact by the escalation deadline: HR was alerted."""

    type: Literal["MissedContactEscalated"] = "MissedContactEscalated"
    deadline: AwareDatetime
    deadline_name: str = "early_contact_escalation"
    escalated_to: str = "hr"


def early_contact_due(reported_on: date, policy: Policy) -> datetime:
    """End of the working day by which the line manager must have made contact."""
    due_day = (
        add_working_days(reported_on, policy.contact_due_working_days, policy.non_working_days)
        if policy.contact_due_working_days > 0
        else reported_on
    )
    return local_moment(due_day, policy.working_day_ends_at)


def early_contact_escalation(contact_due_at: datetime, policy: Policy) -> datetime:
    """End of the working day on which a still-missing contact is escalated to HR."""
    escalation_day = add_working_days(
        london_date(contact_due_at), policy.contact_escalation_working_days,
        policy.non_working_days,
    )
    return local_moment(escalation_day, policy.working_day_ends_at)


def contact_deadlines(reported_on: date, opened_at: datetime, policy: Policy
                      ) -> tuple[datetime, datetime]:
    """When early contact is due and when its absence is escalated to HR. Contact is due from
    the day the absence was reported; if that is past when the case opens, the manager is
    reminded at once, and HR hears of it only after the manager has had the policy's working
    days from then."""
    due = early_contact_due(reported_on, policy)
    return due, early_contact_escalation(max(due, opened_at), policy)


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


def _contact(state: CaseState, event: ContactMade) -> Changes:
    changes: Changes = {
        "last_contact_at": max(event.contacted_at, state.last_contact_at or event.contacted_at),
        "contact_frequency_days": event.agreed_contact_frequency_days,
        "contacts_made": state.contacts_made + 1,
    }
    if isinstance(event, EarlyContactRecorded):
        changes["early_contact"] = EarlyContact(
            contacted_at=event.contacted_at, method=event.method,
            agreed_contact_frequency_days=event.agreed_contact_frequency_days,
            recorded_by=event.actor.id,
        )
        changes["stage"] = Stage.ASSESSMENT
    return changes


def _reminded(state: CaseState, event: ManagerRemindedOfContact) -> Changes:
    return {"contact_reminders_sent": state.contact_reminders_sent + 1,
            "fired": state.fired | {"early_contact_due"}}


def _escalated(state: CaseState, event: MissedContactEscalated) -> Changes:
    return {"contact_escalated": True, "fired": state.fired | {"early_contact_escalation"}}


def _early_contact(state: CaseState) -> list[Deadline]:
    if state.stage is not Stage.EARLY_CONTACT or state.contact_due_at is None:
        return []
    found = [Deadline(key="early_contact_due", name="early_contact_due",
                      due_at=state.contact_due_at, kind=DeadlineKind.CONTACT_REMINDER,
                      recipients=(Role.MANAGER,))]
    if state.contact_escalation_at is not None:
        found.append(Deadline(key="early_contact_escalation", name="early_contact_escalation",
                              due_at=state.contact_escalation_at,
                              kind=DeadlineKind.CONTACT_ESCALATION, recipients=(Role.HR,)))
    return found


def _check_ins(state: CaseState) -> list[Deadline]:
    if (state.last_contact_at is None or state.contact_frequency_days is None
            or not state.is_off_work or state.stage not in WORKING_STAGES):
        return []
    due = state.last_contact_at + timedelta(days=state.contact_frequency_days)
    first = Deadline(key=f"check_in_{state.contacts_made}", name="check_in_due",
                     due_at=on_day(london_date(due), state.policy,
                                   state.policy.working_day_ends_at),
                     recipients=(Role.MANAGER,),
                     why=f"keeping-in-touch contact due every {state.contact_frequency_days} days")
    return with_second_miss(state, first, (Role.OH,), "keeping-in-touch contact missed twice")


def deadlines(state: CaseState) -> list[Deadline]:
    """Early contact due and its escalation; then each keeping-in-touch contact."""
    return [*_early_contact(state), *_check_ins(state)]


EVOLUTION: Evolution = {
    EarlyContactRecorded: _contact,
    CheckInRecorded: _contact,
    ManagerRemindedOfContact: _reminded,
    MissedContactEscalated: _escalated,
}

RULES: dict[Action, ActionRule] = {
    Action.RECORD_EARLY_CONTACT: ActionRule(
        command=RecordEarlyContact, decide=record_early_contact, roles=MANAGER_OR_OH,
        stages=frozenset({Stage.EARLY_CONTACT}), path="contact",
        example={"contacted_at": EXAMPLE_AT, "method": "phone",
                 "agreed_contact_frequency_days": 7, "notes": "Agreed weekly calls on Mondays"},
    ),
    Action.RECORD_CHECK_IN: ActionRule(
        command=RecordCheckIn, decide=record_check_in, roles=MANAGER_OR_OH,
        stages=WORKING_STAGES, path="check-ins",
        example={"contacted_at": EXAMPLE_AT, "method": "video"},
    ),
}
