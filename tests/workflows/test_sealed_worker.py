"""A worker behind the sealed codec runs a case across continue-as-new: the new run's input is
sealed for the same case, and the case carries on (time-skipping server)."""

from __future__ import annotations

from opentelemetry.sdk.trace import TracerProvider
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.commands import RecordCheckIn
from domain.stages import Action, ContactMethod
from eventstore.store import CaseEventStore
from infra.temporal_client import traced_client
from tests.conftest import TEST_PAYLOAD_KEYS
from tests.support.builders import MANAGER_ACTOR
from tests.support.workflow_harness import running_worker
from tests.workflows.test_long_cases import now_of, past_its_history_limit, wait_until
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView


async def test_a_sealed_case_continues_as_new_and_carries_on(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    env = time_skipping_env
    client = traced_client(env.client, payload_keys=TEST_PAYLOAD_KEYS,
                           tracer=TracerProvider().get_tracer("rtw-test"))
    async with running_worker(client, store, database_url) as harness:
        handle, first_run = await past_its_history_limit(harness, env)

        async def continued() -> bool:
            return (await handle.describe()).run_id != first_run

        await wait_until(continued)
        latest: WorkflowHandle[CaseWorkflow, CaseView] = client.get_workflow_handle_for(
            CaseWorkflow.run, handle.id)
        view = await harness.act(latest, Action.RECORD_CHECK_IN, RecordCheckIn(
            contacted_at=await now_of(env), method=ContactMethod.PHONE), MANAGER_ACTOR)
        assert view.state.version > 0
        history = await env.client.get_workflow_handle(handle.id).fetch_history()
        [sealed] = history.events[0].workflow_execution_started_event_attributes.input.payloads
        assert sealed.metadata["rtw-seal"] == b"2"
        assert sealed.metadata["rtw-workflow-id"] == handle.id.encode()
