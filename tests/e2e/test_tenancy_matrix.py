"""Every endpoint of the app x every token role x own / other employer: nothing of employer B
reaches a principal of employer A.

The endpoints are enumerated from the app itself, so a route added later joins the matrix
without editing this file. Employer B has cases of its own (two opened over HTTP, one stored
with notices to its manager, who has the same id as A's manager) that A's principals must never
learn of: a request naming one of B's cases is answered exactly as one naming a case that does
not exist (the same status and the same body), and no answer to an A principal names B's
employee or B's cases. The operator role (`admin`) reads no case content at all.
"""

from __future__ import annotations

import asyncio
import difflib
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from domain.actors import Person, Role
from eventstore.store import CaseEventStore
from infra.settings import Settings
from infra.tokens import Principal, TokenRegistry, token_digest
from readside.employee_cases import EmployeeCasesProjector
from readside.kpi_facts import KpiFactsProjector
from readside.worklist import WorklistProjector
from tests.conftest import (
    TEST_AUDIT_KEY,
    TEST_CIPHER_KEY,
    TEST_PAYLOAD_KEYS,
    fresh_database,
    keyed_store,
)
from tests.support.api_harness import ApiStack, serve_api
from tests.support.builders import open_command
from tests.support.notices import store_case_to_escalation

A, B = "tenant-a", "tenant-b"
ROLES = (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR, Role.ADMIN)
# Both employers have a line manager M1: managers are told apart by their employer.
SUBJECTS = {Role.HR: "HR-1", Role.MANAGER: "M1", Role.OH: "OH-1", Role.AUDITOR: "AUD-1",
            Role.ADMIN: "OPS-1"}
# The admin token names employer A all the same: the operator role still sees no case.
TOKENS_A = {role: f"tenancy-a-{role.value}" for role in ROLES}
TOKENS_B = {role: f"tenancy-b-{role.value}" for role in (Role.HR, Role.MANAGER, Role.OH)}
MANAGER = {"id": "M1", "name": "Mo One", "email": "mo@example.org"}
BERTHA = "Bertha Bee-Tenancy"  # employer B's employees: names no answer to A may hold
BERTHA_ID, BRIAN_ID, BRIAN = "EB-7731", "EB-7732", "Brian Bee-Tenancy"
# What only the operator role may reach: the service's own health and metrics.
OPERATOR_PATHS = {"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs", "/",
                  "/brand/logo"}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    query: frozenset[str]
    in_schema: bool

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)(?::\w+)?}", self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def _contexts(route: Any) -> Iterator[Any]:
    """The app's routes, each router included flattened to its routes."""
    if hasattr(route, "effective_route_contexts"):
        yield from route.effective_route_contexts()
    else:
        yield route


def endpoints(app: FastAPI) -> list[Endpoint]:
    found = []
    for route in app.routes:
        for context in _contexts(route):
            methods = getattr(context, "methods", None) or set()
            dependant = getattr(context, "dependant", None)
            query = frozenset(_query_names(dependant)) if dependant is not None else frozenset()
            for method in sorted(methods - {"HEAD", "OPTIONS"}):
                found.append(Endpoint(method, context.path, query,
                                      bool(getattr(context, "include_in_schema", False))))
    return sorted(set(found), key=str)


def _query_names(dependant: Any) -> Iterator[str]:
    for param in dependant.query_params:
        yield param.alias or param.name
    for sub in dependant.dependencies:
        yield from _query_names(sub)


# The routes of an app built only to list them (it never starts, but is built with keys, as an
# API without them refuses to exist).
_LISTED = create_app(settings=Settings(payload_keys=TEST_PAYLOAD_KEYS,
                                       event_cipher_key=TEST_CIPHER_KEY,
                                       audit_hmac_key=TEST_AUDIT_KEY))
ENDPOINTS = [e for e in endpoints(_LISTED) if e.in_schema]


@dataclass
class World:
    api: ApiStack
    openapi: dict[str, Any]
    case_a: str
    absence_a: str
    case_b: str
    absence_b: str
    stored_b: str
    notices_b: list[str]
    events_b: int
    opened_later_b: list[str] = field(default_factory=list)
    """Cases B's own principals open in the tests below."""

    @property
    def markers(self) -> tuple[str, ...]:
        """What of employer B no answer to an A principal may contain."""
        return (BERTHA, BERTHA_ID, BRIAN, BRIAN_ID, self.case_b, self.absence_b, self.stored_b,
                "ZZ-B-NOTE")


def _principals() -> dict[str, Principal]:
    return ({token_digest(t): Principal(subject=SUBJECTS[r], role=r, employers=(A,))
             for r, t in TOKENS_A.items()}
            | {token_digest(t): Principal(subject=SUBJECTS[r], role=r, employers=(B,))
               for r, t in TOKENS_B.items()})


def _absence(employer: str, employee: dict[str, str]) -> dict[str, Any]:
    return {"employer_id": employer, "absence_id": f"ABS-{uuid.uuid4().hex[:8]}",
            "employee": employee, "manager": MANAGER, "reason_category": "mental_health",
            "first_day": datetime.now(UTC).date().isoformat()}


@pytest.fixture(scope="module")
async def world(dev_server_env: WorkflowEnvironment, postgres_server_url: str
                ) -> AsyncIterator[World]:
    database_url = fresh_database(postgres_server_url)
    with keyed_store(database_url) as store:
        async with serve_api(dev_server_env.client, store, database_url,
                             update_wait_seconds=2.0,
                             tokens=TokenRegistry(_principals())) as api:
            yield await _arrange(api, store)


async def _arrange(api: ApiStack, store: CaseEventStore) -> World:
    body_a = _absence(A, {"id": "EA-1", "name": "Alice Able", "email": "alice@example.org"})
    body_b = _absence(B, {"id": BERTHA_ID, "name": BERTHA, "email": "bertha@example.org"})
    opened_a = await api.http.post("/v1/absences", json=body_a, headers=bearer(TOKENS_A[Role.HR]))
    opened_b = await api.http.post("/v1/absences", json=body_b, headers=bearer(TOKENS_B[Role.HR]))
    assert opened_a.status_code == opened_b.status_code == 201, opened_b.text
    case_a, case_b = opened_a.json()["case_id"], opened_b.json()["case_id"]
    note = await api.http.post(f"/v1/cases/{case_b}/notes", json={"text": "ZZ-B-NOTE"},
                               headers=bearer(TOKENS_B[Role.OH]))
    assert note.status_code in (200, 202), note.text
    # A case of B stored with notices to its manager M1 and to B's HR mailbox.
    command = open_command(absence_id=f"ABS-B-{uuid.uuid4().hex[:6]}").model_copy(update={
        "employer_id": B, "manager": Person.model_validate(MANAGER),
        "employee": Person(id=BRIAN_ID, name=BRIAN, email="brian@example.org")})
    stored = await asyncio.to_thread(store_case_to_escalation, store, command)
    for _ in range(200):
        if len(await _events(store, case_b)) >= 2 and await _events(store, case_a):
            break  # B's opening and OH's note, and A's opening
        await asyncio.sleep(0.05)
    for projector in (WorklistProjector, KpiFactsProjector, EmployeeCasesProjector):
        await projector(store, api.harness.pool).catch_up()
    notices = [r["notice_id"] for r in await api.harness.pool.fetch(
        "SELECT notice_id FROM rtw_notices WHERE employer_id = $1", B)]
    assert notices, "employer B's cases should have notices to read"
    return World(api=api, openapi=(await api.http.get("/openapi.json")).json(), case_a=case_a,
                 absence_a=body_a["absence_id"], case_b=case_b,
                 absence_b=body_b["absence_id"], stored_b=stored.case_id, notices_b=notices,
                 events_b=len(await _events(store, case_b)))


async def _events(store: CaseEventStore, case_id: str) -> list[Any]:
    return list(await asyncio.to_thread(store.history, case_id))


# Requests ------------------------------------------------------------------------------


def _example(world: World, endpoint: Endpoint) -> Any:
    operation = world.openapi["paths"].get(endpoint.path, {}).get(endpoint.method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    for media in content.values():
        if "example" in media:
            return media["example"]
        if media.get("examples"):
            return next(iter(media["examples"].values()))["value"]
        reference = media.get("schema", {}).get("$ref", "")
        schema = world.openapi["components"]["schemas"].get(reference.split("/")[-1], {})
        if schema.get("examples"):
            return schema["examples"][0]
        if "example" in schema:
            return schema["example"]
    now, today = datetime.now(UTC), datetime.now(UTC).date()
    facts: dict[str, dict[str, Any]] = {
        "extension": {"expected_last_day": (today + timedelta(days=7)).isoformat()},
        "return": {"returned_on": today.isoformat()}, "leaver": {"left_on": today.isoformat()},
        "manager": {"manager": MANAGER}, "employee-details": {"name": "New Name"},
        "reason": {"reason_code": "S12"}}
    last = endpoint.path.rsplit("/", 1)[-1]
    if last in facts:
        return {"sent_at": now.isoformat(), **facts[last]}
    return None


def _request(world: World, endpoint: Endpoint, variant: str) -> tuple[str, dict[str, Any],
                                                                      list[str]]:
    """The path, the request options and the values the caller itself put in it, for the
    variant: `own` (employer A's), `other` (employer B's) or `missing` (no such thing, at B)."""
    employer = A if variant == "own" else B
    values = {
        "case_id": {"own": world.case_a, "other": world.case_b,
                    "missing": str(uuid.uuid4())}[variant],
        "employer_id": employer,
        "absence_id": {"own": world.absence_a, "other": world.absence_b,
                       "missing": f"ABS-{uuid.uuid4().hex[:8]}"}[variant],
        "employee_id": {"own": "EA-1", "other": BERTHA_ID, "missing": "EB-0000"}[variant],
        "notice_id": {"own": "no-such-notice", "other": world.notices_b[0],
                      "missing": f"{uuid.uuid4()}"}[variant],
        "document_id": str(uuid.uuid4()),
    }
    path = endpoint.path
    supplied = []
    for name in endpoint.params:
        value = values.get(name, "x")
        supplied.append(value)
        path = re.sub(r"{" + name + r"(?::\w+)?}", value, path)
    params: dict[str, str] = {}
    if "case_id" in endpoint.query:
        params["case_id"] = values["case_id"]
        supplied.append(values["case_id"])
    if "employer" in endpoint.query and variant != "own":
        params["employer"] = B
    options: dict[str, Any] = {"params": params}
    if endpoint.method == "POST":
        body = _example(world, endpoint)
        if endpoint.path.endswith("/documents"):
            options["content"] = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n%%EOF\n"
            options["headers"] = {"Content-Type": "application/pdf"}
            params["title"] = "A letter"
        elif body is not None:
            if isinstance(body, dict):
                body = dict(body)
                for field in ("employer_id", "provider_id"):
                    if field in body:
                        body[field] = employer
                for field in ("absence_id", "referral_id"):
                    if field in body:
                        body[field] = f"T-{uuid.uuid4().hex[:8]}"
            options["json"] = body
        else:
            options["json"] = {}
    return path, options, supplied


def _normalised(response: httpx.Response, supplied: list[str]) -> tuple[int, str]:
    text = response.text
    for value in supplied:
        text = text.replace(value, "<supplied>")
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>", text)
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)  # each page's own script nonce
    return response.status_code, text


def _difference(other: tuple[int, str], missing: tuple[int, str]) -> str:
    return f"{other[0]} / {missing[0]}\n" + "\n".join(difflib.unified_diff(
        other[1].splitlines(), missing[1].splitlines(), "other", "missing", lineterm="", n=0))


def _leaks(world: World, response: httpx.Response, supplied: list[str]) -> list[str]:
    _, text = _normalised(response, supplied)
    return [marker for marker in world.markers if marker in text]


def _is_case_content(endpoint: Endpoint) -> bool:
    return endpoint.path not in OPERATOR_PATHS


# The matrix -----------------------------------------------------------------------------


def test_the_matrix_covers_every_kind_of_endpoint() -> None:
    paths = {e.path for e in ENDPOINTS}
    for expected in ("/v1/cases/{case_id}", "/v1/cases/{case_id}/history", "/v1/cases",
                     "/v1/notices", "/v1/reports/kpis", "/v1/absences",
                     "/v1/employees/{employer_id}/{employee_id}/cases",
                     "/v1/cases/{case_id}/documents", "/v1/cases/{case_id}/notes"):
        assert expected in paths
    assert len(ENDPOINTS) > 50


async def test_own_cases_are_read_by_their_own_employers_roles(world: World) -> None:
    """The matrix's control: A's principals do see A's case (so a 404 elsewhere means
    something), and B's principals see B's."""
    for role in (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR):
        own = await world.api.http.get(f"/v1/cases/{world.case_a}",
                                       headers=bearer(TOKENS_A[role]))
        assert own.status_code == 200, (role, own.text)
    theirs = await world.api.http.get(f"/v1/cases/{world.case_b}",
                                      headers=bearer(TOKENS_B[Role.MANAGER]))
    assert theirs.status_code == 200 and BERTHA in theirs.text


async def test_a_manager_of_the_same_id_sees_only_their_own_employers_team(
        world: World) -> None:
    mine = await world.api.http.get("/v1/cases", headers=bearer(TOKENS_A[Role.MANAGER]))
    theirs = await world.api.http.get("/v1/cases", headers=bearer(TOKENS_B[Role.MANAGER]))
    inbox_a = await world.api.http.get("/v1/notices", headers=bearer(TOKENS_A[Role.MANAGER]))
    inbox_b = await world.api.http.get("/v1/notices", headers=bearer(TOKENS_B[Role.MANAGER]))

    assert [item["case_id"] for item in mine.json()["items"]] == [world.case_a]
    assert {item["case_id"] for item in theirs.json()["items"]} - set(
        world.opened_later_b) == {world.case_b, world.stored_b}
    assert all(n["case_id"] == world.case_a for n in inbox_a.json()["items"])
    assert any(n["case_id"] == world.stored_b for n in inbox_b.json()["items"])


async def test_the_kpi_report_counts_only_the_callers_employers_cases(world: World) -> None:
    as_a = await world.api.http.get("/v1/reports/kpis", headers=bearer(TOKENS_A[Role.AUDITOR]))
    naming_b = await world.api.http.get("/v1/reports/kpis", params={"employer": B},
                                        headers=bearer(TOKENS_A[Role.AUDITOR]))

    assert as_a.status_code == 200 and as_a.json()["cases"] == 1
    assert naming_b.status_code == 403 and "employer" in naming_b.json()["detail"]


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=str(e)) for e in ENDPOINTS])
async def test_no_answer_to_employer_a_tells_anything_of_employer_b(
        world: World, endpoint: Endpoint) -> None:
    case_addressed = bool({"case_id", "absence_id", "employee_id", "notice_id"}
                          & {*endpoint.params, *endpoint.query})
    variants = ["other", "missing"] if case_addressed else ["other"]
    if endpoint.method == "GET":
        variants.append("own")
    for role in ROLES:
        answers = {}
        for variant in variants:
            path, options, supplied = _request(world, endpoint, variant)
            headers: dict[str, str] = {**bearer(TOKENS_A[role]),
                                       **options.pop("headers", {})}
            response = await world.api.http.request(endpoint.method, path, headers=headers,
                                                    **options)
            answers[variant] = _normalised(response, supplied)
            leaked = _leaks(world, response, supplied)
            assert not leaked, f"{role.value} {variant}: {endpoint} told {leaked}"
            if role is Role.ADMIN and _is_case_content(endpoint):
                assert response.status_code >= 400, f"admin read {endpoint}: {response.text}"
        if case_addressed:
            assert answers["other"] == answers["missing"], (
                f"{role.value}: {endpoint} answers B's case unlike a missing one:\n"
                + _difference(answers["other"], answers["missing"]))
        elif "employer_id" in endpoint.params or (endpoint.method == "POST" and isinstance(
                _example(world, endpoint), dict) and {"employer_id", "provider_id"} & set(
                _example(world, endpoint))):
            assert answers["other"][0] in (403, 404), (
                f"{role.value}: {endpoint} accepted employer B: {answers['other']}")


async def test_nothing_was_opened_or_changed_at_employer_b(world: World) -> None:
    """Every request above for B was refused before it reached a case: B's case holds what it
    held, and no case of B was opened by A's principals."""
    store = world.api.harness.store
    await WorklistProjector(store, world.api.harness.pool).catch_up()
    cases = await world.api.harness.pool.fetch(
        "SELECT case_id::text FROM rtw_worklist WHERE employer_id = $1", B)

    assert {row["case_id"] for row in cases} - set(world.opened_later_b) == {world.case_b,
                                                                             world.stored_b}
    assert len(await _events(store, world.case_b)) == world.events_b


# The pages ------------------------------------------------------------------------------

# Signing in and out are not about any case; the employee's own pages take an employee's
# session (a staff session is refused them whatever the case).
SIGN_IN_PAGES = ("/sign-in", "/sign-out", "/employee/sign-in")
PAGES = [e for e in endpoints(_LISTED)
         if not e.in_schema and e.path not in OPERATOR_PATHS
         and not e.path.startswith(SIGN_IN_PAGES)]


@pytest.fixture(scope="module")
async def sessions(world: World) -> AsyncIterator[dict[Role, httpx.AsyncClient]]:
    """One signed-in browser session (its cookie) per role of employer A."""
    base = str(world.api.http.base_url).rstrip("/")
    clients = {}
    try:
        for role in ROLES:
            client = httpx.AsyncClient(base_url=base, timeout=30,
                                       headers={"Origin": base})
            signed_in = await client.post("/sign-in", data={"access_token": TOKENS_A[role]})
            assert signed_in.status_code == 303, signed_in.text
            clients[role] = client
        yield clients
    finally:
        for client in clients.values():
            await client.aclose()


def test_the_page_matrix_covers_the_case_pages() -> None:
    paths = {e.path for e in PAGES}
    assert {"/cases/{case_id}", "/worklist", "/cases/{case_id}/actions/{action}"} <= paths


@pytest.mark.parametrize("page", [pytest.param(e, id=str(e)) for e in PAGES])
async def test_no_page_shown_to_employer_a_tells_anything_of_employer_b(
        world: World, sessions: dict[Role, httpx.AsyncClient], page: Endpoint) -> None:
    variants = ["other", "missing"] if "case_id" in {*page.params, *page.query} else ["other"]
    for role, client in sessions.items():
        answers = {}
        for variant in variants:
            case_id = {"other": world.case_b, "missing": str(uuid.uuid4())}[variant]
            path = (page.path.replace("{case_id}", case_id).replace("{action}", "contact")
                    .replace("{number}", "1"))
            params = {"case_id": case_id} if "case_id" in page.query else {}
            if "employer" in page.query:
                params["employer"] = B
            response = await client.request(page.method, path, params=params,
                                            data={} if page.method == "POST" else None)
            answers[variant] = _normalised(response, [case_id])
            leaked = _leaks(world, response, [case_id])
            assert not leaked, f"{role.value} {variant}: {page} told {leaked}"
            if role is Role.ADMIN:
                assert response.status_code >= 400 or response.status_code in (302, 303), (
                    f"admin read {page}")
        if len(variants) == 2:
            assert answers["other"] == answers["missing"], (
                f"{role.value}: {page} answers B's case unlike a missing one:\n"
                + _difference(answers["other"], answers["missing"]))


async def test_a_case_the_read_models_do_not_hold_yet_is_still_told_apart(world: World) -> None:
    """A case just opened, before any projection holds it: its employer comes from Temporal
    (the case's search attribute) or, failing that, from its stored events."""
    opened = await world.api.http.post(
        "/v1/absences", headers=bearer(TOKENS_B[Role.HR]),
        json=_absence(B, {"id": BRIAN_ID, "name": BRIAN, "email": "brian@example.org"}))
    case_id = opened.json()["case_id"]
    world.opened_later_b.append(case_id)
    for _ in range(200):
        if await _events(world.api.harness.store, case_id):
            break
        await asyncio.sleep(0.05)
    pool = world.api.harness.pool
    for table in ("rtw_worklist", "rtw_kpi_facts"):
        await pool.execute(f"DELETE FROM {table} WHERE case_id = $1",  # noqa: S608
                           uuid.UUID(case_id))
    missing = str(uuid.uuid4())

    for path in ("/history", "/notes", ""):
        other = await world.api.http.get(f"/v1/cases/{case_id}{path}",
                                         headers=bearer(TOKENS_A[Role.OH]))
        absent = await world.api.http.get(f"/v1/cases/{missing}{path}",
                                          headers=bearer(TOKENS_A[Role.OH]))
        own = await world.api.http.get(f"/v1/cases/{case_id}{path}",
                                       headers=bearer(TOKENS_B[Role.OH]))
        assert _normalised(other, [case_id]) == _normalised(absent, [missing])
        assert other.status_code == 404 and own.status_code == 200, own.text
