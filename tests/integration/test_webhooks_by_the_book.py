"""Webhooks by the book, one delivery at a time on real HTTP and PostgreSQL: a stock Standard
Webhooks library verifies them, each carries the case's sequence, an employer's endpoint hears
only of its own cases, retries end in a dead letter operators can list, and one employer's
hanging endpoint does not hold up another's deliveries."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
import httpx
import pytest
import standardwebhooks
import standardwebhooks.webhooks
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.webhooks import Endpoint, WebhookActivities, WebhookDirectory
from domain.hr_updates import HrUpdate, StageChange
from domain.stages import Stage
from readside.schema import ensure_schema
from readside.webhook_deliveries import WebhookDeliveries
from tests.support.serving import serving
from workflows.payloads import WebhookInput

SECRET = "whsec_" + "c2VjcmV0LW9mLWFjbWUtdHJ1c3QtaHItc3lzdGVt"


@dataclass
class HrSystem:
    """An HR system's endpoint: answers `status`, or hangs until released."""

    url: str = ""
    status: int = 204
    hang: asyncio.Event | None = None
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        self.arrived.set()
        if self.hang is not None:
            await self.hang.wait()
        return Response(status_code=self.status)


@pytest.fixture
async def systems() -> AsyncIterator[dict[str, HrSystem]]:
    found = {"acme-trust": HrSystem(), "beta-trust": HrSystem()}
    app = Starlette(routes=[Route(f"/{employer}", system.handle, methods=["POST"])
                            for employer, system in found.items()])
    async with serving(app, log_level="error") as base_url:
        for employer, system in found.items():
            system.url = f"{base_url}/{employer}"
        yield found
        for system in found.values():
            if system.hang is not None:
                system.hang.set()


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    await ensure_schema(created)
    yield created
    await created.close()


@pytest.fixture
async def activities(systems: dict[str, HrSystem], pool: asyncpg.Pool
                     ) -> AsyncIterator[WebhookActivities]:
    directory = WebhookDirectory({employer: Endpoint(url=system.url, secret=SECRET)
                                  for employer, system in systems.items()})
    async with httpx.AsyncClient() as client:
        yield WebhookActivities(directory, WebhookDeliveries(pool), client,
                                in_flight_per_employer=2)


def update(employer_id: str, *, sequence: int = 1, case_id: str | None = None,
           max_attempts: int | None = None, body_employer: str | None = None) -> WebhookInput:
    return WebhookInput(
        event_id=str(uuid.uuid4()), employer_id=employer_id, sequence=sequence,
        max_attempts=max_attempts,
        body=HrUpdate(case_id=case_id or str(uuid.uuid4()),
                      employer_id=body_employer or employer_id,
                      occurred_at=datetime(2026, 11, 20, 9, tzinfo=UTC), stage=Stage.ASSESSMENT,
                      changes=(StageChange(stage=Stage.ASSESSMENT,
                                           previous_stage=Stage.EARLY_CONTACT),)))


def at_attempt(attempt: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=attempt)
    return env


async def test_a_stock_standard_webhooks_library_verifies_each_delivery(
    activities: WebhookActivities, systems: dict[str, HrSystem]
) -> None:
    sent = update("acme-trust", sequence=7)

    outcome = await at_attempt(1).run(activities.deliver_webhook, sent)

    assert outcome == "delivered"
    [(headers, body)] = systems["acme-trust"].received
    verified = standardwebhooks.Webhook(SECRET).verify(body, headers)
    assert headers["webhook-id"] == sent.event_id
    assert verified["sequence"] == 7 and verified["case_id"] == sent.body.case_id
    with pytest.raises(standardwebhooks.webhooks.WebhookVerificationError):
        standardwebhooks.Webhook(SECRET).verify(body.replace(b"assessment", b"closed"), headers)


async def test_an_employers_endpoint_hears_only_of_its_own_cases(
    activities: WebhookActivities, systems: dict[str, HrSystem], pool: asyncpg.Pool
) -> None:
    own = update("beta-trust")
    foreign = update("beta-trust", body_employer="acme-trust")

    delivered = await at_attempt(1).run(activities.deliver_webhook, own)
    refused = await at_attempt(1).run(activities.deliver_webhook, foreign)

    assert (delivered, refused) == ("delivered", "dead-lettered")
    bodies = [json.loads(body) for _, body in systems["beta-trust"].received]
    assert [b["employer_id"] for b in bodies] == ["beta-trust"]
    assert systems["acme-trust"].received == []
    dead = await WebhookDeliveries(pool).dead_letters(employer_id="beta-trust")
    assert [d.event_id for d in dead] == [foreign.event_id]


async def test_failed_deliveries_are_retried_then_dead_lettered_for_operators(
    activities: WebhookActivities, systems: dict[str, HrSystem], pool: asyncpg.Pool,
    rtw: Callable[..., tuple[int, str, str]],
) -> None:
    systems["acme-trust"].status = 503
    sent = update("acme-trust", sequence=3, max_attempts=3)

    for attempt in (1, 2):
        with pytest.raises(ApplicationError, match="webhook answered 503; will retry"):
            await at_attempt(attempt).run(activities.deliver_webhook, sent)
    last = await at_attempt(3).run(activities.deliver_webhook, sent)
    code, out, _ = await asyncio.to_thread(rtw, "webhooks", "dead-letters", "--employer",
                                           "acme-trust", "--json")
    _, table, _ = await asyncio.to_thread(rtw, "webhooks", "dead-letters")

    assert last == "dead-lettered"
    assert len(systems["acme-trust"].received) == 3
    assert code == 0
    [listed] = [json.loads(line) for line in out.splitlines()]
    assert {k: listed[k] for k in ("event_id", "case_id", "sequence", "attempts",
                                   "last_error", "dead_lettered")} == {
        "event_id": sent.event_id, "case_id": sent.body.case_id, "sequence": 3,
        "attempts": 3, "last_error": "webhook answered 503", "dead_lettered": True}
    assert f"case {sent.body.case_id}  sequence 3" in table


async def test_a_hanging_endpoint_does_not_hold_up_another_employers_deliveries(
    activities: WebhookActivities, systems: dict[str, HrSystem]
) -> None:
    systems["acme-trust"].hang = asyncio.Event()
    hanging = [asyncio.create_task(at_attempt(1).run(activities.deliver_webhook,
                                                      update("acme-trust", max_attempts=5)))
               for _ in range(2)]
    while len(systems["acme-trust"].received) < 2:
        systems["acme-trust"].arrived.clear()
        await asyncio.wait_for(systems["acme-trust"].arrived.wait(), timeout=5)

    with pytest.raises(ApplicationError, match="already has 2 requests in flight"):
        await asyncio.wait_for(
            at_attempt(1).run(activities.deliver_webhook, update("acme-trust", max_attempts=5)),
            timeout=2)
    other = await asyncio.wait_for(
        at_attempt(1).run(activities.deliver_webhook, update("beta-trust")), timeout=2)

    assert other == "delivered"
    systems["acme-trust"].hang.set()
    assert await asyncio.gather(*hanging) == ["delivered", "delivered"]


async def test_a_bad_employer_id_is_refused_before_anything_is_read(
    rtw: Callable[..., tuple[int, str, str]],
) -> None:
    code, _, err = await asyncio.to_thread(rtw, "webhooks", "dead-letters", "--employer",
                                           "acme\ntrust")

    assert code == 2 and "--employer must be an employer id" in err


