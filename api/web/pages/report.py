"""The employee's own OH report, offered to them before anyone else: they read it, comment on
it, and give or withdraw their consent to release each part of it (report first to the
employee, `domain.journey.report_consent`).

What the employee reads of the report, and what their consent releases, are decided in
`domain.disclosure`; the actions go to the case's workflow exactly as the API sends them
(`api.case_calls.run_action`), which refuses anything the rules do not allow. Every form posts
and redirects back with a banner, so the page works without JavaScript.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from api.access_log import log_read
from api.case_calls import case_events, not_found, query_view, run_action
from api.problems import Problem
from api.services import Services
from api.web.guard import check_same_origin, page_roles
from api.web.rendering import render
from api.web.route import PageRoute
from domain.actions import check_own_team
from domain.actors import Actor, Role, Source
from domain.disclosure import ConsentStatus, consent_status, report_for_employee
from domain.errors import NotOwnTeam
from domain.events import ReportCommented
from domain.journey.report_consent import (
    PROPOSAL_OF,
    CommentOnReport,
    GiveConsent,
    WithdrawConsent,
)
from domain.practice import reports_first_to_employee
from domain.stages import Action
from domain.state import Assessment, CaseState
from domain.vocabulary import ReportScope
from infra.tokens import Principal
from workflows.payloads import CaseView

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Employee = Annotated[Principal, Depends(page_roles(Role.EMPLOYEE))]

# What each scope releases, and to whom, in the employee's words.
SCOPES: dict[ReportScope, tuple[str, str]] = {
    ReportScope.FITNESS_TO_MANAGER: ("Your fitness for work", "your line manager"),
    ReportScope.ADJUSTMENTS_TO_MANAGER: ("The adjustments OH recommends", "your line manager"),
    ReportScope.ADVICE_TO_HR: ("OH's advice: your fitness and the adjustments", "HR"),
}
STATUS_TAGS: dict[ConsentStatus, tuple[str, str]] = {
    ConsentStatus.PENDING: ("Not shared", "nhsuk-tag--grey"),
    ConsentStatus.GIVEN: ("Shared", "nhsuk-tag--green"),
    ConsentStatus.WITHDRAWN: ("Withdrawn", "nhsuk-tag--orange"),
    ConsentStatus.NOT_PROPOSED: ("OH does not share this", "nhsuk-tag--white"),
}
FITNESS_WORDS = {
    "fit": "Fit for your usual work",
    "fit_with_adjustments": "Fit for work with adjustments",
    "unfit_own_role": "Not fit for your own role at the moment",
    "unfit_any_work": "Not fit for any work at the moment",
}
# The banners a redirect may ask for: a fixed set, never text from the address.
DONE = {
    "commented": "Your comment was sent to occupational health. Your line manager and HR do "
                 "not see it.",
    "given": "You gave your consent. Only what you chose is shared, and you can withdraw it "
             "at any time.",
    "withdrawn": "You withdrew your consent. From now on that part of your report is hidden "
                 "again.",
    "accepted": "We have received your answer. It may take a moment to show on this page.",
}


def _page(case_id: uuid.UUID) -> str:
    return f"/my-case/{case_id}/report"


async def own_case(services: Services, case_id: uuid.UUID, principal: Principal) -> CaseView:
    """The case, if it is the signed-in employee's own; any other is a missing page, whether
    it exists or not (another employer's, or another person's)."""
    if not principal.case_employers:
        raise not_found(case_id)
    view = await query_view(services, case_id)
    state = view.state
    if not principal.acts_for(state.employer_id):
        raise not_found(case_id)
    try:
        check_own_team(state, Actor(id=principal.subject, role=principal.role,
                                    source=Source.API))
    except NotOwnTeam:
        raise not_found(case_id) from None
    return view


def _scopes(state: CaseState) -> list[dict[str, Any]]:
    status = consent_status(state, Role.EMPLOYEE)
    each = status.scopes if status and status.scopes else {}
    rows = []
    for scope, (what, whom) in SCOPES.items():
        current = each.get(scope, ConsentStatus.NOT_PROPOSED)
        text, classes = STATUS_TAGS[current]
        rows.append({"scope": scope.value, "what": what, "whom": whom,
                     "whom_title": whom[:1].upper() + whom[1:], "status": current.value,
                     "tag": {"text": text, "classes": classes}})
    return rows


def _recorded_at_assessment(assessment: Assessment) -> list[dict[str, Any]]:
    """On a case before report-first: what the consent recorded with the report shares."""
    rows = []
    for scope, (what, whom) in SCOPES.items():
        shared = bool(getattr(assessment.consent, PROPOSAL_OF[scope]))
        text, classes = (("Shared", "nhsuk-tag--green") if shared
                         else ("Not shared", "nhsuk-tag--grey"))
        rows.append({"what": what, "whom_title": whom[:1].upper() + whom[1:],
                     "tag": {"text": text, "classes": classes}})
    return rows


async def _context(services: Services, case_id: uuid.UUID, view: CaseView) -> dict[str, Any]:
    state = view.state
    assessment = state.latest_assessment
    context: dict[str, Any] = {"title": "Your occupational health report", "case_id": case_id,
                               "action": _page(case_id), "report": None}
    if assessment is None:
        return context
    report = report_for_employee(assessment)
    comments = [event for _, event in await case_events(services, case_id)
                if isinstance(event, ReportCommented)
                and event.assessment_number == assessment.number]
    reports_first = reports_first_to_employee(state)
    open_to_actions = {Action(name) for name in view.allowed_actions
                       if name in {a.value for a in Action}}
    context.update(
        report=report, fitness=FITNESS_WORDS.get(report.fitness.value, report.fitness.value),
        adjustments=[{"kind": a.kind.value.replace("_", " ").capitalize(), "detail": a.detail}
                     for a in report.recommended_adjustments],
        comments=[{"text": c.comment, "on": c.occurred_at} for c in comments],
        reports_first=reports_first,
        scopes=_scopes(state) if reports_first else [],
        consent_items=[{"value": row["scope"], "text": f"{row['what']} to {row['whom']}"}
                       for row in (_scopes(state) if reports_first else [])
                       if row["status"] in (ConsentStatus.PENDING, ConsentStatus.WITHDRAWN)],
        recorded=[] if reports_first else _recorded_at_assessment(assessment),
        can_act=reports_first and Action.GIVE_CONSENT in open_to_actions,
    )
    return context


async def _show(request: Request, principal: Principal, case_id: uuid.UUID, *,
                errors: list[dict[str, str]] | None = None, status_code: int = 200,
                values: dict[str, Any] | None = None) -> Response:
    services: Services = request.app.state.services
    view = await own_case(services, case_id, principal)
    await log_read(request, services, principal, "case.read", case_id, channel="web")
    context = await _context(services, case_id, view)
    context.update(errors=errors or [], values=values or {},
                   done=DONE.get(request.query_params.get("done", "")))
    return render(request, "report.jinja", context, status_code=status_code,
                  principal=principal)


@router.get("/my-case/{case_id}/report")
async def report_page(case_id: uuid.UUID, request: Request, principal: Employee) -> Response:
    return await _show(request, principal, case_id)


async def _act(request: Request, principal: Principal, case_id: uuid.UUID, action: Action,
               build: type[BaseModel], fields: dict[str, Any], done: str,
               field_ids: dict[str, str]) -> Response:
    """Send one action as the employee; back to the page with a banner, or the page again
    with the error summary linked to the field the refusal names."""
    check_same_origin(request)
    services: Services = request.app.state.services
    await own_case(services, case_id, principal)
    first_field = next(iter(field_ids.values()))
    try:
        command = build.model_validate(fields)
    except ValidationError as invalid:
        field = str(invalid.errors()[0]["loc"][0]) if invalid.errors()[0]["loc"] else ""
        message = _invalid_message(field)
        return await _show(request, principal, case_id, status_code=422, values=fields,
                           errors=[{"text": message,
                                    "href": "#" + field_ids.get(field, first_field)}])
    try:
        answer = await run_action(services, case_id, action, command, principal)
    except Problem as refused:
        if refused.status >= 500 or refused.status == 404:
            raise
        errors = refused.extra.get("errors") or [{}]
        field = str(errors[0].get("field") or "")
        text = str(errors[0].get("message") or refused.detail)
        return await _show(request, principal, case_id, status_code=refused.status,
                           values=fields, errors=[{
                               "text": text[:1].upper() + text[1:],
                               "href": "#" + field_ids.get(field, first_field)}])
    outcome = "accepted" if isinstance(answer, JSONResponse) else done
    return RedirectResponse(f"{_page(case_id)}?done={outcome}", status_code=303)


def _invalid_message(field: str) -> str:
    return {
        "comment": "Enter your comment (up to 4,000 characters)",
        "scopes": "Select what you agree to share",
    }.get(field, "Check your answer and send it again")


@router.post("/my-case/{case_id}/report/comments")
async def comment(case_id: uuid.UUID, request: Request, principal: Employee,
                  assessment_number: Annotated[int, Form(ge=1, le=10_000)],
                  comment: Annotated[str, Form(max_length=10_000)] = "") -> Response:
    return await _act(request, principal, case_id, Action.COMMENT_ON_REPORT, CommentOnReport,
                      {"assessment_number": assessment_number, "comment": comment.strip()},
                      "commented", {"comment": "comment"})


@router.post("/my-case/{case_id}/report/consent")
async def give(case_id: uuid.UUID, request: Request, principal: Employee,
               assessment_number: Annotated[int, Form(ge=1, le=10_000)],
               scopes: Annotated[list[str] | None, Form(max_length=len(ReportScope))] = None
               ) -> Response:
    return await _act(request, principal, case_id, Action.GIVE_CONSENT, GiveConsent,
                      {"assessment_number": assessment_number, "scopes": scopes or []},
                      "given", {"scopes": "scopes"})


@router.post("/my-case/{case_id}/report/consent/withdrawal")
async def withdraw(case_id: uuid.UUID, request: Request, principal: Employee,
                   assessment_number: Annotated[int, Form(ge=1, le=10_000)],
                   scope: Annotated[str, Form(max_length=50)]) -> Response:
    return await _act(request, principal, case_id, Action.WITHDRAW_CONSENT, WithdrawConsent,
                      {"assessment_number": assessment_number, "scopes": [scope]},
                      "withdrawn", {"scopes": f"withdraw-{scope}"})
