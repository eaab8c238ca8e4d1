"""Appointments on the time-skipping server: the employee's reminder fires before the
appointment, an attended appointment meets the first consultation deadline, and two missed
appointments tell the manager and ask OH to decide (then remind OH if it has not)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.appointment_book import (
    AppointmentMethod,
    AppointmentOutcome,
    AppointmentPurpose,
    MissedAppointmentsDecision,
)
from domain.calendar import london_date
from domain.commands import ReferToOh
from domain.journey.appointments import (
    BookAppointment,
    DecideAfterMissedAppointments,
    RecordAppointmentOutcome,
    WithProfessional,
)
from domain.stages import Action, ReasonCategory
from eventstore.records import CaseEventRecord
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, open_command
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView

NURSE = WithProfessional(id="OHN-7", name="Jo Reid", profession="OH nurse")
Handle = WorkflowHandle[CaseWorkflow, CaseView]


async def referred_case(harness: Harness, env: WorkflowEnvironment) -> Handle:
    """A case opened today, in touch with its manager and referred to OH."""
    now = await env.get_current_time()
    handle = await harness.open_case(
        open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
                     reason=ReasonCategory.OTHER), HR_ACTOR)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    await harness.act(handle, Action.REFER_TO_OH, ReferToOh(reason="Expected to be long"),
                      MANAGER_ACTOR)
    return handle


async def book(harness: Harness, handle: Handle, at: datetime,
               method: AppointmentMethod = AppointmentMethod.VIDEO) -> CaseView:
    return await harness.act(handle, Action.BOOK_APPOINTMENT, BookAppointment(
        at=at, method=method, professional=NURSE, purpose=AppointmentPurpose.FIRST_CONSULTATION),
        OH_ACTOR)


async def outcome(harness: Harness, handle: Handle, number: int,
                  result: AppointmentOutcome) -> CaseView:
    return await harness.act(handle, Action.RECORD_APPOINTMENT_OUTCOME, RecordAppointmentOutcome(
        appointment_number=number, outcome=result), OH_ACTOR)


async def history(harness: Harness, handle: Handle) -> list[CaseEventRecord]:
    await asyncio.sleep(0.1)
    return await asyncio.to_thread(harness.store.history, handle.id)


def reminded(records: list[CaseEventRecord], name: str) -> list[CaseEventRecord]:
    return [r for r in records
            if r.event_type == "ReminderSent" and r.data.get("deadline_name") == name]


async def test_the_employee_is_reminded_before_the_appointment(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await referred_case(harness, env)
    at = (await env.get_current_time()).replace(microsecond=0) + timedelta(days=5)
    view = await book(harness, handle, at, AppointmentMethod.PHONE)
    [due] = [d.due_at for d in view.deadlines if d.name == "appointment_reminder"]

    await env.sleep(due - await env.get_current_time() + timedelta(hours=1))

    [sent] = [r for r in await history(harness, handle)
              if r.event_type == "AppointmentReminderSent"]
    assert sent.occurred_at < at and datetime.fromisoformat(sent.data["at"]) == at
    notices = [(n["kind"], n["recipient_role"], n["due_at"])
               for n in await harness.outbox(handle.id)
               if n["kind"].startswith("appointment_reminder")]
    assert notices == [("appointment_reminder_phone", "employee", at)]


async def test_an_attended_appointment_meets_the_first_consultation_deadline(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await referred_case(harness, env)
    at = await env.get_current_time() + timedelta(days=3)
    await book(harness, handle, at)
    await env.sleep(timedelta(days=3, hours=1))
    view = await outcome(harness, handle, 1, AppointmentOutcome.ATTENDED)
    assert view.state.appointments.first_consultation_at is not None
    assert "first_assessment_due" not in {d.name for d in view.deadlines}

    await env.sleep(timedelta(days=10))

    records = await history(harness, handle)
    assert not reminded(records, "first_assessment_due")
    assert not [r for r in records if r.event_type == "CaseEscalated"
                and "first OH assessment" in r.data["cause"]]


async def test_a_booked_appointment_not_attended_leaves_the_deadline_to_be_missed(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await referred_case(harness, env)
    await book(harness, handle, await env.get_current_time() + timedelta(days=12))

    await env.sleep(timedelta(days=10))

    records = await history(harness, handle)
    assert len(reminded(records, "first_assessment_due")) == 1
    escalated = [r for r in records if r.event_type == "CaseEscalated"
                 and "first OH assessment" in r.data["cause"]]
    assert len(escalated) == 1  # missed twice, as before


async def test_two_missed_appointments_tell_the_manager_and_ask_oh_to_decide(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await referred_case(harness, env)
    now = await env.get_current_time()
    await book(harness, handle, now + timedelta(days=1))
    await book(harness, handle, now + timedelta(days=2))
    await env.sleep(timedelta(days=1, hours=1))
    await outcome(harness, handle, 1, AppointmentOutcome.DID_NOT_ATTEND)
    await env.sleep(timedelta(days=1))
    view = await outcome(harness, handle, 2, AppointmentOutcome.DID_NOT_ATTEND)
    assert view.state.appointments.decision_due_at is not None

    told = {(n["kind"], n["recipient_role"]) for n in await harness.outbox(handle.id)}
    assert {("appointments_missed", "manager"), ("appointments_missed", "oh")} <= told

    await env.sleep(timedelta(days=6))  # OH has not decided within the policy's five days
    records = await history(harness, handle)
    assert len(reminded(records, "missed_appointments_decision_due")) == 1
    assert ("missed_appointments_decision_due", "oh") in {
        (n["kind"], n["recipient_role"]) for n in await harness.outbox(handle.id)}

    view = await harness.act(handle, Action.DECIDE_AFTER_MISSED_APPOINTMENTS,
                             DecideAfterMissedAppointments(
                                 decision=MissedAppointmentsDecision.DISCHARGE,
                                 reason="No reply to calls or letters"), OH_ACTOR)
    assert view.state.appointments.discharged_at is not None
    assert ("missed_appointments_decided", "manager") in {
        (n["kind"], n["recipient_role"]) for n in await harness.outbox(handle.id)}
