"""Talking to one case's workflow: queries, actions (Updates) and HR facts (signals)."""

from __future__ import annotations

import asyncio
import uuid

from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.client import (
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.models import CaseOut, UpdateAccepted
from api.problems import Problem
from api.services import Services
from api.views import case_for
from domain.actors import Actor, Source
from domain.commands import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.stages import Action
from infra.telemetry import current_trace_id
from infra.tokens import Principal
from workflows.case import CaseWorkflow
from workflows.payloads import (
    ACTION_INPUTS,
    AbsenceExtendedInput,
    CaseView,
    EmployeeLeftInput,
    EmployeeReturnedInput,
)

HrFact = ExtendAbsence | EmployeeReturned | EmployeeLeft


def not_found(case_id: uuid.UUID | str) -> Problem:
    return Problem(404, "Not Found", f"no case {case_id}")


def unavailable(error: RPCError) -> Problem:
    """Temporal did not answer: nothing was started or changed, the caller may retry."""
    return Problem(503, "Service Unavailable", f"Temporal: {error.message}")


def _rpc_problem(error: RPCError, case_id: uuid.UUID | str) -> Problem:
    if error.status == RPCStatusCode.NOT_FOUND:
        message = str(error).lower()
        if "completed" in message or "closed" in message:
            return Problem(409, "Case closed", f"case {case_id} is closed; nothing more "
                           "can be recorded on it", stage="closed", allowed_actions=[])
        return not_found(case_id)
    return unavailable(error)


def refusal_problem(error: WorkflowUpdateFailedError) -> Problem:
    cause = error.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        if cause.type == "action_not_allowed":
            return Problem(409, "Action not allowed in this stage", cause.message,
                           stage=details.get("stage"),
                           allowed_actions=details.get("allowed_actions", []))
        if cause.type == "invalid_command":
            return Problem(422, "Invalid request", cause.message,
                           errors=[{"field": details.get("field"),
                                    "message": details.get("reason")}])
        if cause.type in ("role_not_allowed", "not_own_team"):
            return Problem(403, "Forbidden", cause.message)
    return Problem(409, "Refused", str(cause or error))


async def query_view(services: Services, case_id: uuid.UUID | str) -> CaseView:
    handle = services.temporal.get_workflow_handle(str(case_id))
    try:
        return await handle.query(CaseWorkflow.view)
    except RPCError as error:
        raise _rpc_problem(error, case_id) from None


async def run_action(
    services: Services,
    case_id: uuid.UUID | str,
    action: Action,
    command: BaseModel,
    principal: Principal,
    *,
    source: Source = Source.API,
    idempotency_key: str | None = None,
) -> CaseOut | JSONResponse:
    """Send the action as an Update; answer with the case, or 202 past the bounded wait."""
    handle = services.temporal.get_workflow_handle(str(case_id))
    payload = ACTION_INPUTS[action](
        command=command,
        actor=Actor(id=principal.subject, role=principal.role, source=source),
        trace_id=current_trace_id(),
    )
    try:
        update = await handle.start_update(
            action.value, payload, wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            id=idempotency_key, result_type=CaseView,
        )
    except WorkflowUpdateFailedError as error:
        raise refusal_problem(error) from None
    except RPCError as error:
        raise _rpc_problem(error, case_id) from None
    try:
        view = await asyncio.wait_for(update.result(), timeout=services.update_wait_seconds)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        # The SDK turns the cancelled long poll into its own error, not wait_for's TimeoutError.
        accepted = UpdateAccepted(case_id=str(case_id), poll=f"/v1/cases/{case_id}")
        return JSONResponse(accepted.model_dump(), status_code=202)
    except WorkflowUpdateFailedError as error:
        raise refusal_problem(error) from None
    return case_for(view, principal)


async def send_hr_fact(services: Services, case_id: str, fact: HrFact,
                       principal: Principal) -> None:
    """Signal an HR fact on its own signal; Temporal holds it durably once this returns.

    HR systems resend and reorder messages: one that arrives after the case closed is
    acknowledged like any other and changes nothing, so the integration need not special-case it.
    """
    handle = services.temporal.get_workflow_handle_for(CaseWorkflow.run, case_id)
    actor = Actor(id=principal.subject, role=principal.role, source=Source.HR_INTEGRATION)
    trace_id = current_trace_id()
    try:
        if isinstance(fact, ExtendAbsence):
            await handle.signal(CaseWorkflow.absence_extended,
                                AbsenceExtendedInput(fact=fact, actor=actor, trace_id=trace_id))
        elif isinstance(fact, EmployeeReturned):
            await handle.signal(CaseWorkflow.employee_returned,
                                EmployeeReturnedInput(fact=fact, actor=actor, trace_id=trace_id))
        else:
            await handle.signal(CaseWorkflow.employee_left,
                                EmployeeLeftInput(fact=fact, actor=actor, trace_id=trace_id))
    except RPCError as error:
        problem = _rpc_problem(error, case_id)
        if problem.status == 409:
            return  # a late message for a closed case: accepted, and it changes nothing
        raise problem from None
