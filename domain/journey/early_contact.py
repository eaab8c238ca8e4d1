"""Early contact and keeping in touch: the line manager contacts the employee by the end of the
next working day, is reminded, then HR is alerted; afterwards, contact on the agreed cadence.

Under the practice rules (`domain.practice`): an absence that joins a stay-at-work case starts
the same contact deadlines (met by the early contact, or a check-in in the later stages). And a
case whose manager never records contact does not stall: once the miss was escalated to HR, OH
may go on to assessment (`proceed_to_assessment`), referring the case to OH if it was not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from domain.actors import Actor, Role
from domain.calendar import add_working_days, local_moment, london_date
from domain.errors import ActionNotAllowed, InvalidCommand
from domain.guards import check_not_before_absence, check_not_in_future
from domain.journey import oh_referral
from domain.journey.base import (
    EXAMPLE_AT,
    MANAGER_OR_OH,
    OH,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineKind,
    Event,
    Evolution,
    Preconditions,
    on_day,
    with_second_miss,
)
from domain.policy import Policy
from domain.practice import follows
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


class ProceedToAssessment(Command):
    """OH goes on to assessment in a case whose manager never recorded early contact, once
    the missed contact was escalated to HR: the case must not stall in early contact."""

    reason: str = Field(min_length=1, max_length=TEXT)


class ProceededToAssessment(Event):
    """OH went on to assessment without the manager's early contact (missed and escalated)."""

    type: Literal["ProceededToAssessment"] = "ProceededToAssessment"


# The cause an OH referral made when OH goes on without contact records.
CONTACT_MISSED = "contact_missed"


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
        if state.stage is Stage.EARLY_CONTACT:  # an absence joining a later stage stays there
            changes["stage"] = Stage.ASSESSMENT
    return changes


def _reminded(state: CaseState, event: ManagerRemindedOfContact) -> Changes:
    return {"contact_reminders_sent": state.contact_reminders_sent + 1,
            "fired": state.fired | {"early_contact_due"}}


def _escalated(state: CaseState, event: MissedContactEscalated) -> Changes:
    return {"contact_escalated": True, "fired": state.fired | {"early_contact_escalation"}}


def proceed_to_assessment(state: CaseState, command: ProceedToAssessment, now: datetime,
                          actor: Actor) -> list[CaseEvent]:
    """OH goes on to assessment without the manager's contact; a case not yet referred to OH
    is referred now, so that its first consultation is due by policy."""
    proceeded: list[CaseEvent] = [ProceededToAssessment(
        occurred_at=now, actor=actor,
        reason=f"early contact missed and escalated to HR; OH goes on to assessment: "
        f"{command.reason}")]
    if state.oh_referral is None:
        proceeded.append(oh_referral.oh_referral(
            state, cause=CONTACT_MISSED, now=now, actor=actor,
            reason="early contact missed: referred to OH to go on without it"))
    return proceeded


def _proceeded(state: CaseState, event: ProceededToAssessment) -> Changes:
    return {"stage": Stage.ASSESSMENT}


def _contact_escalated(state: CaseState, actor: Actor) -> None:
    """OH goes on without the manager's contact only once its miss was escalated to HR."""
    if not state.contact_escalated:
        due = state.contact_escalation_at
        raise InvalidCommand(
            "reason", "OH goes on to assessment without early contact only once the missed "
            "contact has been escalated to HR"
            + (f" (due {due.isoformat()})" if due else "")
            + "; until then the line manager records the early contact")


def joined_absence_awaits_contact(state: CaseState) -> bool:
    """Under the practice rules: an absence joined this stay-at-work case and no contact with
    the employee is recorded since the day it was reported."""
    absence = state.absence
    if (not follows(state) or state.stage is Stage.EARLY_CONTACT or absence is None
            or absence.reported_on is None or not state.is_off_work):
        return False
    return (state.last_contact_at is None
            or london_date(state.last_contact_at) < absence.reported_on)


def _early_contact_outside_its_stage(state: CaseState, actor: Actor) -> None:
    """Early contact is recorded in the early-contact stage; in a stay-at-work referral
    awaiting triage, only for an absence that joined it and awaits contact."""
    if state.stage is Stage.EARLY_CONTACT or joined_absence_awaits_contact(state):
        return
    from domain.actions import allowed_actions  # the table gathers this module's rules

    raise ActionNotAllowed(Action.RECORD_EARLY_CONTACT.value, state.stage.value,
                           [a.value for a in allowed_actions(state)
                            if a is not Action.RECORD_EARLY_CONTACT])


def _early_contact(state: CaseState) -> list[Deadline]:
    if state.contact_due_at is None or not (
            state.stage is Stage.EARLY_CONTACT or joined_absence_awaits_contact(state)):
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
    ProceededToAssessment: _proceeded,
}

RULES: dict[Action, ActionRule] = {
    Action.RECORD_EARLY_CONTACT: ActionRule(
        command=RecordEarlyContact, decide=record_early_contact, roles=MANAGER_OR_OH,
        # In a referral awaiting triage only where a precondition allows it (a joined absence;
        # in the later stages a check-in is that contact).
        stages=frozenset({Stage.EARLY_CONTACT, Stage.REFERRAL}), path="contact",
        example={"contacted_at": EXAMPLE_AT, "method": "phone",
                 "agreed_contact_frequency_days": 7, "notes": "Agreed weekly calls on Mondays"},
    ),
    Action.RECORD_CHECK_IN: ActionRule(
        command=RecordCheckIn, decide=record_check_in, roles=MANAGER_OR_OH,
        stages=WORKING_STAGES, path="check-ins",
        example={"contacted_at": EXAMPLE_AT, "method": "video"},
    ),
    Action.PROCEED_TO_ASSESSMENT: ActionRule(
        command=ProceedToAssessment, decide=proceed_to_assessment, roles=OH,
        stages=frozenset({Stage.EARLY_CONTACT}), path="contact/proceed",
        example={"reason": "No contact from the manager after HR's alert; OH will call"},
    ),
}

PRECONDITIONS: Preconditions = {
    Action.RECORD_EARLY_CONTACT: (_early_contact_outside_its_stage,),
    Action.PROCEED_TO_ASSESSMENT: (_contact_escalated,),
}
