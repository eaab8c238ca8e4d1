"""HR systems notify absences here; each absence opens exactly one case."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from api.auth import Principal
from api.dependencies import ServicesDep, require_roles
from api.models import AbsenceNotification, CaseCreated
from api.tracing import current_trace_id
from domain.actors import Actor, Role, Source
from domain.commands import OpenCase
from domain.ids import case_id_for_absence
from domain.policy import DEFAULT_POLICY
from workflows.case import CaseWorkflow
from workflows.payloads import CaseWorkflowInput

router = APIRouter(prefix="/v1", tags=["hr-integration"])


@router.post(
    "/absences",
    status_code=201,
    response_model=CaseCreated,
    summary="Notify an absence (idempotent on employer_id + absence_id)",
    responses={200: {"description": "The absence was already notified; its case is returned"}},
)
async def notify_absence(
    body: AbsenceNotification,
    response: Response,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(Role.HR))],
) -> CaseCreated:
    case_id = case_id_for_absence(body.employer_id, body.absence_id)
    command = OpenCase(
        employer_id=body.employer_id,
        absence_id=body.absence_id,
        employee=body.employee,
        manager=body.manager,
        first_day=body.first_day,
        reason_category=body.reason_category,
        policy=DEFAULT_POLICY,
    )
    opened_by = Actor(id=principal.subject, role=principal.role, source=Source.HR_INTEGRATION)
    response.headers["Location"] = f"/v1/cases/{case_id}"
    try:
        await services.temporal.start_workflow(
            CaseWorkflow.run,
            CaseWorkflowInput(
                case_id=case_id, open=command, opened_by=opened_by, trace_id=current_trace_id()
            ),
            id=case_id,
            task_queue=services.task_queue,
            # A closed case is never reopened by a late duplicate of its notification.
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except WorkflowAlreadyStartedError:
        response.status_code = 200
    return CaseCreated(case_id=case_id)
