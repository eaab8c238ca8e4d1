"""One endpoint per journey action, generated from the domain's action table.

Deliberately without `from __future__ import annotations`: FastAPI reads each endpoint's body
type from the closure, which string annotations would hide.
"""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.case_calls import run_action
from api.dependencies import ServicesDep, require_roles
from api.models import CaseOut, UpdateAccepted
from api.problems import problem_responses
from domain.actions import RULES
from domain.stages import Action
from infra.tokens import Principal

router = APIRouter(prefix="/v1/cases", tags=["actions"])


CaseId = Annotated[uuid.UUID, Path(description="The case id.")]
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Repeat-safe: the same key is applied once per case."),
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"model": UpdateAccepted, "description": "Accepted; not applied within the wait"},
    **problem_responses(400, 401, 403, 404, 409, 422, 503),
}


def _endpoint(action: Action, command: type[BaseModel]
              ) -> Callable[..., Awaitable[CaseOut | JSONResponse]]:
    roles = RULES[action].roles

    async def endpoint(
        case_id: CaseId,
        body: command,  # type: ignore[valid-type]
        services: ServicesDep,
        principal: Annotated[Principal, Depends(require_roles(*roles))],
        idempotency_key: IdempotencyKey = None,
    ) -> CaseOut | JSONResponse:
        return await run_action(services, case_id, action, body, principal,
                                idempotency_key=idempotency_key)

    endpoint.__name__ = action.value
    return endpoint


for _action, _rule in RULES.items():
    if _rule.path is None:
        continue
    router.add_api_route(
        f"/{{case_id}}/{_rule.path}",
        _endpoint(_action, _rule.command),
        methods=["POST"],
        response_model=CaseOut,
        responses=RESPONSES,
        summary=(_rule.command.__doc__ or _action.value).strip().splitlines()[0],
        description=f"Action `{_action.value}`; roles: "
        + ", ".join(sorted(role.value for role in _rule.roles))
        + "; stages: " + ", ".join(sorted(stage.value for stage in _rule.stages)) + ".",
        name=_action.value,
        openapi_extra={"requestBody": {"content": {"application/json": {
            "example": _rule.example}}}},
    )
