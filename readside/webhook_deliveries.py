"""Which webhook events an HR system has acknowledged (2xx), so none is sent twice; and which
ones it never acknowledged within the bounded attempts (dead letters, for operators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

DELIVERIES_DDL = """
CREATE TABLE IF NOT EXISTS rtw_webhook_deliveries (
    event_id text PRIMARY KEY,
    employer_id text NOT NULL,
    status integer NOT NULL,
    delivered_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS rtw_webhook_failures (
    event_id text PRIMARY KEY,
    employer_id text NOT NULL,
    attempts integer NOT NULL,
    last_error text NOT NULL,
    dead_lettered boolean NOT NULL DEFAULT false,
    first_failed_at timestamptz NOT NULL DEFAULT now(),
    last_failed_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rtw_webhook_failures_dead
    ON rtw_webhook_failures (employer_id) WHERE dead_lettered;
ALTER TABLE rtw_webhook_failures ADD COLUMN IF NOT EXISTS case_id text;
ALTER TABLE rtw_webhook_failures ADD COLUMN IF NOT EXISTS sequence bigint;
"""


@dataclass(frozen=True)
class WebhookFailure:
    """One event the employer's HR system has not acknowledged (yet, or ever)."""

    event_id: str
    employer_id: str
    attempts: int
    last_error: str
    dead_lettered: bool
    last_failed_at: datetime
    case_id: str | None = None
    sequence: int | None = None

    def as_json(self) -> dict[str, object]:
        """What an operator sees: ids, attempts and the error; never the update's content."""
        return {"event_id": self.event_id, "employer_id": self.employer_id,
                "case_id": self.case_id, "sequence": self.sequence, "attempts": self.attempts,
                "last_error": self.last_error, "dead_lettered": self.dead_lettered,
                "last_failed_at": self.last_failed_at.isoformat()}


class WebhookDeliveries:
    """`rtw_webhook_deliveries` (one row per acknowledged event id) and `rtw_webhook_failures`
    (one row per event id that failed, marked dead-lettered once its attempts ran out)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def was_delivered(self, event_id: str) -> bool:
        status = await self._pool.fetchval(
            "SELECT status FROM rtw_webhook_deliveries WHERE event_id = $1", event_id
        )
        return status is not None

    async def record(self, event_id: str, employer_id: str, status: int) -> None:
        async with self._pool.acquire() as connection, connection.transaction():
            await connection.execute(
                "INSERT INTO rtw_webhook_deliveries (event_id, employer_id, status)"
                " VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                event_id, employer_id, status,
            )
            await connection.execute(
                "DELETE FROM rtw_webhook_failures WHERE event_id = $1", event_id
            )

    async def record_failure(self, event_id: str, employer_id: str, *, attempt: int,
                             error: str, final: bool, case_id: str | None = None,
                             sequence: int | None = None) -> None:
        """Remember a failed attempt; `final` when no attempt will follow (a dead letter)."""
        await self._pool.execute(
            "INSERT INTO rtw_webhook_failures"
            " (event_id, employer_id, attempts, last_error, dead_lettered, case_id, sequence)"
            " VALUES ($1, $2, $3, $4, $5, $6, $7)"
            " ON CONFLICT (event_id) DO UPDATE SET attempts = EXCLUDED.attempts,"
            " last_error = EXCLUDED.last_error, dead_lettered = EXCLUDED.dead_lettered,"
            " case_id = COALESCE(EXCLUDED.case_id, rtw_webhook_failures.case_id),"
            " sequence = COALESCE(EXCLUDED.sequence, rtw_webhook_failures.sequence),"
            " last_failed_at = now()",
            event_id, employer_id, attempt, error[:500], final, case_id, sequence,
        )

    async def dead_letters(self, *, employer_id: str | None = None,
                           limit: int = 100) -> list[WebhookFailure]:
        """The events whose delivery was given up (of one employer, or all), most recent
        first."""
        rows = await self._pool.fetch(
            "SELECT event_id, employer_id, attempts, last_error, dead_lettered, last_failed_at,"
            " case_id, sequence FROM rtw_webhook_failures"
            " WHERE dead_lettered AND ($1::text IS NULL OR employer_id = $1)"
            " ORDER BY last_failed_at DESC LIMIT $2", employer_id, limit,
        )
        return [WebhookFailure(**dict(row)) for row in rows]
