"""A case's Temporal payloads are sealed under its data key: a copy of its history taken before
erasure (a backup, an archive, a deletion that failed) is unreadable once the key is destroyed,
even to a holder of the payload keys, while another case's copy still opens."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from infra.codec import CASE_KEY_ID, CASE_SEALED, ENCODING, REFUSED, SealedCodec
from tests.conftest import TEST_PAYLOAD_KEYS, fresh_database, keyed_store
from tests.e2e.test_erasure import KEPT, payloads
from tests.support.api_harness import ApiStack, absence, auth, open_case, serve_api

ERASED = {"id": "E8810", "name": "Branwen Treloar", "email": "branwen.t@example.org"}


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, postgres_server_url: str
              ) -> AsyncIterator[ApiStack]:
    database_url = fresh_database(postgres_server_url)
    with keyed_store(database_url) as store:
        async with serve_api(dev_server_env.client, store, database_url) as stack:
            yield stack


async def history_payloads(stack: ApiStack, case_id: str) -> list[Payload]:
    """Every payload of the case's history, as Temporal stores it, once the case's first
    event is stored (the worker has sealed and opened its payloads)."""
    for _ in range(150):
        if await asyncio.to_thread(stack.harness.store.history, case_id):
            history = await stack.client.get_workflow_handle(case_id).fetch_history()
            # (search attributes are indexed by Temporal, so they are not sealed: not counted)
            return [p for event in history.events for p in payloads(event)
                    if p.metadata.get("encoding") == ENCODING]
        await asyncio.sleep(0.1)
    raise AssertionError(f"case {case_id}: its first event was not stored")


def wire(payload: Payload) -> dict[str, Any]:
    document: dict[str, Any] = json_format.MessageToDict(payload)
    return document


def unwire(document: dict[str, Any]) -> Payload:
    return json_format.ParseDict(document, Payload())


def text(decoded: list[Payload]) -> bytes:
    return b"\n".join(p.data for p in decoded)


async def test_a_history_copied_before_erasure_does_not_open_after_it(api: ApiStack) -> None:
    store = api.harness.store
    notified = absence(employee=ERASED)
    erased_case = await open_case(api, notified)
    kept_case = await open_case(api, absence(employee=KEPT))
    copied = {case: await history_payloads(api, case) for case in (erased_case, kept_case)}

    # Before: both open with the codec; each case's payloads are sealed under the data key
    # its events are sealed with (made by the API before the start, reused by the store).
    before = SealedCodec.from_spec(TEST_PAYLOAD_KEYS, data_keys=store.subject_keys)
    assert ERASED["name"].encode() in text(await before.decode(copied[erased_case]))
    assert KEPT["name"].encode() in text(await before.decode(copied[kept_case]))
    for case in (erased_case, kept_case):
        key = store.subject_keys.get(case)
        assert key is not None
        inner = [before.open(p) for p in copied[case]]
        assert {p.metadata[CASE_KEY_ID] for p in inner} == {key.key_id.encode()}
        assert {p.metadata["encoding"] for p in inner} == {CASE_SEALED}
    # The payload keys alone do not open the case's layer.
    single = SealedCodec.from_spec(TEST_PAYLOAD_KEYS)
    assert ERASED["name"].encode() not in text(await single.decode(copied[erased_case]))

    await asyncio.to_thread(store.subject_keys.destroy, [erased_case],
                            reason="erasure request", at=datetime.now(UTC))

    # After: a codec holding every key left (a new process, nothing cached) refuses each
    # payload of the erased case's copy, and still opens the other case's.
    after = SealedCodec.from_spec(TEST_PAYLOAD_KEYS, data_keys=store.subject_keys)
    refused = await after.decode(copied[erased_case])
    assert {p.metadata["encoding"] for p in refused} == {REFUSED}
    assert ERASED["name"].encode() not in text(refused)
    assert KEPT["name"].encode() in text(await after.decode(copied[kept_case]))

    # Nor through the codec endpoint, at once; the other case's still do.
    for case, readable in ((erased_case, False), (kept_case, True)):
        answer = await api.http.post("/v1/codec/decode", headers=auth(Role.OH),
                                     json={"payloads": [wire(p) for p in copied[case]]})
        assert answer.status_code == 200, answer.text
        through = [unwire(p) for p in answer.json()["payloads"]]
        assert (through != copied[case]) is readable
    assert KEPT["name"].encode() in text(through)  # the kept case's, opened by both layers

    # The same absence notified again does not open the erased case anew.
    again = await api.http.post("/v1/absences", json=notified, headers=auth(Role.HR))
    assert again.status_code == 409, again.text
    assert "erased" in again.json()["detail"]
