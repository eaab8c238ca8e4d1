"""AES-GCM encryption of every Temporal payload, with key ids so keys can be rotated."""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


def parse_keys(spec: str) -> tuple[str, dict[str, bytes]]:
    """Parse 'kid:base64key[,kid:base64key...]'; the first key encrypts, all decrypt."""
    keys: dict[str, bytes] = {}
    active = ""
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        kid, sep, encoded = part.partition(":")
        if not sep or not kid:
            raise ValueError("RTW_PAYLOAD_KEYS: expected 'kid:base64key[,kid:base64key]'")
        key = base64.b64decode(encoded)
        if len(key) not in (16, 24, 32):
            raise ValueError(f"RTW_PAYLOAD_KEYS: key '{kid}' must be 16, 24 or 32 bytes")
        keys[kid] = key
        active = active or kid
    if not keys:
        raise ValueError("RTW_PAYLOAD_KEYS: no key given")
    return active, keys


def new_key_spec(kid: str = "k1") -> str:
    return f"{kid}:{base64.b64encode(os.urandom(32)).decode()}"


class AesGcmCodec(PayloadCodec):
    """Encrypts payloads so histories, the UI and logs of Temporal hold no clear health data."""

    def __init__(self, active_key_id: str, keys: dict[str, bytes]) -> None:
        self._active = active_key_id
        self._ciphers = {kid: AESGCM(key) for kid, key in keys.items()}

    @classmethod
    def from_spec(cls, spec: str) -> AesGcmCodec:
        active, keys = parse_keys(spec)
        return cls(active, keys)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._active]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = cipher.encrypt(nonce, payload.SerializeToString(), self._active.encode())
            encoded.append(
                Payload(
                    metadata={"encoding": ENCODING, KEY_ID: self._active.encode()},
                    data=nonce + sealed,
                )
            )
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        decoded = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                decoded.append(payload)
                continue
            kid = payload.metadata[KEY_ID].decode()
            cipher = self._ciphers.get(kid)
            if cipher is None:
                raise ValueError(f"payload encrypted with unknown key id '{kid}'")
            nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
            decoded.append(Payload.FromString(cipher.decrypt(nonce, sealed, kid.encode())))
        return decoded
