"""Which case an HR absence belongs to, when it joined a stay-at-work case opened before it.

An absence that opened its own case needs no row: its case id derives from its ids.
"""

from __future__ import annotations

import asyncpg

ABSENCE_LINKS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_absence_links (
    employer_id text NOT NULL,
    absence_id text NOT NULL,
    case_id uuid NOT NULL,
    PRIMARY KEY (employer_id, absence_id)
);
"""


async def link_absence(pool: asyncpg.Pool, employer_id: str, absence_id: str,
                       case_id: str) -> None:
    """Remember that the absence joined `case_id`; a repeat changes nothing."""
    await pool.execute(
        "INSERT INTO rtw_absence_links (employer_id, absence_id, case_id) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING", employer_id, absence_id, case_id,
    )


async def linked_case(pool: asyncpg.Pool, employer_id: str, absence_id: str) -> str | None:
    """The case the absence joined, if it joined one."""
    linked = await pool.fetchval(
        "SELECT case_id FROM rtw_absence_links WHERE employer_id = $1 AND absence_id = $2",
        employer_id, absence_id,
    )
    return str(linked) if linked else None
