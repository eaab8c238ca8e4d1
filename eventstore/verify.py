"""Check each case's chain against the rows as they are now in PostgreSQL.

Reads the rows directly (not through the library's per-case API) so that `--all` is one
ordered, server-side scan in one snapshot: constant memory for any number of cases.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Mapper, StoredEvent
from psycopg.sql import SQL, Composed, Identifier

from eventstore.chain import GENESIS_MAC, AuditKey, ChainHead, head_is_authentic, mac_holds
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore

FETCH_ROWS = 500


@dataclass(frozen=True)
class ChainBreak:
    """The first position at which a case's chain does not hold, and why."""

    position: int
    problem: str


@dataclass(frozen=True)
class CaseVerdict:
    case_id: str
    events: int
    broken: ChainBreak | None


class CaseChainCheck:
    """Follows one case's rows in position order, keeping only the previous MAC."""

    def __init__(self, key: AuditKey, mapper: Mapper[UUID], case_id: str) -> None:
        self._key = key
        self._mapper = mapper
        self.case_id = case_id
        self.events = 0
        self._previous_mac = GENESIS_MAC
        self._broken: ChainBreak | None = None

    def feed(self, stored: StoredEvent) -> None:
        self.events += 1
        if self._broken is not None:
            return
        expected = self.events
        position = stored.originator_version
        if position != expected:
            self._break(expected, f"event at position {expected} is missing "
                                  f"(next stored position is {position})")
            return
        try:
            record = self._mapper.to_domain_event(stored)
        except Exception:  # any undecodable row is evidence, not a crash
            self._break(position, "event cannot be decrypted or decoded")
            return
        if not isinstance(record, CaseEventRecord):
            self._break(position, f"row is not a case event (topic {stored.topic})")
            return
        if not record.mac:
            self._break(position, "event carries no MAC (stored before the chain existed, "
                                  "or its MAC was removed)")
            return
        holds = mac_holds(self._key, record, self._previous_mac)
        if holds is None:
            self._break(position, "the key that MACed this event is not in "
                                  "RTW_AUDIT_HMAC_KEY")
            return
        if not holds:
            self._break(position, "MAC does not match: this event was changed, or moved here "
                                  "from another position or case")
            return
        self._previous_mac = record.mac

    def finish(self, head: ChainHead | None) -> CaseVerdict:
        return CaseVerdict(self.case_id, self.events, self._broken or self._check_head(head))

    def _check_head(self, head: ChainHead | None) -> ChainBreak | None:
        last = self.events
        if head is None:
            return ChainBreak(max(last, 1), "the case has no chain head")
        if not head_is_authentic(self._key, head):
            return ChainBreak(head.last_position, "the chain head was altered")
        if head.last_position > last:
            return ChainBreak(last + 1, f"event at position {last + 1} is missing "
                                        f"(the chain head ends at {head.last_position})")
        if head.last_position < last:
            return ChainBreak(head.last_position + 1,
                              f"events after position {head.last_position} were inserted "
                              "(beyond the chain head)")
        if not hmac.compare_digest(head.last_mac, self._previous_mac):
            return ChainBreak(last, "the last event does not match the chain head")
        return None

    def _break(self, position: int, problem: str) -> None:
        self._broken = ChainBreak(position, problem)


def verify_cases(store: CaseEventStore, case_id: str | None = None) -> Iterator[CaseVerdict]:
    """A verdict per case (or for one case), streamed in case-id order from one snapshot."""
    recorder = store.chained_recorder
    events = Identifier(recorder.datastore.schema, recorder.events_table_name)
    heads = Identifier(recorder.datastore.schema, recorder.heads_table_name)
    where = SQL(" WHERE {column} = %s") if case_id is not None else SQL("")
    params: tuple[Any, ...] = (UUID(case_id),) if case_id is not None else ()
    events_sql = (
        SQL("SELECT originator_id, originator_version, topic, state FROM {t}").format(t=events)
        + where.format(column=Identifier("originator_id"))
        + SQL(" ORDER BY originator_id, originator_version")
    )
    heads_sql = (
        SQL("SELECT case_id, last_position, last_mac, head_mac FROM {t}").format(t=heads)
        + where.format(column=Identifier("case_id"))
        + SQL(" ORDER BY case_id")
    )
    with recorder.datastore.get_connection() as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        with conn.cursor(name="rtw_verify_events", binary=True) as event_rows, conn.cursor(
            name="rtw_verify_heads"
        ) as head_rows:
            yield from _merge(
                store, _rows(event_rows, events_sql, params), _rows(head_rows, heads_sql, params)
            )


def _rows(cursor: Any, statement: Composed, params: tuple[Any, ...]) -> Iterator[Any]:
    cursor.itersize = FETCH_ROWS
    cursor.execute(statement, params)
    yield from cursor


def _merge(
    store: CaseEventStore, event_rows: Iterator[Any], head_rows: Iterator[Any]
) -> Iterator[CaseVerdict]:
    """Walk events and heads together, both ordered by case id."""
    sealed = store.unsealing_mapper.sealed()
    head_row = next(head_rows, None)
    check: CaseChainCheck | None = None
    for row in event_rows:
        case_id = row["originator_id"]
        if check is None or check.case_id != str(case_id):
            if check is not None:
                head_row, verdict = _finish(check, head_row, head_rows)
                yield from verdict
            # The records as stored: what scheme 2 MACs is the sealed content, readable or not.
            check = CaseChainCheck(store.audit_key, sealed, str(case_id))
        check.feed(StoredEvent(case_id, row["originator_version"], row["topic"],
                               bytes(row["state"])))
    if check is not None:
        head_row, verdict = _finish(check, head_row, head_rows)
        yield from verdict
    while head_row is not None:  # heads whose events are all gone
        yield _orphan(head_row)
        head_row = next(head_rows, None)


def _finish(
    check: CaseChainCheck, head_row: Any, head_rows: Iterator[Any]
) -> tuple[Any, list[CaseVerdict]]:
    verdicts: list[CaseVerdict] = []
    case_uuid = UUID(check.case_id)
    while head_row is not None and head_row["case_id"] < case_uuid:
        verdicts.append(_orphan(head_row))
        head_row = next(head_rows, None)
    head = None
    if head_row is not None and head_row["case_id"] == case_uuid:
        head = ChainHead.from_row(head_row)
        head_row = next(head_rows, None)
    verdicts.append(check.finish(head))
    return head_row, verdicts


def _orphan(row: Any) -> CaseVerdict:
    return CaseVerdict(str(row["case_id"]), 0, ChainBreak(1, "every event of the case is "
                                                             "missing (its chain head remains)"))
