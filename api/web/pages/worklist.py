"""The worklist page: home for OH, line managers and HR. Cases by next deadline, overdue
first, from the same read model and the same rules as `GET /v1/cases` (`worklist_for`): a
manager sees their own team only, OH alone orders by the clinical deadlines. Filters are a GET
form, so a filtered list has an address; pages follow the API's cursor.
"""

from __future__ import annotations

import asyncio
import re
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.routes.notices import READERS, mailbox_of, written_notices
from api.routes.worklist import MINE, WORKLIST_ROLES, Worklist, WorklistFilters, worklist_for
from api.services import Services
from api.web.guard import PageRefused, check_same_origin, page_roles
from api.web.homes import PAGES
from api.web.rendering import render
from api.web.route import PageRoute
from domain.actors import PRINTABLE, Role
from domain.calendar import LONDON
from domain.deadline_words import deadline_in_words
from domain.stages import Stage
from infra.tokens import Principal
from readside.unread_notices import mark_read, unread_notices

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE_SIZE = 50
"""Cases per page: the JSON worklist's default page."""
NOTICES_SHOWN = 5
OVERDUE_CHOICES = {"": None, "true": True, "false": False}
_PRINTABLE = re.compile(PRINTABLE)
STAGE_VALUES = frozenset(stage.value for stage in Stage)


_ACRONYMS = {"oh": "OH", "hr": "HR"}


def in_words(value: str) -> str:
    """`phased_return` -> "Phased return", `refer_to_oh` -> "Refer to OH"."""
    words = value.replace("_", " ").capitalize().split(" ")
    return " ".join(_ACRONYMS.get(word, word) for word in words)


def london_time(moment: datetime) -> str:
    """A moment as people in the UK read it: "Mon 30 Nov 2026, 09:05" (Europe/London)."""
    return moment.astimezone(LONDON).strftime("%a %-d %b %Y, %H:%M")


def heading(principal: Principal) -> str:
    """The page's name for the role: the header's first link (Worklist, My team, Cases)."""
    return PAGES.get(principal.role, [("/worklist", "Cases")])[0][1]


def _filters(stage: str, assignee: str, overdue: str, employer: str
             ) -> tuple[WorklistFilters, list[dict[str, str]]]:
    errors: list[dict[str, str]] = []
    if stage and stage not in STAGE_VALUES:
        errors.append({"text": "Choose a stage from the list", "href": "#stage"})
    if assignee not in ("", MINE):
        errors.append({"text": "Choose whose cases to show from the list", "href": "#assignee"})
    if overdue not in OVERDUE_CHOICES:
        errors.append({"text": "Choose overdue or not from the list", "href": "#overdue"})
    if employer and not _PRINTABLE.fullmatch(employer):
        errors.append({"text": "Enter the employer's id in letters, digits and punctuation",
                       "href": "#employer"})
    if errors:
        return WorklistFilters(), errors
    return WorklistFilters(stage=Stage(stage) if stage else None, assignee=assignee or None,
                           overdue=OVERDUE_CHOICES[overdue],
                           employer=employer or None), errors


def _rows(worklist: Worklist) -> list[dict[str, Any]]:
    """Each case as the table shows it; nothing the JSON item does not carry."""
    return [{
        "href": f"/cases/{item.case_id}",
        "employee": item.employee.name if item.employee else "(name unavailable)",
        "manager": item.manager_id or "No line manager",
        "employer": item.employer_id,
        "stage": in_words(item.stage.value),
        "deadline": deadline_in_words(item.next_deadline.name) if item.next_deadline else None,
        "due": london_time(item.next_deadline.due_at) if item.next_deadline else None,
        "overdue": item.overdue,
        "case_manager": item.case_manager.name if item.case_manager else None,
        "unassigned": bool(item.unassigned),
        "undelivered": item.undelivered_notices or 0,
    } for item in worklist.items]


async def _notices(services: Services, principal: Principal) -> dict[str, Any] | None:
    """The caller's unread notices (their own, or their role's mailbox), newest first."""
    if principal.role not in READERS:
        return None
    unread = await unread_notices(services.pool, mailbox_of(principal), limit=NOTICES_SHOWN)
    written = await written_notices(services, unread.newest) if unread.newest else []
    return {"count": unread.count, "items": [{
        "id": notice.notice_id, "subject": notice.subject, "case_href": f"/cases/{notice.case_id}",
        "created": london_time(notice.created_at),
    } for notice in written]}


@router.get("/worklist")
async def worklist_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_roles(*WORKLIST_ROLES))],
    stage: Annotated[str, Query(max_length=40)] = "",
    assignee: Annotated[str, Query(max_length=100)] = "",
    overdue: Annotated[str, Query(max_length=10)] = "",
    employer: Annotated[str, Query(max_length=100)] = "",
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    services: Services = request.app.state.services
    filters, errors = _filters(stage, assignee, overdue, employer)
    form = {"stage": stage, "assignee": assignee, "overdue": overdue, "employer": employer}
    rows: list[dict[str, Any]] = []
    next_href = None
    notices = asyncio.ensure_future(_notices(services, principal))  # on its own connection
    try:
        worklist = None if errors else await worklist_for(services, principal, filters,
                                                          cursor=cursor, limit=PAGE_SIZE)
    finally:
        unread = await notices
    if worklist is not None:
        rows = _rows(worklist)
        if worklist.next_cursor:
            chosen = {name: value for name, value in form.items() if value}
            next_href = "/worklist?" + urlencode(chosen | {"cursor": worklist.next_cursor})
    filtered = any(form.values())
    return render(request, "worklist.jinja", {
        "title": heading(principal),
        "errors": errors,
        "field_errors": {error["href"][1:]: error["text"] for error in errors},
        "form": form,
        "filtered": filtered,
        "rows": rows,
        "next_href": next_href,
        "first_href": ("/worklist?" + urlencode({k: v for k, v in form.items() if v})
                       if cursor else None),
        "stages": [(s.value, in_words(s.value)) for s in Stage],
        "show_assignee": principal.role is Role.OH,
        "show_manager": principal.role is not Role.MANAGER,
        "show_undelivered": principal.role in (Role.OH, Role.HR),
        "notices": unread,
    }, status_code=422 if errors else 200, principal=principal)


@router.post("/worklist/notices/read")
async def mark_notice_read(
    request: Request,
    principal: Annotated[Principal, Depends(page_roles(*READERS))],
    notice_id: Annotated[str, Form(max_length=200)],
) -> Response:
    check_same_origin(request)
    services: Services = request.app.state.services
    notice = await mark_read(services.pool, mailbox_of(principal), notice_id)
    if notice is None:
        raise PageRefused(404, "Notice not found", "You have no such notice.")
    return RedirectResponse("/worklist", status_code=303)
