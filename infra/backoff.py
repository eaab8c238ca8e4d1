"""Waiting out a fault: bounded exponential backoff with jitter, for every loop that must
outlive an outage of PostgreSQL or Temporal (the projector, the worker's polling, start-up)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import psycopg
from eventsourcing.persistence import PersistenceError

log = logging.getLogger(__name__)

T = TypeVar("T")

# Errors that say a server (or the network to it) is away, not that the data is bad:
# these are waited out, never blamed on a case.
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    PersistenceError,  # eventsourcing's wrapping of psycopg errors
    psycopg.OperationalError,
    psycopg.InterfaceError,
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
            log.warning("%s: %s (%s); retrying with backoff", self.name, kind,
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


async def retry_until_ready(name: str, attempt: Callable[[], Awaitable[T]], *,
                            transient: Callable[[BaseException], bool] = is_transient,
                            longest_pause: float = 10.0) -> T:
    """`attempt()` until it succeeds, waiting out the errors `transient` accepts; any other
    error (a wrong setting, say) is raised at once."""
    backoff = Backoff(name, longest=longest_pause)
    while True:
        try:
            result = await attempt()
        except Exception as error:
            if not transient(error):
                raise
            await asyncio.sleep(backoff.failed(error))
        else:
            backoff.succeeded()
            return result
