"""What the routes need, built once per process (or by a test) and handed to the app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg
from opentelemetry import trace
from temporalio.client import Client

from eventstore.store import CaseEventStore
from infra.policies import PolicyBook
from infra.tokens import TokenRegistry


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

    def now(self) -> datetime:
        """The time as the routes see it: passed in, so that tests may fix it."""
        return self.clock()
