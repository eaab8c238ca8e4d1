"""The case file: notes OH writes as the case goes, and documents attached to it (a scanned fit
note, a consultant's letter).

A note is dated by when it was written and authored by whoever signed in to write it; it is
kept for OH alone or written to be shared with the employee (`domain.disclosure` says who reads
which). A document's bytes never enter the record: they are stored encrypted beside it, and
the case records what identifies them (id, title, media type, size and SHA-256 digest). The
state keeps counts only; the text of notes lives in the encrypted event store.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import PRINTABLE, Actor
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Event,
    Evolution,
)
from domain.stages import Action, Stage
from domain.state import CaseState

if TYPE_CHECKING:
    from domain.events import CaseEvent

# A closed case's workflow has ended: nothing more can be added to its file.
FILE_STAGES = frozenset(Stage) - {Stage.CLOSED}


class NoteVisibility(StrEnum):
    """Who a case note is written for, besides OH."""

    OH_ONLY = "oh_only"
    SHARED_WITH_EMPLOYEE = "shared_with_employee"


class DocumentType(StrEnum):
    """The media types a case document may have, each recognised by its content."""

    PDF = "application/pdf"
    PNG = "image/png"
    JPEG = "image/jpeg"
    TIFF = "image/tiff"


# The first bytes each accepted type begins with (its "magic number").
_SIGNATURES: tuple[tuple[bytes, DocumentType], ...] = (
    (b"%PDF-", DocumentType.PDF),
    (b"\x89PNG\r\n\x1a\n", DocumentType.PNG),
    (b"\xff\xd8\xff", DocumentType.JPEG),
    (b"II*\x00", DocumentType.TIFF),  # little-endian TIFF
    (b"MM\x00*", DocumentType.TIFF),  # big-endian TIFF
)

ACCEPTED_DOCUMENT_TYPES: tuple[str, ...] = tuple(t.value for t in DocumentType)


def document_type_of(content: bytes) -> DocumentType | None:
    """The accepted type `content` is, judged by its first bytes; None for any other content.
    A declared type is never trusted: a renamed executable declares whatever it likes."""
    for signature, kind in _SIGNATURES:
        if content.startswith(signature):
            return kind
    return None


class AddCaseNote(Command):
    """Add a note to the case file, written by you and dated now."""

    text: str = Field(min_length=1, max_length=TEXT)
    visibility: NoteVisibility = Field(
        default=NoteVisibility.OH_ONLY,
        description="`oh_only`, or `shared_with_employee` for a note the employee may read.")


class CaseNoteAdded(Event):
    """A note in the case file; its author is the event's actor and its date the event's."""

    type: Literal["CaseNoteAdded"] = "CaseNoteAdded"
    number: int
    visibility: NoteVisibility
    text: str


class AttachDocument(Command):
    """Record a document stored (encrypted) for the case: what identifies it, never its bytes.
    Taken by the document upload, which stores the bytes and fills this in."""

    document_id: str = Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                             r"[0-9a-f]{12}$", description="The stored document's id (a UUID).")
    title: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE)
    media_type: DocumentType
    size_bytes: int = Field(ge=1)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="Digest of the content.")


class DocumentAttached(Event):
    """A document stored for the case, identified by its id and the digest of its content."""

    type: Literal["DocumentAttached"] = "DocumentAttached"
    number: int
    document_id: str
    title: str
    media_type: str
    size_bytes: int
    sha256: str


def add_case_note(state: CaseState, command: AddCaseNote, now: datetime, actor: Actor
                  ) -> list[CaseEvent]:
    number = state.notes_added + 1
    audience = ("shared with the employee" if command.visibility is
                NoteVisibility.SHARED_WITH_EMPLOYEE else "for OH only")
    return [CaseNoteAdded(
        occurred_at=now, actor=actor, number=number, visibility=command.visibility,
        text=command.text,
        # The reason is what auditors read in lists: it never repeats the note's text.
        reason=f"case note {number} written by {actor.role.value} {actor.id}, {audience}",
    )]


def attach_document(state: CaseState, command: AttachDocument, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    number = state.documents_attached + 1
    return [DocumentAttached(
        occurred_at=now, actor=actor, number=number, document_id=command.document_id,
        title=command.title, media_type=command.media_type.value,
        size_bytes=command.size_bytes, sha256=command.sha256,
        reason=f"document {number} ({command.media_type.value}, {command.size_bytes} bytes) "
        f"attached by {actor.role.value} {actor.id}",
    )]


def _note_added(state: CaseState, event: CaseNoteAdded) -> Changes:
    return {"notes_added": event.number}


def _document_attached(state: CaseState, event: DocumentAttached) -> Changes:
    return {"documents_attached": event.number}


EVOLUTION: Evolution = {CaseNoteAdded: _note_added, DocumentAttached: _document_attached}

RULES: dict[Action, ActionRule] = {
    Action.ADD_CASE_NOTE: ActionRule(
        command=AddCaseNote, decide=add_case_note, roles=OH, stages=FILE_STAGES, path="notes",
        example={"text": "Phoned the employee: sleeping better and keen to talk about a "
                 "phased return at the next review.", "visibility": "shared_with_employee"},
    ),
    # Taken by the upload (`POST /v1/cases/{case_id}/documents`), never as JSON alone: a
    # document is recorded only once its bytes are stored.
    Action.ATTACH_DOCUMENT: ActionRule(
        command=AttachDocument, decide=attach_document, roles=OH, stages=FILE_STAGES,
        example={"document_id": "0b5e7a52-8d0c-4a43-9a51-3c1f1e0f6d2a",
                 "title": "Fit note, scanned", "media_type": "application/pdf",
                 "size_bytes": 48213,
                 "sha256": "9f2c1a4e0d7b6c5a8e3f2b1d0c9a8b7e6f5d4c3b2a1908f7e6d5c4b3a2918070"},
    ),
}
