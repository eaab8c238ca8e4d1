"""Cases a projection could not process, set aside so that one bad case never stops the rest.

A projection that meets an event it cannot apply records the case here (the error's type only:
a message could quote case data), skips that case's later events and carries on. An operator
lists the cases with `rtw audit quarantine`, fixes the cause, and releases a case, which the
projection then rebuilds from its whole history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from infra.metrics import count_quarantine

log = logging.getLogger(__name__)

# What the projection writes through: a pooled connection, or a plain one.
Connection = asyncpg.Connection | PoolConnectionProxy

QUARANTINE_DDL = """
CREATE TABLE IF NOT EXISTS rtw_quarantine (
    case_id uuid NOT NULL,
    projection text NOT NULL,
    position bigint NOT NULL,
    error_type text NOT NULL,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projection, case_id)
);
"""


@dataclass(frozen=True)
class QuarantinedCase:
    case_id: str
    projection: str
    position: int
    error_type: str
    quarantined_at: datetime


async def quarantine(connection: Connection, *, projection: str, case_id: str,
                     position: int, error: BaseException) -> None:
    """Set the case aside (inside the caller's transaction, with the position it reached)."""
    await connection.execute(
        "INSERT INTO rtw_quarantine (case_id, projection, position, error_type)"
        " VALUES ($1::uuid, $2, $3, $4) ON CONFLICT (projection, case_id) DO NOTHING",
        case_id, projection, position, type(error).__name__,
    )
    log.error("projection %s: case %s quarantined at position %d (%s)", projection, case_id,
              position, type(error).__name__)
    count_quarantine(projection)


async def quarantined_ids(connection: Connection, projection: str) -> set[str]:
    rows = await connection.fetch(
        "SELECT case_id FROM rtw_quarantine WHERE projection = $1", projection)
    return {str(row["case_id"]) for row in rows}


async def list_quarantined(pool: asyncpg.Pool) -> list[QuarantinedCase]:
    rows = await pool.fetch(
        "SELECT case_id, projection, position, error_type, quarantined_at FROM rtw_quarantine"
        " ORDER BY quarantined_at, case_id")
    return [QuarantinedCase(str(r["case_id"]), r["projection"], r["position"],
                            r["error_type"], r["quarantined_at"]) for r in rows]


async def release(connection: Connection, *, projection: str, case_id: str) -> bool:
    status = await connection.execute(
        "DELETE FROM rtw_quarantine WHERE projection = $1 AND case_id = $2::uuid",
        projection, case_id)
    return bool(status.endswith(" 1"))
