"""CaseWorkflow on the time-skipping Temporal server with the real event store and outbox."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.calendar import london_date
from domain.commands import RecordEarlyContact
from domain.stages import Action, ContactMethod, ReasonCategory
from eventstore.store import CaseEventStore
from tests.support.builders import HR_ACTOR, MANAGER, MANAGER_ACTOR, open_command
from tests.support.workflow_harness import Harness, running_worker
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView


def unique_absence() -> str:
    return f"ABS-{uuid.uuid4().hex[:8]}"


async def today(env: WorkflowEnvironment) -> date:
    """The London date on the test server's clock, which earlier tests have moved on."""
    return london_date(await env.get_current_time())


async def wait_for_events(store: CaseEventStore, case_id: str, count: int) -> list[str]:
    for _ in range(100):
        types = [r.event_type for r in await asyncio.to_thread(store.history, case_id)]
        if len(types) >= count:
            return types
        await asyncio.sleep(0.05)
    raise AssertionError(f"expected {count} events, have {types}")


async def open_today(harness: Harness, env: WorkflowEnvironment
                     ) -> WorkflowHandle[CaseWorkflow, CaseView]:
    """A case whose absence began on the test server's today."""
    return await harness.open_case(
        open_command(absence_id=unique_absence(), reason=ReasonCategory.OTHER,
                     first_day=await today(env)), HR_ACTOR)


async def test_reminds_manager_then_escalates_to_hr_when_no_contact(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        view = await handle.query(CaseWorkflow.view)
        due = view.state.contact_due_at
        escalation = view.state.contact_escalation_at
        assert due is not None and escalation is not None
        assert [d.name for d in view.deadlines][:2] == ["early_contact_due",
                                                        "early_contact_escalation"]

        await time_skipping_env.sleep(due - view.state.opened_at + timedelta(minutes=1))
        assert await wait_for_events(store, handle.id, 2) == ["CaseOpened",
                                                                "ManagerRemindedOfContact"]
        await time_skipping_env.sleep(escalation - due)
        types = await wait_for_events(store, handle.id, 3)

        assert types == ["CaseOpened", "ManagerRemindedOfContact", "MissedContactEscalated"]
        records = await asyncio.to_thread(store.history, handle.id)
        reminder, escalated = records[1], records[2]
        assert due <= reminder.occurred_at < due + timedelta(minutes=1)
        assert escalation <= escalated.occurred_at < escalation + timedelta(minutes=1)
        assert reminder.actor_role == "system" and reminder.source == "timer"

        # Written with the events that caused them, as kinds and ids: never words.
        outbox = await harness.outbox(handle.id)
        assert [(row["kind"], row["recipient_role"], row["recipient_id"]) for row in outbox] == [
            ("early_contact_due", "manager", MANAGER.id), ("early_contact_missed", "hr", None)]
        assert [row["notice_id"] for row in outbox] == [
            f"{reminder.event_id}/1", f"{escalated.event_id}/1"]
        assert outbox[0]["due_at"] == due and outbox[0]["status"] == "pending"
        final = await handle.query(CaseWorkflow.view)
        assert final.state.contact_reminders_sent == 1 and final.state.contact_escalated


async def test_an_absence_notified_ten_days_late_reminds_the_manager_at_once(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        first_day = await today(time_skipping_env) - timedelta(days=10)
        handle = await harness.open_case(
            open_command(absence_id=unique_absence(), reason=ReasonCategory.OTHER,
                         first_day=first_day), HR_ACTOR)

        types = await wait_for_events(store, handle.id, 2)
        outbox = await harness.outbox(handle.id)
        view = await handle.query(CaseWorkflow.view)

        assert types[:2] == ["CaseOpened", "ManagerRemindedOfContact"]
        assert ("early_contact_due", "manager") in {
            (row["kind"], row["recipient_role"]) for row in outbox}
        # HR hears of the missed contact only a working day after the reminder.
        assert "MissedContactEscalated" not in types
        assert view.state.contact_escalation_at is not None
        assert view.state.contact_escalation_at > view.state.opened_at + timedelta(hours=12)


async def test_contact_before_the_deadline_means_no_reminder(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        view = await handle.query(CaseWorkflow.view)
        contacted = await harness.act(
            handle, Action.RECORD_EARLY_CONTACT,
            RecordEarlyContact(contacted_at=view.state.opened_at, method=ContactMethod.PHONE,
                               agreed_contact_frequency_days=30),
            MANAGER_ACTOR,
        )
        assert contacted.state.stage.value == "assessment"
        assert "record_early_contact" not in contacted.allowed_actions

        await time_skipping_env.sleep(timedelta(days=5))

        records = await asyncio.to_thread(store.history, handle.id)
        assert [r.event_type for r in records] == ["CaseOpened", "EarlyContactRecorded"]
        assert records[1].actor_id == MANAGER_ACTOR.id
        assert records[1].actor_role == Role.MANAGER.value
        assert await harness.outbox(handle.id) == []


async def test_a_refused_update_leaves_no_trace(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        view = await handle.query(CaseWorkflow.view)
        await wait_for_events(store, handle.id, 1)

        future = RecordEarlyContact(
            contacted_at=view.state.opened_at + timedelta(days=3),
            method=ContactMethod.PHONE,
            agreed_contact_frequency_days=7,
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await harness.act(handle, Action.RECORD_EARLY_CONTACT, future, MANAGER_ACTOR)

        cause = refused.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == "invalid_command"
        assert cause.details[0]["field"] == "contacted_at"
        assert len(await asyncio.to_thread(store.history, handle.id)) == 1
        history = await handle.fetch_history()
        assert not any(e.HasField("workflow_execution_update_accepted_event_attributes")
                       for e in history.events)
        assert (await handle.query(CaseWorkflow.view)).state.version == 1


async def test_a_payload_that_does_not_fit_the_action_is_refused_naming_the_field(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        await wait_for_events(store, handle.id, 1)
        # Sent straight to Temporal, past the API's own check of the body.
        untyped = {"command": {"method": "phone", "agreed_contact_frequency_days": 7},
                   "actor": MANAGER_ACTOR.model_dump(mode="json")}
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(Action.RECORD_EARLY_CONTACT.value, untyped,
                                        result_type=CaseView)

        cause = refused.value.cause
        assert isinstance(cause, ApplicationError)
        assert cause.type == "invalid_command"
        assert cause.details[0] == {"kind": "invalid_command",
                                    "message": "contacted_at: Field required",
                                    "field": "contacted_at", "reason": "Field required"}
        assert (await handle.query(CaseWorkflow.view)).state.version == 1
        assert len(await asyncio.to_thread(store.history, handle.id)) == 1
