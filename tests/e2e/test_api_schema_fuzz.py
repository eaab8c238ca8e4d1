"""Schemathesis against the live OpenAPI document: every answer is one the document promises.

The API is served over real HTTP in front of a real worker, Temporal dev server and
PostgreSQL. Each operation is called with generated valid and invalid input, by several
roles, on unknown cases and on one real open case, and every answer must be documented:
its status, its content type, its body and its headers. A 5xx is always a failure.
Bounded and derandomized, so a run is repeatable and quick.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from eventstore.store import CaseEventStore
from tests.support.api_harness import ApiStack, auth, open_case, serve_api

# Schemathesis's own strategies draw from `random`; Hypothesis seeds it, so runs stay repeatable.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Do not use the `random` module inside strategies")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]
PUBLIC_PATHS = {"/healthz"}


@dataclass(frozen=True)
class Pass:
    """One sweep over the operations: who calls, with what input, on which case."""

    name: str
    headers: dict[str, str]
    mode: GenerationMode
    examples: int
    case_id: str | None = None  # a real case for every {case_id}; None: generated ids

    def applies_to(self, path: str) -> bool:
        if not self.headers and path in PUBLIC_PATHS:
            return False  # open to all: the other passes call it
        return self.case_id is None or "{case_id}" in path


@pytest.fixture
async def api(
    dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> AsyncIterator[ApiStack]:
    # A short bound on the Update wait: a slow answer is a documented 202, not a long stall.
    async with serve_api(dev_server_env.client, store, database_url,
                         update_wait_seconds=2.0) as stack:
        yield stack


def sweep(base_url: str, passes: list[Pass]) -> tuple[list[str], dict[str, Counter[int]]]:
    """Run every pass over every operation: the failures, one per failing operation, and
    the statuses each pass received."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    failures: list[str] = []
    statuses: dict[str, Counter[int]] = {p.name: Counter() for p in passes}
    with requests.Session() as session:
        for operation_result in schema.get_all_operations():
            operation = operation_result.ok()
            for sweep_pass in passes:
                if not sweep_pass.applies_to(operation.path):
                    continue
                error = _run(operation, sweep_pass, base_url, session,
                             statuses[sweep_pass.name])
                if error is not None:
                    failures.append(f"{operation.label} [{sweep_pass.name}]: {error}")
    return failures, statuses


def _run(operation: Any, sweep_pass: Pass, base_url: str, session: requests.Session,
         statuses: Counter[int]) -> str | None:
    path_parameters = {"case_id": sweep_pass.case_id} if sweep_pass.case_id else None
    strategy = operation.as_strategy(generation_mode=sweep_pass.mode,
                                     path_parameters=path_parameters)

    @settings(max_examples=sweep_pass.examples, derandomize=True, database=None,
              deadline=None, phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
    @given(case=strategy)
    def check(case: Any) -> None:
        response = case.call(base_url=base_url, session=session, headers=sweep_pass.headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=sweep_pass.headers,
                               transport_kwargs={"base_url": base_url, "session": session})

    return _failure_of(check)


def _failure_of(run: Callable[[], None]) -> str | None:
    try:
        run()
    except Unsatisfiable:  # nothing to make invalid: the operation takes no input
        return None
    except (FailureGroup, Exception) as error:  # a check failure, with its reproduction
        return f"{type(error).__name__}: {error}"[:2000]
    return None


async def test_every_answer_matches_the_published_openapi_document(api: ApiStack) -> None:
    case_id = await open_case(api)
    base_url = str(api.http.base_url).rstrip("/")
    passes = [
        Pass("no token", {}, GenerationMode.POSITIVE, examples=2),
        Pass("oh", auth(Role.OH), GenerationMode.POSITIVE, examples=5),
        Pass("oh, invalid input", auth(Role.OH), GenerationMode.NEGATIVE, examples=5),
        Pass("hr", auth(Role.HR), GenerationMode.POSITIVE, examples=5),
        Pass("hr, invalid input", auth(Role.HR), GenerationMode.NEGATIVE, examples=5),
        Pass("auditor", auth(Role.AUDITOR), GenerationMode.POSITIVE, examples=3),
        Pass("oh, open case", auth(Role.OH), GenerationMode.POSITIVE, examples=5,
             case_id=case_id),
        Pass("manager, open case", auth(Role.MANAGER), GenerationMode.POSITIVE, examples=5,
             case_id=case_id),
        Pass("oh, open case, invalid input", auth(Role.OH), GenerationMode.NEGATIVE,
             examples=3, case_id=case_id),
    ]

    failures, statuses = await asyncio.to_thread(sweep, base_url, passes)

    assert not failures, "\n\n".join(failures)
    # The sweep reached every layer: auth, roles, validation, unknown cases, and the workflow,
    # whose validators refuse actions in the wrong stage and accept those in the right one.
    assert set(statuses["no token"]) == {401}
    assert {403, 404, 422} <= set(statuses["hr"] + statuses["hr, invalid input"])
    assert {200, 409} <= set(statuses["oh, open case"] + statuses["manager, open case"])


async def test_the_sweep_reports_an_undocumented_answer(api: ApiStack) -> None:
    # The check must be able to fail: an unknown case's 404 is not in a schema that lists 200.
    base_url = str(api.http.base_url).rstrip("/")
    document = (await api.http.get("/openapi.json")).json()
    operation = document["paths"]["/v1/cases/{case_id}"]["get"]
    operation["responses"] = {"200": operation["responses"]["200"]}
    schema = schemathesis.openapi.from_dict(document)
    target = next(result.ok() for result in schema.get_all_operations()
                  if result.ok().path == "/v1/cases/{case_id}")

    def run_one() -> str | None:
        with requests.Session() as session:
            return _run(target, Pass("oh", auth(Role.OH), GenerationMode.POSITIVE, 1,
                                     case_id=str(uuid.uuid4())), base_url, session, Counter())

    error = await asyncio.to_thread(run_one)

    assert error is not None and "404" in error
