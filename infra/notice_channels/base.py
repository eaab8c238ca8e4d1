"""What every notice channel is given and how it says that a delivery failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """One notice, rendered, addressed and ready to send.

    `reference` is the notice id: the same on every attempt, so a receiver (and GOV.UK Notify)
    can tell a resend after a crash from a new notice.
    """

    reference: str
    kind: str
    case_id: str
    employer_id: str
    recipient_role: str
    to: str | None
    """The email address; None where none is known (only the log channel manages without)."""
    subject: str
    body: str
    personalisation: dict[str, str] = field(default_factory=dict)
    """The rendered fields by name, for a Notify template's ((placeholders))."""
    notify_template_id: str | None = None


class DeliveryFailed(Exception):
    """A send that did not happen. `permanent`: trying again cannot help (no address, a
    refused recipient, a template Notify does not know); otherwise the relay retries."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class NoticeChannel(Protocol):
    """Somewhere notices go. A send either returns (delivered) or raises `DeliveryFailed`."""

    name: str

    async def send(self, message: OutgoingMessage) -> None: ...

    async def close(self) -> None: ...
