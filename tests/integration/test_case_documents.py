"""Case documents at rest on real PostgreSQL: sealed with the store's cipher, never in the clear,
and bound to their case and id."""

from __future__ import annotations

import base64
import uuid

import asyncpg
import pytest

from eventstore.store import CaseEventStore
from readside.documents import (
    DocumentDamaged,
    DocumentsNotEncrypted,
    DocumentVault,
    discard_document,
    read_document,
    store_document,
)
from tests.conftest import TEST_AUDIT_KEY

OTHER_KEY = base64.b64encode(b"o" * 32).decode()
LETTER = b"%PDF-1.7\n" + b"Consultant's letter: diagnosis and advice for the employer. " * 40


async def stored(pool: asyncpg.Pool, vault: DocumentVault, content: bytes = LETTER
                 ) -> tuple[str, str]:
    case_id, document_id = str(uuid.uuid4()), str(uuid.uuid4())
    await store_document(pool, vault, case_id=case_id, document_id=document_id,
                         media_type="application/pdf", content=content)
    return case_id, document_id


async def test_a_document_reads_back_as_uploaded(pool: asyncpg.Pool,
                                                 store: CaseEventStore) -> None:
    vault = DocumentVault.of(store)
    case_id, document_id = await stored(pool, vault)

    document = await read_document(pool, vault, case_id=case_id, document_id=document_id)

    assert document is not None
    assert (document.content, document.media_type) == (LETTER, "application/pdf")


async def test_the_bytes_at_rest_are_not_the_plaintext(pool: asyncpg.Pool,
                                                       store: CaseEventStore) -> None:
    _case_id, document_id = await stored(pool, DocumentVault.of(store))

    row = await pool.fetchrow("SELECT * FROM rtw_documents WHERE document_id = $1",
                              uuid.UUID(document_id))

    assert row is not None
    at_rest = b"".join(bytes(value) if isinstance(value, bytes | bytearray | memoryview)
                       else str(value).encode() for value in row.values())
    assert LETTER not in at_rest
    for fragment in (b"%PDF", b"diagnosis", b"Consultant"):
        assert fragment not in at_rest
    assert len(bytes(row["sealed"])) >= len(LETTER) + 28  # nonce and tag of AES-GCM


async def test_a_sealed_document_moved_to_another_case_or_id_does_not_open(
        pool: asyncpg.Pool, store: CaseEventStore) -> None:
    vault = DocumentVault.of(store)
    _case_id, document_id = await stored(pool, vault)
    other_case, other_id = str(uuid.uuid4()), str(uuid.uuid4())
    await pool.execute(
        "INSERT INTO rtw_documents (case_id, document_id, media_type, size_bytes, sealed) "
        "SELECT $1, $2, media_type, size_bytes, sealed FROM rtw_documents "
        "WHERE document_id = $3", uuid.UUID(other_case), uuid.UUID(other_id),
        uuid.UUID(document_id))

    with pytest.raises(DocumentDamaged):
        await read_document(pool, vault, case_id=other_case, document_id=other_id)


async def test_a_document_stored_under_another_key_does_not_open(
        pool: asyncpg.Pool, store: CaseEventStore, database_url: str) -> None:
    case_id, document_id = await stored(pool, DocumentVault.of(store))
    other = CaseEventStore.connect(database_url, cipher_key=OTHER_KEY, audit_key=TEST_AUDIT_KEY)
    try:
        with pytest.raises(DocumentDamaged):
            await read_document(pool, DocumentVault.of(other), case_id=case_id,
                                document_id=document_id)
    finally:
        other.close()


async def test_without_a_cipher_key_nothing_is_stored(pool: asyncpg.Pool) -> None:
    with pytest.raises(DocumentsNotEncrypted, match="RTW_EVENT_CIPHER_KEY"):
        await stored(pool, DocumentVault(None))

    assert await pool.fetchval("SELECT count(*) FROM rtw_documents") == 0


async def test_a_discarded_document_is_gone(pool: asyncpg.Pool, store: CaseEventStore) -> None:
    vault = DocumentVault.of(store)
    case_id, document_id = await stored(pool, vault)

    await discard_document(pool, case_id=case_id, document_id=document_id)

    assert await read_document(pool, vault, case_id=case_id, document_id=document_id) is None
