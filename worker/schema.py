"""Tables of the read side that rtw owns (the event store creates its own)."""

from __future__ import annotations

import asyncpg

from activities.notify import OUTBOX_DDL
from worker.access_log import ACCESS_LOG_DDL, SCHEMA_LOCK


async def ensure_schema(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(SCHEMA_LOCK)
        await connection.execute(OUTBOX_DDL)
        await connection.execute(ACCESS_LOG_DDL)
