"""What auditors read: the whole store as a stream, and who read which case."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, Field

from api.access_log import log_read
from api.dependencies import ServicesDep, require_roles
from api.problems import invalid_field, problem_responses
from domain.actors import Role
from eventstore.export import ExportFormat, ExportWindow, export_text
from infra.tokens import Principal
from readside.access_log import list_access

router = APIRouter(prefix="/v1/audit", tags=["audit"],
                   responses=problem_responses(401, 403, 422))
Auditor = Annotated[Principal, Depends(require_roles(Role.AUDITOR))]
MEDIA_TYPES = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8"}


class AccessEntry(BaseModel):
    """One read of case data: who, in which role, when, what, and from where."""

    id: int
    accessed_at: str
    subject: str
    role: str
    action: str
    case_id: str | None
    channel: str = Field(description="'api' or 'cli'.")
    client: str = Field(description="The HTTP client address, or 'cli:' and the OS user.")
    detail: str


class AccessPage(BaseModel):
    entries: list[AccessEntry]
    next_after_id: int | None = Field(description="Pass as after_id for the next page; "
                                                  "null at the end.")


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
) -> StreamingResponse:
    if (date_from is None) != (date_to is None):
        raise invalid_field("from", "give both 'from' and 'to' (YYYY-MM-DD), or neither")
    window = None
    if date_from is not None and date_to is not None:
        try:
            window = ExportWindow(date_from, date_to)
        except ValueError as error:
            raise invalid_field("from", str(error)) from None
    await log_read(request, services, principal, "audit.export", case_id)
    chunks = export_text(services.store, output_format,
                         case_id=str(case_id) if case_id else None, window=window)
    return StreamingResponse(in_threads(chunks), media_type=MEDIA_TYPES[output_format])


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
                             after_id=after_id, limit=limit)
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


