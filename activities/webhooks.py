"""Signed webhooks to each employer's HR system, delivered once per event id."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from infra.employers import EmployerDirectory
from infra.metrics import count_webhook_attempt
from workflows.payloads import DELIVER_WEBHOOK, WebhookInput


@dataclass(frozen=True)
class Endpoint:
    url: str
    secret: str


class WebhookDirectory:
    """Each employer's webhook URL and signing secret (`RTW_WEBHOOKS_FILE`)."""

    def __init__(self, endpoints: dict[str, Endpoint]) -> None:
        self._endpoints = endpoints

    @classmethod
    def load(cls, path: Path | None,
             employers: EmployerDirectory | None = None) -> WebhookDirectory:
        """Endpoints from RTW_WEBHOOKS_FILE and from the employer files; an employer's from
        one place or the other, never both."""
        directory = cls._from_file(path)
        for employer_id, hook in (employers.webhooks() if employers else {}).items():
            if employer_id in directory._endpoints:
                raise ValueError(f"{employer_id}: a webhook in both RTW_WEBHOOKS_FILE and its "
                                 "employer file; keep it in one")
            directory._endpoints[employer_id] = Endpoint(url=hook.url, secret=hook.secret)
        return directory

    @classmethod
    def _from_file(cls, path: Path | None) -> WebhookDirectory:
        if path is None:
            return cls({})
        try:
            document = json.loads(path.read_text())
        except ValueError as error:
            raise ValueError(f"{path}: not JSON: {error}") from None
        endpoints = {}
        for employer, entry in document.items():
            if not isinstance(entry, dict) or not entry.get("url") or not entry.get("secret"):
                raise ValueError(f"{path}: {employer}: needs 'url' and 'secret'")
            endpoints[employer] = Endpoint(url=entry["url"], secret=entry["secret"])
        return cls(endpoints)

    def for_employer(self, employer_id: str) -> Endpoint | None:
        return self._endpoints.get(employer_id)


class DeliveryRecord(Protocol):
    """Where each 2xx is remembered, so that an event is not sent again once received."""

    async def was_delivered(self, event_id: str) -> bool: ...

    async def record(self, event_id: str, employer_id: str, status: int) -> None: ...

    async def record_failure(self, event_id: str, employer_id: str, *, attempt: int,
                             error: str, final: bool) -> None: ...


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """HMAC-SHA256 over '<timestamp>.<body>', hex; receivers recompute and compare."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


# A receiver that neither answers nor hangs up must not outlive the activity's own timeout.
REQUEST_TIMEOUT_SECONDS = 20.0


class WebhookActivities:
    """POSTs one HR update; Temporal retries it with backoff until the receiver says 2xx.

    Every failed attempt is recorded; when the workflow's retry policy bounds the attempts, the
    last one records the event as dead-lettered and returns instead of failing, so that
    operators see it and the case carries on.
    """

    def __init__(self, directory: WebhookDirectory, deliveries: DeliveryRecord,
                 client: httpx.AsyncClient) -> None:
        self._directory = directory
        self._deliveries = deliveries
        self._client = client

    @activity.defn(name=DELIVER_WEBHOOK)
    async def deliver_webhook(self, input: WebhookInput) -> str:
        endpoint = self._directory.for_employer(input.employer_id)
        if endpoint is None:
            return "no webhook configured"
        if await self._deliveries.was_delivered(input.event_id):
            return "already delivered"
        body = json.dumps({"event_id": input.event_id, **input.body.model_dump(mode="json")},
                          separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        try:
            response = await self._client.post(
                endpoint.url, content=body, timeout=REQUEST_TIMEOUT_SECONDS, headers={
                    "Content-Type": "application/json",
                    "RTW-Event-Id": input.event_id,
                    "RTW-Signature":
                        f"t={timestamp},v1={signature(endpoint.secret, timestamp, body)}",
                })
        except httpx.HTTPError as error:
            return await self._failed(input, f"{type(error).__name__}: could not deliver")
        if not 200 <= response.status_code < 300:
            return await self._failed(input, f"webhook answered {response.status_code}")
        count_webhook_attempt(True)
        await self._deliveries.record(input.event_id, input.employer_id, response.status_code)
        return "delivered"

    async def _failed(self, input: WebhookInput, error: str) -> str:
        count_webhook_attempt(False)
        info = activity.info()
        allowed = input.max_attempts or (
            info.retry_policy.maximum_attempts if info.retry_policy else 0)
        final = 0 < allowed <= info.attempt
        await self._deliveries.record_failure(input.event_id, input.employer_id,
                                              attempt=info.attempt, error=error, final=final)
        if final:
            activity.logger.warning("webhook dead-lettered after %d attempts", info.attempt)
            return "dead-lettered"
        raise ApplicationError(f"{error}; will retry")
