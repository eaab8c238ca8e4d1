"""What the workflow tests share: a real worker on the time-skipping server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from temporalio.testing import WorkflowEnvironment

from eventstore.store import CaseEventStore
from tests.support.workflow_harness import Harness, running_worker


@pytest.fixture
async def harness(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> AsyncIterator[Harness]:
    async with running_worker(time_skipping_env.client, store, database_url) as running:
        yield running
