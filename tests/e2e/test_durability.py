"""What Temporal acknowledged survives the worker: facts sent while no worker runs are applied
when one returns, and nothing is written twice."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from temporalio.testing import WorkflowEnvironment

from domain.commands import EmployeeLeft
from domain.ids import case_id_for_absence
from domain.stages import ReasonCategory
from domain.vocabulary import Outcome
from eventstore.store import CaseEventStore
from tests.support.builders import HR_ACTOR, open_command
from tests.support.workflow_harness import running_worker
from workflows.case import CaseWorkflow
from workflows.payloads import CaseWorkflowInput, HrFactInput


async def test_a_fact_acknowledged_while_the_worker_is_down_is_applied_when_it_returns(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    client = dev_server_env.client
    queue = f"rtw-durable-{uuid.uuid4().hex[:8]}"
    today = datetime.now(UTC).date()
    command = open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today,
                           reason=ReasonCategory.OTHER)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    async with running_worker(client, store, database_url, task_queue=queue):
        handle = await client.start_workflow(
            CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, open=command,
                                                opened_by=HR_ACTOR),
            id=case_id, task_queue=queue)
        for _ in range(100):
            if await asyncio.to_thread(store.history, case_id):
                break
            await asyncio.sleep(0.05)

    # No worker now: the signal is acknowledged by Temporal alone.
    await handle.signal(CaseWorkflow.employee_left, HrFactInput(
        fact=EmployeeLeft(sent_at=datetime.now(UTC), left_on=today), actor=HR_ACTOR))

    async with running_worker(client, store, database_url, task_queue=queue):
        final = await asyncio.wait_for(handle.result(), timeout=30)

    assert final.state.closure is not None
    assert final.state.closure.outcome is Outcome.LEFT_EMPLOYMENT
    records = await asyncio.to_thread(store.history, case_id)
    assert [r.event_type for r in records] == ["CaseOpened", "LeavingNotified", "CaseClosed"]
    assert [r.position for r in records] == [1, 2, 3]
