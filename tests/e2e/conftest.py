"""The API served over HTTP against the dev server and PostgreSQL, for the end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from eventstore.store import CaseEventStore
from tests.support.api_harness import ApiStack, serve_api


@pytest.fixture
async def api(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> AsyncIterator[ApiStack]:
    async with serve_api(dev_server_env.client, store, database_url) as stack:
        yield stack
