"""Corrections of fact: `correct_entry`, taken here rather than as a plain action body because
the entry's stored id and type come from the store, not from the caller (who could otherwise
name a fact's type to slip a professional opinion past the rule that none is altered)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.case_calls import check_case_employer, run_action, stored_records
from api.dependencies import ServicesDep, require_roles
from api.models import CaseOut, UpdateAccepted
from api.problems import invalid_field, problem_responses
from domain.actions import RULES
from domain.journey.base import TEXT
from domain.journey.corrections import CorrectEntry
from domain.stages import Action
from infra.tokens import Principal

router = APIRouter(prefix="/v1/cases", tags=["actions"])

_RULE = RULES[Action.CORRECT_ENTRY]
EXAMPLE: dict[str, Any] = {"position": 2, "correction": "The call was made on 24 November, "
                           "not 23 November as first recorded."}


class CorrectionRequest(BaseModel):
    """A correction of fact to the entry at `position` of the case's history."""

    model_config = ConfigDict(extra="forbid")

    position: int = Field(ge=1, description="The entry's position, as the history shows it.")
    correction: str = Field(min_length=1, max_length=TEXT,
                            description="What was wrong, and what is right.")


@router.post(
    "/{case_id}/corrections", response_model=CaseOut,
    summary="Correct a fact recorded earlier, as a new entry linked to it",
    description="Action `correct_entry`; roles: "
    + ", ".join(sorted(role.value for role in _RULE.roles))
    + ". The entry at `position` stays as it was; the correction is a new entry that names "
    "it (the history shows both, linked by `corrects_event_id`). A professional opinion (an "
    "assessment, an escalation decision, a plan's agreement or review, ...) is never altered: "
    "correcting one is refused; record a new opinion instead.",
    responses={202: {"model": UpdateAccepted, "description": "Accepted; not applied within "
                     "the wait"}, **problem_responses(400, 401, 403, 404, 409, 422, 503)},
)
async def correct_entry(
    case_id: Annotated[uuid.UUID, Path(description="The case id.")],
    body: Annotated[CorrectionRequest, Body(openapi_examples={
        "fact": {"summary": "A date recorded wrongly", "value": EXAMPLE}})],
    services: ServicesDep,
    principal: Annotated[Principal, Depends(require_roles(*_RULE.roles))],
    idempotency_key: Annotated[str | None, Header(
        max_length=200, description="Repeat-safe: the same key is applied once per case.")
    ] = None,
) -> CaseOut | JSONResponse:
    await check_case_employer(services, principal, case_id)
    records = await stored_records(services, case_id)
    entry = next((r for r in records if r.position == body.position), None)
    if entry is None:
        raise invalid_field("position", f"the case has {len(records)} entries; there is no "
                            f"entry {body.position}")
    command = CorrectEntry(position=entry.position, corrects_event_id=entry.event_id,
                           corrected_type=entry.event_type, correction=body.correction)
    return await run_action(services, case_id, Action.CORRECT_ENTRY, command, principal,
                            idempotency_key=idempotency_key)
