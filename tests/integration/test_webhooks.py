"""Signed HR webhooks: retried until the receiver accepts, delivered once per event id."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.testing import WorkflowEnvironment

from activities.webhooks import Endpoint, WebhookDirectory, standard_signature
from domain.actors import Actor, Role, Source
from domain.stages import Action, ReasonCategory
from eventstore.store import CaseEventStore
from infra.metrics import REGISTRY
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.serving import serving
from tests.support.workflow_harness import running_worker

SECRET = "whsec-test-0123456789"
OH_ACTOR = Actor(id="OHN-7", role=Role.OH, source=Source.API)


@dataclass
class Receiver:
    """An HR system's endpoint that fails its first delivery, then accepts."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        return Response(status_code=503 if len(self.received) == 1 else 204)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hr_system = Receiver()
    app = Starlette(routes=[Route("/rtw-hooks", hr_system.handle, methods=["POST"])])
    async with serving(app, log_level="error") as base_url:
        hr_system.url = f"{base_url}/rtw-hooks"
        yield hr_system


def verify(headers: dict[str, str], body: bytes) -> bool:
    parts = dict(item.split("=", 1) for item in headers["rtw-signature"].split(","))
    expected = hmac.new(SECRET.encode(), parts["t"].encode() + b"." + body,
                        hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


def standard_verify(headers: dict[str, str], body: bytes) -> bool:
    """The Standard Webhooks check an HR system makes (the key: the secret's UTF-8 bytes)."""
    expected = standard_signature(SECRET, headers["webhook-id"],
                                  int(headers["webhook-timestamp"]), body)
    return (headers["webhook-id"] == json.loads(body)["event_id"]
            and hmac.compare_digest(expected, headers["webhook-signature"]))


def attempts_counted(result: str) -> float:
    """What the metrics say of webhook attempts so far (this process's registry)."""
    return REGISTRY.get_sample_value("rtw_webhook_attempts_total", {"result": result}) or 0.0


async def test_hr_hears_stage_changes_signed_and_once_despite_a_failure(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
    receiver: Receiver,
) -> None:
    directory = WebhookDirectory({"acme-trust": Endpoint(url=receiver.url, secret=SECRET)})
    succeeded, failed = (attempts_counted("success"), attempts_counted("failure"))
    async with running_worker(dev_server_env.client, store, database_url,
                              webhooks=directory) as harness:
        now = datetime.now(UTC)
        handle = await harness.open_case(
            open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=now.date(),
                         reason=ReasonCategory.MENTAL_HEALTH), HR_ACTOR)
        await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now),
                          MANAGER_ACTOR)
        private = j.assessment(now).model_copy(update={"consent": j.CONSENT_TO_SHARE.model_copy(
            update={"share_with_hr": False})})
        await harness.act(handle, Action.RECORD_ASSESSMENT, private, OH_ACTOR)
        for _ in range(200):
            delivered = await harness.pool.fetchval("SELECT count(*) FROM rtw_webhook_deliveries")
            if delivered == 2:
                break
            await asyncio.sleep(0.1)

    assert delivered == 2
    assert attempts_counted("success") - succeeded == 2
    assert attempts_counted("failure") - failed == 1
    bodies: list[dict[str, Any]] = [json.loads(body) for _, body in receiver.received]
    attempts = Counter(body["event_id"] for body in bodies)
    assert sorted(attempts.values()) == [1, 2]  # the first attempt failed and was retried
    assert attempts[bodies[0]["event_id"]] == 2
    assert all(verify(headers, body) for headers, body in receiver.received)
    assert all(headers["rtw-event-id"] == json.loads(body)["event_id"]
               for headers, body in receiver.received)
    # Compact JSON with sorted keys, exactly as receivers have always been sent it.
    assert all(body == json.dumps(json.loads(body), separators=(",", ":"),
                                  sort_keys=True).encode() for _, body in receiver.received)
    contacted = next(b for b in bodies if b["stage"] == "assessment")
    positions = {r.event_id: r.position for r in store.history(handle.id)}
    assert all(b["sequence"] == positions[b["event_id"]] for b in bodies)
    assert all(standard_verify(headers, body) for headers, body in receiver.received)
    assert contacted == {
        "event_id": contacted["event_id"], "sequence": positions[contacted["event_id"]],
        "case_id": handle.id, "employer_id": "acme-trust",
        "occurred_at": contacted["occurred_at"], "stage": "assessment",
        "changes": [{"kind": "stage_changed", "stage": "assessment",
                     "previous_stage": "early_contact"}],
    }
    assert contacted["occurred_at"].endswith("+00:00")
    kinds = {b["event_id"]: [c["kind"] for c in b["changes"]] for b in bodies}
    assert sorted(kinds.values()) == [["stage_changed"], ["stage_changed"]]
    text = b" ".join(body for _, body in receiver.received).decode()
    for secret_detail in ("mental", "Lumbar", "fit_with_adjustments", "Sam Patel"):
        assert secret_detail not in text


async def test_hr_hears_of_the_reminders_sent_to_the_people_it_works_with(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
    receiver: Receiver,
) -> None:
    directory = WebhookDirectory({"acme-trust": Endpoint(url=receiver.url, secret=SECRET)})
    async with running_worker(dev_server_env.client, store, database_url,
                              webhooks=directory) as harness:
        late = datetime.now(UTC).date() - timedelta(days=10)
        handle = await harness.open_case(
            open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=late,
                         reason=ReasonCategory.MENTAL_HEALTH), HR_ACTOR)

        def notices_heard() -> dict[str, set[str]]:
            heard: dict[str, set[str]] = {}
            for _, body in receiver.received:
                for change in json.loads(body)["changes"]:
                    if change["kind"] == "notice_sent":
                        heard.setdefault(change["notice"], set()).add(change["recipient_role"])
            return heard

        for _ in range(200):
            if {"early_contact_due", "fit_note_needed"} <= set(notices_heard()):
                break
            await asyncio.sleep(0.1)

    assert notices_heard()["early_contact_due"] == {"manager"}
    assert notices_heard()["fit_note_needed"] == {"employee", "manager"}
    assert all(verify(headers, body) for headers, body in receiver.received)
    assert all(json.loads(body)["case_id"] == handle.id for _, body in receiver.received)
    assert b"mental" not in b" ".join(body for _, body in receiver.received)
