"""Documents of a case (a scanned fit note, a consultant's letter), stored encrypted.

The bytes are sealed with AES-GCM under the event store's own cipher key before they reach
PostgreSQL, and bound to their case and document id (a sealed row copied onto another case or
id does not open). The table holds only what is needed to find a row and serve it: ids, the
media type and the size; the title and digest live in the case's (encrypted) record, on its
`DocumentAttached` event. Rows are written by the upload and removed only when the case
refused to record them.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from eventsourcing.persistence import Cipher

from eventstore.store import CaseEventStore

DOCUMENTS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_documents (
    case_id uuid NOT NULL,
    document_id uuid NOT NULL,
    media_type text NOT NULL,
    size_bytes integer NOT NULL,
    stored_at timestamptz NOT NULL DEFAULT now(),
    sealed bytea NOT NULL,
    PRIMARY KEY (case_id, document_id)
);
"""


class DocumentsNotEncrypted(RuntimeError):
    """No cipher key is configured: documents are never stored in the clear."""


class DocumentDamaged(RuntimeError):
    """A stored document does not open under its case and id (damaged, moved or a wrong key)."""


@dataclass(frozen=True)
class StoredDocument:
    case_id: str
    document_id: str
    media_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


class DocumentVault:
    """Seals and opens document bytes with the event store's cipher (AES-GCM)."""

    def __init__(self, cipher: Cipher | None) -> None:
        self._cipher = cipher

    @classmethod
    def of(cls, store: CaseEventStore) -> DocumentVault:
        """The vault keyed like the store (RTW_EVENT_CIPHER_KEY)."""
        return cls(store.mapper.cipher)

    @property
    def ready(self) -> bool:
        return self._cipher is not None

    def seal(self, case_id: str, document_id: str, content: bytes) -> bytes:
        return self._required().encrypt(_binding(case_id, document_id) + content)

    def open(self, case_id: str, document_id: str, sealed: bytes) -> bytes:
        try:
            plain = self._required().decrypt(sealed)
        except ValueError as error:  # the cipher's own "damaged" errors, incl. a failed tag
            raise DocumentDamaged(f"document {document_id} does not open") from error
        binding = _binding(case_id, document_id)
        if not plain.startswith(binding):
            raise DocumentDamaged(f"document {document_id} is not this case's document")
        return plain[len(binding):]

    def _required(self) -> Cipher:
        if self._cipher is None:
            raise DocumentsNotEncrypted(
                "documents are stored encrypted and no key is set: set RTW_EVENT_CIPHER_KEY")
        return self._cipher


def _binding(case_id: str, document_id: str) -> bytes:
    return f"rtw-document:{UUID(case_id)}:{UUID(document_id)}\n".encode()


async def store_document(pool: asyncpg.Pool, vault: DocumentVault, *, case_id: str,
                         document_id: str, media_type: str, content: bytes) -> None:
    """Seal the bytes (off the event loop: a document may be megabytes) and insert the row."""
    sealed = await asyncio.to_thread(vault.seal, case_id, document_id, content)
    await pool.execute(
        "INSERT INTO rtw_documents (case_id, document_id, media_type, size_bytes, sealed) "
        "VALUES ($1, $2, $3, $4, $5)",
        UUID(case_id), UUID(document_id), media_type, len(content), sealed,
    )


async def read_document(pool: asyncpg.Pool, vault: DocumentVault, *, case_id: str,
                        document_id: str) -> StoredDocument | None:
    """The document's bytes, opened; None if the case holds no such document."""
    row = await pool.fetchrow(
        "SELECT media_type, sealed FROM rtw_documents WHERE case_id = $1 AND document_id = $2",
        UUID(case_id), UUID(document_id),
    )
    if row is None:
        return None
    content = await asyncio.to_thread(vault.open, case_id, document_id, bytes(row["sealed"]))
    return StoredDocument(case_id=case_id, document_id=document_id,
                          media_type=row["media_type"], content=content)


async def discard_document(pool: asyncpg.Pool, *, case_id: str, document_id: str) -> None:
    """Remove a document the case refused to record (it was never part of the record)."""
    await pool.execute("DELETE FROM rtw_documents WHERE case_id = $1 AND document_id = $2",
                       UUID(case_id), UUID(document_id))
