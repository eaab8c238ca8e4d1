"""The worklist: one row per case, projected from the event store's notification log.

Each batch of notifications and the position it reaches are written in one transaction, so a
restarted projector resumes exactly where it stopped: no event missed, none applied twice.
The rows carry no clinical field; the next deadline is kept twice, once as OH sees it and once
without the deadlines whose very name hints at health.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import Any

import asyncpg

from domain.deadlines import open_deadlines, shared_deadlines
from domain.events import parse_event
from domain.evolve import evolve, fold
from domain.state import CaseState
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore
from infra.backoff import is_transient, keep_running
from readside.quarantine import QUARANTINE_DDL, Connection, quarantine, quarantined_ids, release

log = logging.getLogger(__name__)

PROJECTION = "worklist"

WORKLIST_DDL = """
CREATE TABLE IF NOT EXISTS rtw_worklist (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    route text NOT NULL,
    stage text NOT NULL,
    manager_id text NOT NULL,
    employee_id text NOT NULL,
    employee_name text NOT NULL,
    assigned_to text,
    opened_at timestamptz NOT NULL,
    next_deadline_at timestamptz,
    next_deadline_name text,
    next_shared_deadline_at timestamptz,
    next_shared_deadline_name text,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rtw_worklist_by_deadline
    ON rtw_worklist (next_deadline_at, case_id);
CREATE INDEX IF NOT EXISTS rtw_worklist_by_shared_deadline
    ON rtw_worklist (next_shared_deadline_at, case_id);
CREATE INDEX IF NOT EXISTS rtw_worklist_by_manager ON rtw_worklist (manager_id);
CREATE TABLE IF NOT EXISTS rtw_projection_positions (
    name text PRIMARY KEY,
    position bigint NOT NULL
);
""" + QUARANTINE_DDL

_UPSERT = """
INSERT INTO rtw_worklist (case_id, employer_id, route, stage, manager_id, employee_id,
    employee_name, assigned_to, opened_at, next_deadline_at, next_deadline_name,
    next_shared_deadline_at, next_shared_deadline_name, version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, route = EXCLUDED.route, stage = EXCLUDED.stage,
    manager_id = EXCLUDED.manager_id, employee_id = EXCLUDED.employee_id,
    employee_name = EXCLUDED.employee_name, assigned_to = EXCLUDED.assigned_to,
    opened_at = EXCLUDED.opened_at, next_deadline_at = EXCLUDED.next_deadline_at,
    next_deadline_name = EXCLUDED.next_deadline_name,
    next_shared_deadline_at = EXCLUDED.next_shared_deadline_at,
    next_shared_deadline_name = EXCLUDED.next_shared_deadline_name,
    version = EXCLUDED.version, updated_at = now()
WHERE rtw_worklist.version < EXCLUDED.version
"""


def worklist_row(state: CaseState) -> tuple[Any, ...]:
    deadlines = open_deadlines(state)
    shared = shared_deadlines(deadlines)
    assigned = (
        state.latest_assessment.assessor.id if state.latest_assessment
        else state.referral.accepted_by if state.referral else None
    )
    return (
        state.case_id, state.employer_id, state.route.value, state.stage.value,
        state.manager.id, state.employee.id, state.employee.name, assigned, state.opened_at,
        deadlines[0].due_at if deadlines else None, deadlines[0].name if deadlines else None,
        shared[0].due_at if shared else None, shared[0].name if shared else None,
        state.version,
    )


class WorklistProjector:
    """Tails the notification log into `rtw_worklist`."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        self._store = store
        self._pool = pool
        self._states: OrderedDict[str, CaseState] = OrderedDict()
        self._cache_size = cache_size
        self._ready = False

    async def ensure_schema(self) -> None:
        await self.prepare(self._pool)
        self._ready = True

    @staticmethod
    async def prepare(pool: asyncpg.Pool) -> None:
        """The projection's tables and starting position, if they are not there yet."""
        async with pool.acquire() as connection:
            await connection.execute(WORKLIST_DDL)
            await connection.execute(
                "INSERT INTO rtw_projection_positions (name, position) VALUES ($1, 0)"
                " ON CONFLICT DO NOTHING", PROJECTION,
            )

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
        await keep_running("worklist projector", self.catch_up, stop, interval=interval)

    async def _apply_batch(self, batch: int) -> int:
        async with self._pool.acquire() as connection, connection.transaction():
            position = await connection.fetchval(
                "SELECT position FROM rtw_projection_positions WHERE name = $1 FOR UPDATE",
                PROJECTION,
            )
            notifications = await asyncio.to_thread(
                self._store.recorder.select_notifications, position + 1, batch
            )
            if not notifications:
                return 0
            skipped = await quarantined_ids(connection, PROJECTION)
            rows: dict[str, tuple[Any, ...]] = {}
            for notification in notifications:
                case_id = str(notification.originator_id)
                if case_id in skipped:
                    continue
                try:
                    record = self._store.mapper.to_domain_event(notification)
                    if isinstance(record, CaseEventRecord):
                        state = await self._state_after(record)
                        rows[case_id] = worklist_row(state)
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
                PROJECTION, notifications[-1].id,
            )
            return len(notifications)

    async def _upsert(self, connection: Connection,
                      rows: dict[str, tuple[Any, ...]]) -> None:
        """All rows at once; if the database refuses one, each alone, setting aside the ones
        it refuses (a value out of the column's range, say)."""
        if not rows:
            return
        try:
            async with connection.transaction():
                await connection.executemany(_UPSERT, list(rows.values()))
            return
        except Exception as error:
            if is_transient(error):
                raise
        for case_id, row in rows.items():
            try:
                async with connection.transaction():
                    await connection.execute(_UPSERT, *row)
            except Exception as error:
                if is_transient(error):
                    raise
                await self._set_aside(connection, case_id, int(row[-1]), error)

    async def _set_aside(self, connection: Connection, case_id: str, position: int,
                         error: BaseException) -> None:
        self._states.pop(case_id, None)
        await quarantine(connection, projection=PROJECTION, case_id=case_id,
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
            await connection.fetchval(
                "SELECT position FROM rtw_projection_positions WHERE name = $1 FOR UPDATE",
                PROJECTION,
            )
            await release(connection, projection=PROJECTION, case_id=case_id)
            history = await asyncio.to_thread(self._store.history, case_id)
            state: CaseState | None = None
            failed_at = 0
            try:
                for record in history:
                    failed_at = record.position
                    state = evolve(state, parse_event(record.data))
                row = worklist_row(state) if state is not None else None
            except Exception as error:
                if is_transient(error):
                    raise
                await self._set_aside(connection, case_id, failed_at, error)
                return False
            self._states.pop(case_id, None)
            if row is not None:
                await self._upsert(connection, {case_id: row})
            still = case_id in await quarantined_ids(connection, PROJECTION)
            return not still

    async def _state_after(self, record: CaseEventRecord) -> CaseState:
        cached = self._states.get(record.case_id)
        if cached is not None and cached.version == record.position - 1:
            state = evolve(cached, parse_event(record.data))
        else:
            history = await asyncio.to_thread(self._store.history, record.case_id,
                                              up_to=record.position)
            rebuilt = fold(parse_event(r.data) for r in history)
            if rebuilt is None:
                raise RuntimeError(f"case {record.case_id} has no events up to {record.position}")
            state = rebuilt
        self._states[record.case_id] = state
        self._states.move_to_end(record.case_id)
        while len(self._states) > self._cache_size:
            self._states.popitem(last=False)
        return state
