"""The outbox table: notices the workflow asked to send, kept once per notification id."""

from __future__ import annotations

import json

import asyncpg

from workflows.payloads import NotificationInput

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
