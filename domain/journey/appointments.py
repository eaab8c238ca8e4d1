"""OH appointments: booked (when, how, with whom, what for), moved, and their outcomes.

The first consultation after a referral to OH is the first appointment the employee attended
(`domain.journey.oh_referral` measures its deadline by it, for cases following the practice
rules). The employee is reminded of each appointment a policy number of days before it. Missed
appointments in a row (did not attend, default two) tell the manager, without clinical detail,
and ask OH to decide what follows: rebook, discharge from OH, or close the case. An appointment
booked before the employee returned to work asks OH whether it is still needed.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, Field

from domain.actors import PRINTABLE, Actor, Role
from domain.appointment_book import (
    HELD_OUTCOMES,
    MAX_UPCOMING,
    Appointment,
    AppointmentMethod,
    AppointmentOutcome,
    AppointmentPurpose,
    MissedAppointmentsDecision,
    Professional,
)
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.guards import check_not_in_future
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Deadline,
    DeadlineEvent,
    DeadlineKind,
    Event,
    Evolution,
    on_day,
    unchanged,
)
from domain.journey.closure import CaseClosed
from domain.stages import OPEN_STAGES, Action, Stage
from domain.state import CaseState
from domain.vocabulary import Outcome

if TYPE_CHECKING:
    from domain.events import CaseEvent

REMINDER = "appointment_reminder"
STILL_NEEDED = "appointment_still_needed"
DECISION_DUE = "missed_appointments_decision_due"

# Example moments of the API documentation: an appointment two days after the example's today.
EXAMPLE_APPOINTMENT_AT = "2026-11-25T10:00:00+00:00"
EXAMPLE_MOVED_TO = "2026-11-26T14:30:00+00:00"

BOOKING_STAGES = OPEN_STAGES
OUTCOME_STAGES = OPEN_STAGES | {Stage.FOLLOW_UP}


# The input form of `Professional`: what a booking may carry.
class WithProfessional(Command):
    id: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)
    name: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE)
    profession: str = Field(min_length=1, max_length=100, pattern=PRINTABLE,
                            description="e.g. OH nurse, OH physician, physiotherapist")


class BookAppointment(Command):
    """Book an appointment with a named professional; the employee is reminded before it."""

    at: AwareDatetime = Field(description="When it takes place; must be in the future.")
    method: AppointmentMethod
    professional: WithProfessional
    purpose: AppointmentPurpose


class MoveAppointment(Command):
    """Move a booked appointment to another time (and, if given, another way of holding it)."""

    appointment_number: int = Field(ge=1)
    at: AwareDatetime = Field(description="The new time; must be in the future.")
    method: AppointmentMethod | None = Field(default=None, description="None: unchanged.")
    reason: str = Field(min_length=1, max_length=TEXT)


class RecordAppointmentOutcome(Command):
    """What became of a booked appointment. Attended and did-not-attend only once its time
    has come; a cancellation at any time."""

    appointment_number: int = Field(ge=1)
    outcome: AppointmentOutcome


class DecideAfterMissedAppointments(Command):
    """OH's decision once the employee has missed the policy's number of appointments."""

    decision: MissedAppointmentsDecision
    reason: str = Field(min_length=1, max_length=TEXT)


class AppointmentBooked(Event):
    type: Literal["AppointmentBooked"] = "AppointmentBooked"
    number: int
    at: AwareDatetime
    method: AppointmentMethod
    professional: Professional
    purpose: AppointmentPurpose


class AppointmentMoved(Event):
    type: Literal["AppointmentMoved"] = "AppointmentMoved"
    number: int
    at: AwareDatetime
    method: AppointmentMethod


class AppointmentOutcomeRecorded(Event):
    type: Literal["AppointmentOutcomeRecorded"] = "AppointmentOutcomeRecorded"
    number: int
    at: AwareDatetime = Field(description="When the appointment was (or would have been).")
    outcome: AppointmentOutcome


class AppointmentReminderSent(DeadlineEvent):
    """The employee was reminded of an appointment."""

    type: Literal["AppointmentReminderSent"] = "AppointmentReminderSent"
    number: int
    at: AwareDatetime
    method: AppointmentMethod


class AppointmentStillNeededAsked(DeadlineEvent):
    """The employee returned to work before an appointment: OH was asked if it is needed."""

    type: Literal["AppointmentStillNeededAsked"] = "AppointmentStillNeededAsked"
    number: int
    at: AwareDatetime


class MissedAppointmentsDecisionRequested(Event):
    """Appointments missed in a row reached the policy's number: the manager was told and OH
    must decide what follows."""

    type: Literal["MissedAppointmentsDecisionRequested"] = "MissedAppointmentsDecisionRequested"
    missed: int
    decide_by: AwareDatetime


class MissedAppointmentsDecided(Event):
    type: Literal["MissedAppointmentsDecided"] = "MissedAppointmentsDecided"
    decision: MissedAppointmentsDecision
    cancelled: tuple[int, ...] = Field(
        default=(), description="The booked appointments the decision cancelled.")


def _check_future(field: str, at: datetime, now: datetime) -> None:
    if at <= now:
        raise InvalidCommand(field, f"must be in the future (now is {now.isoformat()})")


def _upcoming(state: CaseState, number: int) -> Appointment:
    found = state.appointments.find(number)
    if found is None:
        numbers = ", ".join(str(a.number) for a in state.appointments.upcoming) or "none"
        raise InvalidCommand("appointment_number",
                             f"no booked appointment {number} awaits an outcome; booked: {numbers}")
    return found


def book_appointment(state: CaseState, command: BookAppointment, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    book = state.appointments
    if book.decision_due_at is not None:
        raise InvalidCommand("at", "the employee missed appointments and OH has not decided "
                             "what follows: decide_after_missed_appointments (rebook) first")
    if len(book.upcoming) >= MAX_UPCOMING:
        raise InvalidCommand("at", f"the case already holds {MAX_UPCOMING} booked appointments; "
                             "record the outcome of one first")
    _check_future("at", command.at, now)
    if actor.role is Role.EMPLOYEE:
        _check_employee_may_book(state, command)
    number = book.booked + 1
    who = command.professional
    return [AppointmentBooked(
        occurred_at=now, actor=actor, number=number, at=command.at, method=command.method,
        professional=Professional.model_validate(who), purpose=command.purpose,
        reason=f"appointment {number} ({command.purpose.value}) booked by {command.method.value} "
        f"with {who.name} ({who.profession}) at {command.at.isoformat()}")]


# What an employee may book for themselves: a consultation or review with a professional who
# already sees them on this case. A case conference (with the manager and HR) is OH's to call.
EMPLOYEE_PURPOSES = (AppointmentPurpose.FIRST_CONSULTATION, AppointmentPurpose.REVIEW,
                     AppointmentPurpose.RETURN_TO_WORK_REVIEW)


def bookable_professionals(state: CaseState) -> list[Professional]:
    """The professionals who already see the employee on this case, each once: whom they have
    appointments with, then who assessed them, latest first. An employee books only with these
    (the employee's page offers exactly these)."""
    found: dict[str, Professional] = {}
    for appointment in state.appointments.upcoming:
        found.setdefault(appointment.professional.id, appointment.professional)
    for assessment in reversed(state.assessments):
        who = assessment.assessor
        found.setdefault(who.id, Professional(id=who.id, name=who.name,
                                              profession=who.profession))
    return list(found.values())


def _check_employee_may_book(state: CaseState, command: BookAppointment) -> None:
    if command.purpose not in EMPLOYEE_PURPOSES:
        raise InvalidCommand("purpose", "an employee books a first consultation, a review or a "
                             "return-to-work review; OH arranges the rest")
    seen_by = {who.id for who in bookable_professionals(state)}
    if command.professional.id not in seen_by:
        raise InvalidCommand("professional", "an employee books with a professional who "
                             "already sees them on this case: "
                             + (", ".join(sorted(seen_by)) or "none yet, OH books the first"))


def move_appointment(state: CaseState, command: MoveAppointment, now: datetime, actor: Actor
                     ) -> list[CaseEvent]:
    appointment = _upcoming(state, command.appointment_number)
    _check_future("at", command.at, now)
    method = command.method or appointment.method
    if command.at == appointment.at and method is appointment.method:
        raise InvalidCommand("at", "the appointment is already booked then, that way")
    return [AppointmentMoved(
        occurred_at=now, actor=actor, number=appointment.number, at=command.at, method=method,
        reason=f"appointment {appointment.number} moved from {appointment.at.isoformat()} to "
        f"{command.at.isoformat()} ({method.value}): {command.reason}")]


def record_appointment_outcome(state: CaseState, command: RecordAppointmentOutcome,
                               now: datetime, actor: Actor) -> list[CaseEvent]:
    appointment = _upcoming(state, command.appointment_number)
    outcome = command.outcome
    if outcome in HELD_OUTCOMES:
        check_not_in_future("outcome", appointment.at, now)
    events: list[CaseEvent] = [AppointmentOutcomeRecorded(
        occurred_at=now, actor=actor, number=appointment.number, at=appointment.at,
        outcome=outcome, reason=f"appointment {appointment.number}: {outcome.value}")]
    book, policy = state.appointments, state.policy
    missed = book.missed_in_a_row + 1
    if (outcome is AppointmentOutcome.DID_NOT_ATTEND and book.decision_due_at is None
            and missed >= policy.missed_appointments_before_decision):
        decide_by = now + timedelta(days=policy.missed_appointments_decision_days)
        events.append(MissedAppointmentsDecisionRequested(
            occurred_at=now, actor=actor, missed=missed, decide_by=decide_by,
            reason=f"{missed} appointments missed in a row (policy {policy.version}: "
            f"{policy.missed_appointments_before_decision}); manager told, OH to decide by "
            f"{decide_by.isoformat()}"))
    return events


def decide_after_missed_appointments(state: CaseState, command: DecideAfterMissedAppointments,
                                     now: datetime, actor: Actor) -> list[CaseEvent]:
    if state.appointments.decision_due_at is None:
        raise InvalidCommand("decision", "no decision is awaited: the employee has not missed "
                             f"{state.policy.missed_appointments_before_decision} appointments "
                             "in a row since the last one")
    decision = command.decision
    if decision is MissedAppointmentsDecision.CLOSE and state.stage is Stage.FOLLOW_UP:
        raise InvalidCommand("decision", "the case is closed already, awaiting its follow-up: "
                             "rebook or discharge")
    cancelled = () if decision is MissedAppointmentsDecision.REBOOK else tuple(
        a.number for a in state.appointments.upcoming)
    events: list[CaseEvent] = [MissedAppointmentsDecided(
        occurred_at=now, actor=actor, decision=decision, cancelled=cancelled,
        reason=f"after missed appointments, OH decided to {decision.value}: {command.reason}")]
    if decision is MissedAppointmentsDecision.CLOSE:
        events.append(CaseClosed(
            occurred_at=now, actor=actor, outcome=Outcome.WITHDRAWN, closed_on=london_date(now),
            reason="closed: withdrawn after missed appointments"))
    return events


def _booked(state: CaseState, event: AppointmentBooked) -> Changes:
    book = state.appointments
    appointment = Appointment(number=event.number, at=event.at, method=event.method,
                              professional=event.professional, purpose=event.purpose,
                              booked_at=event.occurred_at)
    return {"appointments": book.model_copy(update={
        "upcoming": (*book.upcoming, appointment), "booked": book.booked + 1})}


def _moved(state: CaseState, event: AppointmentMoved) -> Changes:
    book = state.appointments
    return {"appointments": book.model_copy(update={"upcoming": tuple(
        a.model_copy(update={"at": event.at, "method": event.method, "moves": a.moves + 1})
        if a.number == event.number else a for a in book.upcoming)})}


_COUNTED = {
    AppointmentOutcome.ATTENDED: "attended",
    AppointmentOutcome.DID_NOT_ATTEND: "did_not_attend",
    AppointmentOutcome.CANCELLED_BY_EMPLOYEE: "cancelled_by_employee",
    AppointmentOutcome.CANCELLED_BY_SERVICE: "cancelled_by_service",
}


def _outcome(state: CaseState, event: AppointmentOutcomeRecorded) -> Changes:
    book = state.appointments
    counter = _COUNTED[event.outcome]
    update: Changes = {
        "upcoming": tuple(a for a in book.upcoming if a.number != event.number),
        counter: getattr(book, counter) + 1,
    }
    if event.outcome is AppointmentOutcome.ATTENDED:
        update["missed_in_a_row"] = 0
        referral = state.oh_referral
        if (book.first_consultation_at is None and referral is not None
                and event.at >= referral.referred_at):
            update["first_consultation_at"] = event.at
    elif event.outcome is AppointmentOutcome.DID_NOT_ATTEND:
        update["missed_in_a_row"] = book.missed_in_a_row + 1
    return {"appointments": book.model_copy(update=update)}


def _decision_requested(state: CaseState, event: MissedAppointmentsDecisionRequested
                        ) -> Changes:
    return {"appointments": state.appointments.model_copy(
        update={"decision_due_at": event.decide_by})}


def _decided(state: CaseState, event: MissedAppointmentsDecided) -> Changes:
    book = state.appointments
    update: Changes = {
        "decision_due_at": None, "missed_in_a_row": 0, "decisions": book.decisions + 1,
        "upcoming": tuple(a for a in book.upcoming if a.number not in event.cancelled),
        "cancelled_by_service": book.cancelled_by_service + len(event.cancelled),
    }
    if event.decision is MissedAppointmentsDecision.DISCHARGE:
        update["discharged_at"] = event.occurred_at
    return {"appointments": book.model_copy(update=update)}


def reminder_due(appointment: Appointment, state: CaseState) -> datetime:
    """When the employee is reminded: the policy's days before, at its reminder time (and in
    any case an hour before the appointment)."""
    days = state.policy.appointment_reminder_days
    due = on_day(london_date(appointment.at) - timedelta(days=days), state.policy)
    return min(due, appointment.at - timedelta(hours=1))


def _still_needed_due(appointment: Appointment, state: CaseState) -> datetime | None:
    """When OH is asked whether an appointment booked before the employee's return to work is
    still needed: on the day of the return, if the appointment is later."""
    absence = state.absence
    if absence is None or absence.returned_on is None:
        return None
    if london_date(appointment.booked_at) > absence.returned_on:
        return None
    due = max(on_day(absence.returned_on, state.policy), appointment.booked_at)
    return due if due < appointment.at else None


def deadlines(state: CaseState) -> list[Deadline]:
    """A reminder to the employee before each booked appointment; OH asked whether one booked
    before the return to work is still needed; OH's decision after missed appointments."""
    found: list[Deadline] = []
    for appointment in state.appointments.upcoming:
        # A moved appointment is reminded of again, for its new time; OH is asked once.
        found.append(Deadline(
            key=f"{REMINDER}:{appointment.number}:{appointment.moves}", name=REMINDER,
            due_at=reminder_due(appointment, state),
            kind=DeadlineKind.APPOINTMENT, recipients=(Role.EMPLOYEE,),
            why=f"remind the employee of appointment {appointment.number}"))
        asked = _still_needed_due(appointment, state)
        if asked is not None:
            found.append(Deadline(
                key=f"{STILL_NEEDED}:{appointment.number}", name=STILL_NEEDED, due_at=asked,
                kind=DeadlineKind.APPOINTMENT, recipients=(Role.OH,),
                why=f"the employee is back at work before appointment {appointment.number}"))
    book = state.appointments
    if book.decision_due_at is not None:
        found.append(Deadline(
            key=f"{DECISION_DUE}:{book.decisions + 1}", name=DECISION_DUE,
            due_at=book.decision_due_at, recipients=(Role.OH,),
            why="decide what follows the missed appointments: rebook, discharge or close"))
    return found


def deadline_passed(state: CaseState, deadline: Deadline, *, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    """What one of this module's `DeadlineKind.APPOINTMENT` deadlines records when it passes."""
    number = int(deadline.key.split(":")[1])
    appointment = state.appointments.find(number)
    if appointment is None:
        return []
    if deadline.name == REMINDER:
        return [AppointmentReminderSent(
            occurred_at=now, actor=actor, deadline_key=deadline.key, number=number,
            at=appointment.at, method=appointment.method,
            reason=f"{deadline.why} at {appointment.at.isoformat()} (policy "
            f"{state.policy.version}: {state.policy.appointment_reminder_days} days before)")]
    return [AppointmentStillNeededAsked(
        occurred_at=now, actor=actor, deadline_key=deadline.key, number=number,
        at=appointment.at, reason=f"{deadline.why}: is it still needed?")]


EVOLUTION: Evolution = {
    AppointmentBooked: _booked, AppointmentMoved: _moved,
    AppointmentOutcomeRecorded: _outcome, AppointmentReminderSent: unchanged,
    AppointmentStillNeededAsked: unchanged,
    MissedAppointmentsDecisionRequested: _decision_requested,
    MissedAppointmentsDecided: _decided,
}

# The employee books and moves their own appointments (on their own case only: the guard every
# action passes); what became of an appointment, and what follows missed ones, is OH's record.
OH_OR_EMPLOYEE = frozenset({Role.OH, Role.EMPLOYEE})

_PROFESSIONAL = {"id": "OHN-7", "name": "Jo Reid", "profession": "OH nurse"}

RULES: dict[Action, ActionRule] = {
    Action.BOOK_APPOINTMENT: ActionRule(
        command=BookAppointment, decide=book_appointment, roles=OH_OR_EMPLOYEE,
        stages=BOOKING_STAGES,
        path="appointments",
        example={"at": EXAMPLE_APPOINTMENT_AT, "method": "video", "professional": _PROFESSIONAL,
                 "purpose": "first_consultation"},
    ),
    Action.MOVE_APPOINTMENT: ActionRule(
        command=MoveAppointment, decide=move_appointment, roles=OH_OR_EMPLOYEE,
        stages=BOOKING_STAGES,
        path="appointments/moves",
        example={"appointment_number": 1, "at": EXAMPLE_MOVED_TO, "method": "phone",
                 "reason": "The employee asked for an afternoon call"},
    ),
    Action.RECORD_APPOINTMENT_OUTCOME: ActionRule(
        command=RecordAppointmentOutcome, decide=record_appointment_outcome, roles=OH,
        stages=OUTCOME_STAGES, path="appointments/outcomes",
        example={"appointment_number": 1, "outcome": "attended"},
    ),
    Action.DECIDE_AFTER_MISSED_APPOINTMENTS: ActionRule(
        command=DecideAfterMissedAppointments, decide=decide_after_missed_appointments,
        roles=OH, stages=OUTCOME_STAGES, path="appointments/missed-decision",
        example={"decision": "rebook", "reason": "The employee called: a new phone number"},
    ),
}
