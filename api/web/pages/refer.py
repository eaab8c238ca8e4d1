"""Self-referral (stay at work): a signed-in employee refers themselves to a service their
employer's policy lets employees refer themselves to (occupational health, physiotherapy...),
before any absence. The quickest route there is. At `/refer` rather than under `/my-case/`,
whose `/my-case/{case_id}` would otherwise take its address.

The referral goes through the very code the API's `POST /v1/referrals` runs
(`api.routes.referrals.receive_referral`): the same model, the same intake criteria, the same
idempotency (the form carries its referral id, so sending it twice opens one case).

Who the employee is, their contact address and their line manager come from a case rtw
already holds for them at that employer (`?case=`, from their case page): rtw keeps no
employee record yet, so an employee with no case cannot refer themselves here, and the page
says who can refer them instead.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.access_log import log_read
from api.models import ReferralNotification
from api.problems import Problem
from api.routes.referrals import receive_referral
from api.services import Services
from api.web.guard import check_same_origin
from api.web.pages.report import Employee, own_case
from api.web.rendering import render
from api.web.route import PageRoute
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.policy import Policy
from domain.services import ReferralFacts, Service, find_service, unmet_criteria
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.vocabulary import ReferralSource, Route
from infra.tokens import Principal

router = APIRouter(route_class=PageRoute, include_in_schema=False)

PAGE = "/refer"
REASONS = {
    ReasonCategory.MUSCULOSKELETAL: "A muscle, joint or back problem",
    ReasonCategory.MENTAL_HEALTH: "Stress, low mood, anxiety or another mental-health problem",
    ReasonCategory.OTHER: "Something else, or I would rather not say",
}
# The questions and exclusions of the default services, in the employee's words; a service an
# employer adds is shown by its criterion's own description.
STATEMENTS = {
    "about_work": "I want advice about my health and my work (for example changes at work), "
                  "not only treatment",
    "treated_elsewhere": "I am already being treated for this problem somewhere else",
    "needs_urgent_medical_care": "I need urgent medical care",
    "red_flag_symptoms": "I have new bladder or bowel problems, or numbness around the groin",
    "at_risk_of_harm": "I am at immediate risk of harming myself or someone else",
}
# Referring yourself is agreeing to the referral.
AGREED_BY_REFERRING = "employee_consents"


def _services(policy: Policy) -> list[Service]:
    return [service for service in policy.services if service.self_referral]


def _statements(services: list[Service]) -> list[dict[str, str]]:
    """Each question or exclusion any offered service asks, once, as a checkbox."""
    seen: dict[str, str] = {}
    for service in services:
        for criterion in service.criteria:
            test = criterion.test
            key = getattr(test, "question", None) or getattr(test, "flag", None)
            if key and key != AGREED_BY_REFERRING and key not in seen:
                seen[key] = STATEMENTS.get(key, criterion.description)
    return [{"value": key, "text": text} for key, text in seen.items()]


async def _form(request: Request, principal: Principal, case: uuid.UUID | None, *,
                errors: list[dict[str, str]] | None = None, values: dict[str, Any] | None = None,
                status_code: int = 200, referred: str | None = None) -> Response:
    services: Services = request.app.state.services
    context: dict[str, Any] = {"title": "Refer yourself", "case": case, "errors": errors or [],
                               "values": values or {}, "referred": referred}
    if case is not None:
        state = (await own_case(services, case, principal)).state
        await log_read(request, services, principal, "case.read", case, channel="web")
        offered = _services(services.policies.in_force(state.employer_id,
                                                       london_date(services.now())))
        chosen = context["values"]
        ticked = set(chosen.get("statements", []))
        context.update(
            services=[{"value": s.id, "text": s.name, "checked": s.id == chosen.get("service")}
                      for s in offered],
            reasons=[{"value": r.value, "text": text, "checked": r.value == chosen.get("reason")}
                     for r, text in REASONS.items()],
            statements=[item | {"checked": item["value"] in ticked}
                        for item in _statements(offered)],
            referral_id=(values or {}).get("referral_id") or f"SELF-{uuid.uuid4().hex[:16]}")
    return render(request, "refer.jinja", context, status_code=status_code,
                  principal=principal)


@router.get(PAGE)
async def refer_page(request: Request, principal: Employee,
                     case: Annotated[uuid.UUID | None, Query()] = None,
                     referred: Annotated[uuid.UUID | None, Query()] = None) -> Response:
    if referred is not None:
        services: Services = request.app.state.services
        await own_case(services, referred, principal)
        return await _form(request, principal, None, referred=str(referred))
    return await _form(request, principal, case)


def _employee_message(state: CaseState, policy: Policy, body: ReferralNotification,
                      refused: Problem) -> str:
    """A refusal in the employee's words: the criterion of the service it fails, if any."""
    try:
        service = find_service(policy.services, body.service_id)
    except InvalidCommand:  # a service the policy does not name: the problem's own words
        return refused.detail
    unmet = unmet_criteria(service, ReferralFacts(
        route=Route.STAY_AT_WORK, source=ReferralSource.SELF,
        reason_category=body.reason_category, answers=body.answers,
        flags=frozenset(body.flags)))
    if unmet:
        return f"{service.name} cannot take this referral: {unmet[0].description}"
    return refused.detail


@router.post(PAGE)
async def refer(request: Request, principal: Employee,
                case: Annotated[uuid.UUID, Form()],
                referral_id: Annotated[str, Form(pattern=r"^SELF-[0-9a-f]{16}$")],
                service: Annotated[str, Form(max_length=100)] = "",
                reason: Annotated[str, Form(max_length=50)] = "",
                summary: Annotated[str, Form(max_length=4000)] = "",
                statements: Annotated[list[str] | None, Form(max_length=20)] = None
                ) -> Response:
    check_same_origin(request)
    services: Services = request.app.state.services
    state = (await own_case(services, case, principal)).state
    values = {"referral_id": referral_id, "service": service, "reason": reason,
              "summary": summary, "statements": statements or []}
    missing = [error for error, empty in (
        ({"text": "Select who you want to be referred to", "href": "#service"}, not service),
        ({"text": "Select what the problem is about", "href": "#reason"}, not reason),
    ) if empty]
    policy = services.policies.in_force(state.employer_id, london_date(services.now()))
    offered = {s.id: s for s in _services(policy)}
    if service and service not in offered:
        missing.append({"text": "Select one of the services listed", "href": "#service"})
    if reason and reason not in {r.value for r in ReasonCategory}:
        missing.append({"text": "Select one of the reasons listed", "href": "#reason"})
    manager = state.manager
    if manager is None:  # a community case: no employer, so none of its services to refer to
        missing.append({"text": "Your case is with a community service, not an employer: ask "
                        "the service about other support", "href": "#service"})
    if missing or manager is None:
        return await _form(request, principal, case, errors=missing, values=values, status_code=422)
    chosen = offered[service]
    ticked = set(statements or [])
    answers = {question: (question == AGREED_BY_REFERRING or question in ticked)
               for question in chosen.questions}
    body = ReferralNotification(
        employer_id=state.employer_id, referral_id=referral_id,
        employee=state.employee.model_dump(), manager=manager.model_dump(),
        source=ReferralSource.SELF, reason_category=ReasonCategory(reason),
        referred_on=london_date(services.now()), summary=summary.strip() or None,
        service_id=chosen.id, answers=answers,
        flags=sorted(flag for flag in chosen.flags if flag in ticked))
    try:
        new_case, _ = await receive_referral(services, body, principal)
    except Problem as refused:
        if refused.status >= 500:
            raise
        message = _employee_message(state, policy, body, refused)
        return await _form(request, principal, case, values=values,
                           status_code=refused.status,
                           errors=[{"text": message, "href": "#service"}])
    return RedirectResponse(f"{PAGE}?referred={new_case}", status_code=303)
