"""Reading a case's notes: read from the (encrypted) event store, shown as far as the reader's
role may see each note (`domain.disclosure.may_see_note`), every read in the access log.

Notes are written through the `add_case_note` action (`POST /v1/cases/{case_id}/notes`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel, Field

from api.access_log import log_read
from api.case_calls import case_events, check_case_employer
from api.dependencies import ServicesDep, require_roles
from api.problems import problem_responses
from domain.disclosure import may_see_note
from domain.events import CaseEvent
from domain.journey.case_notes import CaseNoteAdded, NoteVisibility
from domain.journey.corrections import EntryCorrected
from eventstore.records import CaseEventRecord
from infra.tokens import TOKEN_ROLES, Principal

router = APIRouter(prefix="/v1/cases", tags=["case file"],
                   responses=problem_responses(401, 403, 404, 422, 503))

CaseId = Annotated[uuid.UUID, Path(description="The case id.")]

# The signed-in roles that may read some note: decided by disclosure, not here.
NOTE_READERS = tuple(role for role in TOKEN_ROLES
                     if any(may_see_note(role, visibility) for visibility in NoteVisibility))


class CorrectionOut(BaseModel):
    """A correction of fact recorded against an entry (which itself stays as it was)."""

    position: int
    event_id: str
    recorded_at: datetime
    author_id: str
    correction: str


class CaseNoteOut(BaseModel):
    """One note, dated and authored by the person who signed in to write it."""

    number: int
    position: int = Field(description="Its position in the case's history.")
    event_id: str
    written_at: datetime
    author_id: str
    author_role: str
    visibility: NoteVisibility
    text: str
    corrections: list[CorrectionOut] = Field(
        default_factory=list, description="Corrections of fact recorded against this note.")


class CaseNotes(BaseModel):
    case_id: str
    notes: list[CaseNoteOut]


def corrections_by_entry(events: list[tuple[CaseEventRecord, CaseEvent]]
                         ) -> dict[str, list[CorrectionOut]]:
    """The corrections of fact recorded, by the id of the entry each corrects."""
    found: dict[str, list[CorrectionOut]] = {}
    for record, event in events:
        if isinstance(event, EntryCorrected):
            found.setdefault(event.corrects_event_id, []).append(CorrectionOut(
                position=record.position, event_id=record.event_id,
                recorded_at=record.recorded_at, author_id=event.actor.id,
                correction=event.correction))
    return found


@router.get("/{case_id}/notes", response_model=CaseNotes,
            summary="The case's notes your role may read, oldest first, with their corrections")
async def list_case_notes(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*NOTE_READERS))],
) -> CaseNotes:
    await log_read(request, services, principal, "case.notes", case_id)
    await check_case_employer(services, principal, case_id)
    return notes_for(case_id, await case_events(services, case_id), principal)


def notes_for(case_id: uuid.UUID, events: list[tuple[CaseEventRecord, CaseEvent]],
              principal: Principal) -> CaseNotes:
    """The notes of the case's events that `principal` may read, with their corrections: the
    notes route's answer and the notes of a case page."""
    corrections = corrections_by_entry(events)
    return CaseNotes(case_id=str(case_id), notes=[
        CaseNoteOut(
            number=event.number, position=record.position, event_id=record.event_id,
            written_at=event.occurred_at, author_id=event.actor.id,
            author_role=event.actor.role.value, visibility=event.visibility, text=event.text,
            corrections=corrections.get(record.event_id, []),
        )
        for record, event in events
        if isinstance(event, CaseNoteAdded) and may_see_note(principal.role, event.visibility)
    ])


__all__ = ["NOTE_READERS", "corrections_by_entry", "notes_for", "router"]
