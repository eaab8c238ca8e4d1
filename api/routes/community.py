"""Community referrals: a person referred to a community vocational rehabilitation service (by
their GP, a link worker, a fit note or themselves) with no employer involved. The service's
staff (role oh) enter the referrals they receive; a person may refer themselves. The
organisation running the service is the `provider_id`, which stands where an employer's id
stands: its policy (from the policy or employer files under that id) is the case's."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel, ConfigDict, Field
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.bounds import refuse_dates_outside_window
from api.case_calls import employer_attribute, unavailable
from api.case_keys import ensure_case_key
from api.dependencies import ServicesDep, require_roles
from api.models import ID_PATTERN, CaseCreated
from api.problems import Problem, invalid_field, problem_responses
from api.repeats import refuse_a_different_repeat
from api.tenancy import check_acts_for
from domain.actors import Actor, Person, Role, Source
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.ids import case_id_for_community_referral
from domain.journey.community import (
    COMMUNITY_SOURCES,
    ReceiveCommunityReferral,
    receive_community_referral,
)
from domain.journey.fit_note import RecordFitNote
from domain.stages import ReasonCategory
from domain.vocabulary import ReferralSource
from infra.telemetry import current_trace_id
from infra.tokens import Principal
from workflows.case import CaseWorkflow
from workflows.payloads import CaseWorkflowInput

router = APIRouter(prefix="/v1/community", tags=["cases"],
                   responses=problem_responses(400, 401, 403, 422, 503))


class CommunityReferral(BaseModel):
    """A referral to a community service: a person, who referred them, and no employer."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "provider_id": "primary-care-vr", "referral_id": "GP-2026-0193",
            "person": {"id": "P-4471", "name": "Robin Shah", "email": "robin@example.org"},
            "source": "gp", "reason_category": "musculoskeletal",
            "referred_on": "2026-11-18", "in_work": True,
            "summary": "Back pain for six weeks; struggling with shifts.",
            "fit_note": {"issued_on": "2026-11-16", "issuer_profession": "doctor",
                         "assessment": "may_be_fit", "options": ["altered_hours"],
                         "starts_on": "2026-11-16", "days": 28},
        }]},
    )

    provider_id: str = Field(pattern=ID_PATTERN, description="The organisation running the "
                             "service, as rtw knows it (its policy applies).")
    referral_id: str = Field(pattern=ID_PATTERN, description="The service's id of the referral.")
    person: Person
    source: ReferralSource = Field(description="gp, link_worker, fit_note or self.")
    reason_category: ReasonCategory
    referred_on: date
    in_work: bool = Field(description="In work (possibly off sick) or out of work.")
    summary: str | None = Field(default=None, max_length=4000, description="OH only.")
    fit_note: RecordFitNote | None = Field(
        default=None, description="The fit note that triggered the referral, if one did.")


@router.post(
    "/referrals",
    status_code=201,
    response_model=CaseCreated,
    summary="Refer a person to a community service (idempotent on provider_id + referral_id)",
    responses={200: {"model": CaseCreated, "description": "Already referred: the same case"},
               **problem_responses(409)},
)
async def refer(
    body: CommunityReferral,
    response: Response,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(Role.OH, Role.EMPLOYEE))],
) -> CaseCreated:
    if principal.role is Role.EMPLOYEE and (
            body.source is not ReferralSource.SELF or body.person.id != principal.subject):
        raise Problem(403, "Forbidden", "a person refers only themselves (source 'self'); a "
                      "referral from a GP or a link worker is entered by the service")
    if principal.role is not Role.EMPLOYEE:  # the service's own staff: its provider only
        check_acts_for(principal, "provider_id", body.provider_id)
    if body.source not in COMMUNITY_SOURCES:
        raise invalid_field("source", "a community referral comes from: " + ", ".join(
            sorted(source.value for source in COMMUNITY_SOURCES)))
    case_id = case_id_for_community_referral(body.provider_id, body.referral_id)
    today = london_date(services.now())
    command = ReceiveCommunityReferral(
        provider_id=body.provider_id, referral_id=body.referral_id, person=body.person,
        source=body.source, reason_category=body.reason_category,
        referred_on=body.referred_on, in_work=body.in_work, summary=body.summary,
        fit_note=body.fit_note, policy=services.policies.in_force(body.provider_id, today),
    )
    refuse_dates_outside_window(command, today=today, policy=command.policy)
    opened_by = Actor(id=principal.subject, role=principal.role, source=Source.API)
    try:  # refused here as the workflow would refuse it, before anything starts
        receive_community_referral(command, case_id=case_id, now=services.now(),
                                   actor=opened_by)
    except InvalidCommand as refused:
        raise invalid_field(refused.field, refused.reason) from None
    await ensure_case_key(services, case_id, employer_id=body.provider_id,
                          employee_id=body.person.id)
    try:
        await services.temporal.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(case_id=case_id, community=command, opened_by=opened_by,
                              trace_id=current_trace_id()),
            id=case_id, task_queue=services.task_queue,
            search_attributes=employer_attribute(body.provider_id),
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        await refuse_a_different_repeat(services, case_id, "referral", lambda state: (
            ("person", command.person.id, state.employee.id),
            ("source", command.source, state.referral.source if state.referral else None),
            ("reason_category", command.reason_category, state.reason_category),
            ("referred_on", command.referred_on,
             state.referral.referred_on if state.referral else None),
            ("in_work", command.in_work, state.referral.in_work if state.referral else None),
        ))
        response.status_code = 200
    except RPCError as error:
        raise unavailable(error) from None
    response.headers["Location"] = f"/v1/cases/{case_id}"
    return CaseCreated(case_id=case_id)
