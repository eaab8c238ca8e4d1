"""Which employer a case belongs to, as the read models know it (the employer of a case never
changes: its id is derived from the employer's own ids)."""

from __future__ import annotations

import uuid

import asyncpg


async def employer_of_case(pool: asyncpg.Pool, case_id: uuid.UUID | str) -> str | None:
    """The case's employer from the worklist or the KPI facts; None when neither holds the case
    yet (a case just opened) or any more."""
    try:
        key = case_id if isinstance(case_id, uuid.UUID) else uuid.UUID(str(case_id))
    except ValueError:
        return None
    employer: str | None = await pool.fetchval(
        "SELECT employer_id FROM rtw_worklist WHERE case_id = $1 UNION ALL "
        "SELECT employer_id FROM rtw_kpi_facts WHERE case_id = $1 LIMIT 1", key)
    return employer
