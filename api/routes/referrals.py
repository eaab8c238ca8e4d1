"""Stay-at-work referrals: a health problem before any absence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from api.bounds import refuse_dates_outside_window
from api.case_calls import employer_attribute, unavailable
from api.case_keys import ensure_case_key
from api.dependencies import ServicesDep, require_roles
from api.models import CaseCreated, ReferralNotification
from api.problems import invalid_field, problem_responses
from api.repeats import refuse_a_different_repeat
from api.services import Services
from api.tenancy import check_acts_for
from domain.actors import Actor, Role, Source
from domain.calendar import london_date
from domain.commands import ReceiveReferral
from domain.errors import InvalidCommand
from domain.ids import case_id_for_referral
from domain.journey.referral import check_referral_intake
from infra.telemetry import current_trace_id
from infra.tokens import Principal
from workflows.case import CaseWorkflow
from workflows.payloads import CaseWorkflowInput

router = APIRouter(prefix="/v1/referrals", tags=["cases"],
                   responses=problem_responses(400, 401, 403, 422, 503))


@router.post(
    "",
    status_code=201,
    response_model=CaseCreated,
    summary="Refer a stay-at-work case (idempotent on employer_id + referral_id)",
    responses={200: {"model": CaseCreated, "description": "Already referred: the same case"},
               **problem_responses(409)},
)
async def refer(
    body: ReferralNotification,
    response: Response,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.OH, Role.HR))],
) -> CaseCreated:
    case_id, opened = await receive_referral(services, body, principal)
    response.headers["Location"] = f"/v1/cases/{case_id}"
    if not opened:
        response.status_code = 200
    return CaseCreated(case_id=case_id)


async def receive_referral(services: Services, body: ReferralNotification,
                           principal: Principal) -> tuple[str, bool]:
    """Open the stay-at-work case a referral asks for, as `principal`: its case id, and
    whether it opened now (False: the same referral was received before). The API's route
    and the employee's self-referral page both refer through here. Refuses (a Problem) a
    referral outside the policy's date window or failing its service's criteria, and a repeat
    that differs from the first."""
    if principal.role is not Role.EMPLOYEE:  # an employee refers themselves, at their employer
        check_acts_for(principal, "employer_id", body.employer_id)
    case_id = case_id_for_referral(body.employer_id, body.referral_id)
    today = london_date(services.now())
    command = ReceiveReferral(
        employer_id=body.employer_id, referral_id=body.referral_id, employee=body.employee,
        manager=body.manager, source=body.source, reason_category=body.reason_category,
        referred_on=body.referred_on, summary=body.summary,
        policy=services.policies.in_force(body.employer_id, today),
        service_id=body.service_id, answers=body.answers, flags=tuple(body.flags),
    )
    refuse_dates_outside_window(command, today=today, policy=command.policy)
    try:
        check_referral_intake(command)
    except InvalidCommand as refused:
        raise invalid_field(refused.field, refused.reason) from None
    await ensure_case_key(services, case_id, employer_id=body.employer_id,
                          employee_id=body.employee.id)
    try:
        await services.temporal.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(case_id=case_id, referral=command,
                              opened_by=Actor(id=principal.subject, role=principal.role,
                                              source=Source.API),
                              trace_id=current_trace_id()),
            id=case_id, task_queue=services.task_queue,
            search_attributes=employer_attribute(body.employer_id),
            id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
        )
    except WorkflowAlreadyStartedError:
        await refuse_a_different_repeat(services, case_id, "referral", lambda state: (
            ("employee", command.employee.id, state.employee.id),
            ("manager", command.manager.id, state.manager.id if state.manager else None),
            ("source", command.source, state.referral.source if state.referral else None),
            ("reason_category", command.reason_category, state.reason_category),
            ("referred_on", command.referred_on,
             state.referral.referred_on if state.referral else None),
            ("service_id", command.service_id,
             state.referral.service_id if state.referral else None),
        ))
        return case_id, False
    except RPCError as error:
        raise unavailable(error) from None
    return case_id, True
