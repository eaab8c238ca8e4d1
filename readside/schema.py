"""Tables of the read side that rtw owns (the event store creates its own)."""

from __future__ import annotations

import asyncpg

from eventstore.outbox import MIGRATE_OLD_OUTBOX, NOTICES_DDL
from eventstore.schema_lock import SCHEMA_LOCK
from readside.absence_links import ABSENCE_LINKS_DDL
from readside.access_log import ACCESS_LOG_DDL
from readside.documents import DOCUMENTS_DDL
from readside.employee_cases import EMPLOYEE_CASES_DDL
from readside.employee_links import EMPLOYEE_LINKS_DDL
from readside.idempotency import IDEMPOTENCY_DDL
from readside.kpi_facts import KPI_FACTS_DDL
from readside.legal_holds import LEGAL_HOLDS_DDL
from readside.projection import POSITIONS_DDL
from readside.retention_query import RETENTION_DDL
from readside.web_sessions import WEB_SESSIONS_DDL
from readside.webhook_deliveries import DELIVERIES_DDL
from readside.worklist import WORKLIST_DDL


async def ensure_schema(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection, connection.transaction():
        # The worker and the API may both create the tables at start.
        await connection.execute(SCHEMA_LOCK)
        await connection.execute(NOTICES_DDL)
        await connection.execute(MIGRATE_OLD_OUTBOX)
        await connection.execute(ABSENCE_LINKS_DDL)
        await connection.execute(POSITIONS_DDL)
        await connection.execute(WORKLIST_DDL)
        await connection.execute(KPI_FACTS_DDL)
        await connection.execute(ACCESS_LOG_DDL)
        await connection.execute(IDEMPOTENCY_DDL)
        await connection.execute(DELIVERIES_DDL)
        await connection.execute(DOCUMENTS_DDL)
        await connection.execute(WEB_SESSIONS_DDL)
        await connection.execute(EMPLOYEE_LINKS_DDL)
        await connection.execute(EMPLOYEE_CASES_DDL)
        await connection.execute(RETENTION_DDL)
        await connection.execute(LEGAL_HOLDS_DDL)


async def database_answers(pool: asyncpg.Pool) -> None:
    """A trivial round trip, for the health check."""
    await pool.fetchval("SELECT 1")
