"""When Temporal stops answering, opening a case is refused with a 503 problem, not a crash.

A dev server of its own is started, connected to, and stopped; the API is then served over
real HTTP with that client and a real PostgreSQL.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from opentelemetry import trace
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RetryConfig
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import Services
from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.settings import Settings
from infra.tokens import Principal, TokenRegistry, issue_dev_tokens, token_digest
from localstack.temporal import free_port, installed_binary
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY, TEST_PAYLOAD_KEYS
from tests.support.api_harness import TEST_EMPLOYERS, TOKENS, absence, auth, serve_app
from tests.support.serving import serving


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
        tokens=TokenRegistry({token_digest(TOKENS[Role.HR]): Principal(
            "test-hr", Role.HR, employers=TEST_EMPLOYERS)}),
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


async def test_an_api_started_while_temporal_is_away_answers_503_at_once(
    database_url: str, tmp_path: Path
) -> None:
    tokens = tmp_path / "tokens.json"
    dev_tokens = json.loads(json.dumps(issue_dev_tokens(tokens, tmp_path / "dev-tokens.json")))
    settings = Settings(
        temporal_address=f"127.0.0.1:{free_port()}",  # nothing listens there
        database_url=database_url, tokens_file=tokens, audit_hmac_key=TEST_AUDIT_KEY,
        event_cipher_key=TEST_CIPHER_KEY, payload_keys=TEST_PAYLOAD_KEYS,
    )
    async with serving(create_app(settings=settings)) as base_url, httpx.AsyncClient(
            base_url=base_url, timeout=30) as http:
        started = time.monotonic()
        refused = await http.post("/v1/absences", json=absence(),
                                  headers={"Authorization": f"Bearer {dev_tokens['hr']}"})
        took = time.monotonic() - started

    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert took < 15
