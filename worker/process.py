"""What every long-running background process of rtw sets up before its loop: tracing, a stop
on SIGINT/SIGTERM, the event store and a pool (both waited for, so a stack starting together
needs no order), and the read-side tables."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from eventstore.store import CaseEventStore
from infra import bootstrap
from infra.backoff import retry_until_ready
from infra.settings import Settings
from infra.telemetry import configure_tracing
from readside.schema import ensure_schema


@dataclass(frozen=True)
class Background:
    """What a background loop runs with; `stop` is set by SIGINT or SIGTERM."""

    stop: asyncio.Event
    store: CaseEventStore
    pool: asyncpg.Pool


@asynccontextmanager
async def background_process(settings: Settings, name: str, *, pool_size: int = 3
                             ) -> AsyncIterator[Background]:
    """Set up the process `name` (`rtw-projector`, `rtw-relay`, …) and close it all after."""
    configure_tracing(name)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    store = await bootstrap.open_event_store(settings, wait=True)
    try:
        pool = await bootstrap.database_pool(settings, max_size=pool_size, wait=True)
        try:
            await retry_until_ready("read-side schema", lambda: ensure_schema(pool))
            yield Background(stop=stop, store=store, pool=pool)
        finally:
            await pool.close()
    finally:
        store.close()
