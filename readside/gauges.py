"""The read side's figures for the metrics scrape: counts only, grouped by closed vocabularies.

Each query counts; none returns a case, employee or manager. A table that does not exist yet
(a fresh database, or the quarantine table before it is deployed) gives no figures for it
instead of an error, and a database that does not answer in time gives None.
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from domain.stages import OPEN_STAGES
from infra import metrics
from infra.metrics import ReadSideFigures

log = logging.getLogger(__name__)

# eventsourcing names the store's table after the application ("rtw") and its purpose.
EVENTS_TABLE = "rtw_events"
_OPEN = sorted(stage.value for stage in OPEN_STAGES)


async def read_figures(pool: asyncpg.Pool, *, within: float = 5.0) -> ReadSideFigures | None:
    """The figures now, or None if PostgreSQL did not answer within `within` seconds."""
    try:
        return await asyncio.wait_for(_read(pool), timeout=within)
    except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        log.warning("metrics: read-side figures unavailable (%s)", type(error).__name__)
        return None


async def _read(pool: asyncpg.Pool) -> ReadSideFigures:
    async with pool.acquire() as connection:
        present = {
            row["name"] for row in await connection.fetch(
                "SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(name) IS NOT NULL",
                ["rtw_worklist", "rtw_projection_positions", "rtw_quarantine", "rtw_notices",
                 EVENTS_TABLE],
            )
        }
        open_cases: dict[tuple[str, str], int] = {}
        overdue: dict[str, int] = {}
        if "rtw_worklist" in present:
            for row in await connection.fetch(
                "SELECT route, stage, count(*) AS n FROM rtw_worklist"
                " WHERE stage = ANY($1::text[]) GROUP BY route, stage", _OPEN,
            ):
                open_cases[(row["route"], row["stage"])] = row["n"]
            for row in await connection.fetch(
                "SELECT stage, count(*) AS n FROM rtw_worklist WHERE stage = ANY($1::text[])"
                " AND next_deadline_at < now() GROUP BY stage", _OPEN,
            ):
                overdue[row["stage"]] = row["n"]
        lag: dict[str, int] = {}
        if "rtw_projection_positions" in present:
            head = 0
            if EVENTS_TABLE in present:
                head = await connection.fetchval(
                    f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}"  # noqa: S608
                )
            for row in await connection.fetch(
                "SELECT name, position FROM rtw_projection_positions"
            ):
                lag[row["name"]] = max(0, head - row["position"])
        quarantined: dict[str, int] | None = None
        if "rtw_quarantine" in present:
            quarantined = {
                row["projection"]: row["n"] for row in await connection.fetch(
                    "SELECT projection, count(DISTINCT case_id) AS n FROM rtw_quarantine"
                    " GROUP BY projection"
                )
            }
        pending, oldest, failed = 0, 0.0, 0
        if "rtw_notices" in present:
            waiting = await connection.fetchrow(
                "SELECT count(*) FILTER (WHERE status = 'pending') AS n,"
                " count(*) FILTER (WHERE status = 'failed') AS failed,"
                " coalesce(extract(epoch FROM now() - min(created_at)"
                " FILTER (WHERE status = 'pending')), 0) AS age FROM rtw_notices"
                " WHERE status <> 'sent'"
            )
            if waiting is not None:
                pending, oldest, failed = waiting["n"], float(waiting["age"]), waiting["failed"]
    return ReadSideFigures(
        open_cases=open_cases, overdue_cases=overdue, projection_lag=lag,
        quarantined_cases=quarantined, pending_notices=pending,
        oldest_pending_notice_seconds=oldest, failed_notices=failed,
    )


async def serve_metrics(address: str, pool: asyncpg.Pool) -> asyncio.Server | None:
    """The worker's scrape endpoint on `address` ('' for none). A port already taken (a second
    worker on the same machine) is logged and skipped: metrics never stop a worker."""
    if not address:
        return None

    async def figures() -> ReadSideFigures | None:
        return await read_figures(pool)

    try:
        return await metrics.serve(address, figures)
    except OSError as error:
        log.warning("metrics: cannot serve on %s (%s); carrying on without", address, error)
        return None
