"""Tables of the read side that rtw owns (the event store creates its own)."""

from __future__ import annotations

import asyncpg

from readside.access_log import ACCESS_LOG_DDL, SCHEMA_LOCK
from readside.idempotency import IDEMPOTENCY_DDL
from readside.outbox import OUTBOX_DDL
from readside.webhook_deliveries import DELIVERIES_DDL
from readside.worklist import WORKLIST_DDL

ABSENCE_LINKS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_absence_links (
    employer_id text NOT NULL,
    absence_id text NOT NULL,
    case_id uuid NOT NULL,
    PRIMARY KEY (employer_id, absence_id)
);
"""


async def ensure_schema(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        # The worker and the API may both create the tables at start.
        await connection.execute(SCHEMA_LOCK)
        await connection.execute(OUTBOX_DDL)
        await connection.execute(ABSENCE_LINKS_DDL)
        await connection.execute(WORKLIST_DDL)
        await connection.execute(ACCESS_LOG_DDL)
        await connection.execute(IDEMPOTENCY_DDL)
        await connection.execute(DELIVERIES_DDL)
