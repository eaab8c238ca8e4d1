"""A real worker (real event store, real outbox) on a given Temporal environment."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
import httpx
from pydantic import BaseModel
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from activities.webhooks import WebhookActivities, WebhookDirectory
from domain.actions import allowed_actions
from domain.actors import Actor
from domain.commands import OpenCase
from domain.deadlines import open_deadlines
from domain.ids import case_id_for_absence
from domain.stages import Action
from eventstore.replay import replay
from eventstore.store import CaseEventStore
from readside.outbox import NoticeOutbox
from readside.schema import ensure_schema
from readside.webhook_deliveries import WebhookDeliveries
from worker.case_worker import build_worker
from workflows.case import CaseWorkflow
from workflows.payloads import ACTION_INPUTS, ActionResult, CaseView, CaseWorkflowInput


@dataclass
class Harness:
    client: Client
    store: CaseEventStore
    pool: asyncpg.Pool
    task_queue: str
    started: list[str] = field(default_factory=list)

    async def open_case(self, command: OpenCase, actor: Actor) -> WorkflowHandle[CaseWorkflow,
                                                                                 CaseView]:
        case_id = case_id_for_absence(command.employer_id, command.absence_id)
        self.started.append(case_id)
        return await self.client.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(case_id=case_id, open=command, opened_by=actor),
            id=case_id,
            task_queue=self.task_queue,
        )

    async def act(self, handle: WorkflowHandle[CaseWorkflow, CaseView], action: Action,
                  command: BaseModel, actor: Actor) -> CaseView:
        """Take one action on the case through its Workflow Update; the case as it then is.

        The Update answers only what changed; the case is rebuilt from the store with the
        workflow's own rules (the Update stored its events before answering). A query after
        every action would hold the time-skipping server's clock under load, and a query on a
        completed workflow waits there for a workflow task timeout.
        """
        await handle.execute_update(
            action.value,
            ACTION_INPUTS[action](command=command, actor=actor),
            result_type=ActionResult,
        )
        records = await asyncio.to_thread(self.store.history, handle.id)
        state = replay(records)[-1].state
        return CaseView(state=state, deadlines=open_deadlines(state),
                        allowed_actions=[a.value for a in allowed_actions(state)])

    async def outbox(self, case_id: str) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT * FROM rtw_notices WHERE case_id = $1::uuid ORDER BY created_at, notice_id",
            case_id
        )


@asynccontextmanager
async def running_worker(
    client: Client, store: CaseEventStore, database_url: str,
    webhooks: WebhookDirectory | None = None, task_queue: str | None = None,
) -> AsyncIterator[Harness]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    await ensure_schema(pool)
    task_queue = task_queue or f"rtw-test-{uuid.uuid4().hex[:8]}"
    http = httpx.AsyncClient(timeout=10)
    try:
        with ThreadPoolExecutor(max_workers=4) as executor:
            worker = build_worker(
                client, task_queue=task_queue, store=store, outbox=NoticeOutbox(pool),
                executor=executor,
                webhooks=WebhookActivities(webhooks or WebhookDirectory({}),
                                           WebhookDeliveries(pool), http),
            )
            async with worker:
                harness = Harness(client=client, store=store, pool=pool, task_queue=task_queue)
                try:
                    yield harness
                finally:
                    await _terminate(client, harness.started)
    finally:
        await http.aclose()
        await pool.close()


async def _terminate(client: Client, case_ids: list[str]) -> None:
    """Leave no case running: on the time-skipping server a workflow whose worker is gone
    holds its next task, and that would stop time from skipping for every later test."""
    for case_id in case_ids:
        handle = client.get_workflow_handle(case_id)
        with contextlib.suppress(RPCError):
            # Let background activities (webhooks, notices) finish first: the test server
            # does not release its time-skipping lock for an activity cut off by termination.
            for _ in range(100):
                description = await client.workflow_service.describe_workflow_execution(
                    DescribeWorkflowExecutionRequest(
                        namespace=client.namespace,
                        execution=WorkflowExecution(workflow_id=case_id),
                    )
                )
                if not description.pending_activities:
                    break
                await asyncio.sleep(0.05)
            await handle.terminate("test finished")
