"""Documents of a case (a scanned fit note, a consultant's letter): uploaded by OH as the raw
body, checked by content, stored encrypted, recorded on the case, downloaded by OH only.

The upload stores the sealed bytes first and then asks the case to record them
(`attach_document`): a document is never on the record before its bytes are stored, and bytes
the case refuses to record are removed again. Every listing and download is in the access log.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from api.access_log import log_read
from api.body_limit import BodyAllowance
from api.case_calls import case_events, check_case_employer, run_action
from api.dependencies import ServicesDep, require_roles
from api.problems import PROBLEM_JSON, PROBLEM_SCHEMA_REF, Problem
from api.problems import problem_responses as problems
from api.services import Services
from domain.actors import PRINTABLE, Role
from domain.journey.base import SHORT
from domain.journey.case_notes import (
    ACCEPTED_DOCUMENT_TYPES,
    AttachDocument,
    DocumentAttached,
    DocumentType,
    document_type_of,
)
from domain.stages import Action
from infra.tokens import Principal
from readside.documents import (
    DocumentDamaged,
    DocumentVault,
    discard_document,
    read_document,
    store_document,
)

router = APIRouter(prefix="/v1/cases", tags=["case file"])

CaseId = Annotated[uuid.UUID, Path(description="The case id.")]
DocumentId = Annotated[uuid.UUID, Path(description="The document id the upload returned.")]
OH_ONLY = Depends(require_roles(Role.OH))
UPLOAD_PATH = re.compile(r"/v1/cases/[^/]+/documents")
_EXTENSIONS = {DocumentType.PDF: "pdf", DocumentType.PNG: "png", DocumentType.JPEG: "jpg",
               DocumentType.TIFF: "tif"}
_ACCEPTED = ", ".join(ACCEPTED_DOCUMENT_TYPES)


def _problem(status: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {status: {"description": description,
                     "content": {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}}}


def upload_allowance(max_bytes: int) -> BodyAllowance:
    """The body limit of document uploads (RTW_MAX_DOCUMENT_BYTES), for the app's middleware."""
    return BodyAllowance(method="POST", path=UPLOAD_PATH, max_bytes=max_bytes,
                         refusal=_too_large(max_bytes))


def _too_large(max_bytes: int) -> str:
    return (f"documents are limited to {max_bytes} bytes ({max_bytes / 1_048_576:g} MiB, "
            "RTW_MAX_DOCUMENT_BYTES)")


class DocumentOut(BaseModel):
    """A document of the case: what identifies it; its bytes are downloaded from `download`."""

    case_id: str
    document_id: str
    number: int | None = Field(default=None, description="Its number on the case, once "
                               "recorded (null while the upload is accepted but not applied).")
    title: str
    media_type: str
    size_bytes: int
    sha256: str
    attached_at: datetime | None = None
    attached_by: str | None = None
    position: int | None = Field(default=None, description="Its entry in the case's history.")
    download: str


class CaseDocuments(BaseModel):
    case_id: str
    documents: list[DocumentOut]


def _download(case_id: uuid.UUID | str, document_id: str) -> str:
    return f"/v1/cases/{case_id}/documents/{document_id}"


@router.post(
    "/{case_id}/documents", status_code=201, response_model=DocumentOut,
    summary="Upload a document of the case (PDF, PNG, JPEG or TIFF) as the request body",
    description="Action `attach_document`; roles: oh. Send the file's bytes as the body with "
    f"its `Content-Type` ({_ACCEPTED}); the type is checked against the content itself. "
    "The bytes are stored encrypted; the case records the title, type, size and SHA-256.",
    responses={
        202: {"model": DocumentOut, "description": "Stored; not yet recorded within the wait"},
        **problems(401, 403, 404, 409, 422, 503),
        **_problem(413, "The document is larger than RTW_MAX_DOCUMENT_BYTES"),
        **_problem(415, f"The content is not one of the accepted types ({_ACCEPTED}), or not "
                   "the type declared"),
    },
    openapi_extra={"requestBody": {"required": True, "content": {
        media_type: {"schema": {"type": "string", "format": "binary"}}
        for media_type in ACCEPTED_DOCUMENT_TYPES}}},
)
async def upload_document(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, OH_ONLY],
    title: Annotated[str, Query(min_length=1, max_length=SHORT, pattern=PRINTABLE,
                                description="What the document is, e.g. 'Consultant's "
                                "letter, 3 November'.")],
    content_type: Annotated[str | None, Header(description="The document's media type.")
                            ] = None,
) -> DocumentOut | JSONResponse:
    await check_case_employer(services, principal, case_id)
    content = await request.body()
    kind = _checked_type(content, content_type, services.max_document_bytes)
    vault = DocumentVault.of(services.store)
    if not vault.ready:
        raise Problem(503, "Service Unavailable", "documents are stored encrypted and no "
                      "cipher key is configured (RTW_EVENT_CIPHER_KEY); nothing was stored")
    document_id = str(uuid.uuid4())
    command = AttachDocument(document_id=document_id, title=title, media_type=kind,
                             size_bytes=len(content),
                             sha256=hashlib.sha256(content).hexdigest())
    await store_document(services.pool, vault, case_id=str(case_id), document_id=document_id,
                         media_type=kind.value, content=content)
    try:
        answer = await run_action(services, case_id, Action.ATTACH_DOCUMENT, command, principal)
    except Problem:
        # Refused (or not reached): the bytes were never part of the record.
        await discard_document(services.pool, case_id=str(case_id), document_id=document_id)
        raise
    out = DocumentOut(case_id=str(case_id), document_id=document_id, title=title,
                      media_type=kind.value, size_bytes=len(content), sha256=command.sha256,
                      download=_download(case_id, document_id))
    if isinstance(answer, JSONResponse):
        return JSONResponse(out.model_dump(mode="json"), status_code=202)
    recorded = await _recorded(services, case_id)
    return next((d for d in recorded if d.document_id == document_id), out)


def _checked_type(content: bytes, declared: str | None, max_bytes: int) -> DocumentType:
    """The document's type by its content, within the size limit, or the refusal naming what
    is accepted."""
    if len(content) > max_bytes:  # the middleware refuses most; this holds whatever reached
        raise Problem(413, "Content Too Large", _too_large(max_bytes))
    if not content:
        raise Problem(422, "Invalid request", "body: the document is empty",
                      errors=[{"field": "body", "message": "the document is empty"}])
    kind = document_type_of(content)
    if kind is None:
        raise Problem(415, "Unsupported Media Type", "the content is not a document of an "
                      f"accepted type; accepted: {_ACCEPTED} (judged by the content itself)")
    named = (declared or "").split(";")[0].strip().lower()
    if named not in ("", "application/octet-stream", kind.value):
        raise Problem(415, "Unsupported Media Type", f"the body was declared {named[:80]} "
                      f"but its content is {kind.value}; send it as {kind.value} "
                      f"(accepted: {_ACCEPTED})")
    return kind


async def _recorded(services: Services, case_id: uuid.UUID) -> list[DocumentOut]:
    return [
        DocumentOut(case_id=str(case_id), document_id=event.document_id, number=event.number,
                    title=event.title, media_type=event.media_type,
                    size_bytes=event.size_bytes, sha256=event.sha256,
                    attached_at=event.occurred_at, attached_by=event.actor.id,
                    position=record.position,
                    download=_download(case_id, event.document_id))
        for record, event in await case_events(services, case_id)
        if isinstance(event, DocumentAttached)
    ]


@router.get("/{case_id}/documents", response_model=CaseDocuments,
            responses=problems(401, 403, 404, 422, 503),
            summary="The documents recorded on the case, oldest first (OH only)")
async def list_documents(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, OH_ONLY],
) -> CaseDocuments:
    await log_read(request, services, principal, "case.documents", case_id)
    await check_case_employer(services, principal, case_id)
    return CaseDocuments(case_id=str(case_id), documents=await _recorded(services, case_id))


@router.get(
    "/{case_id}/documents/{document_id}",
    responses={200: {"description": "The document's bytes, as uploaded",
                     "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                 for t in ACCEPTED_DOCUMENT_TYPES}},
               **problems(401, 403, 404, 422, 503),
               **_problem(500, "The stored document does not open (damaged or a wrong key)")},
    response_class=Response,
    summary="Download a document of the case (OH only)",
)
async def download_document(
    case_id: CaseId,
    document_id: DocumentId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, OH_ONLY],
) -> Response:
    await log_read(request, services, principal, "case.document", case_id)
    await check_case_employer(services, principal, case_id)
    recorded = {d.document_id: d for d in await _recorded(services, case_id)}
    entry = recorded.get(str(document_id))
    if entry is None:
        raise Problem(404, "Not Found", f"case {case_id} has no document {document_id}")
    try:
        stored = await read_document(services.pool, DocumentVault.of(services.store),
                                     case_id=str(case_id), document_id=str(document_id))
    except DocumentDamaged as damaged:
        raise Problem(500, "Document cannot be opened", str(damaged)) from None
    if stored is None or stored.sha256 != entry.sha256:
        raise Problem(500, "Document cannot be opened", f"document {document_id} is recorded "
                      "on the case but its stored bytes are missing or differ from the record")
    extension = _EXTENSIONS.get(DocumentType(stored.media_type), "bin")
    return Response(content=stored.content, media_type=stored.media_type, headers={
        "Content-Disposition": f'attachment; filename="case-document-{entry.number}.'
                               f'{extension}"',
        "X-Content-Type-Options": "nosniff",
        "Cache-Control": "no-store",
    })


__all__ = ["router", "upload_allowance"]
