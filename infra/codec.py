"""The sealed Temporal boundary: every payload AES-GCM encrypted for one workflow (one case).

A payload is sealed with the active key of RTW_PAYLOAD_KEYS and, as associated data, the seal
version, the key id and the id of the workflow it belongs to (the case id). The SDK tells the
codec that workflow through its serialization context (`with_context`), on the client and in
the worker alike. So a payload opens only with a key of the ring, and only inside the case it
was written for: a client that reaches Temporal without the key can neither write a payload
the worker accepts nor replay one taken from another case's history.

A payload that does not open is never handed to the workflow. Raising inside the worker would
fail the workflow task, and Temporal would retry it forever: a stranger could wedge a case.
Instead the codec answers a *refusal marker* (encoding `binary/rtw-refused`), and the payload
converter turns that marker into a non-retryable `ApplicationError`. Then, by the SDK's own
rules: a signal whose input cannot be converted is dropped, an Update is rejected (before its
validator, never written to history), and a workflow whose start input cannot be converted
fails at once instead of retrying its first task. A genuine case carries on.

Payloads sealed before the seal carried the workflow id (version 1: associated data = the key
id only) still open with their key, so the histories of running cases replay. They are bound
to no case; they stop opening when their key leaves the ring (see the README, "the Temporal
boundary"). Whether a payload opens depends on the payload and the ring alone, never on when
the worker meets it (live or replaying): a message refused live but accepted on replay (or the
reverse) would make the replay diverge from the history and stop the case. For the same reason
a payload key leaves the ring only once no running case's history holds what it sealed.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.exceptions import ApplicationError

from eventstore.keyring import KeyRing, new_key, parse_key_ring

log = logging.getLogger(__name__)

PAYLOAD_KEYS_SETTING = "RTW_PAYLOAD_KEYS"
KEY_SIZES = (16, 24, 32)
ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
SEAL = "rtw-seal"
SEAL_VERSION = b"2"
WORKFLOW_ID = "rtw-workflow-id"
REFUSED = b"binary/rtw-refused"
REFUSAL_TYPE = "SealRefused"
NONCE_BYTES = 12


class PayloadRefused(ValueError):
    """A payload that is not sealed with a known key for this workflow."""


def parse_payload_keys(spec: str | None) -> KeyRing:
    """The ring RTW_PAYLOAD_KEYS describes; a `KeyRingError` naming the setting otherwise."""
    return parse_key_ring(spec, setting=PAYLOAD_KEYS_SETTING, sizes=KEY_SIZES)


def new_key_spec(kid: str = "k1") -> str:
    """A ring of one new random 32-byte key: `kid:base64`."""
    return new_key(kid)


def _associated_data(version: bytes, key_id: str, workflow_id: str) -> bytes:
    if version == b"1":
        return key_id.encode()
    return b"rtw-seal/" + version + b"\x00" + key_id.encode() + b"\x00" + workflow_id.encode()


def context_workflow_id(context: SerializationContext) -> str | None:
    """The workflow a payload belongs to, for workflow and activity contexts alike."""
    workflow_id = getattr(context, "workflow_id", None)
    return workflow_id if isinstance(workflow_id, str) else None


class SealedCodec(PayloadCodec, WithSerializationContext):
    """Seals payloads for one workflow; refuses (with a marker) what it cannot open."""

    def __init__(self, ring: KeyRing, *, workflow_id: str | None = None,
                 ciphers: dict[str, AESGCM] | None = None) -> None:
        self.ring = ring
        self.workflow_id = workflow_id
        self._ciphers = ciphers or {kid: AESGCM(key) for kid, key in ring.keys.items()}

    @classmethod
    def from_spec(cls, spec: str | None) -> SealedCodec:
        return cls(parse_payload_keys(spec))

    def with_context(self, context: SerializationContext) -> SealedCodec:
        return SealedCodec(self.ring, workflow_id=context_workflow_id(context),
                           ciphers=self._ciphers)

    def seal(self, payload: Payload) -> Payload:
        kid = self.ring.active_id
        workflow_id = self.workflow_id or ""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[kid].encrypt(
            nonce, payload.SerializeToString(),
            _associated_data(SEAL_VERSION, kid, workflow_id))
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID: kid.encode(), SEAL: SEAL_VERSION,
                      WORKFLOW_ID: workflow_id.encode()},
            data=nonce + sealed,
        )

    def open(self, payload: Payload) -> Payload:
        """The payload inside, or `PayloadRefused` saying why not. Without a workflow in the
        context (the codec endpoint), the workflow id recorded in the payload is used: the
        seal then proves the key, not the case."""
        if payload.metadata.get("encoding") != ENCODING:
            raise PayloadRefused("payload is not encrypted")
        kid = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(kid)
        if cipher is None:
            raise PayloadRefused(f"payload encrypted with unknown key id '{kid}'")
        version = payload.metadata.get(SEAL, b"1")
        if version not in (b"1", SEAL_VERSION):
            raise PayloadRefused(f"unknown seal version '{version.decode(errors='replace')}'")
        recorded = payload.metadata.get(WORKFLOW_ID, b"").decode(errors="replace")
        workflow_id = self.workflow_id if self.workflow_id is not None else recorded
        if version != b"1" and recorded != workflow_id:
            raise PayloadRefused("payload was sealed for another workflow")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, _associated_data(version, kid, workflow_id))
        except InvalidTag:
            raise PayloadRefused("payload seal does not verify") from None
        return Payload.FromString(plain)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.seal(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            try:
                decoded.append(self.open(payload))
            except PayloadRefused as refusal:
                log.warning("refused a Temporal payload for workflow %s: %s",
                            self.workflow_id, refusal)
                decoded.append(refusal_marker(str(refusal)))
        return decoded


def refusal_marker(reason: str) -> Payload:
    """What stands in for a payload that did not open: it converts to no value."""
    return Payload(metadata={"encoding": REFUSED}, data=reason.encode())


class SealedPayloadConverter(PydanticPayloadConverter):
    """The pydantic converter, refusing (non-retryably) a payload the codec refused."""

    def from_payloads(self, payloads: Sequence[Payload],
                      type_hints: list[type] | None = None) -> list[Any]:
        for payload in payloads:
            if payload.metadata.get("encoding") == REFUSED:
                raise ApplicationError(
                    f"refused: {payload.data.decode(errors='replace')}",
                    type=REFUSAL_TYPE, non_retryable=True)
        return super().from_payloads(payloads, type_hints)
