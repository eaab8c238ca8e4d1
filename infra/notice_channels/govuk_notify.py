"""Notices by email through GOV.UK Notify, with its official client.

The client is synchronous (requests), so each send runs in a worker thread, and one lock keeps
its single HTTP session to one request at a time: the client says it is not thread-safe.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from typing import Any

from notifications_python_client.errors import APIError, HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from infra.notice_channels.base import DeliveryFailed, OutgoingMessage

DEFAULT_BASE_URL = "https://api.notifications.service.gov.uk"
DEFAULT_TIMEOUT = 30.0
# Notify's answers that say this notice can never be sent as it is: a template it does not
# know, personalisation the template lacks, an address it will not send to.
PERMANENT_STATUSES = frozenset({400})


def check_api_key(api_key: str) -> None:
    """A Notify key is `{key name}-{service id}-{secret}`, both ids UUIDs; the client reads
    them by position from the end and signs each request with the secret, so a key of any
    other shape would fail on every notice. Raises ValueError naming the variable."""
    try:
        uuid.UUID(api_key[-73:-37])
        uuid.UUID(api_key[-36:])
        well_formed = len(api_key) >= 73 and api_key[-37] == "-"
    except ValueError:
        well_formed = False
    if not well_formed:
        raise ValueError("RTW_NOTIFY_API_KEY must be a GOV.UK Notify API key: "
                         "{key name}-{service id}-{secret key}, the last two UUIDs")


def _notify_says(error: APIError) -> str:
    """Notify's own words for a refusal: `errors[].message` of its JSON answer."""
    said = error.message
    if isinstance(said, list):
        return "; ".join(str(item.get("message", item)) if isinstance(item, dict) else str(item)
                         for item in said)
    return str(said)


class NotifyChannel:
    """Sends each notice with the Notify template its employer chose for its kind."""

    name = "notify"

    def __init__(self, api_key: str, *, base_url: str = DEFAULT_BASE_URL,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        check_api_key(api_key)
        self.base_url = base_url
        # The client is marked typed but carries no annotations: hence the two ignores.
        self._client = NotificationsAPIClient(  # type: ignore[no-untyped-call]
            api_key, base_url=base_url, timeout=timeout)
        self._one_request_at_a_time = threading.Lock()

    def _post(self, message: OutgoingMessage, to: str, template_id: str) -> Any:
        # The lock is taken in the worker thread, not on the event loop, so that a send whose
        # caller was cancelled still holds it until its request has finished with the session.
        with self._one_request_at_a_time:
            return self._client.send_email_notification(  # type: ignore[no-untyped-call]
                email_address=to,
                template_id=template_id,
                personalisation=dict(message.personalisation),
                reference=message.reference,
            )

    async def send(self, message: OutgoingMessage) -> None:
        if message.to is None:
            raise DeliveryFailed(
                f"no email address for the {message.recipient_role} of case {message.case_id}",
                permanent=True)
        if not message.notify_template_id:
            raise DeliveryFailed(
                f"no GOV.UK Notify template for notices of kind {message.kind} "
                f"(employer {message.employer_id})", permanent=True)
        try:
            await asyncio.to_thread(self._post, message, message.to, message.notify_template_id)
        except HTTPError as error:
            raise self._failure(error) from error
        except APIError as error:
            # A 2xx without JSON: not Notify's answer (a proxy's page?), so not taken as sent.
            raise DeliveryFailed(f"GOV.UK Notify at {self.base_url} gave an answer that is not "
                                 f"Notify's ({error.status_code})", permanent=False) from error

    def _failure(self, error: HTTPError) -> DeliveryFailed:
        """400: this notice can never go as it is. Anything else is not permanent: a 403 is
        rtw's key (revoked, mistyped) or clock (more than 30 s out), not the notice, and once
        fixed the waiting notices go out; 429 and 5xx pass. The relay's attempt limit bounds
        the retries meanwhile."""
        if error.response is None:
            # The client reports a failure to connect (or a timeout) as a 503 with no response.
            cause = error.__cause__
            return DeliveryFailed(f"could not reach GOV.UK Notify at {self.base_url}: "
                                  f"{type(cause).__name__ if cause else 'request failed'}",
                                  permanent=False)
        status = error.status_code
        return DeliveryFailed(f"GOV.UK Notify answered {status}: {_notify_says(error)}",
                              permanent=status in PERMANENT_STATUSES)

    async def close(self) -> None:
        await asyncio.to_thread(self._client.request_session.close)
