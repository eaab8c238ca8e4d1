"""Running cases keep replaying under the sealed codec: their histories were written by the
codec before it (AES-GCM, the key id alone as associated data), and the worker still opens
those payloads. A history whose payloads are plain, or sealed with a key the worker does not
hold, does not replay."""

from __future__ import annotations

import asyncio
import base64
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from infra.temporal_client import WORKFLOW_RUNNER, data_converter
from workflows.case import CaseWorkflow

HISTORIES = Path(__file__).parent / "histories"
# Two stored histories: one early journey, one that continued as new.
SAMPLES = ("early_contact_recorded", "continued_as_new_after_settling")
KEY = b"q" * 32
KEYS = "live1:" + base64.b64encode(KEY).decode()


def seal_as_before(message: Message, *, key: bytes, kid: str) -> None:
    """Encrypt every codec-bound payload of a history as the previous codec did."""
    for field, value in message.ListFields():
        if field.message_type is None or field.name in ("header", "search_attributes"):
            continue
        if field.message_type.GetOptions().map_entry:
            # A marker's own data (local activities, patches) is read by the SDK's core,
            # never by the codec; only a local activity's result is encoded.
            marker = message.DESCRIPTOR.name == "MarkerRecordedEventAttributes"
            items = [v for k, v in value.items() if not marker or k == "result"]
        elif isinstance(value, Message):
            items = [value]
        else:  # a repeated field
            items = list(value)
        for item in items:
            if isinstance(item, Payload):
                nonce = os.urandom(12)
                sealed = nonce + AESGCM(key).encrypt(nonce, item.SerializeToString(),
                                                     kid.encode())
                item.Clear()
                item.metadata["encoding"] = b"binary/encrypted"
                item.metadata["encryption-key-id"] = kid.encode()
                item.data = sealed
            elif isinstance(item, Message):
                seal_as_before(item, key=key, kid=kid)


async def replay(name: str, *, key: bytes | None) -> object:
    history = WorkflowHistory.from_json(
        name, await asyncio.to_thread((HISTORIES / f"{name}.json").read_text))
    if key is not None:
        for event in history.events:
            seal_as_before(event, key=key, kid="live1")
    replayer = Replayer(workflows=[CaseWorkflow], workflow_runner=WORKFLOW_RUNNER,
                        data_converter=data_converter(KEYS))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return result.replay_failure


async def test_histories_written_by_the_previous_codec_replay_under_the_sealed_one() -> None:
    for name in SAMPLES:
        assert await replay(name, key=KEY) is None, name


async def test_a_history_of_plain_payloads_does_not_replay_under_the_sealed_codec() -> None:
    assert await replay(SAMPLES[0], key=None) is not None


async def test_a_history_sealed_with_a_key_the_worker_lacks_does_not_replay() -> None:
    assert await replay(SAMPLES[0], key=b"z" * 32) is not None
