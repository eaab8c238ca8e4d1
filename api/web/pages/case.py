"""The case page: who, the stage, the deadlines with why, what the signed-in role may do next,
the fitness advice as the role may see it and the timeline. Shaped exactly as the API shapes
the case (`api.views.case_for`), refused exactly as `GET /v1/cases/{id}` refuses
(`check_own_team`), every read in the access log.

The timeline is the case's recorded history (`history_of`, as `GET /v1/cases/{id}/history`
answers it): whole for the roles that read the whole history, and for the others only the
entries `domain.disclosure.may_see_in_timeline` lets them see.
"""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from api.access_log import log_read
from api.case_calls import case_events, not_found, readable_view
from api.models import CaseOut, HistoryEntry
from api.problems import Problem
from api.routes.case_notes import NOTE_READERS, notes_for
from api.routes.cases import ANY_ROLE, history_of
from api.services import Services
from api.views import case_for
from api.web.forms import action_title
from api.web.guard import page_roles
from api.web.offers import action_href, offered_actions
from api.web.pages.actions import done_banner
from api.web.pages.worklist import in_words, london_time
from api.web.rendering import render
from api.web.route import PageRoute
from domain.actors import Role
from domain.deadline_words import deadline_in_words
from domain.disclosure import HISTORY_ROLES, may_see_in_timeline
from domain.journey.case_notes import NoteVisibility
from infra.tokens import Principal
from workflows.payloads import CaseView

router = APIRouter(route_class=PageRoute, include_in_schema=False)

_WORD_BREAK = re.compile(r"(?<!^)(?=[A-Z])")


def event_in_words(event_type: str) -> str:
    """`EarlyContactRecorded` -> "Early contact recorded"."""
    return _WORD_BREAK.sub(" ", event_type).capitalize()


def day(value: date) -> str:
    """A calendar day as people in the UK write it: "30 Nov 2026"."""
    return value.strftime("%-d %b %Y")


def _case_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise not_found(text) from None


def _who(entry: HistoryEntry, case: CaseOut) -> str:
    """The person behind an entry, by name where the case names them."""
    people = {case.employee.id: (case.employee.name, "employee")}
    if case.manager is not None:
        people[case.manager.id] = (case.manager.name, "line manager")
    if case.case_manager is not None:
        people.setdefault(case.case_manager.id, (case.case_manager.name, "case manager"))
    if entry.actor_id in people:
        name, what = people[entry.actor_id]
        return f"{name} ({what})"
    return f"{entry.actor_id} ({entry.actor_role})"


async def _timeline(services: Services, case_id: uuid.UUID, principal: Principal,
                    case: CaseOut) -> list[dict[str, str]]:
    """The case's history as the role may see it, newest first."""
    try:
        history = await history_of(services, case_id)
    except Problem as problem:
        if problem.status == 404:  # opened a moment ago: nothing stored yet
            return []
        raise
    return [{
        "when": london_time(entry.occurred_at),
        "what": event_in_words(entry.type),
        "who": _who(entry, case),
        "why": entry.reason,
        "stage": in_words(entry.stage_after),
    } for entry in reversed(history.events)
        if may_see_in_timeline(principal.role, entry.type, entry.data)]


def _deadlines(view: CaseView, case: CaseOut, now: datetime) -> list[dict[str, Any]]:
    """The deadlines `case_for` lets the role see (OH also the clinical ones), with why."""
    shown = case.deadlines + (case.clinical.deadlines if case.clinical else [])
    why = {(d.name, d.due_at): d.why for d in view.deadlines}
    return [{
        "what": deadline_in_words(d.name),
        "why": why.get((d.name, d.due_at), ""),
        "due": london_time(d.due_at),
        "overdue": d.due_at < now,
    } for d in sorted(shown, key=lambda d: d.due_at)]


def _actions(view: CaseView, principal: Principal, case_id: str) -> list[dict[str, str]]:
    return [{"href": action_href(case_id, action), "text": action_title(action)}
            for action in offered_actions(view, principal)]


@router.get("/cases/{case_id}")
async def case_page(
    case_id: str,
    request: Request,
    principal: Annotated[Principal, Depends(page_roles(*ANY_ROLE))],
) -> Response:
    services: Services = request.app.state.services
    found = _case_id(case_id)
    view = await readable_view(request, services, principal, found, channel="web",
                               refused="You cannot see this case")
    now = services.now()
    case = case_for(view, principal, now=now)
    if principal.role in HISTORY_ROLES:
        await log_read(request, services, principal, "case.history", found, channel="web")
    notes = None
    if principal.role in NOTE_READERS:
        await log_read(request, services, principal, "case.notes", found, channel="web")
        notes = notes_for(found, await case_events(services, found), principal).notes
    return render(request, "case.jinja", {
        "title": f"{case.employee.name}: case",
        "done": done_banner(request),
        "case": case,
        "stage": in_words(case.stage.value),
        "route": in_words(case.route.value),
        "opened": london_time(case.opened_at),
        "deadlines": _deadlines(view, case, now),
        "actions": _actions(view, principal, case.case_id),
        "timeline": await _timeline(services, found, principal, case),
        "whole_history": principal.role in HISTORY_ROLES,
        "notes": [{"number": n.number, "when": london_time(n.written_at),
                   "who": f"{n.author_id} ({n.author_role})", "text": n.text,
                   "shared": n.visibility is NoteVisibility.SHARED_WITH_EMPLOYEE} for n in notes]
        if notes is not None else None,
        "is_oh": principal.role is Role.OH,
        "in_words": in_words,
        "when": london_time,
        "day": day,
    }, principal=principal)
