"""Checkpoints: a signed summary of every case's chain head, kept outside the database.

The chain proves that a case's events agree with its head, but someone who can write the
database can roll a case back whole: delete its last events *and* move its head back to an
older (authentic) state, or restore an old backup. Nothing inside the database can show that.
A checkpoint taken earlier and kept elsewhere can: every case it names must still be there,
with its head at the same position and MAC or further on, and the event at the checkpointed
position must still carry the MAC the checkpoint recorded.

The file is signed with an HMAC under the active key of the chain's key ring
(RTW_AUDIT_HMAC_KEY), and names that key's id, so a checkpoint still verifies after the ring
rotates (as long as the old key stays in the ring).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from psycopg.sql import SQL, Identifier

from eventstore.chain import ChainHead, canonical_json, head_is_authentic
from eventstore.keyring import KeyRing
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore

FORMAT = "rtw-audit-checkpoint/1"
# Signed with the format, so that a checkpoint's signature can never pass for a chain MAC.
PURPOSE = "rtw audit checkpoint"


class CheckpointError(ValueError):
    """A checkpoint file cannot be read or is not a checkpoint; the message says which."""


@dataclass(frozen=True)
class Checkpoint:
    """Every chain head at one moment, and the key the summary is signed with."""

    taken_at: datetime
    key_id: str
    heads: tuple[ChainHead, ...]
    signature: str = ""

    def body(self) -> dict[str, Any]:
        """Everything the signature covers."""
        return {
            "format": FORMAT,
            "purpose": PURPOSE,
            "taken_at": self.taken_at.isoformat(),
            "key_id": self.key_id,
            "count": len(self.heads),
            "heads": [
                {"case_id": head.case_id, "last_position": head.last_position,
                 "last_mac": head.last_mac, "head_mac": head.head_mac}
                for head in self.heads
            ],
        }

    def document(self) -> bytes:
        """The file: canonical JSON of the body and its signature, one line."""
        return canonical_json({**self.body(), "signature": self.signature}) + b"\n"


def sign(ring: KeyRing, body: dict[str, Any], key_id: str | None = None) -> str:
    key = ring.key(key_id or ring.active_id)
    if key is None:
        raise CheckpointError(f"key id '{key_id}' is not in RTW_AUDIT_HMAC_KEY")
    return hmac.new(key, canonical_json(body), hashlib.sha256).hexdigest()


def read_heads(store: CaseEventStore) -> Iterator[ChainHead]:
    """Every chain head, in case-id order, from one snapshot."""
    recorder = store.chained_recorder
    heads = Identifier(recorder.datastore.schema, recorder.heads_table_name)
    statement = SQL("SELECT case_id, last_position, last_mac, head_mac FROM {t} "
                    "ORDER BY case_id").format(t=heads)
    with recorder.datastore.get_connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor(name="rtw_checkpoint_heads") as cursor:
            cursor.itersize = 1000
            cursor.execute(statement)
            for row in cursor:
                yield ChainHead.from_row(row)


def take(store: CaseEventStore, ring: KeyRing, *, now: datetime) -> tuple[Checkpoint, list[str]]:
    """A signed checkpoint of every head whose own MAC holds, and the ids of cases whose head
    does not (left out: a checkpoint must never vouch for an altered head)."""
    kept: list[ChainHead] = []
    altered: list[str] = []
    for head in read_heads(store):
        if head_is_authentic(store.audit_key, head):
            kept.append(head)
        else:
            altered.append(head.case_id)
    unsigned = Checkpoint(taken_at=now, key_id=ring.active_id, heads=tuple(kept))
    return Checkpoint(now, ring.active_id, tuple(kept), sign(ring, unsigned.body())), altered


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` readable by its owner only (0600), all or nothing: a
    temporary file beside it, flushed to disk, then renamed over it."""
    directory = path.parent if str(path.parent) else Path(".")
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=directory)
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


def load(path: Path) -> Checkpoint:
    """The checkpoint in a file, unverified; a `CheckpointError` naming what is wrong."""
    try:
        document = json.loads(path.read_bytes())
    except OSError as error:
        raise CheckpointError(f"{path}: cannot be read ({error.strerror})") from None
    except ValueError:
        raise CheckpointError(f"{path}: not JSON (expected a file written by "
                              "`rtw audit checkpoint`)") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a checkpoint (expected 'format': '{FORMAT}')")
    try:
        heads = tuple(_head(entry) for entry in document["heads"])
        return Checkpoint(
            taken_at=datetime.fromisoformat(str(document["taken_at"])),
            key_id=str(document["key_id"]),
            heads=heads,
            signature=str(document["signature"]),
        )
    except (KeyError, TypeError, ValueError) as error:
        raise CheckpointError(f"{path}: a checkpoint field is missing or malformed "
                              f"({error})") from None


def _head(entry: Mapping[str, Any]) -> ChainHead:
    return ChainHead(str(UUID(str(entry["case_id"]))), int(entry["last_position"]),
                     str(entry["last_mac"]), str(entry["head_mac"]))


@dataclass(frozen=True)
class Finding:
    """Something a checkpoint shows about the database that its chains alone cannot."""

    case_id: str | None
    problem: str


def signature_problem(ring: KeyRing, checkpoint: Checkpoint) -> str | None:
    """Why the checkpoint's signature does not hold, or None if it does."""
    key = ring.key(checkpoint.key_id)
    if key is None:
        return (f"the checkpoint is signed with key '{checkpoint.key_id}', which is not in "
                "RTW_AUDIT_HMAC_KEY (keep retired keys in the ring to verify old checkpoints)")
    expected = sign(ring, checkpoint.body(), checkpoint.key_id)
    if not hmac.compare_digest(expected, checkpoint.signature):
        return ("the checkpoint's signature does not verify: the file was edited after it "
                "was written")
    return None


def compare(store: CaseEventStore, checkpoint: Checkpoint, *, case_id: str | None = None
            ) -> Iterator[Finding]:
    """What changed since the checkpoint that should not have: a case gone, a head moved back
    or rewritten at the same position, or history rewritten below a head that moved on. Cases
    opened after the checkpoint are fine."""
    now = {head.case_id: head for head in read_heads(store)}
    for then in checkpoint.heads:
        if case_id is not None and then.case_id != case_id:
            continue
        current = now.get(then.case_id)
        if current is None:
            yield Finding(then.case_id, f"the case is gone: the checkpoint has its head at "
                                        f"position {then.last_position}, the database has none")
        elif current.last_position < then.last_position:
            yield Finding(then.case_id, f"the head moved back: position {current.last_position}"
                                        f" now, {then.last_position} at the checkpoint")
        elif current.last_position == then.last_position:
            if not hmac.compare_digest(current.last_mac, then.last_mac):
                yield Finding(then.case_id, f"the head at position {then.last_position} is not "
                                            "the one checkpointed: the case was rewritten")
        elif not _still_carries(store, then):
            yield Finding(then.case_id, f"the event at position {then.last_position} no longer "
                                        "carries the MAC checkpointed: history was rewritten")


def _still_carries(store: CaseEventStore, then: ChainHead) -> bool:
    events = store.events.get(UUID(then.case_id), gt=then.last_position - 1,
                              lte=then.last_position)
    records = [record for record in events if isinstance(record, CaseEventRecord)]
    return bool(records) and hmac.compare_digest(records[0].mac, then.last_mac)
