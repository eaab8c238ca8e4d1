"""Reading and progressing one case."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.access_log import log_read
from api.audit_params import AsOfQuery, PositionQuery, as_of_moment
from api.auth import Principal
from api.dependencies import ServicesDep, require_roles
from api.models import CaseHistory, CaseOut, EarlyContactBody, HistoryEntry, UpdateAccepted
from api.problems import Problem
from api.tracing import current_trace_id
from api.views import case_for
from domain.actors import Actor, Role, Source
from domain.commands import RecordEarlyContact
from domain.evolve import ReplayError
from eventstore.replay import as_the_record_stood, replay
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView, RecordEarlyContactInput

router = APIRouter(prefix="/v1/cases", tags=["cases"])

CaseId = Annotated[
    uuid.UUID, Path(description="The case id returned when the absence was notified.")
]
ANY_ROLE = (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR, Role.ADMIN)


def _not_found(case_id: uuid.UUID) -> Problem:
    return Problem(404, "Not Found", f"no case {case_id}")


async def _query_view(services: ServicesDep, case_id: uuid.UUID) -> CaseView:
    handle = services.temporal.get_workflow_handle(str(case_id))
    try:
        return await handle.query(CaseWorkflow.view)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise _not_found(case_id) from None
        raise


def _refusal_problem(error: WorkflowUpdateFailedError) -> Problem:
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.details:
        details = cause.details[0] if isinstance(cause.details[0], dict) else {}
        if cause.type == "action_not_allowed":
            return Problem(
                409,
                "Action not allowed in this stage",
                cause.message,
                stage=details.get("stage"),
                allowed_actions=details.get("allowed_actions", []),
            )
        if cause.type == "invalid_command":
            return Problem(
                422,
                "Invalid request",
                cause.message,
                errors=[{"field": details.get("field"), "message": details.get("reason")}],
            )
    return Problem(409, "Refused", str(cause or error))


@router.get("/{case_id}", response_model=CaseOut, summary="The case as your role may see it")
async def get_case(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*ANY_ROLE))],
) -> CaseOut:
    await log_read(request, services, principal, "case.read", case_id)
    return case_for(await _query_view(services, case_id), principal)


@router.post(
    "/{case_id}/contact",
    response_model=CaseOut,
    summary="Record early contact with the employee",
    responses={
        202: {"model": UpdateAccepted, "description": "Accepted; not applied within the wait"},
        409: {"description": "Not allowed in the case's current stage"},
        422: {"description": "A field is invalid"},
    },
)
async def record_contact(
    case_id: CaseId,
    body: EarlyContactBody,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(Role.MANAGER, Role.OH))],
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CaseOut | JSONResponse:
    command = RecordEarlyContact.model_validate(body.model_dump())
    actor = Actor(id=principal.subject, role=principal.role, source=Source.API)
    handle = services.temporal.get_workflow_handle(str(case_id))
    try:
        update = await handle.start_update(
            CaseWorkflow.record_early_contact,
            RecordEarlyContactInput(command=command, actor=actor, trace_id=current_trace_id()),
            wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            id=idempotency_key,
        )
    except WorkflowUpdateFailedError as error:
        raise _refusal_problem(error) from None
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise _not_found(case_id) from None
        raise
    try:
        view = await asyncio.wait_for(update.result(), timeout=services.update_wait_seconds)
    except TimeoutError:
        accepted = UpdateAccepted(case_id=str(case_id), poll=f"/v1/cases/{case_id}")
        return JSONResponse(accepted.model_dump(), status_code=202)
    except WorkflowUpdateFailedError as error:
        raise _refusal_problem(error) from None
    return case_for(view, principal)


@router.get(
    "/{case_id}/history",
    response_model=CaseHistory,
    summary="Every recorded event of the case, oldest first, with the stage after each",
)
async def get_history(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(Role.OH, Role.AUDITOR))],
    as_of: AsOfQuery = None,
    position: PositionQuery = None,
) -> CaseHistory:
    moment = as_of_moment(as_of)
    await log_read(request, services, principal, "case.history", case_id)
    records = await asyncio.to_thread(services.store.history, str(case_id))
    if not records:
        raise _not_found(case_id)
    records = as_the_record_stood(records, as_of=moment, position=position)
    try:
        steps = replay(records)
    except ReplayError as error:
        raise Problem(500, "History cannot be replayed", str(error)) from None
    return CaseHistory(
        case_id=str(case_id),
        as_of=moment,
        position=position,
        events=[
            HistoryEntry(
                position=step.record.position,
                event_id=step.record.event_id,
                type=step.record.event_type,
                occurred_at=step.record.occurred_at,
                recorded_at=step.record.recorded_at,
                actor_id=step.record.actor_id,
                actor_role=step.record.actor_role,
                source=step.record.source,
                reason=step.record.reason,
                policy_version=step.record.policy_version,
                workflow_id=step.record.workflow_id,
                run_id=step.record.run_id,
                trace_id=step.record.trace_id,
                data=step.record.data,
                stage_after=step.state.stage.value,
                why=step.why,
                deadline=step.record.data.get("deadline"),
                corrects_event_id=step.record.corrects_event_id,
                mac=step.record.mac,
            )
            for step in steps
        ],
    )
