"""Temporal payloads are sealed with AES-GCM for one workflow under a named key; a payload that
does not open becomes a refusal the workflow cannot act on."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import ActivitySerializationContext, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from eventstore.keyring import KeyRingError, parse_key_ring
from infra.codec import (
    REFUSED,
    PayloadRefused,
    SealedCodec,
    SealedPayloadConverter,
    new_key_spec,
    parse_payload_keys,
)


def payload(text: str) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text.encode())


def for_case(codec: SealedCodec, case_id: str) -> SealedCodec:
    return codec.with_context(WorkflowSerializationContext(namespace="default",
                                                           workflow_id=case_id))


async def test_payloads_round_trip_within_their_case_and_hide_their_content() -> None:
    codec = for_case(SealedCodec.from_spec(new_key_spec("k1")), "case-a")
    [sealed] = await codec.encode([payload('{"name": "Sam Patel"}')])
    assert b"Sam Patel" not in sealed.SerializeToString()
    assert sealed.metadata["encryption-key-id"] == b"k1"
    assert sealed.metadata["rtw-workflow-id"] == b"case-a"
    assert await codec.decode([sealed]) == [payload('{"name": "Sam Patel"}')]


async def test_an_activity_of_the_case_opens_what_its_workflow_sealed() -> None:
    codec = SealedCodec.from_spec(new_key_spec("k1"))
    [sealed] = await for_case(codec, "case-a").encode([payload("x")])
    activity = codec.with_context(ActivitySerializationContext(
        namespace="default", activity_id="1", activity_type="append", activity_task_queue="q",
        workflow_id="case-a", workflow_type="CaseWorkflow", is_local=False))
    assert await activity.decode([sealed]) == [payload("x")]


async def test_a_payload_replayed_onto_another_case_is_refused() -> None:
    codec = SealedCodec.from_spec(new_key_spec("k1"))
    [sealed] = await for_case(codec, "case-a").encode([payload("close it")])
    with pytest.raises(PayloadRefused, match="another workflow"):
        for_case(codec, "case-b").open(sealed)
    relabelled = Payload()
    relabelled.CopyFrom(sealed)
    relabelled.metadata["rtw-workflow-id"] = b"case-b"  # the label is bound by the seal
    with pytest.raises(PayloadRefused, match="does not verify"):
        for_case(codec, "case-b").open(relabelled)


async def test_plaintext_and_unknown_keys_become_refusal_markers_not_errors() -> None:
    codec = for_case(SealedCodec.from_spec(new_key_spec("k9")), "case-a")
    [foreign] = await for_case(SealedCodec.from_spec(new_key_spec("k1")), "case-a").encode(
        [payload("x")])
    decoded = await codec.decode([payload('{"role": "oh"}'), foreign])
    assert [p.metadata["encoding"] for p in decoded] == [REFUSED, REFUSED]
    assert decoded[0].data == b"payload is not encrypted"
    assert decoded[1].data == b"payload encrypted with unknown key id 'k1'"


def test_the_converter_turns_a_refusal_into_a_non_retryable_failure() -> None:
    converter = SealedPayloadConverter()
    marker = Payload(metadata={"encoding": REFUSED}, data=b"payload is not encrypted")
    with pytest.raises(ApplicationError) as refused:
        converter.from_payloads([marker], [str])
    assert refused.value.non_retryable
    assert refused.value.type == "SealRefused"
    assert converter.from_payloads([payload('"fine"')], [str]) == ["fine"]


async def test_after_rotation_old_payloads_still_open_and_new_ones_use_the_new_key() -> None:
    old_spec, new_spec = new_key_spec("k1"), new_key_spec("k2")
    [by_old] = await for_case(SealedCodec.from_spec(old_spec), "c").encode([payload("x")])
    rotated = for_case(SealedCodec.from_spec(f"{new_spec},{old_spec}"), "c")
    [by_new] = await rotated.encode([payload("y")])
    assert by_new.metadata["encryption-key-id"] == b"k2"
    assert [p.data for p in await rotated.decode([by_old, by_new])] == [b"x", b"y"]


async def test_payloads_of_the_previous_codec_still_open_so_running_cases_replay() -> None:
    # The codec before the seal: AES-GCM with the key id alone as associated data.
    key = os.urandom(32)
    ring = parse_key_ring(f"k1:{base64.b64encode(key).decode()}",
                          setting="RTW_PAYLOAD_KEYS")
    nonce = os.urandom(12)
    old = Payload(metadata={"encoding": b"binary/encrypted", "encryption-key-id": b"k1"},
                  data=nonce + AESGCM(key).encrypt(nonce, payload("x").SerializeToString(),
                                                   b"k1"))
    assert for_case(SealedCodec(ring), "case-a").open(old) == payload("x")


async def test_without_a_workflow_in_context_the_payloads_own_case_is_checked() -> None:
    codec = SealedCodec.from_spec(new_key_spec("k1"))
    [sealed] = await for_case(codec, "case-a").encode([payload("x")])
    assert codec.open(sealed) == payload("x")


@pytest.mark.parametrize(
    ("spec", "message"),
    [(None, "RTW_PAYLOAD_KEYS is not set"), ("k1:c2hvcnQ=", "16 or 24 or 32 bytes"),
     ("a:" + "A" * 43 + "=,AAAA", "needs an id")],
)
def test_bad_key_settings_name_what_is_expected(spec: str | None, message: str) -> None:
    with pytest.raises(KeyRingError, match=message):
        parse_payload_keys(spec)
