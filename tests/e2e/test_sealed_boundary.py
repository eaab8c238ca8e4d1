"""A client that reaches Temporal without the payload keys can neither start, signal nor update
a case: the real worker refuses what it sends, writes nothing, and keeps serving genuine cases.
Dev server, real worker, real API over HTTP."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime

import pytest
from temporalio.api.enums.v1 import WorkflowExecutionStatus
from temporalio.client import WorkflowFailureError, WorkflowUpdateFailedError
from temporalio.common import RawValue
from temporalio.converter import WorkflowSerializationContext
from temporalio.testing import WorkflowEnvironment

from domain.actors import Actor, Role, Source
from domain.commands import ExtendAbsence, RecordEarlyContact
from domain.ids import case_id_for_absence
from domain.stages import Action, ContactMethod
from eventstore.store import CaseEventStore
from infra.codec import SealedCodec
from tests.conftest import TEST_PAYLOAD_KEYS
from tests.support.api_harness import ApiStack, absence, auth, open_case, serve_api
from tests.support.builders import HR_ACTOR, open_command
from workflows.case import CaseWorkflow
from workflows.payloads import ACTION_INPUTS, AbsenceExtendedInput, CaseWorkflowInput

# Whoever holds only Temporal access claims to be an OH physician.
FORGED_OH = Actor(id="OHP-FORGED", role=Role.OH, source=Source.API)


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore,
              database_url: str) -> ApiStack:
    async with serve_api(dev_server_env.client, store, database_url) as stack:
        yield stack  # type: ignore[misc]


async def types_of(store: CaseEventStore, case_id: str) -> list[str]:
    return [r.event_type for r in await asyncio.to_thread(store.history, case_id)]


async def opened(api: ApiStack, store: CaseEventStore) -> str:
    case_id = await open_case(api)
    for _ in range(100):
        if await types_of(store, case_id):
            return case_id
        await asyncio.sleep(0.1)
    raise AssertionError("the genuine case was never stored")


def contact() -> RecordEarlyContact:
    return RecordEarlyContact(contacted_at=datetime.now(UTC), method=ContactMethod.PHONE,
                              agreed_contact_frequency_days=7)


async def test_a_client_without_keys_cannot_start_a_case(
    dev_server_env: WorkflowEnvironment, api: ApiStack, store: CaseEventStore
) -> None:
    plain = dev_server_env.client  # the pydantic converter, no codec
    command = open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}")
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    handle = await plain.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, open=command, opened_by=HR_ACTOR),
        id=case_id, task_queue=api.harness.task_queue)
    # It fails at its first task instead of retrying that task forever.
    with pytest.raises(WorkflowFailureError):
        await asyncio.wait_for(handle.result(), timeout=15)
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_FAILED
    assert await types_of(store, case_id) == []
    # The worker carries on: a genuine case opens and is stored.
    assert await opened(api, store)


async def test_a_client_without_keys_can_neither_signal_nor_update_a_case(
    dev_server_env: WorkflowEnvironment, api: ApiStack, store: CaseEventStore
) -> None:
    case_id = await opened(api, store)
    before = await types_of(store, case_id)
    plain = dev_server_env.client.get_workflow_handle_for(CaseWorkflow.run, case_id)

    await plain.signal(CaseWorkflow.absence_extended, AbsenceExtendedInput(
        fact=ExtendAbsence(sent_at=datetime.now(UTC), expected_last_day=date(2099, 1, 1)),
        actor=HR_ACTOR))
    update = ACTION_INPUTS[Action.RECORD_EARLY_CONTACT](command=contact(), actor=FORGED_OH)
    with pytest.raises(WorkflowUpdateFailedError):
        await plain.execute_update(Action.RECORD_EARLY_CONTACT.value, update)

    # Nor read it: the case answers a query sealed, which the keyless client cannot open.
    with pytest.raises(Exception, match="binary/encrypted"):
        await plain.query(CaseWorkflow.view)

    # A sealed payload taken from another case's history does not open here either.
    other = await opened(api, store)
    sealed_for_other = (await SealedCodec.from_spec(TEST_PAYLOAD_KEYS).with_context(
        WorkflowSerializationContext(namespace="default", workflow_id=other)).encode(
        dev_server_env.client.data_converter.payload_converter.to_payloads([update])))[0]
    with pytest.raises(WorkflowUpdateFailedError):
        await plain.execute_update(Action.RECORD_EARLY_CONTACT.value, RawValue(sealed_for_other))

    # The genuine API still acts on the case, which has none of the forged actions.
    acted = await api.http.post(f"/v1/cases/{case_id}/contact", headers=auth(Role.MANAGER),
                                json={"contacted_at": datetime.now(UTC).isoformat(),
                                      "method": "phone", "agreed_contact_frequency_days": 7})
    assert acted.status_code == 200, acted.text
    after = await types_of(store, case_id)
    assert after[:len(before)] == before
    # One early contact (the manager's, through the API); no extension.
    assert after.count("EarlyContactRecorded") == 1
    assert "AbsenceExtended" not in after


async def test_a_foreign_start_does_not_keep_the_genuine_absence_from_opening(
    dev_server_env: WorkflowEnvironment, api: ApiStack, store: CaseEventStore
) -> None:
    body = absence()
    command = open_command(absence_id=body["absence_id"])
    case_id = case_id_for_absence(body["employer_id"], body["absence_id"])
    squatter = await dev_server_env.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, open=command, opened_by=HR_ACTOR),
        id=case_id, task_queue=api.harness.task_queue)
    with pytest.raises(WorkflowFailureError):
        await asyncio.wait_for(squatter.result(), timeout=15)
    genuine = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    assert genuine.status_code == 201, genuine.text
