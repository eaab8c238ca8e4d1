"""The action forms of a case: `GET /cases/{id}/actions/{action}` shows the form generated from
the action's command (`api.web.forms`), only when the case page would offer it
(`api.web.offers`); the POST sends the command along the very path the JSON API takes
(`api.case_calls.run_action`), then answers 303 to the case page, or the form again with an
NHS error summary (422), or the reason and what is allowed now (409), or "accepted" (202).

Each rendering of a form carries a fresh key in a hidden field, sent as the action's
idempotency key: a form sent twice (a double click, a retried POST) is applied once.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from api.case_calls import readable_view, run_action
from api.dependencies import get_services
from api.problems import Problem
from api.views import case_for
from api.web.forms import (
    ErrorItem,
    Form,
    action_title,
    form_for,
    humanise,
    parse,
    plain_words,
    refusal_errors,
)
from api.web.guard import PageRefused, check_same_origin, signed_in
from api.web.offers import action_href, offered_actions
from api.web.rendering import render
from api.web.route import PageRoute
from domain.actions import RULES
from domain.stages import Action
from infra.tokens import Principal
from workflows.payloads import CaseView

router = APIRouter(route_class=PageRoute, include_in_schema=False)

KEY_FIELD = "form_key"
"""The hidden field holding the form's idempotency key (no command has a field of this name)."""
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
DONE = "done"
"""The case page's query parameter naming the action just recorded (see `done_banner`)."""


def new_key() -> str:
    return secrets.token_urlsafe(18)


def done_banner(request: Request) -> str | None:
    """The success banner's words for the case page after a form was sent, or None."""
    named = request.query_params.get(DONE)
    try:
        action = Action(named) if named else None
    except ValueError:
        return None
    return f"{action_title(action)}: saved to the case" if action else None



def _action(name: str) -> Action:
    """An action that has a form (one the API takes at a path of its own), or a 404 page."""
    try:
        action = Action(name)
    except ValueError:
        action = None
    if action is None or RULES[action].path is None:
        raise PageRefused(404, "Page not found", f"There is no form called '{name}'.")
    return action


async def _case_view(request: Request, case_id: uuid.UUID, principal: Principal) -> CaseView:
    """The case as the form page reads it: logged, and refused outside the caller's team or
    own case exactly as the API's case read is."""
    return await readable_view(request, get_services(request), principal, case_id, channel="web")


def _links(case_id: uuid.UUID, offered: Sequence[Action]) -> list[dict[str, str]]:
    return [{"href": action_href(str(case_id), a), "text": action_title(a)} for a in offered]


def _why_not(view: CaseView, action: Action, principal: Principal) -> str:
    if principal.role not in RULES[action].roles:
        roles = ", ".join(sorted(humanise(r.value) for r in RULES[action].roles))
        return (f"Your role ({humanise(principal.role.value)}) cannot "
                f"{action_title(action).lower()}. It is for: {roles}.")
    return (f"The case is at the {humanise(view.state.stage.value).lower()} stage, which does "
            f"not allow this now.")


def _page(request: Request, template: str, case_id: uuid.UUID, action: Action,
          principal: Principal, view: CaseView | None, *, status: int = 200,
          **context: Any) -> Response:
    employee = case_for(view, principal).employee.name if view is not None else None
    return render(request, template, {
        "title": action_title(action), "case_id": str(case_id), "employee": employee,
        "case_href": f"/cases/{case_id}", "action_url": action_href(str(case_id), action),
        "key_field": KEY_FIELD, **context,
    }, status_code=status, principal=principal)


def _form_page(request: Request, case_id: uuid.UUID, form: Form, principal: Principal,
               view: CaseView | None, *, key: str, errors: Sequence[ErrorItem] = (),
               status: int = 200, refusal: str | None = None,
               allowed: Sequence[Action] = ()) -> Response:
    return _page(request, "action_form.jinja", case_id, form.action, principal, view,
                 status=status, form=form, key=key,
                 errors=[e.as_summary() for e in errors], refusal=refusal,
                 allowed=_links(case_id, allowed))


@router.get("/cases/{case_id}/actions/{action}")
async def action_form(request: Request, case_id: uuid.UUID, action: str) -> Response:
    principal = await signed_in(request)
    chosen = _action(action)
    view = await _case_view(request, case_id, principal)
    offered = offered_actions(view, principal)
    if chosen not in offered:
        return _page(request, "action_refused.jinja", case_id, chosen, principal, view,
                     status=409, reason=_why_not(view, chosen, principal),
                     allowed=_links(case_id, offered))
    return _form_page(request, case_id, form_for(chosen).with_values(None), principal, view,
                      key=new_key())


@router.post("/cases/{case_id}/actions/{action}")
async def send_action(request: Request, case_id: uuid.UUID, action: str) -> Response:
    check_same_origin(request)
    principal = await signed_in(request)
    chosen = _action(action)
    if principal.role not in RULES[chosen].roles:
        raise PageRefused(403, "You cannot do this",
                          f"{action_title(chosen)} is for: "
                          + ", ".join(sorted(r.value for r in RULES[chosen].roles)) + ".")
    services = get_services(request)
    posted = await request.form()
    pairs = [(name, value) for name, value in posted.multi_items()
             if isinstance(value, str) and name != KEY_FIELD]
    typed_key = posted.get(KEY_FIELD)
    key = typed_key if isinstance(typed_key, str) and _KEY.match(typed_key) else new_key()
    form = form_for(chosen)
    parsed = parse(form, pairs)
    if parsed.command is None:
        # Nothing was sent: the same key stays with the form.
        return _form_page(request, case_id, form.with_values(pairs, parsed.field_errors),
                          principal, await _case_view(request, case_id, principal), key=key,
                          errors=parsed.errors, status=422)
    try:
        answer = await run_action(services, case_id, chosen, parsed.command, principal,
                                  idempotency_key=f"web-{key}")
    except Problem as problem:
        if problem.status == 422:
            errors = problem.extra.get("errors") or [{"field": None,
                                                       "message": problem.detail}]
            refused = refusal_errors(form, errors)
            return _form_page(request, case_id, form.with_values(pairs, refused.field_errors),
                              principal, await _case_view(request, case_id, principal),
                              key=new_key(), errors=refused.errors, status=422)
        if problem.status == 409:
            return await _refused(request, case_id, form, principal, pairs, problem)
        raise
    if isinstance(answer, JSONResponse):  # accepted: applied once a worker takes it
        return _page(request, "action_accepted.jinja", case_id, chosen, principal, None,
                     status=202)
    return RedirectResponse(f"/cases/{case_id}?{DONE}={chosen.value}", status_code=303)


async def _refused(request: Request, case_id: uuid.UUID, form: Form, principal: Principal,
                   pairs: list[tuple[str, str]], problem: Problem) -> Response:
    """The case refused the action as it stands now: the reason, the actions it allows now,
    and the form again (as typed) only while the action is still among them."""
    try:
        view: CaseView | None = await _case_view(request, case_id, principal)
    except Problem:
        view = None  # a closed case answers no queries: nothing is allowed now
    offered = offered_actions(view, principal) if view is not None else []
    shown = form.with_values(pairs) if form.action in offered else None
    stage = problem.extra.get("stage")
    reason = (f"The case is now at the {humanise(str(stage)).lower()} stage, which does not "
              f"allow this." if stage else plain_words(problem.detail))
    return _page(request, "action_form.jinja", case_id, form.action, principal, view,
                 status=409, form=shown, key=new_key(), errors=[],
                 refusal=reason, allowed=_links(case_id, offered))
