"""A case stored before data keys existed gets its key when its read rows are projected or its
next event is written: from then on its worklist row names the employee (sealed), and its new
events are sealed. Its earlier events stay exactly as stored, so its chain verifies with the same
MACs, until erasure re-seals them and destroys the key."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial

import asyncpg
import psycopg
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.privacy import Eraser
from domain.actors import TIMER_ACTOR
from domain.journey.early_contact import ManagerRemindedOfContact
from eventstore.cipher import cipher_ring, open_sealed
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from localstack.samples import as_new
from readside.erasure import remove_read_rows
from readside.worklist import WorklistProjector
from tests.conftest import TEST_CIPHER_KEY
from tests.support.kept_stores import KeptStore, load_kept_store


@pytest.fixture
def kept(store: CaseEventStore, database_url: str) -> KeptStore:
    return load_kept_store(database_url)


def stored_states(database_url: str, case_id: str) -> list[bytes]:
    with psycopg.connect(database_url) as connection:
        return [bytes(state) for (state,) in connection.execute(
            "SELECT state FROM rtw_events WHERE originator_id = %s "
            "ORDER BY originator_version", (case_id,))]


def in_clear(database_url: str, case_id: str) -> list[str]:
    ring = cipher_ring(TEST_CIPHER_KEY)
    return [open_sealed(ring, state).decode() for state in stored_states(database_url, case_id)]


def heads(database_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as connection:
        return connection.execute("SELECT * FROM rtw_chain_heads ORDER BY case_id").fetchall()


async def test_projecting_a_legacy_case_keys_it_and_names_its_row_without_touching_its_chain(
        store: CaseEventStore, kept: KeptStore, database_url: str, pool: asyncpg.Pool) -> None:
    case_ids = list(kept.cases.values())
    assert all(store.subject_keys.get(case_id) is None for case_id in case_ids)
    before = {case_id: stored_states(database_url, case_id) for case_id in case_ids}
    heads_before = heads(database_url)

    await WorklistProjector(store, pool).catch_up()

    rows = await pool.fetch("SELECT case_id::text AS case_id, employee_sealed FROM rtw_worklist")
    opened = RowSeal(store.subject_keys).open_many(
        [(row["case_id"], row["employee_sealed"]) for row in rows])
    for case_id in case_ids:
        name = store.history(case_id)[0].data["employee"]["name"]
        assert opened[case_id]["name"] == name
        assert store.subject_keys.get(case_id) is not None
        assert stored_states(database_url, case_id) == before[case_id]
    assert heads(database_url) == heads_before
    assert [v.broken for v in verify_cases(store)] == [None] * len(case_ids)


async def test_a_legacy_case_seals_its_next_event_and_erasure_reseals_the_earlier_ones(
        store: CaseEventStore, kept: KeptStore, database_url: str, pool: asyncpg.Pool,
        dev_server_env: WorkflowEnvironment) -> None:
    case_id = next(iter(kept.cases.values()))
    records = store.history(case_id)
    name = records[0].data["employee"]["name"]
    reminder = ManagerRemindedOfContact(
        occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC), actor=TIMER_ACTOR,
        reason="no early contact by the deadline", deadline=datetime(2026, 12, 2, tzinfo=UTC))
    store.append(case_id=case_id, first_position=len(records) + 1, policy_version="p",
                 workflow_id=case_id, run_id="run-2", events=[as_new(reminder)])

    assert store.subject_keys.get(case_id) is not None
    *earlier, newest = in_clear(database_url, case_id)
    assert any(name in text for text in earlier)
    assert "no early contact" not in newest  # sealed under the case's key
    assert store.history(case_id)[-1].reason == "no early contact by the deadline"
    assert store.needs_reseal(case_id)
    assert [v.broken for v in verify_cases(store, case_id)] == [None]

    eraser = Eraser(store, dev_server_env.client, partial(remove_read_rows, pool), pool=pool)
    [erased] = await eraser.erase_cases([case_id], reason="erasure request ref 7",
                                        requested_by="dpo")

    assert not any(name in text for text in in_clear(database_url, case_id))
    *gone, erasure = store.history(case_id)
    assert all(record.data == {"erased": True} for record in gone)
    assert erasure.data["resealed_events"] == len(records) + 1
    assert not store.needs_reseal(case_id)
    assert [v.broken for v in verify_cases(store, case_id)] == [None]
    assert erased.case_id == case_id


def test_a_legacy_case_never_gets_a_key_for_no_one(store: CaseEventStore) -> None:
    missing = "00000000-0000-4000-8000-0000000000aa"
    assert store.adopt_key(missing) is None
    assert store.subject_keys.get(missing) is None
    assert not store.needs_reseal(missing)
