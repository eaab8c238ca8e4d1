"""When Temporal stops answering, opening a case is refused with a 503 problem, not a crash.

A dev server of its own is started, connected to, and stopped; the API is then served over
real HTTP with that client and a real PostgreSQL.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import httpx
import pytest
from opentelemetry import trace
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RetryConfig
from temporalio.testing import WorkflowEnvironment

from api.services import Services
from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.tokens import Principal, TokenRegistry, token_digest
from localstack.temporal import installed_binary
from tests.support.api_harness import TOKENS, absence, auth, serve_app


async def _stopped_temporal() -> Client:
    """A client whose server has gone away; it fails at once instead of retrying."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=installed_binary("temporal"), ui=False,
        dev_server_log_level="error",
    )
    client = await Client.connect(env.client.service_client.config.target_host,
                                  data_converter=pydantic_data_converter,
                                  retry_config=RetryConfig(max_retries=0))
    await env.shutdown()
    return client


@pytest.fixture
async def http(store: CaseEventStore, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    services = Services(
        temporal=await _stopped_temporal(), store=store, pool=pool,
        tokens=TokenRegistry({token_digest(TOKENS[Role.HR]): Principal("test-hr", Role.HR)}),
        tracer=trace.get_tracer("rtw-test"), task_queue="rtw-unreachable",
    )
    try:
        async with serve_app(services) as client:
            yield client
    finally:
        await pool.close()


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/absences", absence()),
    ("/v1/referrals", {
        "employer_id": "acme-trust", "referral_id": "REF-1",
        "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
        "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
        "source": "self", "reason_category": "other", "referred_on": "2026-11-20",
    }),
])
async def test_opening_a_case_while_temporal_is_down_answers_503_problem(
    http: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await http.post(path, json=body, headers=auth(Role.HR))

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"].startswith("Temporal: ")
