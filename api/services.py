"""What the routes need, built once per process (or by a test) and handed to the app."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
from opentelemetry import trace
from temporalio.client import Client

from api.problems import Problem
from api.web.config import WebConfig
from eventstore.store import CaseEventStore
from infra.notice_texts import NoticeTexts
from infra.policies import PolicyBook
from infra.tokens import TokenRegistry

T = TypeVar("T")


@dataclass
class Services:
    temporal: Client
    store: CaseEventStore
    pool: asyncpg.Pool
    tokens: TokenRegistry
    tracer: trace.Tracer
    task_queue: str
    update_wait_seconds: float = 10.0
    policies: PolicyBook = field(default_factory=lambda: PolicyBook({}))
    max_body_bytes: int = 65_536
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    store_read_seconds: float = 10.0
    texts: NoticeTexts = field(default_factory=NoticeTexts)
    max_document_bytes: int = 10_485_760
    web: WebConfig = field(default_factory=WebConfig)

    async def read_store(self, read: Callable[..., T], *args: Any) -> T:
        """A read of the event store in a thread, bounded: a database that has stopped
        answering (paused, partitioned) is a 503 after the bound, not a request that hangs."""
        try:
            return await asyncio.wait_for(asyncio.to_thread(read, *args),
                                          timeout=self.store_read_seconds)
        except TimeoutError:
            raise Problem(503, "Service Unavailable", "the event store did not answer in "
                          f"{self.store_read_seconds:g} s; nothing was changed, retry later"
                          ) from None

    def now(self) -> datetime:
        """The time as the routes see it: passed in, so that tests may fix it."""
        return self.clock()
