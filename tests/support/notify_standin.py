"""A local stand-in for GOV.UK Notify that checks what Notify checks: the path, the JSON and
the token the official client signs with the API key."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.support.serving import serving

SERVICE_ID = "8b3aa916-ec82-434e-b0c5-d5d9b371d6a3"
SECRET = "d7dad3b4-0c02-4c3f-a3e6-6ee2a1bc6b7c"
API_KEY = f"rtw_test-{SERVICE_ID}-{SECRET}"
TEMPLATE = "0d4f9a39-5c5e-4a59-9d7a-3f7f2f0d0c11"
# Templates the stand-in answers with an error of Notify's, by status.
FAILING_TEMPLATES = {
    "00000000-0000-4000-8000-000000000400": (400, "BadRequestError", "Template not found"),
    "00000000-0000-4000-8000-000000000429": (
        429, "RateLimitError", "Exceeded rate limit for key type LIVE of 3000 requests per 60 "
                               "seconds"),
    "00000000-0000-4000-8000-000000000500": (500, "Exception", "Internal server error"),
}


def notify_error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"status_code": status, "errors": [{"error": error, "message": message}]},
                        status_code=status)


@dataclass(frozen=True)
class Seen:
    claims: dict[str, Any]
    body: dict[str, Any]


@dataclass
class FakeNotify:
    """Answers POST /v2/notifications/email as Notify does: 403 for a token it cannot verify,
    the errors above for their templates, else 201 with a notification."""

    seen: list[Seen] = field(default_factory=list)

    async def send_email(self, request: Request) -> JSONResponse:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        try:
            claims = jwt.decode(token, SECRET, algorithms=["HS256"],
                                options={"require": ["iss", "iat"]})
        except jwt.InvalidTokenError:
            return notify_error(403, "AuthError", "Invalid token: signature, api token not found")
        body = await request.json()
        self.seen.append(Seen(claims=claims, body=body))
        if claims["iss"] != SERVICE_ID:
            return notify_error(403, "AuthError", "Invalid token: service not found")
        if body["template_id"] in FAILING_TEMPLATES:
            return notify_error(*FAILING_TEMPLATES[body["template_id"]])
        notification_id = str(uuid.uuid4())
        return JSONResponse({
            "id": notification_id,
            "reference": body.get("reference"),
            "content": {"subject": "Please call Zoë Patel", "body": "Zoë Patel has been absent",
                        "from_email": "occupational.health@notifications.service.gov.uk"},
            "uri": f"{request.base_url}v2/notifications/{notification_id}",
            "template": {"id": body["template_id"], "version": 3,
                         "uri": f"{request.base_url}v2/template/{body['template_id']}"},
        }, status_code=201)



@asynccontextmanager
async def notify_standin() -> AsyncIterator[tuple[FakeNotify, str]]:
    """The stand-in served on this machine; yields it and its base URL."""
    fake = FakeNotify()
    app = Starlette(routes=[Route("/v2/notifications/email", fake.send_email,
                                  methods=["POST"])])
    async with serving(app, log_level="error") as base_url:
        yield fake, base_url
