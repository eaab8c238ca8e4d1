"""Delivering notices (reminders, escalations) through a pluggable channel, once each."""

from __future__ import annotations

import json
import logging
from typing import Protocol

import asyncpg
from temporalio import activity

from workflows.payloads import SEND_NOTIFICATION, NotificationInput

log = logging.getLogger(__name__)

OUTBOX_DDL = """
CREATE TABLE IF NOT EXISTS rtw_outbox (
    notification_id text PRIMARY KEY,
    case_id uuid NOT NULL,
    employer_id text NOT NULL,
    recipient_role text NOT NULL,
    recipient jsonb,
    subject text NOT NULL,
    body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz
);
CREATE INDEX IF NOT EXISTS rtw_outbox_undelivered ON rtw_outbox (created_at)
    WHERE delivered_at IS NULL;
"""


class NotificationChannel(Protocol):
    """Somewhere notices go. Must accept the same notification id twice and keep one."""

    async def deliver(self, notification: NotificationInput) -> bool:
        """Return True if this call stored it, False if it was already there."""
        ...


class OutboxChannel:
    """Stores notices in the `rtw_outbox` table, from which mail or HR webhooks are sent."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def deliver(self, notification: NotificationInput) -> bool:
        recipient = (
            json.dumps(notification.recipient.model_dump(mode="json"))
            if notification.recipient
            else None
        )
        status = await self._pool.execute(
            """
            INSERT INTO rtw_outbox (notification_id, case_id, employer_id, recipient_role,
                                    recipient, subject, body)
            VALUES ($1, $2::uuid, $3, $4, $5::jsonb, $6, $7)
            ON CONFLICT (notification_id) DO NOTHING
            """,
            notification.notification_id,
            notification.case_id,
            notification.employer_id,
            notification.recipient_role.value,
            recipient,
            notification.subject,
            notification.body,
        )
        return bool(status.endswith(" 1"))


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
        return await self._channel.deliver(input)
