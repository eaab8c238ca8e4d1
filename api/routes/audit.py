"""What auditors read: a case's history, the whole store as a stream, and who read which case.

Every read here is of the reader's employers' cases only, and shows clinical content only to
the clinical-audit role for a purpose it names (`domain.disclosure.audit_sees_clinical`); an
auditor reads each event's type, moments, actor, place in the chain, reason and facts, with
what is clinical withheld (`domain.disclosure.event_for_audit`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import date, datetime
from typing import Annotated, Any

from eventsourcing.persistence import MapperDeserialisationError
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.access_log import log_read
from api.audit_params import AsOfQuery, PositionQuery, PurposeQuery, as_of_moment, audit_purpose
from api.case_history import AuditRead, audited_view, history_for_audit, withheld_of
from api.dependencies import ServicesDep, require_roles
from api.models import HistoryEntry
from api.problems import Problem, invalid_field, problem_responses
from api.services import Services
from api.tenancy import no_such_case
from domain.disclosure import AUDIT_ROLES
from eventstore.export import ExportFormat, ExportWindow, export_pages, render
from eventstore.records import CaseEventRecord
from eventstore.replay import state_of
from eventstore.store import CaseEventStore
from eventstore.view import EventView
from infra.tokens import Principal
from readside.access_log import list_access

router = APIRouter(prefix="/v1/audit", tags=["audit"],
                   responses=problem_responses(401, 403, 422))
Auditor = Annotated[Principal, Depends(require_roles(*AUDIT_ROLES))]
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


class AccessEntry(BaseModel):
    """One read of case data: who, in which role, when, what, and from where."""

    id: int
    accessed_at: str
    subject: str
    role: str
    action: str
    case_id: str | None
    channel: str = Field(description="'api', 'web' or 'cli'.")
    client: str = Field(description="The HTTP client address, or 'cli:' and the OS user.")
    detail: str = Field(description="The validated parameters that chose what was read.")
    route: str = Field(default="", description="The method and route template of the "
                       "request; empty for the command line.")
    status: int | None = Field(default=None, description="The HTTP status of the answer.")
    purpose: str | None = Field(default=None, description="The purpose a read named.")


class AccessPage(BaseModel):
    entries: list[AccessEntry]
    next_after_id: int | None = Field(description="Pass as after_id for the next page; "
                                                  "null at the end.")


class AuditedEntry(HistoryEntry):
    """One recorded event as the audit reads it."""

    withheld: list[str] = Field(default_factory=list, description=(
        "The fields (and 'reason') withheld as clinical; their values read "
        "'[withheld: clinical]'. Empty for a clinical audit."))


class AuditedHistory(BaseModel):
    case_id: str
    as_of: datetime | None = Field(default=None, description="Events recorded by then only.")
    position: int | None = Field(default=None, description="Events up to this position only.")
    clinical: bool = Field(description="Whether clinical content is shown (a clinical audit "
                           "that named its purpose).")
    events: list[AuditedEntry]


@router.get(
    "/cases/{case_id}/history",
    response_model=AuditedHistory,
    responses=problem_responses(404, 500, 503),
    summary="A case's recorded events as an audit reads them, oldest first",
)
async def audited_history(
    case_id: Annotated[uuid.UUID, Path(description="The case id.")],
    request: Request,
    services: ServicesDep,
    principal: Auditor,
    as_of: AsOfQuery = None,
    position: PositionQuery = None,
    purpose: PurposeQuery = None,
) -> AuditedHistory:
    moment = as_of_moment(as_of)
    read = AuditRead(principal, audit_purpose(principal, purpose))
    await log_read(request, services, principal, "case.history", case_id,
                   purpose=read.purpose)
    history = await history_for_audit(services, case_id, read, as_of=moment, position=position)
    return AuditedHistory(
        case_id=str(case_id), as_of=moment, position=position, clinical=read.clinical,
        events=[AuditedEntry(**HistoryEntry.of(audited_view(step.view, clinical=read.clinical),
                                               stage_after=step.state.stage.value).model_dump(),
                             withheld=list(withheld_of(step.view, clinical=read.clinical)))
                for step in history.steps])


@router.get(
    "/export",
    summary="Stream events: one case's, or those recorded between two dates (London)",
    response_class=StreamingResponse,
    responses={200: {"content": {MEDIA_TYPES["jsonl"]: {}, "text/csv": {}}}},
)
async def export(
    request: Request,
    services: ServicesDep,
    principal: Auditor,
    case_id: Annotated[uuid.UUID | None, Query(description="One case only.")] = None,
    date_from: Annotated[date | None, Query(alias="from", description="First date, "
                                            "YYYY-MM-DD, inclusive.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last date, YYYY-MM-DD, "
                                          "inclusive.")] = None,
    output_format: Annotated[ExportFormat, Query(alias="format")] = "jsonl",
    purpose: PurposeQuery = None,
) -> StreamingResponse:
    if (date_from is None) != (date_to is None):
        raise invalid_field("from", "give both 'from' and 'to' (YYYY-MM-DD), or neither")
    window = None
    if date_from is not None and date_to is not None:
        try:
            window = ExportWindow(date_from, date_to)
        except ValueError as error:
            raise invalid_field("from", str(error)) from None
    read = AuditRead(principal, audit_purpose(principal, purpose))
    await log_read(request, services, principal, "audit.export", case_id, purpose=read.purpose)
    if case_id is not None and not principal.acts_for(await employer_of_case(services,
                                                                             case_id)):
        raise no_such_case(case_id)
    chunks = audited_export(services.store, output_format, read,
                            case_id=str(case_id) if case_id else None, window=window)
    return StreamingResponse(in_threads(chunks), media_type=MEDIA_TYPES[output_format])


def audited_export(
    store: CaseEventStore, output_format: ExportFormat, read: AuditRead, *,
    case_id: str | None = None, window: ExportWindow | None = None,
) -> Iterator[str]:
    """The audit export as chunks of text, a page at a time (CSV starts with its header): the
    events of the reader's employers' cases only, each as `audited_view` shows it."""
    employers: dict[str, str] = {}

    def employer_of(record: CaseEventRecord) -> str:
        if record.case_id not in employers:
            first = record if record.position == 1 else store.history(record.case_id,
                                                                      up_to=1)[0]
            employers[record.case_id] = _employer(first)
        return employers[record.case_id]

    if output_format == "csv":
        yield render([], "csv", header=True)
    for page in export_pages(store, case_id=case_id, window=window):
        mine = [_audited(record, clinical=read.clinical) for record in page
                if read.principal.acts_for(employer_of(record))]
        if mine:
            yield render(mine, output_format, header=False)


async def employer_of_case(services: Services, case_id: uuid.UUID) -> str:
    """The employer of the case ('' for a case with no events: nobody acts for it)."""
    try:
        first = await services.read_store(opening_of, services.store, str(case_id))
    except MapperDeserialisationError:
        raise Problem(500, "History cannot be read", "the case's first event cannot be "
                      "decrypted or decoded; verify the case's chain") from None
    return _employer(first) if first is not None else ""


def opening_of(store: CaseEventStore, case_id: str) -> CaseEventRecord | None:
    """The case's first event (the one that names its employer), if it has any."""
    first = store.history(case_id, up_to=1)
    return first[0] if first else None


def _employer(opening: CaseEventRecord) -> str:
    state = state_of([opening])
    return state.employer_id if state is not None else ""


def _audited(record: CaseEventRecord, *, clinical: bool) -> CaseEventRecord:
    """The record with its data (in today's shape) and reason as `audited_view` reads them,
    so the export renders it by its own rules (`eventstore.export.render`)."""
    view = EventView.read(record)
    if not withheld_of(view, clinical=clinical):
        return record
    audited = audited_view(view, clinical=clinical)
    return replace(record, data=audited.data, reason=audited.reason)


@router.get("/access", response_model=AccessPage,
            summary="Who read which case, oldest first, a page at a time")
async def access(
    request: Request,
    services: ServicesDep,
    principal: Auditor,
    case_id: Annotated[uuid.UUID | None, Query(description="One case only.")] = None,
    after_id: Annotated[int, Query(ge=0, description="Entries after this id.")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AccessPage:
    await log_read(request, services, principal, "audit.access-log", case_id)
    rows = await list_access(services.pool, case_id=str(case_id) if case_id else None,
                             after_id=after_id, limit=limit, employers=principal.employers)
    entries = [AccessEntry(**row) for row in rows]
    return AccessPage(entries=entries,
                      next_after_id=entries[-1].id if len(entries) == limit else None)


async def in_threads(chunks: Iterator[str]) -> AsyncIterator[str]:
    """Pull each page from the synchronous store on a thread, never on the event loop."""
    end = object()
    while True:
        chunk: Any = await asyncio.to_thread(next, chunks, end)
        if chunk is end:
            return
        yield chunk


