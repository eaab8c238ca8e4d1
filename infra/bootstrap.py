"""The one place that builds stores, pools and clients from settings.

Each process (worker, API, CLI) wires itself from these builders, so a change in how rtw
reaches PostgreSQL or Temporal is made once. The `open_*` builders of long-running processes
wait for a server that is not up yet (a stack starting together, a database restarting) rather
than end the process; a wrong setting still fails at once.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import httpx
from opentelemetry import trace
from temporalio.client import Client

from eventstore.store import CaseEventStore
from eventstore.subject_keys import DataKey
from infra import temporal_client
from infra.backoff import is_transient, retry_until_ready
from infra.codec import DataKeySource
from infra.notice_channels import build_channel
from infra.notice_channels.base import NoticeChannel
from infra.settings import Settings

T = TypeVar("T")

# A connection attempt to a server that is paused (or behind a dead link) gives up after this,
# and a statement after `STATEMENT_TIMEOUT`, so that callers answer "unavailable" in seconds.
CONNECT_TIMEOUT = 5.0
STATEMENT_TIMEOUT = 30.0


def event_store(settings: Settings) -> CaseEventStore:
    """The event store, encrypted and chained with the configured keys (blocking: call from a
    thread in async code, or use `open_event_store`)."""
    return CaseEventStore.connect(
        settings.require_database_url(),
        cipher_key=settings.event_cipher_key,
        audit_key=settings.audit_hmac_key,
    )


async def _once(attempt: Callable[[], Awaitable[T]], *, name: str, wait: bool,
                transient: Callable[[BaseException], bool] = is_transient) -> T:
    if not wait:
        return await attempt()
    return await retry_until_ready(name, attempt, transient=transient)


async def open_event_store(settings: Settings, *, wait: bool = False) -> CaseEventStore:
    """The event store (it creates its tables on opening); with `wait`, once PostgreSQL
    answers."""
    return await _once(lambda: asyncio.to_thread(event_store, settings), name="event store",
                       wait=wait)


async def database_pool(settings: Settings, *, max_size: int, wait: bool = False
                        ) -> asyncpg.Pool:
    """An asyncpg pool on the same database, for the read side; with `wait`, once PostgreSQL
    answers."""
    url = settings.require_database_url()
    return await _once(lambda: asyncpg.create_pool(
        url, min_size=1, max_size=max_size, timeout=CONNECT_TIMEOUT,
        command_timeout=STATEMENT_TIMEOUT), name="database pool", wait=wait)


async def temporal(settings: Settings, *, tracer: trace.Tracer | None = None,
                   wait: bool = False, lazy: bool = False,
                   data_keys: DataKeySource | None = None) -> Client:
    """A Temporal client with the pydantic converter, the payload codec and tracing; with
    `wait`, once the server answers (the SDK then reconnects by itself); `lazy`, connecting
    on first use. Without RTW_PAYLOAD_KEYS it stops with one line: there is no unencrypted
    client. The API and the worker pass the event store's `data_keys`, so a case's payloads
    are sealed under its data key too; a client without them (the CLI) seals and opens the
    single layer only."""
    payload_keys = settings.require_payload_keys()
    if data_keys is None and settings.database_url and settings.event_cipher_key:
        data_keys = StoreDataKeys(settings)
    return await _once(lambda: temporal_client.connect(
        settings.temporal_address,
        settings.temporal_namespace,
        payload_keys=payload_keys,
        data_keys=data_keys,
        tracer=tracer,
        lazy=lazy,
    ), name="temporal client", wait=wait, transient=temporal_unreachable)


def data_keys_of(store: CaseEventStore) -> DataKeySource | None:
    """The store's data keys for the payload codec (None when the store wraps none)."""
    return store.subject_keys if store.subject_keys.enabled else None


class StoreDataKeys:
    """The event store's data keys for a client whose process holds no store (the CLI): the
    store is opened on the first lookup (in the codec's thread), and only then."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._store: CaseEventStore | None = None
        self._lock = threading.Lock()

    def _opened(self) -> CaseEventStore:
        with self._lock:
            if self._store is None:
                self._store = event_store(self._settings)
            return self._store

    def get(self, case_id: str) -> DataKey | None:
        return self._opened().subject_keys.get(case_id)

    def forget(self, case_id: str) -> None:
        if self._store is not None:
            self._store.subject_keys.forget(case_id)


def temporal_unreachable(error: BaseException) -> bool:
    # The SDK reports a refused or failed connection as a RuntimeError naming the connect.
    return is_transient(error) or (
        isinstance(error, RuntimeError) and "connect" in str(error).lower())


def webhook_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=20)


def notice_channel(settings: Settings) -> NoticeChannel:
    """The channel the relay sends notices through (RTW_NOTIFY_CHANNEL); a missing setting of
    the chosen channel raises `ChannelNotConfigured`, naming it."""
    return build_channel(settings)
