"""The HMAC-SHA256 chain over each case's events, and the MACed head that ends it.

Each event's MAC covers its audit fields, its data and the MAC of the event before it, so a
changed, dropped, inserted or reordered event breaks every MAC after it. The head (last position
and MAC, itself MACed) is written with the events, so dropping the *last* event shows too.
The keys live in configuration, never in the database.

Two schemes, told apart by the stored MAC itself:
- scheme 1 (events stored before keys had ids): 64 hex digits, made with the ring's key `k0`,
  over the event with its data in clear;
- scheme 2: `2:<key id>:<hex>`, over the event exactly as stored, so over the *sealed* data of a
  case with a data key (`eventstore.subject_keys`). Destroying that key (erasure) changes no
  stored byte, so the chain still verifies what survives.
Heads carry their key id the same way (`<key id>:<hex>`; bare hex is `k0`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from eventstore.keyring import LEGACY_KEY_ID, KeyRingError, parse_key_ring
from eventstore.records import CaseEventRecord
from eventstore.view import EventView

MIN_KEY_BYTES = 16
GENESIS_MAC = ""


class AuditKeyError(ValueError):
    """The configured audit key is missing or not usable."""


@dataclass(frozen=True)
class AuditKey:
    """The secrets of the chain: the active one signs, every one verifies. `repr` never shows
    them. `secret` is the active key."""

    secret: bytes
    key_id: str = LEGACY_KEY_ID
    older: tuple[tuple[str, bytes], ...] = ()

    @classmethod
    def from_base64(cls, value: str | None) -> AuditKey:
        """RTW_AUDIT_HMAC_KEY: `kid:base64[,kid:base64...]` (first active) or a bare base64
        key (id `k0`), each of at least 16 bytes."""
        if not value:
            raise AuditKeyError("RTW_AUDIT_HMAC_KEY is not set (base64 of 32 random bytes, or "
                                "'kid:base64[,kid:base64...]')")
        if ":" not in value and "," not in value:  # one bare key, as configured before ids
            try:
                secret = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise AuditKeyError("RTW_AUDIT_HMAC_KEY must be base64") from None
            if len(secret) < MIN_KEY_BYTES:
                raise AuditKeyError(
                    f"RTW_AUDIT_HMAC_KEY must decode to at least {MIN_KEY_BYTES} bytes")
            return cls(secret)
        try:
            ring = parse_key_ring(value, setting="RTW_AUDIT_HMAC_KEY", min_size=MIN_KEY_BYTES)
        except KeyRingError as error:
            raise AuditKeyError(str(error)) from None
        older = tuple((kid, key) for kid, key in ring.keys.items() if kid != ring.active_id)
        return cls(ring.active, ring.active_id, older)

    def __repr__(self) -> str:
        return f"AuditKey({self.key_id}, ***)"

    @property
    def first(self) -> bytes:
        """The ring's oldest key: what keys derived for a long life (sign-in links, address
        digests) come from, so that a rotation does not change them."""
        return self.older[-1][1] if self.older else self.secret

    def by_id(self, key_id: str) -> bytes | None:
        if key_id == self.key_id:
            return self.secret
        return dict(self.older).get(key_id)

    def mac(self, content: dict[str, Any]) -> str:
        """The active key's MAC of `content` (bare hex)."""
        return hmac.new(self.secret, canonical_json(content), hashlib.sha256).hexdigest()

    def mac_with(self, key_id: str, content: dict[str, Any]) -> str | None:
        """The MAC of `content` by the key `key_id`; None when the ring does not hold it."""
        secret = self.by_id(key_id)
        if secret is None:
            return None
        return hmac.new(secret, canonical_json(content), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    """Where a case's chain ends: its last position and that event's MAC, MACed."""

    case_id: str
    last_position: int
    last_mac: str
    head_mac: str

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> ChainHead:
        """The head as read from its table."""
        return cls(str(row["case_id"]), int(row["last_position"]), str(row["last_mac"]),
                   str(row["head_mac"]))


def canonical_json(content: dict[str, Any]) -> bytes:
    """One byte string per value: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


# What an event's MAC covers, in `EventView`'s names: fixed for good, because a MAC written over
# one set of fields verifies over no other. A field added to the view is not MACed by adding it
# here (that would break every stored MAC); `deadline` is read from `data`, `mac` is the MAC.
CHAINED = (
    "case_id", "position", "event_id", "type", "occurred_at", "recorded_at", "actor_id",
    "actor_role", "source", "reason", "policy_version", "workflow_id", "run_id", "trace_id",
    "corrects_event_id", "data",
)


def event_content(record: CaseEventRecord, previous_mac: str) -> dict[str, Any]:
    """Everything an event's MAC covers: its chained fields with `data` as stored, and the MAC
    of the event before it."""
    stored = EventView.stored(record).as_json()
    return {**{name: stored[name] for name in CHAINED}, "previous_mac": previous_mac}


def event_mac(key: AuditKey, record: CaseEventRecord, previous_mac: str) -> str:
    """Scheme 1 (bare hex, key `k0`): how events were MACed before keys had ids. Kept to verify
    them; new events are signed with `sign_event`."""
    mac = key.mac_with(LEGACY_KEY_ID, event_content(record, previous_mac))
    if mac is None:
        raise AuditKeyError(f"RTW_AUDIT_HMAC_KEY holds no key '{LEGACY_KEY_ID}', which MACed "
                            "the events stored before keys had ids")
    return mac


SCHEME_2 = "2"


def signed_content(record: CaseEventRecord, previous_mac: str, key_id: str) -> dict[str, Any]:
    """What a scheme-2 MAC covers: the chained fields as stored (sealed data stays sealed), the
    previous MAC, the scheme and the key id."""
    return {**event_content(record, previous_mac), "mac_scheme": 2, "mac_key_id": key_id}


def sign_event(key: AuditKey, record: CaseEventRecord, previous_mac: str) -> str:
    """The scheme-2 MAC of a new event, by the active key: `2:<key id>:<hex>`."""
    digest = key.mac(signed_content(record, previous_mac, key.key_id))
    return f"{SCHEME_2}:{key.key_id}:{digest}"


def mac_holds(key: AuditKey, record: CaseEventRecord, previous_mac: str) -> bool | None:
    """Whether the event's stored MAC is right for it and the MAC before it; None when the
    ring lacks the key that made it."""
    stored = record.mac
    if stored.startswith(SCHEME_2 + ":"):
        _, key_id, digest = [*stored.split(":", 2), "", ""][:3]
        expected = key.mac_with(key_id, signed_content(record, previous_mac, key_id))
    else:
        digest = stored
        expected = key.mac_with(LEGACY_KEY_ID, event_content(record, previous_mac))
    if expected is None:
        return None
    return hmac.compare_digest(expected, digest)


def mac_key_id(mac: str) -> str:
    """The id of the key that made a stored event or head MAC."""
    if mac.startswith(SCHEME_2 + ":"):
        return mac.split(":", 2)[1]
    head_id, sep, _ = mac.partition(":")
    return head_id if sep else LEGACY_KEY_ID


def _head_content(case_id: str, last_position: int, last_mac: str) -> dict[str, Any]:
    return {"case_id": case_id, "last_position": last_position, "last_mac": last_mac}


def head_for(key: AuditKey, case_id: str, last_position: int, last_mac: str) -> ChainHead:
    """A new head, MACed by the active key (`<key id>:<hex>`)."""
    digest = key.mac(_head_content(case_id, last_position, last_mac))
    return ChainHead(case_id, last_position, last_mac, f"{key.key_id}:{digest}")


def head_is_authentic(key: AuditKey, head: ChainHead) -> bool:
    key_id, sep, digest = head.head_mac.partition(":")
    if not sep:
        key_id, digest = LEGACY_KEY_ID, head.head_mac
    expected = key.mac_with(key_id, _head_content(head.case_id, head.last_position,
                                                  head.last_mac))
    return expected is not None and hmac.compare_digest(expected, digest)
