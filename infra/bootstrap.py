"""The one place that builds stores, pools and clients from settings.

Each process (worker, API, CLI) wires itself from these builders, so a change in how rtw
reaches PostgreSQL or Temporal is made once.
"""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
from opentelemetry import trace
from temporalio.client import Client

from eventstore.store import CaseEventStore
from infra import temporal_client
from infra.settings import Settings


def event_store(settings: Settings) -> CaseEventStore:
    """The event store, encrypted and chained with the configured keys (blocking: call from a
    thread in async code, or use `open_event_store`)."""
    return CaseEventStore.connect(
        settings.require_database_url(),
        cipher_key=settings.event_cipher_key,
        audit_key=settings.audit_hmac_key,
    )


async def open_event_store(settings: Settings) -> CaseEventStore:
    return await asyncio.to_thread(event_store, settings)


async def database_pool(settings: Settings, *, max_size: int) -> asyncpg.Pool:
    """An asyncpg pool on the same database, for the read side."""
    return await asyncpg.create_pool(settings.require_database_url(), min_size=1,
                                     max_size=max_size)


async def temporal(settings: Settings, *, tracer: trace.Tracer | None = None) -> Client:
    """A Temporal client with the pydantic converter, the payload codec and tracing."""
    return await temporal_client.connect(
        settings.temporal_address,
        settings.temporal_namespace,
        payload_keys=settings.payload_keys,
        tracer=tracer,
    )


def webhook_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=20)
