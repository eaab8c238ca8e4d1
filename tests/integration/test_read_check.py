"""Reads of a case check its chain: a history changed in the database is refused, not shown."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from eventstore.read_check import RecordFailedVerification, verified_history
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore
from localstack.samples import store_case
from tests.support.stored_cases import tamper

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


def forge(store: CaseEventStore, database_url: str, case_id: str, position: int,
          reason: str) -> None:
    """Re-encrypt one event with a changed reason, as someone holding the cipher key could."""
    with psycopg.connect(database_url) as connection:
        row = connection.execute(
            "SELECT topic, state FROM rtw_events WHERE originator_id = %s "
            "AND originator_version = %s", (case_id, position)).fetchone()
    assert row is not None
    original = store.mapper.to_domain_event(StoredEvent(case_id, position, row[0], bytes(row[1])))
    assert isinstance(original, CaseEventRecord)
    forged = store.mapper.to_stored_event(replace(original, reason=reason))
    tamper(database_url, "UPDATE rtw_events SET state = %s WHERE originator_id = %s "
           "AND originator_version = %s", forged.state, case_id, position)


def test_an_untouched_case_reads_in_full(store: CaseEventStore) -> None:
    case_id = store_case(store, "ABS-RC1", 3, OPENED)

    assert [r.position for r in verified_history(store, case_id)] == [1, 2, 3]


def test_a_case_with_nothing_stored_reads_empty(store: CaseEventStore) -> None:
    assert verified_history(store, "6f1c2b1e-0000-4000-8000-000000000000") == []


def test_a_changed_event_is_refused_at_its_position(
    store: CaseEventStore, database_url: str
) -> None:
    case_id = store_case(store, "ABS-RC2", 3, OPENED)
    forge(store, database_url, case_id, 2, "contact was made")

    with pytest.raises(RecordFailedVerification) as refused:
        verified_history(store, case_id)

    assert (refused.value.position, refused.value.problem) == (
        2, "MAC does not match: the event was changed or moved")


def test_a_dropped_last_event_is_refused_by_the_head(
    store: CaseEventStore, database_url: str
) -> None:
    case_id = store_case(store, "ABS-RC3", 3, OPENED)
    tamper(database_url, "DELETE FROM rtw_events WHERE originator_id = %s "
           "AND originator_version = 3", case_id)

    with pytest.raises(RecordFailedVerification) as refused:
        verified_history(store, case_id)

    assert refused.value.position == 3
    assert "chain head ends at position 3" in refused.value.problem


def test_a_removed_head_is_refused(store: CaseEventStore, database_url: str) -> None:
    case_id = store_case(store, "ABS-RC4", 2, OPENED)
    tamper(database_url, "DELETE FROM rtw_chain_heads WHERE case_id = %s", case_id)

    with pytest.raises(RecordFailedVerification, match="no chain head"):
        verified_history(store, case_id)
