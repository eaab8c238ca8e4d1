"""Delivering notices (reminders, escalations) through a pluggable channel, once each."""

from __future__ import annotations

import logging
from typing import Protocol

from temporalio import activity

from infra.metrics import count_notice
from workflows.payloads import SEND_NOTIFICATION, NotificationInput

log = logging.getLogger(__name__)


class NotificationChannel(Protocol):
    """Somewhere notices go. Must accept the same notification id twice and keep one."""

    async def deliver(self, notification: NotificationInput) -> bool:
        """Return True if this call stored it, False if it was already there."""
        ...


class LogChannel:
    """Writes notices to the log only (no personal detail beyond the role and case)."""

    def __init__(self) -> None:
        self._seen: set[str] = set()

    async def deliver(self, notification: NotificationInput) -> bool:
        if notification.notification_id in self._seen:
            return False
        self._seen.add(notification.notification_id)
        log.info(
            "notice %s to %s on case %s: %s",
            notification.notification_id,
            notification.recipient_role.value,
            notification.case_id,
            notification.subject,
        )
        return True


class NotifyActivities:
    """Sends each notice through the configured channel."""

    def __init__(self, channel: NotificationChannel) -> None:
        self._channel = channel

    @activity.defn(name=SEND_NOTIFICATION)
    async def send_notification(self, input: NotificationInput) -> bool:
        try:
            stored = await self._channel.deliver(input)
        except Exception:
            count_notice(input.recipient_role, "failed")
            raise
        count_notice(input.recipient_role, "sent" if stored else "duplicate")
        return stored
