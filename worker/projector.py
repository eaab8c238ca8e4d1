"""`rtw projector` and `rtw schema`: the read models on their own, and the tables made once.

A deployment that scales its workers out runs the projections (the worklist and the KPI facts)
in one process of their own (`RTW_PROJECTOR_IN_WORKER=false` on the workers), and creates every
table once, from a job that runs before the others start, rather than from each process racing
to do it (they still may: every creation holds the schema lock and is idempotent).
"""

from __future__ import annotations

import asyncio
import logging

import asyncpg

from eventstore.store import CaseEventStore
from infra import bootstrap
from infra.backoff import retry_until_ready
from infra.settings import Settings
from readside.employee_cases import EmployeeCasesProjector
from readside.employee_links import EmployeeContactsProjector
from readside.kpi_facts import KpiFactsProjector
from readside.projection import CaseProjector
from readside.schema import ensure_schema
from readside.worklist import WorklistProjector
from worker.process import background_process

log = logging.getLogger(__name__)


def projectors(store: CaseEventStore, pool: asyncpg.Pool) -> list[CaseProjector]:
    """Every read model projected from the event store; each keeps its own position."""
    return [WorklistProjector(store, pool), KpiFactsProjector(store, pool),
            EmployeeContactsProjector(store, pool), EmployeeCasesProjector(store, pool)]


async def run_projector(settings: Settings) -> None:
    """Project until SIGINT/SIGTERM. At start it waits for PostgreSQL; later each projector
    backs off from an outage by itself, so nothing but a signal ends it."""
    async with background_process(settings, "rtw-projector") as process:
        running = projectors(process.store, process.pool)
        log.info("projecting %s", ", ".join(projector.name for projector in running))
        await asyncio.gather(*(projector.run(process.stop) for projector in running))


async def create_schema(settings: Settings) -> None:
    """Every table of the event store and the read side, with each projection's starting
    position; waits for PostgreSQL (the caller bounds the wait)."""
    store = await bootstrap.open_event_store(settings, wait=True)  # opening creates its tables
    try:
        pool = await bootstrap.database_pool(settings, max_size=1, wait=True)
        try:
            await retry_until_ready("read-side schema", lambda: ensure_schema(pool))
            for projector in projectors(store, pool):
                await retry_until_ready(f"{projector.name} schema", projector.ensure_schema)
        finally:
            await pool.close()
    finally:
        store.close()
