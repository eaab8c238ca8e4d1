"""Which webhook events an HR system has acknowledged (2xx), so none is sent twice."""

from __future__ import annotations

import asyncpg

DELIVERIES_DDL = """
CREATE TABLE IF NOT EXISTS rtw_webhook_deliveries (
    event_id text PRIMARY KEY,
    employer_id text NOT NULL,
    status integer NOT NULL,
    delivered_at timestamptz NOT NULL DEFAULT now()
);
"""


class WebhookDeliveries:
    """The `rtw_webhook_deliveries` table, one row per acknowledged event id."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def was_delivered(self, event_id: str) -> bool:
        status = await self._pool.fetchval(
            "SELECT status FROM rtw_webhook_deliveries WHERE event_id = $1", event_id
        )
        return status is not None

    async def record(self, event_id: str, employer_id: str, status: int) -> None:
        await self._pool.execute(
            "INSERT INTO rtw_webhook_deliveries (event_id, employer_id, status)"
            " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            event_id, employer_id, status,
        )
