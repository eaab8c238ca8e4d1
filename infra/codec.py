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

Inside that seal, a case's payloads are sealed once more, under a key derived (HKDF, a label of
its own) from the case's data key in the event store, with the case id as associated data. The
inner payload records that it is sealed so (and with which data key) in its metadata, which
the outer seal covers. Destroying the case's data key (erasure, the end of retention) therefore
makes its Temporal payloads unreadable wherever they survive: in archival, after a deletion that
failed, in a backup of Temporal's database. A payload whose data key is destroyed is refused
like any other (the marker). Workflows with no data key (the retention sweep, cases opened
before data keys reached Temporal, stored test histories) keep the single seal, so their
histories replay unchanged. Data keys are looked up by workflow id in a thread (the store's
call blocks) and kept for `CaseKeys.seconds`: a destruction is seen within that time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, Protocol
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import PydanticPayloadConverter
from temporalio.converter import (
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.exceptions import ApplicationError

from eventstore.keyring import KeyRing, new_key, parse_key_ring
from eventstore.subject_keys import DataKey

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
CASE_SEALED = b"binary/rtw-case-sealed"
"""The encoding of a payload sealed under its case's data key (inside the outer seal)."""
CASE_KEY_ID = "rtw-case-key-id"
CASE_SEAL_LABEL = b"rtw/temporal-payload/v1"
"""The HKDF label of the key derived from a case's data key for its Temporal payloads: that
key seals nothing else, and the data key itself never leaves the event store's use."""
KEY_CACHE_SECONDS = 5.0
KEY_CACHE_SIZE = 4096


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


class DataKeySource(Protocol):
    """Where the cases' data keys are kept (the event store's `SubjectKeys`)."""

    def get(self, case_id: str) -> DataKey | None: ...

    def forget(self, case_id: str) -> None: ...


def case_cipher(key: DataKey) -> AESGCM | None:
    """The AES-GCM key a case's Temporal payloads are sealed with: derived from its data key
    (None once that key is destroyed)."""
    if key.secret is None:
        return None
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                   info=CASE_SEAL_LABEL + b"\x00" + key.key_id.encode()).derive(key.secret)
    return AESGCM(derived)


def _case_associated_data(key_id: str, case_id: str) -> bytes:
    return b"rtw-case-seal/1\x00" + key_id.encode() + b"\x00" + case_id.encode()


class CaseKeys:
    """The cases' data keys for the codec, by workflow id: looked up in a thread (the store's
    call blocks), kept `seconds` with their derived cipher, at most `size` cases at a time."""

    def __init__(self, source: DataKeySource, *, seconds: float = KEY_CACHE_SECONDS,
                 size: int = KEY_CACHE_SIZE) -> None:
        self.source = source
        self.seconds = seconds
        self.size = size
        self._cache: OrderedDict[str, tuple[float, DataKey | None, AESGCM | None]] = \
            OrderedDict()

    async def lookup(self, workflow_id: str, *, fresh: bool = False
                     ) -> tuple[DataKey | None, AESGCM | None]:
        """The workflow's data key (None: not a case, or a case without one) and the cipher
        derived from it (None when destroyed)."""
        now = time.monotonic()
        cached = self._cache.get(workflow_id)
        if cached is not None and not fresh and now - cached[0] < self.seconds:
            self._cache.move_to_end(workflow_id)
            return cached[1], cached[2]
        if not _is_case_id(workflow_id):
            return None, None
        if fresh:
            self.source.forget(workflow_id)
        key = await asyncio.to_thread(self.source.get, workflow_id)
        cipher = case_cipher(key) if key is not None else None
        self._cache[workflow_id] = (now, key, cipher)
        self._cache.move_to_end(workflow_id)
        while len(self._cache) > self.size:
            self._cache.popitem(last=False)
        return key, cipher

    def forget(self, workflow_id: str) -> None:
        self._cache.pop(workflow_id, None)


def _is_case_id(workflow_id: str) -> bool:
    try:
        return str(UUID(workflow_id)) == workflow_id
    except ValueError:
        return False


class SealedCodec(PayloadCodec, WithSerializationContext):
    """Seals payloads for one workflow (and, with `case_keys`, a case's payloads under its
    data key too); refuses (with a marker) what it cannot open."""

    def __init__(self, ring: KeyRing, *, workflow_id: str | None = None,
                 ciphers: dict[str, AESGCM] | None = None,
                 case_keys: CaseKeys | None = None) -> None:
        self.ring = ring
        self.workflow_id = workflow_id
        self.case_keys = case_keys
        self._ciphers = ciphers or {kid: AESGCM(key) for kid, key in ring.keys.items()}

    @classmethod
    def from_spec(cls, spec: str | None, *, data_keys: DataKeySource | None = None
                  ) -> SealedCodec:
        return cls(parse_payload_keys(spec),
                   case_keys=CaseKeys(data_keys) if data_keys is not None else None)

    def with_context(self, context: SerializationContext) -> SealedCodec:
        return SealedCodec(self.ring, workflow_id=context_workflow_id(context),
                           ciphers=self._ciphers, case_keys=self.case_keys)

    def forget(self, case_id: str) -> None:
        """Look the case's data key up afresh next time (it was just made)."""
        if self.case_keys is not None:
            self.case_keys.forget(case_id)

    async def refresh(self, case_ids: set[str]) -> None:
        """Look these cases' data keys up now, past every cache (the codec endpoint: what an
        operator reads follows an erasure at once)."""
        if self.case_keys is not None:
            for case_id in case_ids:
                await self.case_keys.lookup(case_id, fresh=True)

    async def seal_for_case(self, payload: Payload) -> Payload:
        """The payload sealed under its case's data key (when it has one), then sealed."""
        if self.case_keys is None or not self.workflow_id:
            return self.seal(payload)
        key, cipher = await self.case_keys.lookup(self.workflow_id)
        if key is None:
            return self.seal(payload)
        if cipher is None:  # erased: nothing of the case is written again
            return self.seal(refusal_marker("the case's data key was destroyed"))
        nonce = os.urandom(NONCE_BYTES)
        inner = Payload(
            metadata={"encoding": CASE_SEALED, CASE_KEY_ID: key.key_id.encode()},
            data=nonce + cipher.encrypt(nonce, payload.SerializeToString(),
                                        _case_associated_data(key.key_id, self.workflow_id)))
        return self.seal(inner)

    async def open_for_case(self, payload: Payload) -> Payload:
        """`open`, then the case's layer where there is one; `PayloadRefused` saying why not
        (among others: the case's data key was destroyed)."""
        opened = self.open(payload)
        if opened.metadata.get("encoding") != CASE_SEALED:
            return opened
        workflow_id = self.workflow_id if self.workflow_id is not None else \
            payload.metadata.get(WORKFLOW_ID, b"").decode(errors="replace")
        if self.case_keys is None:
            raise PayloadRefused("payload is sealed under a case's data key, and this codec "
                                 "has no data keys")
        kid = opened.metadata.get(CASE_KEY_ID, b"").decode(errors="replace")
        key, cipher = await self.case_keys.lookup(workflow_id)
        if key is None or key.key_id != kid:  # made since it was last looked up?
            key, cipher = await self.case_keys.lookup(workflow_id, fresh=True)
        if key is None or key.key_id != kid:
            raise PayloadRefused("payload was sealed under a data key this case does not have")
        if cipher is None:
            raise PayloadRefused("the case's data key was destroyed (erased)")
        nonce, sealed = opened.data[:NONCE_BYTES], opened.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, _case_associated_data(kid, workflow_id))
        except InvalidTag:
            raise PayloadRefused("payload's case seal does not verify") from None
        return Payload.FromString(plain)

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
        return [await self.seal_for_case(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            try:
                decoded.append(await self.open_for_case(payload))
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
