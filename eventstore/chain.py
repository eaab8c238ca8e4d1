"""The HMAC-SHA256 chain over each case's events, and the MACed head that ends it.

Each event's MAC covers its audit fields, its data and the MAC of the event before it, so a
changed, dropped, inserted or reordered event breaks every MAC after it. The head (last position
and MAC, itself MACed) is written with the events, so dropping the *last* event shows too.
The key lives in configuration, never in the database.
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

from eventstore.records import CaseEventRecord
from eventstore.view import EventView

MIN_KEY_BYTES = 16
GENESIS_MAC = ""


class AuditKeyError(ValueError):
    """The configured audit key is missing or not usable."""


@dataclass(frozen=True)
class AuditKey:
    """The secret of the chain. `repr` never shows it."""

    secret: bytes

    @classmethod
    def from_base64(cls, value: str | None) -> AuditKey:
        if not value:
            raise AuditKeyError("RTW_AUDIT_HMAC_KEY is not set (base64 of 32 random bytes)")
        try:
            secret = base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise AuditKeyError("RTW_AUDIT_HMAC_KEY must be base64") from None
        if len(secret) < MIN_KEY_BYTES:
            raise AuditKeyError(
                f"RTW_AUDIT_HMAC_KEY must decode to at least {MIN_KEY_BYTES} bytes"
            )
        return cls(secret)

    def __repr__(self) -> str:
        return "AuditKey(***)"

    def mac(self, content: dict[str, Any]) -> str:
        return hmac.new(self.secret, canonical_json(content), hashlib.sha256).hexdigest()


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
    return key.mac(event_content(record, previous_mac))


def head_for(key: AuditKey, case_id: str, last_position: int, last_mac: str) -> ChainHead:
    content = {"case_id": case_id, "last_position": last_position, "last_mac": last_mac}
    return ChainHead(case_id, last_position, last_mac, key.mac(content))


def head_is_authentic(key: AuditKey, head: ChainHead) -> bool:
    expected = head_for(key, head.case_id, head.last_position, head.last_mac)
    return hmac.compare_digest(expected.head_mac, head.head_mac)
