"""The GOV.UK Notify channel: the official client sends real HTTP to a local stand-in for
Notify that checks what Notify checks (the path, the JSON, the signed token)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import jwt
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from infra.notice_channels import DeliveryFailed, NotifyChannel, OutgoingMessage
from localstack.temporal import free_port
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


@pytest.fixture
async def notify(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[tuple[FakeNotify, str]]:
    # requests honours proxy variables: the stand-in is on this machine, never behind one.
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake = FakeNotify()
    app = Starlette(routes=[Route("/v2/notifications/email", fake.send_email,
                                  methods=["POST"])])
    async with serving(app, log_level="error") as base_url:
        yield fake, base_url


@pytest.fixture
async def channel(notify: tuple[FakeNotify, str]) -> AsyncIterator[NotifyChannel]:
    notify_channel = NotifyChannel(API_KEY, base_url=notify[1], timeout=5.0)
    yield notify_channel
    await notify_channel.close()


def notice(**changes: Any) -> OutgoingMessage:
    values: dict[str, Any] = {
        "reference": "ntc/4f2a/1", "kind": "early_contact_due", "case_id": "case-77",
        "employer_id": "acme-trust", "recipient_role": "manager",
        "to": "jo.bloggs@acme.example", "subject": "unused by Notify", "body": "unused",
        "personalisation": {"employee_name": "Zoë Patel", "due": "Tuesday 3 March"},
        "notify_template_id": TEMPLATE,
    }
    return OutgoingMessage(**(values | changes))


async def test_a_notice_is_posted_to_notify_signed_with_the_key(
    notify: tuple[FakeNotify, str], channel: NotifyChannel,
) -> None:
    fake, _ = notify

    await channel.send(notice())

    [seen] = fake.seen
    assert seen.body == {
        "email_address": "jo.bloggs@acme.example", "template_id": TEMPLATE,
        "personalisation": {"employee_name": "Zoë Patel", "due": "Tuesday 3 March"},
        "reference": "ntc/4f2a/1",
    }
    assert seen.claims["iss"] == SERVICE_ID
    assert abs(time.time() - seen.claims["iat"]) < 30


async def test_a_template_notify_does_not_know_fails_for_good(channel: NotifyChannel) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await channel.send(notice(notify_template_id="00000000-0000-4000-8000-000000000400"))

    assert failed.value.permanent
    assert failed.value.reason == "GOV.UK Notify answered 400: Template not found"


@pytest.mark.parametrize("status", [429, 500])
async def test_a_busy_or_failing_notify_fails_for_now(
    channel: NotifyChannel, status: int,
) -> None:
    with pytest.raises(DeliveryFailed, match=f"answered {status}") as failed:
        await channel.send(notice(notify_template_id=f"00000000-0000-4000-8000-000000000{status}"))

    assert not failed.value.permanent


async def test_a_key_notify_refuses_fails_for_now(
    notify: tuple[FakeNotify, str],
) -> None:
    """403 is not permanent: the key (or the clock) is wrong, not the notice; once corrected,
    the notices still waiting go out."""
    wrong_key = f"rtw_test-{SERVICE_ID}-{uuid.UUID(int=7)}"
    channel = NotifyChannel(wrong_key, base_url=notify[1], timeout=5.0)

    with pytest.raises(DeliveryFailed, match="answered 403") as failed:
        await channel.send(notice())
    await channel.close()

    assert not failed.value.permanent
    assert notify[0].seen == []


async def test_notify_out_of_reach_fails_for_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    channel = NotifyChannel(API_KEY, base_url=f"http://127.0.0.1:{free_port()}", timeout=5.0)

    with pytest.raises(DeliveryFailed, match="could not reach") as failed:
        await channel.send(notice())
    await channel.close()

    assert not failed.value.permanent
