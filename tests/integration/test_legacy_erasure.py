"""Erasing cases stored before data keys (their scheme-1 MACs cover their content in clear):
the chain is verified first, the rows are sealed under a new data key and re-signed, then the key
is destroyed. Afterwards the chain verifies, nothing of the case reads, and the erasure event
says how many events were re-sealed. A case whose chain does not verify is left alone."""

from __future__ import annotations

from functools import partial

import asyncpg
import psycopg
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.privacy import Eraser, NotErasable
from eventstore.cipher import cipher_ring, open_sealed
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from readside.erasure import remove_read_rows
from tests.conftest import TEST_CIPHER_KEY
from tests.support.kept_stores import KeptStore, load_kept_store
from tests.support.stored_cases import tamper


@pytest.fixture
def kept(store: CaseEventStore, database_url: str) -> KeptStore:
    return load_kept_store(database_url)


def rows_in_clear(database_url: str, case_id: str) -> list[str]:
    ring = cipher_ring(TEST_CIPHER_KEY)
    with psycopg.connect(database_url) as connection:
        return [open_sealed(ring, bytes(state)).decode() for (state,) in connection.execute(
            "SELECT state FROM rtw_events WHERE originator_id = %s", (case_id,))]


async def test_a_case_stored_before_data_keys_is_resealed_then_erased_and_still_verifies(
        store: CaseEventStore, kept: KeptStore, database_url: str, pool: asyncpg.Pool,
        dev_server_env: WorkflowEnvironment) -> None:
    case_id = next(iter(kept.cases.values()))
    name = store.history(case_id)[0].data["employee"]["name"]
    assert any(name in row for row in rows_in_clear(database_url, case_id))
    eraser = Eraser(store, dev_server_env.client, partial(remove_read_rows, pool), pool=pool)

    await eraser.erase_cases([case_id], reason="retention: 6 years after closure",
                             requested_by="retention-schedule")

    assert [v.broken for v in verify_cases(store)] == [None] * len(kept.cases)
    assert not any(name in row for row in rows_in_clear(database_url, case_id))
    *earlier, erasure = store.history(case_id)
    assert all(r.data == {"erased": True} for r in earlier)
    assert len(earlier) == kept.events[next(iter(kept.cases))]
    assert erasure.data["resealed_events"] == len(earlier)
    assert erasure.data["ground"] == "retention"
    # The other kept cases are untouched and readable.
    for other in list(kept.cases.values())[1:]:
        assert store.history(other)[0].data["employee"]["name"]


async def test_a_legacy_case_whose_chain_is_broken_is_not_rewritten(
        store: CaseEventStore, kept: KeptStore, database_url: str, pool: asyncpg.Pool,
        dev_server_env: WorkflowEnvironment) -> None:
    case_id = next(iter(kept.cases.values()))
    tamper(database_url, "DELETE FROM rtw_chain_heads WHERE case_id = %s", case_id)
    eraser = Eraser(store, dev_server_env.client, partial(remove_read_rows, pool), pool=pool)

    with pytest.raises(NotErasable, match="does not verify"):
        await eraser.erase_cases([case_id], reason="erasure request", requested_by="dpo")

    assert store.history(case_id)[0].data["employee"]["name"]
    assert store.subject_keys.get(case_id) is None
