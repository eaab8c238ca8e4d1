"""Key rings: every secret key rtw uses has an id, so that a key can be rotated.

One format for all of them (`RTW_PAYLOAD_KEYS`, `RTW_EVENT_CIPHER_KEY`, `RTW_AUDIT_HMAC_KEY`):
`kid:base64[,kid:base64...]`. The first key is the active one (it encrypts or signs what is
written from now on); every key in the ring still decrypts or verifies what it wrote. A bare
base64 value, as configured before keys had ids, is a ring of one key whose id is `k0`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from dataclasses import dataclass

LEGACY_KEY_ID = "k0"
KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")


class KeyRingError(ValueError):
    """A configured key ring is missing or not usable; the message names the setting."""


@dataclass(frozen=True)
class KeyRing:
    """The keys of one purpose, by id, and which of them is active."""

    active_id: str
    keys: dict[str, bytes]

    @property
    def active(self) -> bytes:
        return self.keys[self.active_id]

    def key(self, key_id: str) -> bytes | None:
        return self.keys.get(key_id)


def parse_key_ring(spec: str | None, *, setting: str, sizes: tuple[int, ...] = (32,),
                   min_size: int | None = None) -> KeyRing:
    """The ring a setting's value describes; a `KeyRingError` naming `setting` and what it
    accepts otherwise. `sizes` are the key lengths (in bytes) accepted; `min_size`, when given,
    accepts any length from it instead."""
    accepted = (f"at least {min_size} bytes" if min_size is not None
                else " or ".join(str(size) for size in sizes) + " bytes")
    if spec is None or not spec.strip():
        raise KeyRingError(f"{setting} is not set (expected 'kid:base64key[,kid:base64key...]', "
                           f"each key {accepted})")
    keys: dict[str, bytes] = {}
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    for part in parts:
        kid, sep, encoded = part.partition(":")
        if not sep:
            if len(parts) > 1:
                raise KeyRingError(f"{setting}: every key of a ring needs an id "
                                   "('kid:base64key')")
            kid, encoded = LEGACY_KEY_ID, part
        if not KEY_ID.match(kid):
            raise KeyRingError(f"{setting}: key id '{kid}' must be 1 to 32 letters, digits, "
                               "'.', '_' or '-'")
        if kid in keys:
            raise KeyRingError(f"{setting}: key id '{kid}' appears twice")
        try:
            key = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise KeyRingError(f"{setting}: key '{kid}' must be base64") from None
        if (len(key) < min_size) if min_size is not None else (len(key) not in sizes):
            raise KeyRingError(f"{setting}: key '{kid}' must be {accepted}")
        keys[kid] = key
    return KeyRing(active_id=next(iter(keys)), keys=keys)


def new_key(kid: str, *, size: int = 32) -> str:
    """One new random key in the ring format: `kid:base64`."""
    return f"{kid}:{base64.b64encode(os.urandom(size)).decode()}"


def rotated(spec: str, *, setting: str, size: int = 32) -> tuple[str, str]:
    """The ring with a new active key in front, and the new key's id. Old keys stay, so what
    they wrote still reads and verifies."""
    ring = parse_key_ring(spec, setting=setting, min_size=16)
    number = 1 + max((int(kid[1:]) for kid in ring.keys if re.fullmatch(r"k\d+", kid)),
                     default=0)
    kid = f"k{number}"
    existing = ",".join(f"{key_id}:{base64.b64encode(key).decode()}"
                        for key_id, key in ring.keys.items())
    return f"{new_key(kid, size=size)},{existing}", kid
