"""The HTTP API over real HTTP, with a real Temporal dev server, worker and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from readside.worklist import WorklistProjector
from tests.support.api_harness import OTHER_MANAGER_TOKEN, ApiStack, absence, auth, open_case


def contact_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "contacted_at": datetime.now(UTC).isoformat(),
        "method": "phone",
        "agreed_contact_frequency_days": 7,
        "notes": "Agreed weekly calls.",
    }
    body.update(overrides)
    return body


async def event_count(api: ApiStack, case_id: str) -> int:
    return len(await asyncio.to_thread(api.harness.store.history, case_id))


async def until_events(api: ApiStack, case_id: str, count: int) -> None:
    for _ in range(200):
        if await event_count(api, case_id) >= count:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {case_id} never reached {count} events")


async def test_every_call_needs_a_valid_bearer_token(api: ApiStack) -> None:
    missing = await api.http.post("/v1/absences", json=absence())
    wrong = await api.http.post("/v1/absences", json=absence(),
                                headers={"Authorization": "Bearer nope"})
    assert missing.status_code == 401 and wrong.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert "Bearer" in missing.json()["detail"]


async def test_only_hr_may_notify_an_absence(api: ApiStack) -> None:
    response = await api.http.post("/v1/absences", json=absence(), headers=auth(Role.MANAGER))
    assert response.status_code == 403
    assert "allowed roles: hr" in response.json()["detail"]


async def test_a_repeated_notification_returns_the_same_case(api: ApiStack) -> None:
    body = absence()
    first = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    again = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert first.headers["location"] == f"/v1/cases/{first.json()['case_id']}"


async def test_concurrent_notifications_open_one_case(api: ApiStack) -> None:
    body = absence()
    responses = await asyncio.gather(
        *[api.http.post("/v1/absences", json=body, headers=auth(Role.HR)) for _ in range(8)]
    )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["case_id"] for r in responses}) == 1
    case_id = responses[0].json()["case_id"]
    await until_events(api, case_id, 1)
    assert await event_count(api, case_id) == 1


async def test_a_bad_notification_names_the_field_and_opens_nothing(api: ApiStack) -> None:
    body = absence(reason_category="flu", unexpected="x")
    response = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert fields == {"reason_category", "unexpected"}
    assert "musculoskeletal" in response.json()["detail"]


async def test_new_case_shows_stage_deadlines_and_allowed_actions(api: ApiStack) -> None:
    case_id = await open_case(api)
    response = await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.MANAGER))
    assert response.status_code == 200
    case = response.json()
    assert case["stage"] == "early_contact"
    assert "record_early_contact" in case["allowed_actions"]
    assert "agree_plan" not in case["allowed_actions"]
    assert [d["name"] for d in case["deadlines"]][:3] == ["early_contact_due",
                                                         "early_contact_escalation",
                                                         "fit_note_needed"]
    assert case["clinical"] is None


async def test_only_oh_sees_the_reason_category(api: ApiStack) -> None:
    response = await api.http.post("/v1/absences", json=absence(reason_category="mental_health"),
                                   headers=auth(Role.HR))
    case_id = response.json()["case_id"]
    await until_events(api, case_id, 2)  # opened, and referred early to OH (rapid access)
    seen = {}
    for role in (Role.HR, Role.MANAGER, Role.OH, Role.AUDITOR):
        response = await api.http.get(f"/v1/cases/{case_id}", headers=auth(role))
        assert response.status_code == 200
        seen[role] = response.text
    for role, text in seen.items():
        assert ("mental_health" in text) is (role is Role.OH), role
    # The operator role reads no case at all.
    as_admin = await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.ADMIN))
    assert as_admin.status_code == 403 and "mental_health" not in as_admin.text


async def test_recording_contact_moves_the_case_on_and_is_in_the_history(api: ApiStack) -> None:
    case_id = await open_case(api)
    response = await api.http.post(f"/v1/cases/{case_id}/contact", json=contact_body(),
                                   headers=auth(Role.MANAGER))
    assert response.status_code == 200, response.text
    assert response.json()["stage"] == "assessment"
    assert response.json()["contact"]["contact_frequency_days"] == 7

    history = await api.http.get(f"/v1/cases/{case_id}/history", headers=auth(Role.AUDITOR))
    assert history.status_code == 200
    events = history.json()["events"]
    assert [e["type"] for e in events] == ["CaseOpened", "EarlyContactRecorded"]
    assert [e["stage_after"] for e in events] == ["early_contact", "assessment"]
    assert [e["position"] for e in events] == [1, 2]
    assert events[1]["actor_id"] == "M2002" and events[1]["source"] == "api"


async def test_refusals_say_why_and_record_nothing(api: ApiStack) -> None:
    case_id = await open_case(api)
    await until_events(api, case_id, 1)
    url = f"/v1/cases/{case_id}/contact"

    bad_type = await api.http.post(url, json=contact_body(agreed_contact_frequency_days="weekly"),
                                   headers=auth(Role.MANAGER))
    future = await api.http.post(
        url, json=contact_body(contacted_at=(datetime.now(UTC) + timedelta(days=2)).isoformat()),
        headers=auth(Role.MANAGER))
    wrong_role = await api.http.post(url, json=contact_body(), headers=auth(Role.HR))
    assert bad_type.status_code == 422
    assert bad_type.json()["errors"][0]["field"] == "agreed_contact_frequency_days"
    assert future.status_code == 422
    assert future.json()["errors"][0]["field"] == "contacted_at"
    assert wrong_role.status_code == 403
    assert await event_count(api, case_id) == 1

    accepted = await api.http.post(url, json=contact_body(), headers=auth(Role.OH))
    again = await api.http.post(url, json=contact_body(), headers=auth(Role.MANAGER))
    assert accepted.status_code == 200
    assert again.status_code == 409
    assert again.json()["stage"] == "assessment"
    assert "record_early_contact" not in again.json()["allowed_actions"]
    assert "record_check_in" in again.json()["allowed_actions"]
    assert await event_count(api, case_id) == 2


async def test_history_is_for_oh_and_auditors_only(api: ApiStack) -> None:
    case_id = await open_case(api)
    for role, status in ((Role.MANAGER, 403), (Role.HR, 403), (Role.OH, 200),
                         (Role.AUDITOR, 200)):
        await until_events(api, case_id, 1)
        response = await api.http.get(f"/v1/cases/{case_id}/history", headers=auth(role))
        assert response.status_code == status, role


async def test_unknown_cases_are_404_and_malformed_ids_422(api: ApiStack) -> None:
    unknown = await api.http.get(f"/v1/cases/{uuid.uuid4()}", headers=auth(Role.OH))
    malformed = await api.http.get("/v1/cases/not-a-case", headers=auth(Role.OH))
    assert unknown.status_code == 404
    assert malformed.status_code == 422


async def test_healthz_reports_both_servers(api: ApiStack) -> None:
    response = await api.http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "temporal": "ok", "postgresql": "ok"}


async def test_temporal_holds_only_encrypted_payloads(
    api: ApiStack, dev_server_env: WorkflowEnvironment
) -> None:
    response = await api.http.post("/v1/absences", json=absence(reason_category="mental_health"),
                                   headers=auth(Role.HR))
    case_id = response.json()["case_id"]
    await until_events(api, case_id, 1)
    plain_client: Client = dev_server_env.client
    history = await plain_client.get_workflow_handle(case_id).fetch_history()
    raw = history.to_json()
    assert "Sam Patel" not in raw and "mental_health" not in raw
    started = history.events[0].workflow_execution_started_event_attributes
    assert started.input.payloads[0].metadata["encoding"] == b"binary/encrypted"


async def test_one_trace_links_the_request_the_workflow_and_its_activities(
    api: ApiStack,
) -> None:
    case_id = await open_case(api)
    await until_events(api, case_id, 1)
    await asyncio.sleep(0.2)
    spans = api.spans.get_finished_spans()
    [request] = [s for s in spans if s.name == "POST /v1/absences"]
    trace_id = request.context.trace_id
    in_trace = {s.name for s in spans if s.context.trace_id == trace_id}
    assert "StartWorkflow:CaseWorkflow" in in_trace
    assert "RunWorkflow:CaseWorkflow" in in_trace
    assert any(name.startswith("RunActivity:append_case_events") for name in in_trace), in_trace
    [opened] = await asyncio.to_thread(api.harness.store.history, case_id)
    assert opened.trace_id == format(trace_id, "032x")


async def test_each_event_carries_the_trace_of_the_request_that_caused_it(
    api: ApiStack,
) -> None:
    case_id = await open_case(api)
    response = await api.http.post(f"/v1/cases/{case_id}/contact", json=contact_body(),
                                   headers=auth(Role.MANAGER))
    assert response.status_code == 200
    spans = api.spans.get_finished_spans()
    [contact_request] = [s for s in spans if s.name == "POST /v1/cases/{case_id}/contact"]
    opened, contacted = await asyncio.to_thread(api.harness.store.history, case_id)
    assert contacted.trace_id == format(contact_request.context.trace_id, "032x")
    assert opened.trace_id != contacted.trace_id


async def test_a_manager_sees_and_acts_on_their_own_team_only(api: ApiStack) -> None:
    case_id = await open_case(api)
    other = {"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"}
    seen = await api.http.get(f"/v1/cases/{case_id}", headers=other)
    acted = await api.http.post(f"/v1/cases/{case_id}/contact", json=contact_body(),
                                headers=other)
    assert seen.status_code == 403 and acted.status_code == 403
    assert "own team" in acted.json()["detail"]
    assert await event_count(api, case_id) == 1


async def test_the_worklist_pages_by_next_deadline_and_filters(api: ApiStack) -> None:
    opened = [await open_case(api) for _ in range(3)]
    projector = WorklistProjector(api.harness.store, api.harness.pool)
    await projector.ensure_schema()
    for _ in range(100):
        await projector.catch_up()
        listed = (await api.http.get("/v1/cases?limit=200", headers=auth(Role.OH))).json()
        if set(opened) <= {item["case_id"] for item in listed["items"]}:
            break
        await asyncio.sleep(0.05)
    seen: list[str] = []
    base = "/v1/cases?limit=1&stage=early_contact"
    url = base
    while url:
        page = (await api.http.get(url, headers=auth(Role.MANAGER))).json()
        seen += [item["case_id"] for item in page["items"]]
        url = page["next_cursor"] and f"{base}&cursor={page['next_cursor']}"
    assert set(opened) <= set(seen) and len(seen) == len(set(seen))
    other = {"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"}
    assert (await api.http.get("/v1/cases", headers=other)).json()["items"] == []
    bad = await api.http.get("/v1/cases?cursor=xyz", headers=auth(Role.OH))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"
    bad_stage = await api.http.get("/v1/cases?stage=lost", headers=auth(Role.OH))
    assert bad_stage.status_code == 422


async def test_an_idempotency_key_answers_the_same_case_and_refuses_another_body(
        api: ApiStack) -> None:
    body = absence()
    key = {"Idempotency-Key": f"hr-msg-{uuid.uuid4().hex}"}
    first = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR) | key)
    again = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR) | key)
    other = await api.http.post("/v1/absences", json=absence(), headers=auth(Role.HR) | key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json() == again.json()
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_a_body_over_the_limit_is_refused_with_413(api: ApiStack) -> None:
    huge = absence(employer_id="x" * 70_000)
    response = await api.http.post("/v1/absences", json=huge, headers=auth(Role.HR))
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert "65536 bytes" in response.json()["detail"]

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(80):
            yield b"x" * 1_000

    streamed = await api.http.post("/v1/absences", content=chunks(),
                                   headers=auth(Role.HR) | {"content-type": "application/json"})
    assert streamed.status_code == 413


async def test_concurrent_actions_on_one_case_apply_once(api: ApiStack) -> None:
    case_id = await open_case(api)
    await until_events(api, case_id, 1)
    answers = await asyncio.gather(*[
        api.http.post(f"/v1/cases/{case_id}/contact", json=contact_body(),
                      headers=auth(Role.MANAGER if n % 2 else Role.OH))
        for n in range(6)
    ])
    assert sorted(a.status_code for a in answers) == [200] + [409] * 5
    types = [r.event_type for r in await asyncio.to_thread(api.harness.store.history, case_id)]
    assert types == ["CaseOpened", "EarlyContactRecorded"]
