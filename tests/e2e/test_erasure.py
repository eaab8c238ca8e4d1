"""Erasure of one employee across both stores, scanned afterwards byte by byte.

Two employees' cases are opened through the API and projected into every read model; one
employee is erased. Then: no row of the event store (decrypted with the store's own cipher) and
no row of any other table holds their name, id or e-mail, and none of their sealed content
opens with any key left; Temporal lists and keeps no execution of their case; the other case is
intact; every chain verifies; and the auditor's export shows that, when and why.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial

import psycopg
import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.privacy import Eraser
from domain.ids import employee_key
from eventstore.cipher import cipher_ring, open_sealed
from eventstore.export import export_text
from eventstore.row_seal import RowSeal
from eventstore.subject_keys import SEALED
from eventstore.verify import verify_cases
from readside.erasure import remove_read_rows
from tests.conftest import TEST_CIPHER_KEY, fresh_database, keyed_store
from tests.support.api_harness import ApiStack, absence, open_case, serve_api
from worker.projector import projectors

ERASED = {"id": "E7341", "name": "Morwenna Tregothnan", "email": "morwenna.t@example.org"}
KEPT = {"id": "E7342", "name": "Idris Pendleton", "email": "idris.p@example.org"}
EMPLOYER = "acme-trust"


@contextlib.asynccontextmanager
async def projecting(api: ApiStack) -> AsyncIterator[None]:
    """Every projector catching up in the background, as a worker runs them."""
    running = projectors(api.harness.store, api.harness.pool)
    stop = asyncio.Event()
    tasks = [asyncio.create_task(p.run(stop, interval=0.1)) for p in running]
    try:
        yield
    finally:
        stop.set()
        await asyncio.gather(*tasks)


async def until(check: object, *, seconds: float = 15.0) -> None:
    for _ in range(int(seconds / 0.1)):
        if await check():  # type: ignore[operator]
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"not reached within {seconds} s: {check}")


def every_row_as_text(database_url: str) -> dict[str, list[str]]:
    """Every row of every table in the database, as PostgreSQL prints it."""
    rows: dict[str, list[str]] = {}
    with psycopg.connect(database_url) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
        for table in tables:
            rows[table] = [text for (text,) in connection.execute(
                f'SELECT t::text FROM "{table}" t')]  # noqa: S608 - names from the catalogue
    return rows


def event_rows_decrypted(database_url: str) -> list[tuple[str, bytes]]:
    """Each stored event's state opened with the store's cipher, as an attacker holding that
    key (but no destroyed data key) would read it."""
    ring = cipher_ring(TEST_CIPHER_KEY)
    with psycopg.connect(database_url) as connection:
        return [(str(case_id), open_sealed(ring, bytes(state))) for case_id, state in
                connection.execute("SELECT originator_id, state FROM rtw_events")]


def live_data_keys(database_url: str) -> list[bytes]:
    ring = cipher_ring(TEST_CIPHER_KEY)
    with psycopg.connect(database_url) as connection:
        return [open_sealed(ring, bytes(wrapped), bound_to=str(case_id).encode())
                for case_id, wrapped in connection.execute(
                    "SELECT case_id, wrapped_key FROM rtw_subject_keys "
                    "WHERE wrapped_key IS NOT NULL")]


def payloads(message: Message) -> Iterator[Payload]:
    """Every payload anywhere in a Temporal message (inputs, results, memos, headers...)."""
    for field, value in message.ListFields():
        if field.type != FieldDescriptor.TYPE_MESSAGE:
            continue
        if isinstance(value, Message):
            items: list[object] = [value]
        elif isinstance(value, Mapping):
            items = list(value.values())
        else:
            items = list(value)
        for item in items:
            if isinstance(item, Payload):
                yield item
            elif isinstance(item, Message):
                yield from payloads(item)


async def temporal_text(client: Client, since: datetime) -> dict[str, bytes]:
    """Each workflow started since `since`, with every payload of its history decoded by the
    client's codec (the keys the test holds), as one byte string."""
    codec = client.data_converter.payload_codec
    texts: dict[str, bytes] = {}
    async for execution in client.list_workflows(f"StartTime >= '{since.isoformat()}'"):
        history = await client.get_workflow_handle(
            execution.id, run_id=execution.run_id).fetch_history()
        found = [p for event in history.events for p in payloads(event)]
        decoded = await codec.decode(found) if codec else found
        texts[execution.id] = b"\n".join(p.data + bytes(p.metadata.get("encoding", b""))
                                         for p in decoded)
    return texts


def mentions(text: str | bytes, person: dict[str, str]) -> list[str]:
    haystack = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return [value for value in person.values() if value in haystack]


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, postgres_server_url: str
              ) -> AsyncIterator[tuple[ApiStack, str]]:
    database_url = fresh_database(postgres_server_url)
    with keyed_store(database_url) as store:
        async with serve_api(dev_server_env.client, store, database_url) as stack:
            yield stack, database_url


async def test_an_erased_employee_leaves_nothing_readable_in_either_store(
        api: tuple[ApiStack, str]) -> None:
    stack, database_url = api
    store = stack.harness.store
    pool = stack.harness.pool
    started = datetime.now(UTC) - timedelta(seconds=1)
    async with projecting(stack):
        erased_case = await open_case(stack, absence(employee=ERASED))
        kept_case = await open_case(stack, absence(employee=KEPT))

        async def both_projected() -> bool:
            keys = {str(r["employee_key"]) for r in await pool.fetch(
                "SELECT employee_key FROM rtw_worklist")}
            return {employee_key(EMPLOYER, ERASED["id"]),
                    employee_key(EMPLOYER, KEPT["id"])} <= keys

        await until(both_projected)
        before = every_row_as_text(database_url)
        # The scan reads the read tables' rows (the case is in them), yet even before erasure
        # none of them names the person: they keep them sealed under the case's data key.
        assert any(erased_case in row for row in before["rtw_worklist"])
        assert {table for table, rows in before.items()
                if any(mentions(row, ERASED) for row in rows)} == set()
        in_temporal = await temporal_text(stack.client, started)
        assert mentions(in_temporal[erased_case], ERASED)  # the scan sees them while they are

        eraser = Eraser(store, stack.client, partial(remove_read_rows, pool), pool=pool,
                        projection_wait=15.0)
        erased = await eraser.erase_employee(EMPLOYER, ERASED["id"],
                                             reason="erasure request ref DPO-2026-114",
                                             requested_by="dpo@acme-trust")
        assert erased == [erased_case]
        await asyncio.sleep(0.5)  # the projectors run on: they must not bring a row back

    # The event store, decrypted with the store's cipher: nothing of them in clear.
    decrypted = event_rows_decrypted(database_url)
    assert decrypted
    assert [case for case, plain in decrypted if mentions(plain, ERASED)] == []
    # ...and their sealed content opens with no key that is left.
    keys = live_data_keys(database_url)
    sealed = [json.loads(plain)["data"][SEALED] for case, plain in decrypted
              if case == erased_case and SEALED in json.loads(plain)["data"]]
    assert sealed
    for blob in map(bytes.fromhex, sealed):
        for key in keys:
            with pytest.raises(InvalidTag):
                AESGCM(key).decrypt(blob[:12], blob[12:], None)
    # Every other table: no row names them.
    after = every_row_as_text(database_url)
    leaks = {table: [row for row in rows if mentions(row, ERASED)]
             for table, rows in after.items()}
    assert {table: rows for table, rows in leaks.items() if rows} == {}

    # Temporal keeps no execution of their case.
    async def gone_from_temporal() -> bool:
        listed = [w.id async for w in stack.client.list_workflows(
            f"WorkflowId = '{erased_case}'")]
        try:
            await stack.client.get_workflow_handle(erased_case).fetch_history()
        except RPCError:
            return not listed
        return False

    await until(gone_from_temporal)
    remaining = await temporal_text(stack.client, started)
    assert kept_case in remaining and mentions(remaining[kept_case], KEPT)
    assert {wid: mentions(text, ERASED) for wid, text in remaining.items()
            if mentions(text, ERASED)} == {}

    # The other employee's case is intact, and readable.
    kept = store.history(kept_case)
    assert kept[0].data["employee"]["name"] == KEPT["name"]
    [kept_row] = await pool.fetch("SELECT case_id::text, employee_sealed FROM rtw_worklist")
    assert kept_row["case_id"] == kept_case
    assert RowSeal(store.subject_keys).open_many([(kept_case, kept_row["employee_sealed"])]) == {
        kept_case: {"id": KEPT["id"], "name": KEPT["name"]}}
    assert await stack.client.get_workflow_handle(kept_case).describe()

    # Every chain verifies, the erased case's included.
    verdicts = list(verify_cases(store))
    assert {v.case_id for v in verdicts} == {erased_case, kept_case}
    assert [v.broken for v in verdicts] == [None, None]

    # The auditor sees that, when and why, and nothing of what.
    exported = [json.loads(line) for chunk in export_text(store, "jsonl", case_id=erased_case)
                for line in chunk.splitlines()]
    *earlier, erasure = exported
    assert all(event["data"] == {"erased": True} for event in earlier)
    assert erasure["type"] == "CaseDataErased"
    assert erasure["reason"] == "erasure request ref DPO-2026-114"
    assert erasure["data"]["requested_by"] == "dpo@acme-trust"
    assert erasure["data"]["ground"] == "erasure_request"
    assert erasure["data"]["events_erased"] == len(earlier)
    assert not mentions(json.dumps(exported), ERASED)
