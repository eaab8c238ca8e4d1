"""Signed webhooks to each employer's HR system, delivered once per event id.

Each delivery follows the Standard Webhooks specification (standardwebhooks.com), so that an
HR system can check it with a stock library: `webhook-id` (the event id, the same on every
retry), `webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`
(`v1,` and the base64 HMAC-SHA256 of `<id>.<timestamp>.<body>`). The secret is the
specification's `whsec_` and base64 of the key; a secret configured before that (any other
text) signs with its UTF-8 bytes, which a stock library verifies as `whsec_` + base64 of them.
Every body carries the case's `sequence`: the position of the event in the case's record,
which only grows, survives continue-as-new and is the same on every retry.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

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


WHSEC_PREFIX = "whsec_"


def signing_key(secret: str) -> bytes:
    """The HMAC key of a secret: base64 after `whsec_` (the specification's form), else the
    secret's own UTF-8 bytes (secrets configured before rtw followed the specification)."""
    if secret.startswith(WHSEC_PREFIX):
        try:
            return base64.b64decode(secret.removeprefix(WHSEC_PREFIX), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("a webhook secret starting 'whsec_' must be base64 after it"
                             ) from None
    return secret.encode()


def check_url(employer_id: str, field: str, url: str) -> None:
    """https only; plain http only to this machine (a receiver under test or a local relay).
    A `ValueError` naming the employer and the field otherwise."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and _loopback(host):
        return
    raise ValueError(f"employer {employer_id}: {field} must be an https:// URL (http:// only "
                     f"to a loopback address), not {url!r}")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


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
            directory._check(employer_id, "webhook.url in its employer file")
        return directory

    def _check(self, employer_id: str, field: str) -> None:
        endpoint = self._endpoints[employer_id]
        check_url(employer_id, field, endpoint.url)
        try:
            signing_key(endpoint.secret)
        except ValueError as error:
            raise ValueError(f"employer {employer_id}: {error}") from None

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
        directory = cls(endpoints)
        for employer in endpoints:
            directory._check(employer, f"'url' in {path}")
        return directory

    def for_employer(self, employer_id: str) -> Endpoint | None:
        return self._endpoints.get(employer_id)


class DeliveryRecord(Protocol):
    """Where each 2xx is remembered, so that an event is not sent again once received."""

    async def was_delivered(self, event_id: str) -> bool: ...

    async def record(self, event_id: str, employer_id: str, status: int) -> None: ...

    async def record_failure(self, event_id: str, employer_id: str, *, attempt: int,
                             error: str, final: bool, case_id: str | None = None,
                             sequence: int | None = None) -> None: ...


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature rtw sent before Standard Webhooks (header `RTW-Signature`, kept for the
    receivers that check it): HMAC-SHA256 over '<timestamp>.<body>', hex."""
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks `webhook-signature`: `v1,` and the base64 HMAC-SHA256 of
    '<id>.<timestamp>.<body>' under the secret's key."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(signing_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


# A receiver that neither answers nor hangs up must not outlive the activity's own timeout.
REQUEST_TIMEOUT_SECONDS = 20.0
# Requests in flight to one employer's endpoint at once. Beyond it an attempt fails at once and
# is retried later, so that an endpoint that hangs holds a few of the worker's activity slots,
# never all of them: other employers' deliveries (and the cases' notices) carry on.
IN_FLIGHT_PER_EMPLOYER = 8


class WebhookActivities:
    """POSTs one HR update; Temporal retries it with backoff until the receiver says 2xx.

    Every failed attempt is recorded; when the workflow's retry policy bounds the attempts, the
    last one records the event as dead-lettered and returns instead of failing, so that
    operators see it and the case carries on.
    """

    def __init__(self, directory: WebhookDirectory, deliveries: DeliveryRecord,
                 client: httpx.AsyncClient, *,
                 in_flight_per_employer: int = IN_FLIGHT_PER_EMPLOYER) -> None:
        self._directory = directory
        self._deliveries = deliveries
        self._client = client
        self._in_flight_per_employer = in_flight_per_employer
        self._in_flight: dict[str, int] = {}

    @activity.defn(name=DELIVER_WEBHOOK)
    async def deliver_webhook(self, input: WebhookInput) -> str:
        endpoint = self._directory.for_employer(input.employer_id)
        if endpoint is None:
            return "no webhook configured"
        if input.body.employer_id != input.employer_id:
            # Tenancy: an employer's endpoint hears of its own cases only, whatever asked.
            return await self._failed(input, "the update is of another employer's case",
                                      final=True)
        if await self._deliveries.was_delivered(input.event_id):
            return "already delivered"
        sequence = {"sequence": input.sequence} if input.sequence is not None else {}
        body = json.dumps({"event_id": input.event_id, **sequence,
                           **input.body.model_dump(mode="json")},
                          separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        if self._in_flight.get(input.employer_id, 0) >= self._in_flight_per_employer:
            return await self._failed(input, "the employer's endpoint already has "
                                      f"{self._in_flight_per_employer} requests in flight")
        self._in_flight[input.employer_id] = self._in_flight.get(input.employer_id, 0) + 1
        try:
            response = await self._client.post(
                endpoint.url, content=body, timeout=REQUEST_TIMEOUT_SECONDS, headers={
                    "Content-Type": "application/json",
                    "webhook-id": input.event_id,
                    "webhook-timestamp": str(timestamp),
                    "webhook-signature": standard_signature(endpoint.secret, input.event_id,
                                                            timestamp, body),
                    "RTW-Event-Id": input.event_id,
                    "RTW-Signature":
                        f"t={timestamp},v1={signature(endpoint.secret, timestamp, body)}",
                })
        except (TimeoutError, httpx.HTTPError) as error:
            return await self._failed(input, f"{type(error).__name__}: could not deliver")
        finally:
            self._in_flight[input.employer_id] -= 1
        if not 200 <= response.status_code < 300:
            return await self._failed(input, f"webhook answered {response.status_code}")
        count_webhook_attempt(True)
        await self._deliveries.record(input.event_id, input.employer_id, response.status_code)
        return "delivered"

    async def _failed(self, input: WebhookInput, error: str, *, final: bool = False) -> str:
        count_webhook_attempt(False)
        info = activity.info()
        allowed = input.max_attempts or (
            info.retry_policy.maximum_attempts if info.retry_policy else 0)
        final = final or 0 < allowed <= info.attempt
        await self._deliveries.record_failure(input.event_id, input.employer_id,
                                              attempt=info.attempt, error=error, final=final,
                                              case_id=input.body.case_id,
                                              sequence=input.sequence)
        if final:
            activity.logger.warning("webhook dead-lettered after %d attempts", info.attempt)
            return "dead-lettered"
        raise ApplicationError(f"{error}; will retry")
