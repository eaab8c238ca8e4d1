"""Each person's own notices: the reminders, warnings and alerts rtw sent them.

A manager reads the notices addressed to them; OH and HR read their role's mailbox. The words
are written from the notice's kind and its case as it stands, exactly as the relay writes the
email, so what the inbox says and what was sent never differ.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from api.dependencies import ServicesDep, require_roles
from api.problems import Problem, invalid_field, problem_responses
from api.record_check import checked_history
from api.services import Services
from domain.actors import Role
from domain.bounds import EARLIEST, LATEST
from domain.notices import NoticeKind
from domain.state import CaseState
from eventstore.replay import state_of
from infra.tokens import Principal
from readside.outbox import InboxCursor, StoredNotice
from readside.unread_notices import Mailbox
from readside.unread_notices import inbox as inbox_of
from readside.unread_notices import mark_read as mark_read_of

router = APIRouter(prefix="/v1/notices", tags=["notices"],
                   responses=problem_responses(401, 403, 422))

READERS = (Role.MANAGER, Role.OH, Role.HR)


class NoticeOut(BaseModel):
    """One notice, in the words it was (or will be) sent in; no clinical detail."""

    notice_id: str
    kind: NoticeKind
    case_id: str
    subject: str
    body: str
    due_at: datetime | None = Field(description="The deadline it is about, if any.")
    created_at: datetime
    delivery: Literal["pending", "sent", "failed"] = Field(
        description="Whether the relay has sent it by the configured channel yet; failed: "
        "every attempt failed (OH see it on the case's worklist entry).")
    read: bool


class Inbox(BaseModel):
    items: list[NoticeOut]
    next_cursor: str | None


def mailbox_of(principal: Principal) -> Mailbox:
    """Whose notices the caller reads: a manager their own, OH and HR their role's; of the
    employers they act for only."""
    return Mailbox(role=principal.role,
                   recipient_id=principal.subject if principal.role is Role.MANAGER else None,
                   employers=principal.case_employers)


def _encode_cursor(notice: StoredNotice) -> str:
    raw = json.dumps([notice.created_at.isoformat(), notice.notice_id]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode_cursor(cursor: str) -> InboxCursor:
    try:
        created, notice_id = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        created_at = datetime.fromisoformat(created)
        if (created_at.tzinfo is None or not EARLIEST <= created_at.date() <= LATEST
                or not isinstance(notice_id, str)):
            raise ValueError("not a cursor this API wrote")
        return InboxCursor(created_at=created_at, notice_id=notice_id)
    except (ValueError, TypeError, binascii.Error):
        raise invalid_field("cursor", "use next_cursor as returned",
                            detail="cursor: not a cursor this API returned") from None


async def written_notices(services: Services, notices: list[StoredNotice]) -> list[NoticeOut]:
    states: dict[str, CaseState] = {}
    written = []
    for notice in notices:
        if notice.case_id not in states:
            state = state_of(await checked_history(services, uuid.UUID(notice.case_id)))
            if state is None:  # a notice is written with its event: never without a case
                raise LookupError(f"case {notice.case_id} has no stored events")
            states[notice.case_id] = state
        text = notice.rendered(states[notice.case_id], services.texts)
        written.append(NoticeOut(
            notice_id=notice.notice_id, kind=notice.kind, case_id=notice.case_id,
            subject=text.subject, body=text.body, due_at=notice.due_at,
            created_at=notice.created_at, delivery=notice.status,
            read=notice.read_at is not None,
        ))
    return written


@router.get("", response_model=Inbox, summary="Your notices, newest first")
async def inbox(
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Inbox:
    after = _decode_cursor(cursor) if cursor is not None else None
    rows = await inbox_of(services.pool, mailbox_of(principal), after=after, limit=limit)
    page = rows[:limit]
    return Inbox(items=await written_notices(services, page),
                 next_cursor=_encode_cursor(page[-1]) if len(rows) > limit else None)


@router.post("/{notice_id:path}/read", response_model=NoticeOut,
             responses=problem_responses(404), summary="Mark one of your notices read")
async def mark_read(
    notice_id: Annotated[str, Path(max_length=200, description="The notice's id, as listed.")],
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*READERS))],
) -> NoticeOut:
    notice = await mark_read_of(services.pool, mailbox_of(principal), notice_id)
    if notice is None:
        raise Problem(404, "Not Found", f"you have no notice {notice_id!r}")
    [written] = await written_notices(services, [notice])
    return written
