"""Read models projected from the event store's notification log, one row per case.

A `Projection` says what a read model makes of a case: its name (the row of
`rtw_projection_positions` that keeps its place, and its entries in `rtw_quarantine`), its
tables, and the row a case's state becomes. A `CaseProjector` tails the log into it: each batch
of notifications and the position it reaches are written in one transaction, so a restarted
projector resumes exactly where it stopped (no event missed, none applied twice), and a case
it cannot apply is set aside so the rest carry on. Every projection folds events through
`domain.events.parse_event` (upcasters first) and `domain.evolve`: the rules are the workflow's.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import asyncpg

from domain.events import parse_event
from domain.evolve import evolve
from domain.state import CaseState
from eventstore.records import CaseEventRecord
from eventstore.replay import state_of
from eventstore.schema_lock import SCHEMA_LOCK
from eventstore.store import CaseEventStore
from infra.backoff import is_transient, keep_running
from readside.quarantine import QUARANTINE_DDL, Connection, quarantine, quarantined_ids, release

log = logging.getLogger(__name__)

POSITIONS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_projection_positions (
    name text PRIMARY KEY,
    position bigint NOT NULL
);
ALTER TABLE rtw_projection_positions ADD COLUMN IF NOT EXISTS rules integer NOT NULL DEFAULT 1;
""" + QUARANTINE_DDL


@dataclass(frozen=True)
class Projection:
    """One read model: `upsert` is the statement that writes `row(state)` (its parameters in
    that order), and must leave a newer row of the case alone."""

    name: str
    ddl: str
    upsert: str
    row: Callable[[CaseState], tuple[Any, ...]]
    rules: int = 1
    """The version of how `row` reads a case: raise it when the same events should now give
    other rows, with `rewrite`, and every case is projected again from the start of the log."""
    rewrite: str = ""
    """The statement that lets `upsert` overwrite every existing row on such a rebuild."""


async def prepare(pool: asyncpg.Pool, projection: Projection) -> None:
    """The projection's tables and starting position, if they are not there yet; a projection
    whose rules changed since its rows were written starts again from the first event."""
    async with pool.acquire() as connection, connection.transaction():
        await connection.execute(SCHEMA_LOCK)  # other processes may be creating them too
        await connection.execute(POSITIONS_DDL + projection.ddl)
        await connection.execute(
            "INSERT INTO rtw_projection_positions (name, position, rules) VALUES ($1, 0, $2)"
            " ON CONFLICT DO NOTHING", projection.name, projection.rules,
        )
        written_by = await connection.fetchval(
            "SELECT rules FROM rtw_projection_positions WHERE name = $1", projection.name)
        if written_by < projection.rules:
            log.info("projection %s: rules %s -> %s, projecting every case again",
                     projection.name, written_by, projection.rules)
            if projection.rewrite:
                await connection.execute(projection.rewrite)
            await connection.execute(
                "UPDATE rtw_projection_positions SET position = 0, rules = $2 WHERE name = $1",
                projection.name, projection.rules)


# A row to write, with the version of the case it shows (the position to quarantine at if
# the database refuses it).
_Row = tuple[int, tuple[Any, ...]]


class CaseProjector:
    """Tails the notification log into one projection, with a cache of recent case states."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, projection: Projection, *,
                 cache_size: int = 2000) -> None:
        self._store = store
        self._pool = pool
        self.projection = projection
        self._states: OrderedDict[str, CaseState] = OrderedDict()
        self._cache_size = cache_size
        self._ready = False

    @property
    def name(self) -> str:
        return self.projection.name

    async def ensure_schema(self) -> None:
        await prepare(self._pool, self.projection)
        self._ready = True

    async def catch_up(self, batch: int = 500) -> int:
        """Apply every notification recorded since the last position; returns how many."""
        if not self._ready:
            await self.ensure_schema()
        applied = 0
        while True:
            count = await self._apply_batch(batch)
            applied += count
            if count < batch:
                return applied

    async def run(self, stop: asyncio.Event, interval: float = 0.5) -> None:
        """Catch up every `interval` until `stop`; a database outage is backed off from and
        a case that cannot be projected is quarantined, so this never raises."""
        await keep_running(f"{self.name.replace('_', ' ')} projector", self.catch_up, stop,
                           interval=interval)

    async def _hold_position(self, connection: Connection) -> int:
        """The position reached, locked until the transaction ends: one projector at a time
        applies a batch (a second waits, then starts after the first's batch)."""
        position: int = await connection.fetchval(
            "SELECT position FROM rtw_projection_positions WHERE name = $1 FOR UPDATE",
            self.name,
        )
        return position

    async def _apply_batch(self, batch: int) -> int:
        async with self._pool.acquire() as connection, connection.transaction():
            position = await self._hold_position(connection)
            notifications = await asyncio.to_thread(
                self._store.recorder.select_notifications, position + 1, batch
            )
            if not notifications:
                return 0
            skipped = await quarantined_ids(connection, self.name)
            rows: dict[str, _Row] = {}
            for notification in notifications:
                case_id = str(notification.originator_id)
                if case_id in skipped:
                    continue
                try:
                    record = self._store.mapper.to_domain_event(notification)
                    if isinstance(record, CaseEventRecord):
                        state = await self._state_after(record)
                        rows[case_id] = (state.version, self.projection.row(state))
                except Exception as error:
                    if is_transient(error):
                        raise
                    # The case keeps the row of its last good event; its later events wait.
                    await self._set_aside(connection, case_id, notification.originator_version,
                                          error)
                    skipped.add(case_id)
            await self._upsert(connection, rows)
            await connection.execute(
                "UPDATE rtw_projection_positions SET position = $2 WHERE name = $1",
                self.name, notifications[-1].id,
            )
            return len(notifications)

    async def _upsert(self, connection: Connection, rows: dict[str, _Row]) -> None:
        """All rows at once; if the database refuses one, each alone, setting aside the ones
        it refuses (a value out of the column's range, say)."""
        if not rows:
            return
        statement = self.projection.upsert
        try:
            async with connection.transaction():
                await connection.executemany(statement, [row for _, row in rows.values()])
            return
        except Exception as error:
            if is_transient(error):
                raise
        for case_id, (version, row) in rows.items():
            try:
                async with connection.transaction():
                    await connection.execute(statement, *row)
            except Exception as error:
                if is_transient(error):
                    raise
                await self._set_aside(connection, case_id, version, error)

    async def _set_aside(self, connection: Connection, case_id: str, position: int,
                         error: BaseException) -> None:
        self._states.pop(case_id, None)
        await quarantine(connection, projection=self.name, case_id=case_id,
                         position=position, error=error)

    async def release(self, case_id: str) -> bool:
        """Take the case out of quarantine and project it again from its whole history.

        False when it still cannot be projected (it is quarantined again, at the event that
        fails); the caller then learns the cause is not fixed yet.
        """
        if not self._ready:
            await self.ensure_schema()
        async with self._pool.acquire() as connection, connection.transaction():
            # Holding the position row keeps a running projector out while the case is rebuilt.
            await self._hold_position(connection)
            await release(connection, projection=self.name, case_id=case_id)
            history = await asyncio.to_thread(self._store.history, case_id)
            state: CaseState | None = None
            failed_at = 0
            try:
                for record in history:
                    failed_at = record.position
                    state = evolve(state, parse_event(record.data))
                row = self.projection.row(state) if state is not None else None
            except Exception as error:
                if is_transient(error):
                    raise
                await self._set_aside(connection, case_id, failed_at, error)
                return False
            self._states.pop(case_id, None)
            if state is not None and row is not None:
                await self._upsert(connection, {case_id: (state.version, row)})
            still = case_id in await quarantined_ids(connection, self.name)
            return not still

    async def _state_after(self, record: CaseEventRecord) -> CaseState:
        cached = self._states.get(record.case_id)
        if cached is not None and cached.version == record.position - 1:
            state = evolve(cached, parse_event(record.data))
        else:
            history = await asyncio.to_thread(self._store.history, record.case_id,
                                              up_to=record.position)
            rebuilt = state_of(history)
            if rebuilt is None:
                raise RuntimeError(f"case {record.case_id} has no events up to {record.position}")
            state = rebuilt
        self._states[record.case_id] = state
        self._states.move_to_end(record.case_id)
        while len(self._states) > self._cache_size:
            self._states.popitem(last=False)
        return state
