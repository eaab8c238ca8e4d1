"""Cases a projection could not process, set aside so that one bad case never stops the rest.

A projection that meets an event it cannot apply records the case here (the error's type only:
a message could quote case data), skips that case's later events and carries on. An operator
lists the cases with `rtw audit quarantine`, fixes the cause, and releases a case, which the
projection then rebuilds from its whole history.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from eventsourcing.persistence import PersistenceError

log = logging.getLogger(__name__)

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

# Errors that say the database (or the network to it) is away, not that an event is bad:
# these are waited out, never blamed on a case.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    PersistenceError,  # eventsourcing's wrapping of psycopg errors
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.CrashShutdownError,
    asyncpg.exceptions.QueryCanceledError,
    OSError,
    TimeoutError,
)


def is_transient(error: BaseException) -> bool:
    return isinstance(error, TRANSIENT_ERRORS)


@dataclass(frozen=True)
class QuarantinedCase:
    case_id: str
    projection: str
    position: int
    error_type: str
    quarantined_at: datetime


async def quarantine(connection: asyncpg.Connection, *, projection: str, case_id: str,
                     position: int, error: BaseException) -> None:
    """Set the case aside (inside the caller's transaction, with the position it reached)."""
    await connection.execute(
        "INSERT INTO rtw_quarantine (case_id, projection, position, error_type)"
        " VALUES ($1::uuid, $2, $3, $4) ON CONFLICT (projection, case_id) DO NOTHING",
        case_id, projection, position, type(error).__name__,
    )
    log.error("projection %s: case %s quarantined at position %d (%s)", projection, case_id,
              position, type(error).__name__)


async def quarantined_ids(connection: asyncpg.Connection, projection: str) -> set[str]:
    rows = await connection.fetch(
        "SELECT case_id FROM rtw_quarantine WHERE projection = $1", projection)
    return {str(row["case_id"]) for row in rows}


async def list_quarantined(pool: asyncpg.Pool) -> list[QuarantinedCase]:
    rows = await pool.fetch(
        "SELECT case_id, projection, position, error_type, quarantined_at FROM rtw_quarantine"
        " ORDER BY quarantined_at, case_id")
    return [QuarantinedCase(str(r["case_id"]), r["projection"], r["position"],
                            r["error_type"], r["quarantined_at"]) for r in rows]


async def release(connection: asyncpg.Connection, *, projection: str, case_id: str) -> bool:
    status = await connection.execute(
        "DELETE FROM rtw_quarantine WHERE projection = $1 AND case_id = $2::uuid",
        projection, case_id)
    return bool(status.endswith(" 1"))


class Backoff:
    """Bounded exponential backoff with full jitter, logging once per change of state."""

    def __init__(self, name: str, *, first: float = 0.5, longest: float = 30.0) -> None:
        self.name = name
        self.first = first
        self.longest = longest
        self.failures = 0
        self._failing_since: float | None = None

    def failed(self, error: BaseException) -> float:
        """Seconds to wait before the next attempt; logs only the first failure of a run."""
        loop_time = asyncio.get_running_loop().time()
        if self.failures == 0:
            self._failing_since = loop_time
            kind = "unavailable" if is_transient(error) else "failing"
            log.warning("%s: database %s (%s); retrying with backoff", self.name, kind,
                        type(error).__name__)
        self.failures += 1
        ceiling = min(self.first * 2 ** min(self.failures - 1, 16), self.longest)
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not secrecy

    def succeeded(self) -> None:
        if self.failures:
            since = self._failing_since or asyncio.get_running_loop().time()
            log.warning("%s: recovered after %d failed attempt(s), %.1f s", self.name,
                        self.failures, asyncio.get_running_loop().time() - since)
        self.failures = 0
        self._failing_since = None


async def keep_running(name: str, step: Callable[[], Awaitable[object]], stop: asyncio.Event,
                       *, interval: float = 0.5, longest_pause: float = 30.0) -> None:
    """Run `step` every `interval` until `stop`; any error is backed off from, never raised."""
    backoff = Backoff(name, longest=longest_pause)
    while not stop.is_set():
        pause = interval
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception as error:  # the loop outlives every fault; the log says which
            pause = backoff.failed(error)
        else:
            backoff.succeeded()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=pause)
