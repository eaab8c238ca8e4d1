"""POST /v1/codec/decode decodes a case's Temporal payloads for the Temporal UI and CLI (the
remote codec protocol), for OH and operators only, each call in the access log; it never
encodes; CORS lets the configured UI origin call it and no other route."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from opentelemetry.sdk.trace import TracerProvider
from temporalio.api.common.v1 import Payload
from temporalio.converter import WorkflowSerializationContext
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import Services
from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.codec import SealedCodec
from infra.settings import Settings
from infra.temporal_client import traced_client
from infra.tokens import TokenRegistry
from readside.access_log import list_access
from tests.conftest import TEST_PAYLOAD_KEYS
from tests.support.api_harness import ELSEWHERE, ELSEWHERE_HR_TOKEN, absence, auth, principals
from tests.support.serving import serving
from tests.support.workflow_harness import Harness, running_worker

UI = "http://127.0.0.1:8233"


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore,
              database_url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Harness]]:
    tracer = TracerProvider().get_tracer("rtw-test")
    client = traced_client(dev_server_env.client, payload_keys=TEST_PAYLOAD_KEYS, tracer=tracer)
    async with running_worker(client, store, database_url) as harness:
        services = Services(
            temporal=client, store=store, pool=harness.pool, tracer=tracer,
            task_queue=harness.task_queue,
            tokens=TokenRegistry(principals()))
        app = create_app(services, Settings(codec_cors_origins=UI))
        async with serving(app) as base_url, httpx.AsyncClient(base_url=base_url,
                                                               timeout=30) as http:
            yield http, harness


def wire(payload: Payload) -> dict[str, object]:
    return {"metadata": {k: base64.b64encode(v).decode() for k, v in payload.metadata.items()},
            "data": base64.b64encode(payload.data).decode()}


async def started_payload(http: httpx.AsyncClient, env: WorkflowEnvironment, *,
                          token: str | None = None, employer_id: str = "acme-trust"
                          ) -> tuple[str, Payload]:
    headers = {"Authorization": f"Bearer {token}"} if token else auth(Role.HR)
    opened = await http.post("/v1/absences", json=absence(employer_id=employer_id),
                             headers=headers)
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["case_id"])
    history = await env.client.get_workflow_handle(case_id).fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes
    return case_id, started.input.payloads[0]


async def test_oh_reads_its_employers_case_payloads_decoded_and_each_call_is_logged(
    api: tuple[httpx.AsyncClient, Harness], dev_server_env: WorkflowEnvironment
) -> None:
    http, harness = api
    case_id, sealed = await started_payload(http, dev_server_env)
    assert b"Sam Patel" not in sealed.SerializeToString()
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'{"forged": true}')
    answer = await http.post("/v1/codec/decode", headers={**auth(Role.OH),
                             "X-Namespace": "default"},
                             json={"payloads": [wire(sealed), wire(plain)]})
    assert answer.status_code == 200, answer.text
    [decoded, untouched] = answer.json()["payloads"]
    assert base64.b64decode(decoded["metadata"]["encoding"]) == b"json/plain"
    assert "Sam Patel" in base64.b64decode(decoded["data"]).decode()
    assert untouched == wire(plain)  # what does not open comes back as it came
    logged = [(e["action"], e["role"]) for e in await list_access(harness.pool, case_id=case_id)]
    assert logged == [("codec.decode", "oh")]


async def test_no_case_opens_for_an_operator_or_for_oh_of_another_employer(
    api: tuple[httpx.AsyncClient, Harness], dev_server_env: WorkflowEnvironment
) -> None:
    http, _ = api
    _, ours = await started_payload(http, dev_server_env)
    _, theirs = await started_payload(http, dev_server_env, token=ELSEWHERE_HR_TOKEN,
                                      employer_id=ELSEWHERE)
    sweep = SealedCodec.from_spec(TEST_PAYLOAD_KEYS).with_context(WorkflowSerializationContext(
        namespace="default", workflow_id="rtw-retention-sweep-2026-12-01"))
    [system] = await sweep.encode([Payload(metadata={"encoding": b"json/plain"},
                                           data=b'{"erased": 3}')])

    async def decode(role: Role, payload: Payload) -> dict[str, object]:
        answer = await http.post("/v1/codec/decode", headers=auth(role),
                                 json={"payloads": [wire(payload)]})
        assert answer.status_code == 200, answer.text
        [one] = answer.json()["payloads"]
        return one

    assert await decode(Role.ADMIN, ours) == wire(ours)  # admin reads no case content
    assert await decode(Role.OH, theirs) == wire(theirs)  # nor OH another employer's
    opened = await decode(Role.ADMIN, system)  # rtw's own workflows open for operators
    assert base64.b64decode(str(opened["data"])) == b'{"erased": 3}'


@pytest.mark.parametrize("role", [Role.HR, Role.MANAGER, Role.AUDITOR])
async def test_other_roles_may_not_decode(
    api: tuple[httpx.AsyncClient, Harness], role: Role
) -> None:
    http, _ = api
    answer = await http.post("/v1/codec/decode", headers=auth(role), json={"payloads": []})
    assert answer.status_code == 403


async def test_there_is_no_encode_and_another_namespace_or_a_bad_body_is_refused(
    api: tuple[httpx.AsyncClient, Harness]
) -> None:
    http, _ = api
    encode = await http.post("/v1/codec/encode", headers=auth(Role.OH), json={"payloads": []})
    assert encode.status_code in (404, 405)
    other = await http.post("/v1/codec/decode", json={"payloads": []},
                            headers={**auth(Role.OH), "X-Namespace": "elsewhere"})
    assert other.status_code == 422
    assert "X-Namespace" in other.json()["detail"]
    bad = await http.post("/v1/codec/decode", headers=auth(Role.OH),
                          json={"payloads": [{"data": "not base64!"}]})
    assert bad.status_code == 422
    anonymous = await http.post("/v1/codec/decode", json={"payloads": []})
    assert anonymous.status_code == 401


async def test_the_ui_origin_may_call_the_codec_and_nothing_else(
    api: tuple[httpx.AsyncClient, Harness]
) -> None:
    http, _ = api
    preflight = {"Origin": UI, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type,x-namespace"}
    allowed = await http.options("/v1/codec/decode", headers=preflight)
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == UI
    stranger = await http.options("/v1/codec/decode",
                                  headers={**preflight, "Origin": "http://evil.example"})
    assert stranger.headers.get("access-control-allow-origin") is None
    elsewhere = await http.get(f"/v1/cases/{uuid.uuid4()}", headers={**auth(Role.OH),
                                                                   "Origin": UI})
    assert "access-control-allow-origin" not in elsewhere.headers
