"""The API served over real HTTP (uvicorn on a free port) in front of a real worker."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import Services
from api.web.config import WebConfig
from domain.actors import Role
from domain.calendar import london_date
from eventstore.store import CaseEventStore
from infra.policies import PolicyBook
from infra.temporal_client import traced_client
from infra.tokens import Principal, TokenRegistry, token_digest
from tests.conftest import TEST_PAYLOAD_KEYS, fresh_database, keyed_store
from tests.support.serving import serving
from tests.support.workflow_harness import Harness, running_worker

TOKENS = {role: f"test-token-{role.value}" for role in
          (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR, Role.ADMIN, Role.CLINICAL_AUDITOR)}


# The manager token belongs to line manager M2002, who manages the employee in the tests.
SUBJECTS = {role: ("M2002" if role is Role.MANAGER else f"test-{role.value}") for role in TOKENS}
# The employers the test tokens act for: every employer the tests open cases at. A test of
# tenancy brings tokens of its own (see `principals`).
TEST_EMPLOYERS = ("acme-trust", "beta-trust", "beacon-trust", "primary-care-vr", "paging-trust",
                  "trust-a", "trust-b")
OTHER_MANAGER_TOKEN = "test-token-other-manager"
# An OH physician whom the tokens file names: their assessments and confirmations name them.
NAMED_OH = Principal(subject="OHP-2", role=Role.OH, name="Dr Ana Shah",
                     profession="OH physician", registration="GMC 7654321",
                     employers=TEST_EMPLOYERS)
NAMED_OH_TOKEN = "test-token-named-oh"
# An HR system of an employer no other test token acts for: its cases are another employer's.
ELSEWHERE = "other-trust"
ELSEWHERE_HR_TOKEN = "test-token-hr-elsewhere"
# An OH nurse of that employer only.
ELSEWHERE_OH = "OHN-ELSEWHERE"
ELSEWHERE_OH_TOKEN = "test-token-oh-elsewhere"


def principals(employers: tuple[str, ...] = TEST_EMPLOYERS) -> dict[str, Principal]:
    """The test tokens by digest: one per role (`TOKENS`), another manager and a named OH
    physician, acting for `employers`; an HR system and an OH nurse of `ELSEWHERE`."""
    return (
        {token_digest(t): Principal(subject=SUBJECTS[r], role=r, employers=employers)
         for r, t in TOKENS.items()}
        | {token_digest(OTHER_MANAGER_TOKEN): Principal(subject="M9999", role=Role.MANAGER,
                                                       employers=employers),
           token_digest(NAMED_OH_TOKEN): NAMED_OH,
           token_digest(ELSEWHERE_HR_TOKEN): Principal(subject="elsewhere-hr", role=Role.HR,
                                                       employers=(ELSEWHERE,)),
           token_digest(ELSEWHERE_OH_TOKEN): Principal(subject=ELSEWHERE_OH, role=Role.OH,
                                                       employers=(ELSEWHERE,))}
    )


def auth(role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[role]}"}


@dataclass
class ApiStack:
    http: httpx.AsyncClient
    harness: Harness
    spans: InMemorySpanExporter
    client: Client


@asynccontextmanager
async def serve_api(
    base_client: Client, store: CaseEventStore, database_url: str, *,
    update_wait_seconds: float = 10.0, policies: PolicyBook | None = None,
    web: WebConfig | None = None, tokens: TokenRegistry | None = None,
) -> AsyncIterator[ApiStack]:
    spans = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(spans))
    tracer = provider.get_tracer("rtw-test")
    client = traced_client(base_client, payload_keys=TEST_PAYLOAD_KEYS, tracer=tracer,
                           data_keys=store.subject_keys)
    async with running_worker(client, store, database_url) as harness:
        services = Services(
            temporal=client,
            store=store,
            pool=harness.pool,
            tokens=tokens or TokenRegistry(principals()),
            tracer=tracer,
            task_queue=harness.task_queue,
            update_wait_seconds=update_wait_seconds,
            policies=policies or PolicyBook({}),
            web=web or WebConfig(),
        )
        async with serve_app(services) as http:
            yield ApiStack(http=http, harness=harness, spans=spans, client=client)


@asynccontextmanager
async def site_of_its_own(env: WorkflowEnvironment, postgres_server_url: str,
                          **options: Any) -> AsyncIterator[ApiStack]:
    """A served app on a fresh database of its own, for the tests that count every row of a
    list or need an app configured otherwise (`options` go to `serve_api`)."""
    database_url = fresh_database(postgres_server_url)
    with keyed_store(database_url) as store:
        async with serve_api(env.client, store, database_url, **options) as stack:
            yield stack


@asynccontextmanager
async def serve_app(services: Services) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a free port under uvicorn, and a client of it, until the block ends."""
    async with serving(create_app(services)) as base_url, httpx.AsyncClient(
            base_url=base_url, timeout=30) as http:
        yield http


def absence(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "employer_id": "acme-trust",
        "absence_id": f"ABS-{uuid.uuid4().hex[:8]}",
        "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
        "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
        # Reported today: early contact falls due at the end of the next working day, so no
        # reminder can fire while a test runs, whatever the time of day.
        "first_day": london_date(datetime.now(UTC)).isoformat(),
        "reason_category": "other",
    }
    body.update(overrides)
    return body


async def open_case(api: ApiStack, body: dict[str, Any] | None = None, *,
                    token: str | None = None) -> str:
    """Open a case as HR (the test HR token, or `token`); its id."""
    headers = {"Authorization": f"Bearer {token}"} if token else auth(Role.HR)
    response = await api.http.post("/v1/absences", json=body or absence(), headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])
