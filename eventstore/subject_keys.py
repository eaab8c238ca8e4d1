"""Data keys per case, grouped by employee: envelope encryption for crypto-shredding.

Each case opened from now on gets a random data key before its workflow starts (the API makes
it, so that the case's Temporal payloads are sealed under it from the first: `infra.codec`), or
else when its first event is stored; the store's first append finds and uses the key already
made. The key is
kept only wrapped (AES-GCM by the store's cipher ring, bound to the case id) in
`rtw_subject_keys`, beside the employer and the pseudonymous employee key
(`domain.ids.employee_key`) so that every case of one employee can be found. Everything in an
event that can name or describe the employee (its `data`, its `reason`, and the actor id of an
employee acting) is sealed with that key in the stored record.

Destroying the key (erasure of the employee, or the end of the case's retention) nulls the
wrapped key and records when and why. The sealed bytes stay where they are, unreadable: the
chain (scheme 2) MACs them as stored, so it still verifies.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.postgres import PostgresDatastore

from domain.ids import employee_key
from eventstore.cipher import open_sealed, seal
from eventstore.keyring import KeyRing
from eventstore.records import CaseEventRecord

SUBJECT_KEYS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_subject_keys (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    employee_key text NOT NULL,
    key_id text NOT NULL,
    wrapped_key bytea,
    created_at timestamptz NOT NULL DEFAULT now(),
    destroyed_at timestamptz,
    reason text,
    CHECK ((wrapped_key IS NULL) = (destroyed_at IS NOT NULL))
);
CREATE INDEX IF NOT EXISTS rtw_subject_keys_by_employee
    ON rtw_subject_keys (employer_id, employee_key);
"""

SEALED = "sealed"
"""The key of `data` in a stored record whose content is sealed with the case's data key."""
ERASED_TEXT = "(erased)"
ERASED_DATA: dict[str, Any] = {"erased": True}
"""What a reader gets for `data` of an event whose case's key was destroyed."""
UNREADABLE_DATA: dict[str, Any] = {"unreadable": True}
"""What a reader gets for sealed content that does not open where it is (moved from another
event or case, or altered): evidence for `verify`, never a crash of the reader."""
CACHE_SECONDS = 5.0


class CaseKeyDestroyed(Exception):
    """The case's data key was destroyed: its events read as erased and it takes no more."""


def is_erased(record: CaseEventRecord) -> bool:
    return record.data == ERASED_DATA


def is_sealed(record: CaseEventRecord) -> bool:
    return set(record.data) == {SEALED}


@dataclass(frozen=True)
class DataKey:
    case_id: str
    key_id: str
    secret: bytes | None  # None: destroyed


def subject_of(data: dict[str, Any]) -> tuple[str, str] | None:
    """(employer id, employee id) named by a case's opening event, if it names them."""
    employer = data.get("employer_id") or data.get("provider_id")
    person = data.get("employee") or data.get("person")
    if isinstance(employer, str) and isinstance(person, dict) and isinstance(
            person.get("id"), str):
        return employer, person["id"]
    return None


def seal_record(key: DataKey, record: CaseEventRecord) -> CaseEventRecord:
    """The record as stored: its data, reason and (for an employee acting) actor id sealed."""
    if key.secret is None:
        raise CaseKeyDestroyed(f"case {key.case_id}: its data key was destroyed")
    content: dict[str, Any] = {"data": record.data, "reason": record.reason}
    actor_id = record.actor_id
    if record.actor_role == "employee":
        content["actor_id"], actor_id = record.actor_id, ERASED_TEXT
    nonce = os.urandom(12)
    sealed = AESGCM(key.secret).encrypt(
        nonce, json.dumps(content, sort_keys=True).encode(), _bound(record))
    return replace(record, data={SEALED: (nonce + sealed).hex()}, reason="", actor_id=actor_id)


def unseal_record(key: DataKey | None, record: CaseEventRecord) -> CaseEventRecord:
    """The record as readers see it: its content in clear, or marked erased without its key."""
    if not is_sealed(record):
        return record
    if key is None or key.secret is None:
        return replace(record, data=dict(ERASED_DATA), reason=ERASED_TEXT,
                       actor_id=ERASED_TEXT if record.actor_id == ERASED_TEXT
                       else record.actor_id)
    blob = bytes.fromhex(str(record.data[SEALED]))
    try:
        plain = AESGCM(key.secret).decrypt(blob[:12], blob[12:], _bound(record))
    except (InvalidTag, ValueError):
        return replace(record, data=dict(UNREADABLE_DATA), reason="(unreadable)")
    content = json.loads(plain)
    return replace(record, data=content["data"], reason=content["reason"],
                   actor_id=content.get("actor_id", record.actor_id))


def _bound(record: CaseEventRecord) -> bytes:
    # Sealed content moved to another event or case does not open.
    return f"{record.case_id}/{record.position}/{record.event_id}".encode()


class SubjectKeys:
    """The data keys of the store's database, unwrapped with the cipher ring. Keys read are
    kept for `CACHE_SECONDS`: another process sees a destruction within that time."""

    def __init__(self, datastore: PostgresDatastore, ring: KeyRing | None) -> None:
        self._datastore = datastore
        self._ring = ring
        self._cache: dict[str, tuple[float, DataKey | None]] = {}
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """Whether new cases get data keys (a cipher ring is configured to wrap them)."""
        return self._ring is not None

    def create(self, case_id: str, employer_id: str, employee_id: str) -> DataKey:
        """The case's data key: get or create. A new one, or the one stored before (by a
        first attempt, the API before the workflow's start, or a concurrent start: the insert
        that loses keeps the winner's key, and every caller reads the stored one back). A
        destroyed key is returned destroyed, never replaced."""
        if self._ring is None:
            raise RuntimeError("no cipher ring: data keys cannot be wrapped")
        secret = os.urandom(32)
        key_id = "dk-" + os.urandom(8).hex()
        wrapped = seal(self._ring, secret, bound_to=case_id.encode())
        with self._datastore.transaction(commit=True) as curs:
            curs.execute(
                "INSERT INTO rtw_subject_keys (case_id, employer_id, employee_key, key_id, "
                "wrapped_key) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (case_id) DO NOTHING",
                (UUID(case_id), employer_id, employee_key(employer_id, employee_id), key_id,
                 wrapped))
        self.forget(case_id)
        key = self.get(case_id)
        if key is None:
            raise RuntimeError(f"case {case_id}: data key not stored")
        return key

    def get(self, case_id: str) -> DataKey | None:
        """The case's key (its `secret` None once destroyed); None for a case without one
        (opened before data keys existed)."""
        now = time.monotonic()
        with self._lock:
            cached = self._cache.get(case_id)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
        with self._datastore.transaction(commit=False) as curs:
            row = curs.execute(
                "SELECT key_id, wrapped_key FROM rtw_subject_keys WHERE case_id = %s",
                (UUID(case_id),)).fetchone()
        key: DataKey | None = None
        if row is not None:
            wrapped = row["wrapped_key"]
            secret = None
            if wrapped is not None and self._ring is not None:
                secret = open_sealed(self._ring, bytes(wrapped), bound_to=case_id.encode())
            key = DataKey(case_id, row["key_id"], secret)
        with self._lock:
            self._cache[case_id] = (now, key)
        return key

    def get_many(self, case_ids: list[str]) -> dict[str, DataKey | None]:
        """`get` of each case, the ones not cached read in one query (a page of read rows)."""
        now = time.monotonic()
        found: dict[str, DataKey | None] = {}
        with self._lock:
            for case_id in case_ids:
                cached = self._cache.get(case_id)
                if cached is not None and now - cached[0] < CACHE_SECONDS:
                    found[case_id] = cached[1]
        missing = sorted({c for c in case_ids if c not in found})
        if missing:
            with self._datastore.transaction(commit=False) as curs:
                rows = curs.execute(
                    "SELECT case_id, key_id, wrapped_key FROM rtw_subject_keys "
                    "WHERE case_id = ANY(%s)", ([UUID(c) for c in missing],)).fetchall()
            by_case = {str(row["case_id"]): row for row in rows}
            for case_id in missing:
                key: DataKey | None = None
                row = by_case.get(case_id)
                if row is not None:
                    wrapped, secret = row["wrapped_key"], None
                    if wrapped is not None and self._ring is not None:
                        secret = open_sealed(self._ring, bytes(wrapped),
                                             bound_to=case_id.encode())
                    key = DataKey(case_id, row["key_id"], secret)
                found[case_id] = key
            with self._lock:
                for case_id in missing:
                    self._cache[case_id] = (now, found[case_id])
        return found

    def forget(self, case_id: str) -> None:
        with self._lock:
            self._cache.pop(case_id, None)

    def cases_of(self, employer_id: str, employee_id: str) -> list[str]:
        """Every case of the employee at the employer that has a data key (destroyed or not)."""
        with self._datastore.transaction(commit=False) as curs:
            rows = curs.execute(
                "SELECT case_id FROM rtw_subject_keys WHERE employer_id = %s AND "
                "employee_key = %s ORDER BY created_at, case_id",
                (employer_id, employee_key(employer_id, employee_id))).fetchall()
        return [str(row["case_id"]) for row in rows]

    def destroy(self, case_ids: list[str], *, reason: str, at: datetime) -> list[str]:
        """Destroy the cases' keys (crypto-shredding); the ids whose key was destroyed now."""
        with self._datastore.transaction(commit=True) as curs:
            rows = curs.execute(
                "UPDATE rtw_subject_keys SET wrapped_key = NULL, destroyed_at = %s, reason = %s "
                "WHERE case_id = ANY(%s) AND wrapped_key IS NOT NULL RETURNING case_id",
                (at, reason, [UUID(c) for c in case_ids])).fetchall()
        for case_id in case_ids:
            self.forget(case_id)
        return [str(row["case_id"]) for row in rows]

    def destroyed(self, case_id: str) -> bool:
        self.forget(case_id)
        key = self.get(case_id)
        return key is not None and key.secret is None
