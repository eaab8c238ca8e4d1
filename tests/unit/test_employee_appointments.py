"""An employee books and moves their own appointments; OH alone records what became of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.actors import Actor, Role, Source
from domain.appointment_book import AppointmentMethod, AppointmentOutcome, AppointmentPurpose
from domain.decide import decide
from domain.errors import InvalidCommand, NotOwnCase, RoleNotAllowed
from domain.evolve import evolve
from domain.journey.appointments import (
    AppointmentBooked,
    AppointmentMoved,
    BookAppointment,
    MoveAppointment,
    RecordAppointmentOutcome,
    WithProfessional,
)
from domain.state import CaseState
from tests.support.builders import EMPLOYEE, OH_ACTOR, opened_state

OPENED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
NOW = OPENED + timedelta(hours=3)
NURSE = WithProfessional(id="OHN-7", name="Jo Reid", profession="OH nurse")
THE_EMPLOYEE = Actor(id=EMPLOYEE.id, role=Role.EMPLOYEE, source=Source.API)
ANOTHER_EMPLOYEE = Actor(id="E9999", role=Role.EMPLOYEE, source=Source.API)


def booking(days: int = 3) -> BookAppointment:
    return BookAppointment(at=NOW + timedelta(days=days), method=AppointmentMethod.PHONE,
                           professional=NURSE, purpose=AppointmentPurpose.REVIEW)


def booked_by(actor: Actor) -> CaseState:
    state = opened_state(OPENED)
    for event in decide(state, booking(), now=NOW, actor=actor):
        state = evolve(state, event)
    return state


def test_an_employee_books_an_appointment_on_their_own_case() -> None:
    # With the nurse OH first booked them with: a professional who already sees them.
    [event] = decide(booked_by(OH_ACTOR), booking(days=6), now=NOW, actor=THE_EMPLOYEE)
    assert isinstance(event, AppointmentBooked)
    assert event.actor == THE_EMPLOYEE and event.professional.name == "Jo Reid"


def test_an_employee_moves_their_own_appointment() -> None:
    state = booked_by(OH_ACTOR)
    [event] = decide(state, MoveAppointment(appointment_number=1, at=NOW + timedelta(days=4),
                                            reason="I start a new shift pattern that week"),
                     now=NOW, actor=THE_EMPLOYEE)
    assert isinstance(event, AppointmentMoved) and event.at == NOW + timedelta(days=4)


def test_an_employee_cannot_book_or_move_on_another_persons_case() -> None:
    with pytest.raises(NotOwnCase):
        decide(opened_state(OPENED), booking(), now=NOW, actor=ANOTHER_EMPLOYEE)
    with pytest.raises(NotOwnCase):
        decide(booked_by(OH_ACTOR), MoveAppointment(
            appointment_number=1, at=NOW + timedelta(days=5), reason="clash"),
            now=NOW, actor=ANOTHER_EMPLOYEE)


def test_only_oh_records_what_became_of_an_appointment() -> None:
    state = booked_by(OH_ACTOR)
    with pytest.raises(RoleNotAllowed):
        decide(state, RecordAppointmentOutcome(
            appointment_number=1, outcome=AppointmentOutcome.CANCELLED_BY_EMPLOYEE),
            now=NOW, actor=THE_EMPLOYEE)
    assert decide(state, RecordAppointmentOutcome(
        appointment_number=1, outcome=AppointmentOutcome.CANCELLED_BY_EMPLOYEE),
        now=NOW, actor=OH_ACTOR)



def test_an_employee_books_only_what_is_theirs_to_book() -> None:
    """A case conference is OH's to call, and a stranger is not an employee's to choose."""
    state = booked_by(OH_ACTOR)
    conference = booking(days=6).model_copy(
        update={"purpose": AppointmentPurpose.CASE_CONFERENCE})
    with pytest.raises(InvalidCommand) as refused:
        decide(state, conference, now=NOW, actor=THE_EMPLOYEE)
    assert refused.value.field == "purpose"
    stranger = booking(days=6).model_copy(update={"professional": WithProfessional(
        id="GP-1", name="Someone Else", profession="GP")})
    with pytest.raises(InvalidCommand) as refused:
        decide(state, stranger, now=NOW, actor=THE_EMPLOYEE)
    assert refused.value.field == "professional"
    with pytest.raises(InvalidCommand):  # nobody sees them yet: OH books the first
        decide(opened_state(OPENED), booking(), now=NOW, actor=THE_EMPLOYEE)
