"""With no worker polling, an action answers 202 within the bounded wait, survives the API
process, and is applied (or its refusal recorded) when a worker returns: dev server, real HTTP."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import UTC, datetime

import asyncpg
from opentelemetry.sdk.trace import TracerProvider
from temporalio.testing import WorkflowEnvironment

from api.services import Services
from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.temporal_client import traced_client
from infra.tokens import TokenRegistry
from readside.schema import ensure_schema
from tests.conftest import TEST_PAYLOAD_KEYS
from tests.support.api_harness import absence, auth, principals, serve_app
from tests.support.workflow_harness import running_worker
from workflows.case import CaseWorkflow

WAIT_SECONDS = 1.0


def contact() -> dict[str, object]:
    return {"contacted_at": datetime.now(UTC).isoformat(), "method": "phone",
            "agreed_contact_frequency_days": 7}


async def types_of(store: CaseEventStore, case_id: str) -> list[str]:
    return [r.event_type for r in await asyncio.to_thread(store.history, case_id)]


async def test_an_action_with_no_worker_answers_202_in_the_wait_and_is_applied_later(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    tracer = TracerProvider().get_tracer("rtw-test")
    client = traced_client(dev_server_env.client, payload_keys=TEST_PAYLOAD_KEYS, tracer=tracer)
    task_queue = f"rtw-test-{uuid.uuid4().hex[:8]}"
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    await ensure_schema(pool)
    services = Services(
        temporal=client, store=store, pool=pool, tracer=tracer, task_queue=task_queue,
        tokens=TokenRegistry(principals()),
        update_wait_seconds=WAIT_SECONDS,
    )
    try:
        async with serve_app(services) as http:
            async with running_worker(client, store, database_url, task_queue=task_queue):
                opened = await http.post("/v1/absences", json=absence(), headers=auth(Role.HR))
                assert opened.status_code == 201, opened.text
                case_id = str(opened.json()["case_id"])
                for _ in range(100):
                    if await types_of(store, case_id):
                        break
                    await asyncio.sleep(0.05)
            # The worker is gone: nobody can accept an Update.
            started = time.monotonic()
            applied = await http.post(f"/v1/cases/{case_id}/contact", json=contact(),
                                      headers=auth(Role.MANAGER))
            waited = time.monotonic() - started
            # A second contact will be refused once the first has moved the stage on.
            refused = await http.post(f"/v1/cases/{case_id}/contact", json=contact(),
                                      headers=auth(Role.MANAGER))
        await pool.close()  # the API process is gone too: only Temporal holds the actions

        async with running_worker(client, store, database_url, task_queue=task_queue):
            for _ in range(300):
                if "EarlyContactRecorded" in await types_of(store, case_id):
                    break
                await asyncio.sleep(0.1)
            handle = client.get_workflow_handle_for(CaseWorkflow.run, case_id)
            outcomes = await handle.query(CaseWorkflow.deferred_outcomes)
            view = await handle.query(CaseWorkflow.view)
    finally:
        await client.get_workflow_handle(case_id).terminate("test finished")

    assert applied.status_code == 202 and refused.status_code == 202
    assert applied.json() == {"status": "accepted", "case_id": case_id,
                              "poll": f"/v1/cases/{case_id}"}
    assert waited < WAIT_SECONDS + 3
    assert await types_of(store, case_id) == ["CaseOpened", "EarlyContactRecorded"]
    assert view.state.stage.value == "assessment"
    assert [(o.action, o.applied, o.refusal_kind) for o in outcomes] == [
        ("record_early_contact", True, None),
        ("record_early_contact", False, "action_not_allowed"),
    ]


async def test_an_action_on_a_case_no_worker_has_run_yet_answers_202(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    """The case's employer is known from the start (its search attribute), so the check of
    tenancy needs neither a worker nor a projection: the action is handed over as before."""
    tracer = TracerProvider().get_tracer("rtw-test")
    client = traced_client(dev_server_env.client, payload_keys=TEST_PAYLOAD_KEYS, tracer=tracer)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    await ensure_schema(pool)
    services = Services(
        temporal=client, store=store, pool=pool, tracer=tracer,
        task_queue=f"rtw-test-{uuid.uuid4().hex[:8]}",  # polled by nobody
        tokens=TokenRegistry(principals()), update_wait_seconds=WAIT_SECONDS,
    )
    case_id = ""
    try:
        async with serve_app(services) as http:
            opened = await http.post("/v1/absences", json=absence(), headers=auth(Role.HR))
            assert opened.status_code == 201, opened.text
            case_id = str(opened.json()["case_id"])
            started = time.monotonic()
            applied = await http.post(f"/v1/cases/{case_id}/contact", json=contact(),
                                      headers=auth(Role.MANAGER))
            waited = time.monotonic() - started
    finally:
        await pool.close()
        if case_id:
            await client.get_workflow_handle(case_id).terminate("test finished")

    assert applied.status_code == 202, applied.text
    assert waited < WAIT_SECONDS + 3
