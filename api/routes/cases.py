"""Reading one case: its current state (by role) and its recorded history."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request

from api.access_log import log_read
from api.audit_params import AsOfQuery, PositionQuery, as_of_moment
from api.case_calls import check_case_employer, readable_view
from api.case_history import audited_view, history_as_it_stood
from api.dependencies import ServicesDep, require_roles
from api.models import CaseHistory, CaseOut, HistoryEntry
from api.problems import problem_responses
from api.services import Services
from api.views import case_for
from domain.actors import Role
from domain.disclosure import HISTORY_ROLES, may_see_clinical
from infra.tokens import Principal

router = APIRouter(prefix="/v1/cases", tags=["cases"],
                   responses=problem_responses(401, 403, 404, 422))

CaseId = Annotated[
    uuid.UUID, Path(description="The case id returned when the absence was notified.")
]
# Not `admin`: the operator role sees no case.
ANY_ROLE = (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR)


@router.get("/{case_id}", response_model=CaseOut, summary="The case as your role may see it",
            responses=problem_responses(409, 503))
async def get_case(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*ANY_ROLE))],
) -> CaseOut:
    view = await readable_view(request, services, principal, case_id)
    return case_for(view, principal)


@router.get(
    "/{case_id}/history",
    response_model=CaseHistory,
    responses=problem_responses(500, 503),
    summary="Every recorded event of the case, oldest first, with the stage after each",
)
async def get_history(
    case_id: CaseId,
    request: Request,
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*HISTORY_ROLES))],
    as_of: AsOfQuery = None,
    position: PositionQuery = None,
) -> CaseHistory:
    moment = as_of_moment(as_of)
    await log_read(request, services, principal, "case.history", case_id)
    await check_case_employer(services, principal, case_id)
    return await history_of(services, case_id, as_of=moment, position=position,
                            clinical=may_see_clinical(principal.role))


async def history_of(services: Services, case_id: uuid.UUID, *, as_of: datetime | None = None,
                     position: int | None = None, clinical: bool = True) -> CaseHistory:
    """Every recorded event of the case as the record stood (by `as_of` or `position`), each
    with who, when, why and the stage after it: the history route's answer and the timeline of
    OH's case page. Unless `clinical`, each event as an audit without clinical access reads it
    (`api.case_history.audited_view`)."""
    history = await history_as_it_stood(services, case_id, as_of=as_of, position=position)
    return CaseHistory(
        case_id=str(case_id),
        as_of=as_of,
        position=position,
        events=[
            HistoryEntry.of(audited_view(step.view, clinical=clinical),
                            stage_after=step.state.stage.value)
            for step in history.steps
        ],
    )
