"""Tables of the read side that rtw owns (the event store creates its own)."""

from __future__ import annotations

import asyncpg

from activities.notify import OUTBOX_DDL
from eventstore.worklist import WORKLIST_DDL

ABSENCE_LINKS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_absence_links (
    employer_id text NOT NULL,
    absence_id text NOT NULL,
    case_id uuid NOT NULL,
    PRIMARY KEY (employer_id, absence_id)
);
"""


# Any fixed number: the worker and the API may both create the tables at start.
SCHEMA_LOCK = 727_001


async def ensure_schema(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute("SELECT pg_advisory_xact_lock($1)", SCHEMA_LOCK)
        await connection.execute(OUTBOX_DDL)
        await connection.execute(ABSENCE_LINKS_DDL)
        await connection.execute(WORKLIST_DDL)
