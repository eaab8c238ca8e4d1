"""Rotating the store's keys on a real PostgreSQL: new writes use the new keys, everything the
old keys wrote still reads and verifies; each row and MAC says which key made it. Per-case data
keys: a case's content is sealed in the stored row, and destroying its key erases it while the
chain still verifies."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime

import psycopg
import pytest

from eventstore.chain import mac_key_id
from eventstore.cipher import key_id_of
from eventstore.records import CaseEventRecord
from eventstore.replay import CaseErased, replay
from eventstore.store import CaseEventStore
from eventstore.subject_keys import CaseKeyDestroyed, is_sealed
from eventstore.verify import verify_cases
from localstack.samples import as_new, case_events, store_case

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
C0 = base64.b64encode(b"c" * 32).decode()
C1 = base64.b64encode(b"C" * 32).decode()
A0 = base64.b64encode(b"m" * 32).decode()
A1 = base64.b64encode(b"M" * 32).decode()


@pytest.fixture
def stores(database_url: str) -> Iterator[tuple[CaseEventStore, CaseEventStore]]:
    """The store as configured today (bare keys, id k0), and after `rtw keys rotate`."""
    before = CaseEventStore.connect(database_url, cipher_key=C0, audit_key=A0)
    after = CaseEventStore.connect(database_url, cipher_key=f"k1:{C1},k0:{C0}",
                                   audit_key=f"k1:{A1},k0:{A0}")
    try:
        yield before, after
    finally:
        before.close()
        after.close()


def row_key_ids(database_url: str, case_id: str) -> list[str]:
    with psycopg.connect(database_url) as connection:
        return [key_id_of(bytes(state)) for (state,) in connection.execute(
            "SELECT state FROM rtw_events WHERE originator_id = %s ORDER BY originator_version",
            (case_id,))]


def test_after_rotation_new_writes_use_the_new_keys_and_old_ones_still_read_and_verify(
        stores: tuple[CaseEventStore, CaseEventStore], database_url: str) -> None:
    before, after = stores
    case_id = store_case(before, "ABS-ROT", 2, OPENED)
    _, events = case_events("ABS-ROT", 4, OPENED)
    after.append(case_id=case_id, first_position=3, policy_version="p", workflow_id=case_id,
                 run_id="run-1", events=[as_new(e) for e in events[2:]])

    history = after.history(case_id)

    assert [r.position for r in history] == [1, 2, 3, 4]
    assert history[0].data["employee"]["name"]  # opened in clear for readers
    assert row_key_ids(database_url, case_id) == ["k0", "k0", "k1", "k1"]
    assert [mac_key_id(r.mac) for r in history] == ["k0", "k0", "k1", "k1"]
    assert [v.broken for v in verify_cases(after)] == [None]
    # The old configuration cannot read what the new key wrote: rotation is one-way.
    assert [v.broken is not None for v in verify_cases(before)] == [True]


def test_a_new_case_is_sealed_in_the_store_and_erased_by_destroying_its_key(
        store: CaseEventStore) -> None:
    case_id = store_case(store, "ABS-SEAL", 3, OPENED)
    sealed = store.unsealing_mapper.sealed()
    stored = [sealed.to_domain_event(row)
              for row in store.chained_recorder.select_events(case_id)]
    assert all(isinstance(r, CaseEventRecord) and is_sealed(r) for r in stored)

    store.subject_keys.destroy([case_id], reason="retention: test", at=OPENED)

    history = store.history(case_id)
    assert all(r.data == {"erased": True} for r in history)
    assert [v.broken for v in verify_cases(store)] == [None]
    with pytest.raises(CaseErased, match="was erased"):
        replay(history)
    _, events = case_events("ABS-SEAL", 4, OPENED)
    with pytest.raises(CaseKeyDestroyed):
        store.append(case_id=case_id, first_position=4, policy_version="p",
                     workflow_id=case_id, run_id="run-1", events=[as_new(events[3])])
