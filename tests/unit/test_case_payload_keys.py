"""A case's Temporal payloads are sealed a second time, under a key derived from the case's data
key: destroying that key leaves them unreadable wherever they survive."""

from __future__ import annotations

import os
import uuid

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from eventstore.subject_keys import DataKey
from infra.codec import (
    CASE_KEY_ID,
    CASE_SEALED,
    REFUSED,
    CaseKeys,
    PayloadRefused,
    SealedCodec,
    SealedPayloadConverter,
    new_key_spec,
)

RING = new_key_spec("k1")
CASE_A = str(uuid.uuid4())
CASE_B = str(uuid.uuid4())


class KeysInMemory:
    """The cases' data keys as `SubjectKeys` answers them, counting its lookups."""

    def __init__(self, *case_ids: str) -> None:
        self.keys = {c: DataKey(c, "dk-" + os.urandom(4).hex(), os.urandom(32))
                     for c in case_ids}
        self.lookups = 0

    def get(self, case_id: str) -> DataKey | None:
        self.lookups += 1
        return self.keys.get(case_id)

    def forget(self, case_id: str) -> None:
        pass

    def destroy(self, case_id: str) -> None:
        self.keys[case_id] = DataKey(case_id, self.keys[case_id].key_id, None)


def payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


def codec_for(case_id: str, keys: KeysInMemory | None, *, seconds: float = 5.0
              ) -> SealedCodec:
    codec = SealedCodec.from_spec(RING, data_keys=keys)
    if keys is not None and codec.case_keys is not None:
        codec.case_keys.seconds = seconds
    return codec.with_context(WorkflowSerializationContext(namespace="default",
                                                           workflow_id=case_id))


async def test_a_case_payload_is_sealed_under_its_data_key_inside_the_seal() -> None:
    keys = KeysInMemory(CASE_A)
    codec = codec_for(CASE_A, keys)
    [sealed] = await codec.encode([payload('{"name": "Sam Patel"}')])
    inner = codec.open(sealed)  # the outer seal alone opens to the case's layer
    assert inner.metadata["encoding"] == CASE_SEALED
    assert inner.metadata[CASE_KEY_ID] == keys.keys[CASE_A].key_id.encode()
    assert b"Sam Patel" not in inner.SerializeToString()
    assert await codec.decode([sealed]) == [payload('{"name": "Sam Patel"}')]


async def test_a_payload_whose_data_key_was_destroyed_is_refused_not_raised() -> None:
    keys = KeysInMemory(CASE_A)
    codec = codec_for(CASE_A, keys, seconds=0.0)
    [sealed] = await codec.encode([payload("advice")])
    keys.destroy(CASE_A)
    [refused] = await codec.decode([sealed])
    assert refused.metadata["encoding"] == REFUSED
    assert b"destroyed" in refused.data
    with pytest.raises(ApplicationError) as raised:
        SealedPayloadConverter().from_payloads([refused], [str])
    assert raised.value.non_retryable


async def test_nothing_of_an_erased_case_is_written_again() -> None:
    keys = KeysInMemory(CASE_A)
    keys.destroy(CASE_A)
    codec = codec_for(CASE_A, keys)
    [sealed] = await codec.encode([payload('{"name": "Sam Patel"}')])
    assert codec.open(sealed).metadata["encoding"] == REFUSED
    [decoded] = await codec.decode([sealed])
    assert decoded.metadata["encoding"] == REFUSED


async def test_case_a_payload_does_not_open_as_case_b() -> None:
    keys = KeysInMemory(CASE_A, CASE_B)
    [sealed] = await codec_for(CASE_A, keys).encode([payload("close it")])
    codec_b = codec_for(CASE_B, keys)
    # The outer seal taken off and put back on for B, as a holder of the payload keys could.
    moved = codec_b.seal(codec_for(CASE_A, keys).open(sealed))
    with pytest.raises(PayloadRefused, match="data key this case does not have"):
        await codec_b.open_for_case(moved)
    # Even under the same data key, the case id is bound (associated data).
    keys.keys[CASE_B] = DataKey(CASE_B, keys.keys[CASE_A].key_id, keys.keys[CASE_A].secret)
    with pytest.raises(PayloadRefused, match="case seal does not verify"):
        await codec_for(CASE_B, keys).open_for_case(moved)


async def test_workflows_without_a_data_key_keep_the_single_seal() -> None:
    keys = KeysInMemory(CASE_A)
    for workflow_id in ("rtw-retention", str(uuid.uuid4())):
        [sealed] = await codec_for(workflow_id, keys).encode([payload("x")])
        single = codec_for(workflow_id, None)  # today's codec opens it
        assert single.open(sealed) == payload("x")
        assert await single.decode([sealed]) == [payload("x")]


async def test_single_seal_payloads_of_a_case_with_a_key_still_open() -> None:
    # A case opened before data keys reached Temporal: its history replays.
    keys = KeysInMemory(CASE_A)
    [old] = await codec_for(CASE_A, None).encode([payload("started")])
    assert await codec_for(CASE_A, keys).decode([old]) == [payload("started")]


async def test_a_codec_without_data_keys_refuses_a_case_sealed_payload() -> None:
    keys = KeysInMemory(CASE_A)
    [sealed] = await codec_for(CASE_A, keys).encode([payload("x")])
    [decoded] = await codec_for(CASE_A, None).decode([sealed])
    assert decoded.metadata["encoding"] == REFUSED


async def test_keys_are_looked_up_once_per_case_while_cached_and_the_cache_is_bounded(
) -> None:
    keys = KeysInMemory(CASE_A, CASE_B)
    codec = codec_for(CASE_A, keys)
    sealed = await codec.encode([payload(str(n)) for n in range(20)])
    await codec.decode(sealed)
    assert keys.lookups == 1
    case_keys = CaseKeys(keys, size=1)
    await case_keys.lookup(CASE_A)
    await case_keys.lookup(CASE_B)
    await case_keys.lookup(CASE_A)
    assert keys.lookups == 4  # A was evicted by B
