"""Reconciling the store with a real Temporal history (time-skipping server, real PostgreSQL)."""

from __future__ import annotations

import asyncio
import io
import uuid

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from cli.reconcile import decisions_in_temporal, report, run_histories
from domain.calendar import london_date
from domain.commands import RecordEarlyContact
from domain.stages import Action, ContactMethod, ReasonCategory
from eventstore.store import CaseEventStore
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.hop_workflow import Hop
from tests.support.stored_cases import tamper
from tests.support.workflow_harness import running_worker


async def test_reconcile_agrees_then_names_a_missing_and_an_extra_event(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        now = await time_skipping_env.get_current_time()
        handle = await harness.open_case(
            open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
                         reason=ReasonCategory.OTHER),
            HR_ACTOR,
        )
        await harness.act(
            handle, Action.RECORD_EARLY_CONTACT,
            RecordEarlyContact(contacted_at=now, method=ContactMethod.PHONE,
                               agreed_contact_frequency_days=7),
            MANAGER_ACTOR,
        )
        client = time_skipping_env.client
        records = await asyncio.to_thread(store.history, handle.id)
        temporal = await decisions_in_temporal(client, handle.id)
        agreed = io.StringIO()
        agreed_code = await report(client, handle.id, records, agreed)

        tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
               "AND originator_version = 2", handle.id)
        tamper(database_url,
               "INSERT INTO rtw_events (originator_id, originator_version, topic, state) "
               "SELECT originator_id, 3, topic, state FROM rtw_events "
               "WHERE originator_id = %s AND originator_version = 1", handle.id)
        tampered = await asyncio.to_thread(store.history, handle.id)
        differs = io.StringIO()
        differs_code = await report(client, handle.id, tampered, differs)

    assert [(d.position, d.event_id) for d in temporal] == [
        (r.position, r.event_id) for r in records
    ]
    assert [d.event_type for d in temporal] == ["CaseOpened", "EarlyContactRecorded"]
    assert agreed_code == 0, agreed.getvalue()
    assert differs_code == 1
    lines = differs.getvalue().splitlines()
    assert f"only in Temporal: position 2 EarlyContactRecorded event {records[1].event_id}" in (
        lines[0]
    )
    assert f"only in the store: position 3 CaseOpened event {records[0].event_id}" in lines[1]


async def test_reconcile_reports_a_case_temporal_does_not_know(
    time_skipping_env: WorkflowEnvironment,
) -> None:
    out = io.StringIO()

    code = await report(time_skipping_env.client, str(uuid.uuid4()), [], out)

    assert code == 1
    assert "no workflow history in Temporal" in out.getvalue()


async def test_every_run_of_a_continued_workflow_is_walked_oldest_first(
    dev_server_env: WorkflowEnvironment,
) -> None:
    # Needs no skipped time; on the time-skipping server its result poll left the clock
    # locked for the long sleeps of later tests.
    client = dev_server_env.client
    task_queue = f"hop-{uuid.uuid4().hex[:8]}"
    workflow_id = str(uuid.uuid4())
    async with Worker(client, task_queue=task_queue, workflows=[Hop]):
        await client.execute_workflow(Hop.run, 2, id=workflow_id, task_queue=task_queue)

    histories = await run_histories(client, workflow_id)
    out = io.StringIO()
    code = await report(client, workflow_id, [], out)  # not a CaseWorkflow: cannot replay

    started = [h.events[0].workflow_execution_started_event_attributes for h in histories]
    assert len(histories) == 3
    assert started[0].continued_execution_run_id == ""
    assert [s.input.payloads[0].data for s in started] == [b"2", b"1", b"0"]
    assert started[1].continued_execution_run_id == histories[0].run_id
    assert code == 1 and "cannot be replayed by this version of CaseWorkflow" in out.getvalue()
