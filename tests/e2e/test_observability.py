"""Observability over a real stack: a distinctive marker sent through every input that can hold
text never reaches a log line, a span or a metric; a request, its workflow, its activities and
their SQL share one trace; both scrape endpoints answer."""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.services import Services
from domain.actions import RULES
from domain.actors import Role
from domain.stages import Action
from eventstore.store import CaseEventStore
from infra import telemetry
from infra.logs import TEXT_FORMAT, JsonFormatter, guard_access_log, uvicorn_logging
from infra.temporal_client import traced_client
from infra.tokens import TokenRegistry
from readside.gauges import serve_metrics
from readside.worklist import WorklistProjector
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY, TEST_PAYLOAD_KEYS, free_port
from tests.support.api_harness import absence, auth, principals
from tests.support.workflow_harness import Harness, running_worker

MARK = "Qzv8PrivMark"


class CaptureAll(logging.Handler):
    """Every record of the process, formatted as both the text and the JSON lines would be."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.json = JsonFormatter()
        self.text = logging.Formatter(TEXT_FORMAT)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append((record.name, self.json.format(record)))
            self.lines.append((record.name, self.text.format(record)))
        except Exception as error:  # a record that cannot be formatted is a finding too
            self.lines.append((record.name, f"unformattable: {error!r}"))


@dataclass
class Stack:
    http: httpx.AsyncClient
    harness: Harness
    spans: InMemorySpanExporter
    logs: CaptureAll
    store: CaseEventStore


@pytest.fixture
async def stack(dev_server_env: WorkflowEnvironment, database_url: str
                ) -> AsyncIterator[Stack]:
    """The API under uvicorn with the process's logging options, in front of a worker; the SQL
    drivers traced into this test's provider, every logger of the process captured."""
    capture = CaptureAll()
    root = logging.getLogger()
    level = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    guard_access_log()  # as `rtw api` does through configure_logging
    spans = InMemorySpanExporter()
    provider = telemetry.tracer_provider("rtw-test", [SimpleSpanProcessor(spans)])
    telemetry.uninstrument_sql()
    telemetry.instrument_sql(provider)
    store = CaseEventStore.connect(database_url, cipher_key=TEST_CIPHER_KEY,
                                   audit_key=TEST_AUDIT_KEY)
    tracer = provider.get_tracer("rtw-test")
    client = traced_client(dev_server_env.client, payload_keys=TEST_PAYLOAD_KEYS, tracer=tracer)
    try:
        async with running_worker(client, store, database_url) as harness:
            services = Services(
                temporal=client, store=store, pool=harness.pool,
                tokens=TokenRegistry(principals()),
                tracer=tracer, task_queue=harness.task_queue, update_wait_seconds=10,
            )
            port = free_port()
            server = uvicorn.Server(uvicorn.Config(
                create_app(services), host="127.0.0.1", port=port, log_level="debug",
                **uvicorn_logging(),  # type: ignore[arg-type]
            ))
            serving = asyncio.create_task(server.serve())
            for _ in range(500):
                if server.started:
                    break
                await asyncio.sleep(0.02)
            try:
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}",
                                             timeout=30) as http:
                    yield Stack(http=http, harness=harness, spans=spans, logs=capture,
                                store=store)
            finally:
                server.should_exit = True
                await serving
    finally:
        telemetry.uninstrument_sql()
        store.close()
        root.removeHandler(capture)
        root.setLevel(level)


def marked(value: Any) -> Any:
    """Every string of a body carrying the marker (e-mails stay e-mails)."""
    if isinstance(value, dict):
        return {key: marked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [marked(item) for item in value]
    if isinstance(value, str):
        if "@" in value:
            return f"{MARK.lower()}.{value}"
        return f"{MARK} {value}"
    return value


def restore(body: dict[str, Any], original: dict[str, Any], field: str) -> bool:
    """Put back the original value at a refused field ('a.b.0.c'); False if not found."""
    parts = [int(p) if p.isdigit() else p for p in field.split(".") if p]
    if not parts:
        return False
    target: Any = body
    source: Any = original
    try:
        for part in parts[:-1]:
            target, source = target[part], source[part]
        target[parts[-1]] = copy.deepcopy(source[parts[-1]])
    except (KeyError, IndexError, TypeError):
        return False
    return True


async def post_marked(http: httpx.AsyncClient, url: str, example: dict[str, Any], role: Role,
                      ) -> httpx.Response:
    """The example with the marker in every string; fields that refuse it (dates, enums, ids)
    are put back one refusal at a time, so both the refusal and the acceptance are exercised."""
    body = marked(example)
    headers = {**auth(role), "Idempotency-Key": f"{MARK}-{uuid.uuid4().hex[:6]}"}
    for _ in range(12):
        response = await http.post(url, json=body, headers=headers)
        if response.status_code != 422:
            return response
        fields = [error["field"] for error in response.json().get("errors") or []]
        if not any([restore(body, example, field) for field in fields]):
            return response
    return response


def role_for(roles: frozenset[Role]) -> Role:
    for role in (Role.OH, Role.HR, Role.MANAGER):
        if role in roles:
            return role
    raise AssertionError(roles)


async def send_marker_everywhere(stack: Stack) -> list[str]:
    """Drive cases with the marker in every text input; the case ids that were opened."""
    http = stack.http
    people = {
        "employee": {"id": "E1001", "name": f"{MARK} Sam", "email": f"{MARK.lower()}@example.org"},
        "manager": {"id": "M2002", "name": f"{MARK} Alex", "email": f"m{MARK.lower()}@x.org"},
    }
    opened = await http.post("/v1/absences", json=absence(**people), headers=auth(Role.HR))
    assert opened.status_code == 201, opened.text
    case_ids = [opened.json()["case_id"]]
    # Refused notifications: a marker in an id, a date and an unknown field.
    for refused in (absence(absence_id=f"{MARK} 1"), absence(first_day=MARK),
                    absence(notes=MARK), absence(employee={"id": MARK, "name": MARK})):
        response = await http.post("/v1/absences", json=refused, headers=auth(Role.HR))
        assert response.status_code == 422, response.text
    referral = {"employer_id": "acme-trust", "referral_id": f"REF-{uuid.uuid4().hex[:6]}",
                **people, "source": "self", "reason_category": "musculoskeletal",
                "referred_on": datetime.now(UTC).date().isoformat(),
                "summary": f"{MARK} low back pain"}
    referred = await http.post("/v1/referrals", json=referral, headers=auth(Role.HR))
    assert referred.status_code == 201, referred.text
    case_ids.append(referred.json()["case_id"])
    # Every action on both cases, three times over so the stages move on; most are refused by
    # stage (409) after their bodies have crossed into the workflow's validators.
    statuses: set[int] = set()
    for _ in range(3):
        for case_id in case_ids:
            for rule in RULES.values():
                if rule.path is None:
                    continue
                response = await post_marked(http, f"/v1/cases/{case_id}/{rule.path}",
                                             dict(rule.example), role_for(rule.roles))
                statuses.add(response.status_code)
    assert 200 in statuses and 409 in statuses, statuses
    absence_id = absence()["absence_id"]
    for fact, body in (("extension", {"sent_at": MARK, "expected_last_day": MARK}),
                       ("return", {"sent_at": datetime.now(UTC).isoformat(),
                                   "returned_on": datetime.now(UTC).date().isoformat(),
                                   "note": MARK})):
        response = await http.post(f"/v1/absences/acme-trust/{absence_id}/{fact}", json=body,
                                   headers=auth(Role.HR))
        assert response.status_code == 422, response.text
    for url in (f"/v1/cases/{case_ids[0]}?as_of={MARK}",
                f"/v1/cases/{case_ids[0]}/history?{MARK}={MARK}",
                f"/v1/cases?assigned_to={MARK}&employer={MARK}&cursor={MARK}",
                f"/v1/audit/export?from={MARK}", f"/v1/cases/{MARK}", f"/{MARK}"):
        response = await http.get(url, headers=auth(Role.OH))
        assert response.status_code in (200, 400, 403, 404, 422), (url, response.text)
    response = await http.get("/v1/cases", headers={"Authorization": f"Bearer {MARK}"})
    assert response.status_code == 401
    await WorklistProjector(stack.store, stack.harness.pool).catch_up()
    await asyncio.sleep(1)  # notices and other background activities of the last decisions
    return case_ids


async def test_no_input_text_reaches_a_log_line_a_span_or_a_metric(stack: Stack) -> None:
    case_ids = await send_marker_everywhere(stack)
    api_port = str(stack.http.base_url.port)

    def ours(name: str, line: str) -> bool:
        # The test's own HTTP client logs the URLs it calls; that is not the engine's log.
        return not (name.startswith(("httpx", "httpcore")) and f":{api_port}" in line)

    leaks = [line for name, line in stack.logs.lines if MARK.lower() in line.lower()
             and ours(name, line)]
    assert not leaks, "\n".join(leaks[:10])
    assert any(name == "rtw.access" for name, _ in stack.logs.lines)

    spans = stack.spans.get_finished_spans()
    for span in spans:
        text = span_text(span)
        assert MARK.lower() not in text.lower(), text
        for case_id in case_ids:
            assert case_id not in text, text

    scrape = await stack.http.get("/metrics", headers=auth(Role.ADMIN))
    assert scrape.status_code == 200
    assert MARK.lower() not in scrape.text.lower()
    assert not any(case_id in scrape.text for case_id in case_ids)


def span_text(span: ReadableSpan) -> str:
    parts = [span.name, *(f"{k}={v}" for k, v in (span.attributes or {}).items())]
    for event in span.events:
        parts += [event.name, *(f"{k}={v}" for k, v in (event.attributes or {}).items())]
    return " ".join(parts)


async def test_a_request_its_workflow_activities_and_sql_share_one_trace(stack: Stack) -> None:
    response = await stack.http.post("/v1/absences", json=absence(), headers=auth(Role.HR))
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    await asyncio.sleep(0.5)  # the append's span ends just after the answer
    spans = stack.spans.get_finished_spans()
    route = [s for s in spans if s.name == "POST /v1/absences"]
    assert len(route) == 1, sorted({s.name for s in spans})
    assert route[0].attributes is not None
    assert route[0].attributes["http.route"] == "/v1/absences"
    trace_id = route[0].context.trace_id
    same = [s for s in spans if s.context.trace_id == trace_id]
    names = {s.name for s in same}
    assert any(n.startswith("StartWorkflow:") for n in names), names
    assert any(n.startswith("RunWorkflow:") for n in names), names
    assert "RunActivity:append_case_events" in names, names
    sql = [s for s in same if (s.attributes or {}).get("db.system") == "postgresql"
           or (s.attributes or {}).get("db.system.name") == "postgresql"]
    assert sql, names
    # The event store's append (psycopg) runs inside the activity's span.
    activity = next(s for s in same if s.name == "RunActivity:append_case_events")
    assert any(s.parent is not None and s.parent.span_id == activity.context.span_id
               for s in sql), "no SQL span under the append activity"
    for span in spans:
        assert case_id not in span_text(span), span_text(span)
    # A case's page is traced by its template, not by the case it shows.
    await stack.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))
    names = {s.name for s in stack.spans.get_finished_spans()}
    assert "GET /v1/cases/{case_id}" in names
    assert not any(case_id in name for name in names)


async def test_json_log_lines_carry_the_requests_trace_id(stack: Stack) -> None:
    response = await stack.http.get("/healthz")
    assert response.status_code == 200
    route = [s for s in stack.spans.get_finished_spans() if s.name == "GET /healthz"]
    trace_id = format(route[-1].context.trace_id, "032x")
    access = [line for name, line in stack.logs.lines
              if name == "rtw.access" and line.startswith("{") and "/healthz" in line]
    assert access and f'"trace_id": "{trace_id}"' in access[-1], access


async def test_metrics_for_admins_only_and_the_workers_endpoint(stack: Stack) -> None:
    response = await stack.http.post("/v1/absences", json=absence(), headers=auth(Role.HR))
    assert response.status_code == 201
    case_id = response.json()["case_id"]
    projector = WorklistProjector(stack.store, stack.harness.pool)
    for _ in range(100):  # the case's first append follows the answer
        await projector.catch_up()
        if await stack.harness.pool.fetchval("SELECT count(*) FROM rtw_worklist"):
            break
        await asyncio.sleep(0.1)
    refused = await stack.http.post(f"/v1/cases/{case_id}/plan", headers=auth(Role.OH),
                                    json=RULES[Action.AGREE_PLAN].example)  # wrong stage
    assert refused.status_code == 409
    assert (await stack.http.get("/metrics", headers=auth(Role.HR))).status_code == 403
    assert (await stack.http.get("/metrics")).status_code == 401
    api = await stack.http.get("/metrics", headers=auth(Role.ADMIN))
    assert api.status_code == 200
    assert 'rtw_cases_opened_total{route="return_to_work"}' in api.text
    assert 'rtw_open_cases{route="return_to_work",stage="early_contact"}' in api.text, \
        [line for line in api.text.splitlines() if line.startswith("rtw_")]
    assert "rtw_readside_up 1.0" in api.text
    assert 'rtw_update_latency_seconds_count{action="agree_plan",outcome="refused"}' in api.text
    assert re.search(r'rtw_projection_lag_events\{projection="worklist"\} 0\.0', api.text)
    port = free_port()
    server = await serve_metrics(f"127.0.0.1:{port}", stack.harness.pool)
    assert server is not None
    try:
        async with httpx.AsyncClient() as http:
            worker = await http.get(f"http://127.0.0.1:{port}/metrics")
            missing = await http.get(f"http://127.0.0.1:{port}/other")
    finally:
        server.close()
    assert worker.status_code == 200 and missing.status_code == 404
    assert worker.headers["content-type"].startswith("text/plain")
    assert "rtw_open_cases" in worker.text and "rtw_case_events_appended_total" in worker.text
    assert case_id not in worker.text and case_id not in api.text


async def test_the_temporal_sdks_own_metrics_join_the_same_scrape(
    dev_server_env: WorkflowEnvironment,
) -> None:
    from temporalio.client import Client

    from infra import metrics

    metrics.install_temporal_metrics()
    target = dev_server_env.client.service_client.config.target_host
    client = await Client.connect(target)  # made after the install: on the forwarding runtime
    await client.count_workflows()
    text = metrics.render(None, read_side=False).decode()
    assert "temporal_request_total" in text or "temporal_request{" in text, text[-2000:]
