"""Tables of the read side that rtw owns (the event store creates its own)."""

from __future__ import annotations

import asyncpg

from activities.notify import OUTBOX_DDL


async def ensure_schema(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await connection.execute(OUTBOX_DDL)
