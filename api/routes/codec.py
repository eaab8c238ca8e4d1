"""The codec endpoint for the Temporal UI and CLI: they show a case's history decoded by asking
rtw, which holds the payload keys, instead of holding the keys themselves.

Temporal's remote codec protocol: `POST {endpoint}/decode` with `{"payloads": [...]}` in
proto3 JSON (metadata values and data base64), answered in the same shape. Only decoding is
offered: an endpoint that encodes would let its caller seal messages for any case. The UI names
the namespace (`X-Namespace`) but not the workflow, so each payload is opened with the workflow
id it records, which its seal binds: a payload that does not open is returned as it came.
A case's payloads are opened under its data key too, looked up afresh for each call: those of
an erased case (its key destroyed) do not open, here or anywhere. Tenancy holds here as on every
route: OH decodes the cases of its own employers only, and an operator (admin) no case at all.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from google.protobuf import json_format
from pydantic import BaseModel, Field
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send
from temporalio.api.common.v1 import Payload, Payloads

from api.access_log import log_read
from api.case_calls import check_case_employer
from api.dependencies import ServicesDep, require_roles
from api.problems import Problem, problem_responses
from api.services import Services
from domain.actors import Role
from infra.codec import WORKFLOW_ID, PayloadRefused, SealedCodec
from infra.tokens import Principal

CODEC_PATH = "/v1/codec/decode"
MAX_PAYLOADS = 1_000

router = APIRouter(prefix="/v1/codec", tags=["operations"],
                   responses=problem_responses(401, 403, 422))
Operator = Annotated[Principal, Depends(require_roles(Role.OH, Role.ADMIN))]


class EncodedPayload(BaseModel):
    """One Temporal payload in proto3 JSON: each metadata value and the data base64."""

    metadata: dict[str, str] = Field(default_factory=dict)
    data: str = ""


class PayloadList(BaseModel):
    """The body of the remote codec protocol, asked and answered."""

    payloads: list[EncodedPayload] = Field(max_length=MAX_PAYLOADS)


def _parse(body: PayloadList) -> list[Payload]:
    try:
        message = json_format.Parse(json.dumps(body.model_dump()), Payloads())
    except json_format.ParseError as error:
        raise Problem(422, "Unprocessable Content",
                      f"payloads: not Temporal payloads in proto3 JSON (metadata values and "
                      f"data base64): {str(error)[:200]}") from None
    return list(message.payloads)


def _answer(payloads: Sequence[Payload]) -> PayloadList:
    document: dict[str, Any] = json_format.MessageToDict(Payloads(payloads=payloads))
    return PayloadList.model_validate({"payloads": document.get("payloads", [])})


def _one_case(payloads: Sequence[Payload]) -> uuid.UUID | None:
    """The case the payloads belong to, when they name one case (for the access log)."""
    named = {p.metadata[WORKFLOW_ID].decode(errors="replace") for p in payloads
             if WORKFLOW_ID in p.metadata}
    if len(named) != 1:
        return None
    try:
        return uuid.UUID(named.pop())
    except ValueError:
        return None


@router.post("/decode", summary="Decode Temporal payloads for the Temporal UI and CLI "
             "(the remote codec protocol; OH and operators only)")
async def decode(
    request: Request,
    services: ServicesDep,
    principal: Operator,
    body: PayloadList,
    x_namespace: Annotated[str | None, Header(description="The namespace the payloads "
                                              "come from (sent by the Temporal UI).")] = None,
) -> PayloadList:
    if x_namespace is not None and x_namespace != services.temporal.namespace:
        raise Problem(422, "Unprocessable Content",
                      f"X-Namespace: rtw decodes payloads of namespace "
                      f"'{services.temporal.namespace}' only")
    codec = services.temporal.data_converter.payload_codec
    if not isinstance(codec, SealedCodec):  # a client built without rtw's codec
        raise Problem(503, "Service Unavailable", "this API has no payload keys to decode with")
    payloads = _parse(body)
    await log_read(request, services, principal, "codec.decode", _one_case(payloads))
    named = {p.metadata[WORKFLOW_ID].decode(errors="replace") for p in payloads
             if WORKFLOW_ID in p.metadata}
    closed = await _cases_not_theirs(services, principal, named)
    await codec.refresh(named - closed)
    decoded = []
    for payload in payloads:
        workflow_id = payload.metadata.get(WORKFLOW_ID, b"").decode(errors="replace")
        if workflow_id in closed:
            decoded.append(payload)
            continue
        try:
            decoded.append(await codec.open_for_case(payload))
        except PayloadRefused:
            decoded.append(payload)
    return _answer(decoded)


async def _cases_not_theirs(services: Services, principal: Principal,
                            workflow_ids: set[str]) -> set[str]:
    """The workflows named that are cases the caller may not read: every case for an operator
    (admin reads no case content, so it decodes only rtw's own workflows, such as the
    retention sweep), and for OH the cases of employers it does not act for. Their payloads
    come back as they came, exactly like payloads that do not open, so the answer tells
    nothing of whether such a case exists."""
    closed = set()
    for workflow_id in workflow_ids:
        try:
            case_id = uuid.UUID(workflow_id)
        except ValueError:
            continue  # not a case: rtw's own workflows
        try:  # admin acts for no employer: every case is refused to it here
            await check_case_employer(services, principal, case_id)
        except Problem as refused:
            if refused.status != 404:
                raise
            closed.add(workflow_id)
    return closed


class CodecCors:
    """CORS for the codec endpoint alone, for the Temporal UI's origin(s): no other route of
    rtw answers a browser page of another origin."""

    def __init__(self, app: ASGIApp, *, origins: Sequence[str]) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app, allow_origins=list(origins), allow_methods=["POST"],
            allow_headers=["Authorization", "Content-Type", "X-Namespace"], max_age=600)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == CODEC_PATH:
            await self.cors(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def cors_origins(setting: str) -> list[str]:
    return [origin.strip().rstrip("/") for origin in setting.split(",") if origin.strip()]
