"""Appointments: booking, moving, outcomes, the employee's reminders, the first consultation
measured by the first attended appointment, and what missed appointments set in motion."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.actions import RULES
from domain.actors import TIMER_ACTOR, Actor, Role
from domain.appointment_book import (
    MAX_UPCOMING,
    AppointmentMethod,
    AppointmentOutcome,
    AppointmentPurpose,
    MissedAppointmentsDecision,
)
from domain.calendar import LONDON
from domain.commands import DeadlinePassed, EmployeeReturned, ReferToOh
from domain.deadlines import open_deadlines, shared_deadlines
from domain.decide import decide
from domain.errors import InvalidCommand, RoleNotAllowed
from domain.events import CaseClosed, CaseEscalated, CaseEvent, ReminderSent, parse_event
from domain.evolve import evolve
from domain.journey.appointments import (
    AppointmentBooked,
    AppointmentReminderSent,
    AppointmentStillNeededAsked,
    BookAppointment,
    DecideAfterMissedAppointments,
    MissedAppointmentsDecided,
    MissedAppointmentsDecisionRequested,
    MoveAppointment,
    RecordAppointmentOutcome,
    WithProfessional,
)
from domain.kpis import CaseFacts
from domain.notices import Notice, NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, Stage
from domain.state import CaseState
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, opened_state

OPENED = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
REFERRED = OPENED + timedelta(hours=3)
NURSE = WithProfessional(id="OHN-7", name="Jo Reid", profession="OH nurse")


@dataclass
class Case:
    """One case driven through decisions, keeping every event and notice."""

    state: CaseState
    events: list[CaseEvent] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)

    def act(self, command: BaseModel, at: datetime, actor: Actor = OH_ACTOR) -> list[CaseEvent]:
        decided = decide(self.state, command, now=at, actor=actor)
        for event in decided:
            self.state = evolve(self.state, event)
            self.notices += notices_for(self.state, event)
        self.events += decided
        return decided

    def pass_deadline(self, name: str) -> list[CaseEvent]:
        deadline = next(d for d in open_deadlines(self.state) if d.name == name)
        return self.act(DeadlinePassed(key=deadline.key), deadline.due_at, TIMER_ACTOR)

    def deadline(self, name: str) -> datetime | None:
        found = [d.due_at for d in open_deadlines(self.state) if d.name == name]
        return found[0] if found else None

    def book(self, at: datetime, now: datetime, method: AppointmentMethod = AppointmentMethod.VIDEO
             ) -> int:
        [booked] = self.act(BookAppointment(at=at, method=method, professional=NURSE,
                                            purpose=AppointmentPurpose.FIRST_CONSULTATION), now)
        assert isinstance(booked, AppointmentBooked)
        return booked.number

    def outcome(self, number: int, outcome: AppointmentOutcome, at: datetime
                ) -> list[CaseEvent]:
        return self.act(RecordAppointmentOutcome(appointment_number=number, outcome=outcome), at)


def referred_case(*, practice: int = 1, **policy: object) -> Case:
    """A case in assessment, referred to OH on the day it opened."""
    state = opened_state(OPENED, first_day=OPENED.date())
    state = state.model_copy(update={"practice": practice,
                                     "policy": DEFAULT_POLICY.model_copy(update=policy)})
    case = Case(state)
    case.act(j.early_contact(OPENED + timedelta(hours=1)), OPENED + timedelta(hours=1),
             MANAGER_ACTOR)
    case.act(ReferToOh(reason="Absence expected beyond four weeks"), REFERRED)
    assert case.state.stage is Stage.ASSESSMENT
    return case


def at_london(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=LONDON)


# --- booking and moving ----------------------------------------------------------------------


def test_a_booking_keeps_the_appointment_as_upcoming_with_whom_how_and_what_for() -> None:
    case = referred_case()
    when = at_london(date(2026, 11, 26), 10)
    number = case.book(when, REFERRED)

    [appointment] = case.state.appointments.upcoming
    assert (number, appointment.at, appointment.method) == (1, when, AppointmentMethod.VIDEO)
    assert appointment.professional.name == "Jo Reid"
    assert appointment.purpose is AppointmentPurpose.FIRST_CONSULTATION
    assert case.state.appointments.booked == 1


def test_a_booking_in_the_past_is_refused_naming_the_field() -> None:
    case = referred_case()
    with pytest.raises(InvalidCommand, match="at: must be in the future"):
        case.book(REFERRED - timedelta(hours=1), REFERRED)


def test_only_oh_books_appointments() -> None:
    case = referred_case()
    with pytest.raises(RoleNotAllowed):
        case.act(BookAppointment(at=REFERRED + timedelta(days=2), method=AppointmentMethod.PHONE,
                                 professional=NURSE, purpose=AppointmentPurpose.REVIEW),
                 REFERRED, MANAGER_ACTOR)


def test_a_case_holds_a_bounded_number_of_booked_appointments() -> None:
    case = referred_case()
    for n in range(MAX_UPCOMING):
        case.book(REFERRED + timedelta(days=n + 1), REFERRED)
    with pytest.raises(InvalidCommand, match="record the outcome of one first"):
        case.book(REFERRED + timedelta(days=30), REFERRED)
    case.outcome(1, AppointmentOutcome.CANCELLED_BY_SERVICE, REFERRED)
    case.book(REFERRED + timedelta(days=30), REFERRED)
    assert len(case.state.appointments.upcoming) == MAX_UPCOMING


def test_moving_an_appointment_sets_a_fresh_reminder_for_the_new_time() -> None:
    case = referred_case()
    case.book(at_london(date(2026, 11, 26), 10), REFERRED)
    case.pass_deadline("appointment_reminder")  # 24 Nov, reminded for the 26th
    assert case.deadline("appointment_reminder") is None

    case.act(MoveAppointment(appointment_number=1, at=at_london(date(2026, 12, 3), 14),
                             method=AppointmentMethod.PHONE, reason="Asked for later"),
             OPENED + timedelta(days=2))

    [appointment] = case.state.appointments.upcoming
    assert (appointment.method, appointment.moves) == (AppointmentMethod.PHONE, 1)
    assert case.deadline("appointment_reminder") == at_london(date(2026, 12, 1), 9)


def test_moving_an_unknown_appointment_names_the_booked_ones() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=2), REFERRED)
    with pytest.raises(InvalidCommand, match=r"appointment_number: no booked appointment 7 .*"
                                             r"booked: 1"):
        case.act(MoveAppointment(appointment_number=7, at=REFERRED + timedelta(days=3),
                                 reason="x"), REFERRED)


# --- reminders -------------------------------------------------------------------------------


def test_the_employee_is_reminded_two_days_before_at_the_reminder_time_how_it_takes_place() -> None:
    case = referred_case()
    when = at_london(date(2026, 11, 27), 14)
    case.book(when, REFERRED, AppointmentMethod.PHONE)

    assert case.deadline("appointment_reminder") == at_london(date(2026, 11, 25), 9)
    [event] = case.pass_deadline("appointment_reminder")

    assert isinstance(event, AppointmentReminderSent) and event.at == when
    [notice] = notices_for(case.state, event)
    assert notice.kind is NoticeKind.APPOINTMENT_REMINDER_PHONE
    assert (notice.recipient_role, notice.recipient_id) == (Role.EMPLOYEE,
                                                            case.state.employee.id)
    assert notice.due_at == when


@pytest.mark.parametrize(("method", "kind"), [
    (AppointmentMethod.PHONE, NoticeKind.APPOINTMENT_REMINDER_PHONE),
    (AppointmentMethod.VIDEO, NoticeKind.APPOINTMENT_REMINDER_VIDEO),
    (AppointmentMethod.IN_PERSON, NoticeKind.APPOINTMENT_REMINDER_IN_PERSON),
])
def test_each_way_of_holding_an_appointment_has_its_own_reminder(
        method: AppointmentMethod, kind: NoticeKind) -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=4), REFERRED, method)
    case.pass_deadline("appointment_reminder")
    assert [n.kind for n in case.notices if n.recipient_role is Role.EMPLOYEE] == [kind]


@given(days=st.integers(min_value=0, max_value=14), hour=st.integers(min_value=7, max_value=18),
       ahead=st.integers(min_value=1, max_value=40))
def test_the_reminder_follows_the_policy_and_always_comes_before_the_appointment(
        days: int, hour: int, ahead: int) -> None:
    case = referred_case(appointment_reminder_days=days)
    when = at_london(date(2026, 11, 24) + timedelta(days=ahead), hour)
    case.book(when, REFERRED)

    due = case.deadline("appointment_reminder")
    assert due is not None and due < when
    assert due <= at_london(when.date() - timedelta(days=days), 9)


def test_no_reminder_once_the_outcome_is_recorded() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=5), REFERRED)
    case.outcome(1, AppointmentOutcome.CANCELLED_BY_EMPLOYEE, REFERRED + timedelta(hours=1))
    assert case.deadline("appointment_reminder") is None
    assert case.state.appointments.cancelled_by_employee == 1


def test_appointment_deadlines_are_seen_by_oh_only() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=5), REFERRED)
    assert "appointment_reminder" not in {d.name for d in shared_deadlines(
        open_deadlines(case.state))}


# --- outcomes and the first consultation -----------------------------------------------------


def test_attended_cannot_be_recorded_before_the_appointment_takes_place() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=2), REFERRED)
    with pytest.raises(InvalidCommand, match="outcome: must not be in the future"):
        case.outcome(1, AppointmentOutcome.ATTENDED, REFERRED + timedelta(days=1))


def test_an_attended_appointment_meets_the_first_consultation_deadline() -> None:
    case = referred_case()
    when = REFERRED + timedelta(days=3)
    case.book(when, REFERRED)
    assert case.deadline("first_assessment_due") == REFERRED + timedelta(days=7)

    case.outcome(1, AppointmentOutcome.ATTENDED, when + timedelta(hours=1))

    assert case.deadline("first_assessment_due") is None
    assert case.state.appointments.first_consultation_at == when
    assert case.state.appointments.attended == 1 and not case.state.appointments.upcoming
    facts = CaseFacts.of(case.state)
    assert facts.first_consulted_on == when.date() and facts.assessment_met is True
    assert facts.days_to_first_assessment == 3


def test_a_booked_or_missed_appointment_does_not_meet_it() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=2), REFERRED)
    case.outcome(1, AppointmentOutcome.DID_NOT_ATTEND, REFERRED + timedelta(days=2, hours=1))
    assert case.deadline("first_assessment_due") == REFERRED + timedelta(days=7)


def test_a_missed_first_consultation_escalates_as_before_even_with_an_appointment_booked() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=10), REFERRED)
    [reminder] = case.pass_deadline("first_assessment_due")
    assert isinstance(reminder, ReminderSent)
    [escalated] = case.pass_deadline("first_assessment_due_missed_twice")
    assert isinstance(escalated, CaseEscalated)


def test_an_appointment_attended_late_counts_as_a_missed_target() -> None:
    case = referred_case()
    when = REFERRED + timedelta(days=8)
    case.book(when, REFERRED)
    case.pass_deadline("first_assessment_due")
    case.outcome(1, AppointmentOutcome.ATTENDED, when + timedelta(hours=1))

    assert case.deadline("first_assessment_due_missed_twice") is None
    assert CaseFacts.of(case.state).assessment_met is False


def test_an_appointment_attended_before_the_referral_does_not_meet_it() -> None:
    state = opened_state(OPENED, first_day=OPENED.date())
    case = Case(state)
    case.act(j.early_contact(OPENED + timedelta(hours=1)), OPENED + timedelta(hours=1),
             MANAGER_ACTOR)
    case.book(OPENED + timedelta(hours=2), OPENED + timedelta(hours=1))
    case.outcome(1, AppointmentOutcome.ATTENDED, OPENED + timedelta(hours=3))
    case.act(ReferToOh(reason="Absence expected beyond four weeks"), OPENED + timedelta(days=1))

    assert case.deadline("first_assessment_due") == OPENED + timedelta(days=8)


def test_a_case_from_before_the_practice_rules_is_still_met_by_its_assessment_only() -> None:
    case = referred_case(practice=0)
    when = REFERRED + timedelta(days=2)
    case.book(when, REFERRED)
    case.outcome(1, AppointmentOutcome.ATTENDED, when + timedelta(hours=1))
    assert case.deadline("first_assessment_due") == REFERRED + timedelta(days=7)
    assert CaseFacts.of(case.state).first_consulted_on is None

    case.act(j.assessment(when + timedelta(days=1)), when + timedelta(days=1))
    assert case.deadline("first_assessment_due") is None
    assert CaseFacts.of(case.state).days_to_first_assessment == 3


def test_an_assessment_recorded_first_also_answers_the_referral() -> None:
    case = referred_case()
    assessed = REFERRED + timedelta(days=1)
    case.act(j.assessment(assessed), assessed)
    assert case.deadline("first_assessment_due") is None
    assert CaseFacts.of(case.state).first_consulted_on == assessed.date()


# --- missed appointments ---------------------------------------------------------------------


def miss(case: Case, times: int, start: datetime = REFERRED) -> datetime:
    """Book and miss `times` appointments one after another; returns the last one's time."""
    when = start
    for _ in range(times):
        when += timedelta(days=2)
        number = case.book(when, when - timedelta(days=1))
        case.outcome(number, AppointmentOutcome.DID_NOT_ATTEND, when + timedelta(minutes=15))
    return when


def test_two_missed_appointments_tell_the_manager_and_ask_oh_to_decide() -> None:
    case = referred_case()
    miss(case, 1)
    assert not any(isinstance(e, MissedAppointmentsDecisionRequested) for e in case.events)

    last = miss(case, 1, REFERRED + timedelta(days=2))
    request = case.events[-1]

    assert isinstance(request, MissedAppointmentsDecisionRequested) and request.missed == 2
    decide_by = last + timedelta(minutes=15) + timedelta(days=5)
    assert request.decide_by == decide_by
    told = [(n.kind, n.recipient_role, n.recipient_id, n.due_at) for n in case.notices
            if n.kind is NoticeKind.APPOINTMENTS_MISSED]
    assert told == [
        (NoticeKind.APPOINTMENTS_MISSED, Role.MANAGER, case.state.manager.id, None),
        (NoticeKind.APPOINTMENTS_MISSED, Role.OH, None, decide_by),
    ]
    assert case.deadline("missed_appointments_decision_due") == decide_by
    assert case.state.appointments.did_not_attend == 2


def test_the_manager_hears_nothing_of_what_the_missed_appointments_were_for() -> None:
    case = referred_case()
    miss(case, 2)
    request = case.events[-1]
    assert "first_consultation" not in request.reason and "nurse" not in request.reason
    assert "OH" not in "".join(n.model_dump_json() for n in case.notices
                               if n.recipient_role is Role.MANAGER)


def test_an_attended_appointment_between_two_missed_ones_starts_the_count_again() -> None:
    case = referred_case()
    miss(case, 1)
    number = case.book(REFERRED + timedelta(days=4), REFERRED)
    case.outcome(number, AppointmentOutcome.ATTENDED, REFERRED + timedelta(days=4, hours=1))
    miss(case, 1, REFERRED + timedelta(days=4))
    assert not any(isinstance(e, MissedAppointmentsDecisionRequested) for e in case.events)
    assert case.state.appointments.missed_in_a_row == 1


def test_the_number_of_missed_appointments_is_the_policys() -> None:
    case = referred_case(missed_appointments_before_decision=3)
    miss(case, 2)
    assert case.state.appointments.decision_due_at is None
    miss(case, 1, REFERRED + timedelta(days=4))
    assert case.state.appointments.decision_due_at is not None


def test_oh_is_reminded_if_it_has_not_decided_by_the_policys_days() -> None:
    case = referred_case()
    miss(case, 2)
    [reminder] = case.pass_deadline("missed_appointments_decision_due")
    assert isinstance(reminder, ReminderSent)
    [notice] = notices_for(case.state, reminder)
    assert (notice.kind, notice.recipient_role) == (NoticeKind.MISSED_APPOINTMENTS_DECISION_DUE,
                                                    Role.OH)


def test_no_booking_until_oh_decides_then_rebooking_starts_the_count_again() -> None:
    case = referred_case()
    last = miss(case, 2)
    with pytest.raises(InvalidCommand, match="decide_after_missed_appointments"):
        case.book(last + timedelta(days=3), last + timedelta(hours=1))

    [decided] = case.act(DecideAfterMissedAppointments(
        decision=MissedAppointmentsDecision.REBOOK, reason="New phone number"),
        last + timedelta(hours=1))

    assert isinstance(decided, MissedAppointmentsDecided) and decided.cancelled == ()
    assert case.state.appointments.missed_in_a_row == 0
    assert case.deadline("missed_appointments_decision_due") is None
    assert not notices_for(case.state, decided)
    case.book(last + timedelta(days=3), last + timedelta(hours=1))


def test_discharge_cancels_what_is_booked_tells_the_manager_and_ends_the_consultation_target(
        ) -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=20), REFERRED)
    last = miss(case, 2)

    [decided] = case.act(DecideAfterMissedAppointments(
        decision=MissedAppointmentsDecision.DISCHARGE, reason="No reply to three letters"),
        last + timedelta(hours=1))

    assert decided.cancelled == (1,)  # type: ignore[union-attr]
    assert not case.state.appointments.upcoming
    assert case.state.appointments.cancelled_by_service == 1
    assert case.deadline("first_assessment_due") is None
    assert [(n.kind, n.recipient_role) for n in notices_for(case.state, decided)] == [
        (NoticeKind.MISSED_APPOINTMENTS_DECIDED, Role.MANAGER)]


def test_close_closes_the_case_as_withdrawn() -> None:
    case = referred_case()
    last = miss(case, 2)
    decided, closed = case.act(DecideAfterMissedAppointments(
        decision=MissedAppointmentsDecision.CLOSE, reason="Employee asked to stop"),
        last + timedelta(hours=1))
    assert isinstance(decided, MissedAppointmentsDecided) and isinstance(closed, CaseClosed)
    assert case.state.stage is Stage.CLOSED
    assert case.state.closure is not None and case.state.closure.outcome.value == "withdrawn"


def test_a_decision_is_refused_when_none_is_awaited() -> None:
    case = referred_case()
    with pytest.raises(InvalidCommand, match="decision: no decision is awaited"):
        case.act(DecideAfterMissedAppointments(decision=MissedAppointmentsDecision.REBOOK,
                                               reason="x"), REFERRED)


# --- back at work before an appointment ------------------------------------------------------


def test_oh_is_asked_if_an_appointment_is_still_needed_when_the_employee_returns_first() -> None:
    case = referred_case()
    when = at_london(date(2026, 12, 10), 11)
    case.book(when, REFERRED)
    assert case.deadline("appointment_still_needed") is None

    back = date(2026, 12, 1)
    case.act(EmployeeReturned(sent_at=at_london(back, 8), returned_on=back),
             at_london(back, 8), HR_ACTOR)

    assert case.deadline("appointment_still_needed") == at_london(back, 9)
    [asked] = case.pass_deadline("appointment_still_needed")
    assert isinstance(asked, AppointmentStillNeededAsked) and asked.at == when
    [notice] = notices_for(case.state, asked)
    assert (notice.kind, notice.recipient_role, notice.due_at) == (
        NoticeKind.APPOINTMENT_STILL_NEEDED, Role.OH, when)
    assert case.deadline("appointment_still_needed") is None


def test_an_appointment_booked_after_the_return_is_not_questioned() -> None:
    case = referred_case()
    back = date(2026, 11, 25)
    case.act(EmployeeReturned(sent_at=at_london(back, 8), returned_on=back),
             at_london(back, 8), HR_ACTOR)
    case.book(at_london(date(2026, 12, 2), 11), at_london(date(2026, 11, 26), 10))
    assert case.deadline("appointment_still_needed") is None


# --- the stored record and the action table --------------------------------------------------


def test_every_appointment_event_reads_back_from_its_stored_form() -> None:
    case = referred_case()
    case.book(REFERRED + timedelta(days=1), REFERRED)
    case.pass_deadline("appointment_reminder")
    miss(case, 2, REFERRED + timedelta(days=1))
    case.act(DecideAfterMissedAppointments(decision=MissedAppointmentsDecision.DISCHARGE,
                                           reason="x"), REFERRED + timedelta(days=6))
    for event in case.events:
        assert parse_event(event.model_dump(mode="json")) == event


@pytest.mark.parametrize("action", [Action.BOOK_APPOINTMENT, Action.MOVE_APPOINTMENT,
                                    Action.RECORD_APPOINTMENT_OUTCOME,
                                    Action.DECIDE_AFTER_MISSED_APPOINTMENTS])
def test_each_example_body_is_accepted_in_a_stage_that_allows_it(action: Action) -> None:
    rule = RULES[action]
    example_day = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
    case = referred_case()
    assert case.state.stage in rule.stages
    if action is not Action.BOOK_APPOINTMENT:
        case.book(datetime(2026, 11, 23, 11, 0, tzinfo=UTC), example_day)
    if action is Action.DECIDE_AFTER_MISSED_APPOINTMENTS:
        miss(case, 2, example_day)
    now = case.state.appointments.upcoming[0].at + timedelta(hours=1) if (
        action is Action.RECORD_APPOINTMENT_OUTCOME) else example_day
    if action is Action.DECIDE_AFTER_MISSED_APPOINTMENTS:
        now = example_day + timedelta(days=5)

    command = rule.command.model_validate(rule.example)
    assert case.act(command, now)
