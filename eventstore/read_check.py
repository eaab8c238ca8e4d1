"""Every read of a case's history checks its chain, not only `rtw audit verify`.

A history that was changed in the database must not be shown as if it were the record: the
records read are followed from the first MAC to the case's chain head, and a break stops the
read (the caller answers an error and raises an alert) instead of returning tampered data.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from uuid import UUID

from eventstore.chain import GENESIS_MAC, AuditKey, ChainHead, head_is_authentic, mac_holds
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore

# A head read after the records may have moved on with an append in between: read again.
READ_ATTEMPTS = 3


class RecordFailedVerification(Exception):
    """The case's stored record does not agree with its chain; `position` is where it breaks."""

    def __init__(self, case_id: str, position: int, problem: str) -> None:
        super().__init__(f"case {case_id}: position {position}: {problem}")
        self.case_id = case_id
        self.position = position
        self.problem = problem


def chain_break(key: AuditKey, records: Sequence[CaseEventRecord], head: ChainHead | None
                ) -> tuple[int, str] | None:
    """Where (and why) `records`, the whole of a case in position order and as stored (sealed
    content still sealed, as the MACs cover it), disagree with their MACs or with the case's
    head; None when they hold."""
    previous = GENESIS_MAC
    for expected, record in enumerate(records, start=1):
        if record.originator_version != expected:
            return expected, f"event at position {expected} is missing"
        if not record.mac:
            return expected, "event carries no MAC"
        holds = mac_holds(key, record, previous)
        if holds is None:
            return expected, "the key that MACed this event is not in RTW_AUDIT_HMAC_KEY"
        if not holds:
            return expected, "MAC does not match: the event was changed or moved"
        previous = record.mac
    last = len(records)
    if head is None:
        return (max(last, 1), "the case has no chain head") if records else None
    if not head_is_authentic(key, head):
        return head.last_position, "the chain head was altered"
    if head.last_position != last:
        return min(last, head.last_position) + 1, (
            f"the chain head ends at position {head.last_position}, the events at {last}")
    if not hmac.compare_digest(head.last_mac, previous):
        return last, "the last event does not match the chain head"
    return None


def verified_history(store: CaseEventStore, case_id: str) -> list[CaseEventRecord]:
    """The case's events in position order, checked against its chain head; raises
    `RecordFailedVerification` if they do not hold. Synchronous (call it from a thread)."""
    sealed, unsealing = store.unsealing_mapper.sealed(), store.unsealing_mapper
    for _ in range(READ_ATTEMPTS):
        rows = store.chained_recorder.select_events(UUID(case_id))
        # Events and head commit together, so a head read after the events is at or beyond
        # them; beyond means an append landed in between.
        head = store.chained_recorder.select_head(case_id)
        if head is None or head.last_position <= len(rows):
            break
    # The rows checked are the rows returned: each is mapped once as stored (for its MAC) and
    # once opened (for the reader).
    as_stored = [record for row in rows
                 if isinstance(record := sealed.to_domain_event(row), CaseEventRecord)]
    broken = chain_break(store.audit_key, as_stored, head)
    if broken is not None:
        raise RecordFailedVerification(case_id, *broken)
    return [record for row in rows
            if isinstance(record := unsealing.to_domain_event(row), CaseEventRecord)]
