"""Auditors over real HTTP: history as of a moment, streamed export, the access log."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from domain.actors import Role
from eventstore.store import CaseEventStore
from localstack.samples import store_case
from tests.support.api_harness import ApiStack, absence, auth
from tests.support.kept_stores import load_kept_store

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)


async def access_entries(api: ApiStack, **params: str) -> list[dict[str, object]]:
    response = await api.http.get("/v1/audit/access", params=params, headers=auth(Role.AUDITOR))
    assert response.status_code == 200, response.text
    entries: list[dict[str, object]] = response.json()["entries"]
    return entries


async def test_history_as_of_a_moment_and_up_to_a_position(
    api: ApiStack, store: CaseEventStore
) -> None:
    case_id = store_case(store, "ABS-API-1", 4, OPENED)

    as_of = await api.http.get(f"/v1/cases/{case_id}/history",
                               params={"as_of": "2026-11-20T10:30:00+00:00"},
                               headers=auth(Role.AUDITOR))
    by_position = await api.http.get(f"/v1/cases/{case_id}/history", params={"position": 3},
                                     headers=auth(Role.OH))

    assert as_of.status_code == 200, as_of.text
    events = as_of.json()["events"]
    assert [e["position"] for e in events] == [1, 2]
    assert events[1]["deadline"] == "2026-11-21T09:00:00Z"
    assert events[1]["why"].endswith("[deadline 2026-11-21T09:00:00Z]")
    assert events[1]["mac"]
    assert [e["position"] for e in by_position.json()["events"]] == [1, 2, 3]


async def test_history_of_a_case_written_by_earlier_code_shows_its_data_in_todays_shape(
    api: ApiStack, store: CaseEventStore, database_url: str
) -> None:
    case_id = load_kept_store(database_url).cases["ABS-REVISED"]
    stored = {r.event_id: r for r in store.history(case_id)}

    response = await api.http.get(f"/v1/cases/{case_id}/history", headers=auth(Role.AUDITOR))

    assert response.status_code == 200, response.text
    events = response.json()["events"]
    agreed = [e for e in events if e["type"] == "PlanAgreed"]
    assert [(e["data"]["plan_version"], e["data"]["event_version"], "version" in e["data"])
            for e in agreed] == [(1, 2, False), (2, 2, False)]
    assert [e["stage_after"] for e in agreed] == ["rehabilitation", "rehabilitation"]
    assert all(e["mac"] == stored[e["event_id"]].mac for e in events)
    assert stored[agreed[0]["event_id"]].data["version"] == 1  # the stored row is untouched


async def test_a_bad_as_of_is_refused_naming_the_field_and_logged_as_a_refusal(
    api: ApiStack, store: CaseEventStore
) -> None:
    case_id = store_case(store, "ABS-API-2", 2, OPENED)

    response = await api.http.get(f"/v1/cases/{case_id}/history",
                                  params={"as_of": "2026-11-20T10:30"},
                                  headers=auth(Role.AUDITOR))

    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "as_of"
    assert "no offset" in response.json()["detail"]
    assert [(e["action"], e["status"], e["detail"])
            for e in await access_entries(api, case_id=case_id)] == [
        ("GET /v1/cases/{case_id}/history", 422, "")  # the raw as_of is never kept
    ]


async def test_export_streams_every_case_as_jsonl_and_one_case_as_csv(
    api: ApiStack, store: CaseEventStore
) -> None:
    cases = [store_case(store, f"ABS-API-X{n}", 3, OPENED) for n in range(3)]

    everything = await api.http.get("/v1/audit/export", params={"from": "2026-11-20",
                                    "to": "2026-11-20"}, headers=auth(Role.AUDITOR))
    one = await api.http.get("/v1/audit/export", params={"case_id": cases[1], "format": "csv"},
                             headers=auth(Role.AUDITOR))
    refused = await api.http.get("/v1/audit/export", headers=auth(Role.HR))
    half = await api.http.get("/v1/audit/export", params={"from": "2026-11-20"},
                              headers=auth(Role.AUDITOR))

    lines = [json.loads(line) for line in everything.text.splitlines()]
    assert everything.headers["content-type"].startswith("application/x-ndjson")
    assert sorted({line["case_id"] for line in lines}) == sorted(cases) and len(lines) == 9
    rows = list(csv.DictReader(io.StringIO(one.text)))
    assert [(r["case_id"], r["position"]) for r in rows] == [(cases[1], "1"), (cases[1], "2"),
                                                              (cases[1], "3")]
    assert refused.status_code == 403 and "auditor" in refused.json()["detail"]
    assert half.status_code == 422 and half.json()["errors"][0]["field"] == "from"


async def test_every_read_of_a_case_is_in_the_access_log(api: ApiStack) -> None:
    opened = await api.http.post("/v1/absences", json=absence(), headers=auth(Role.HR))
    case_id = opened.json()["case_id"]

    await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.MANAGER))
    await api.http.get(f"/v1/cases/{case_id}/history", params={"position": 1},
                       headers=auth(Role.OH))
    entries = await access_entries(api, case_id=case_id)
    forbidden = await api.http.get("/v1/audit/access", headers=auth(Role.OH))

    assert [(e["action"], e["role"], e["subject"], e["channel"], e["client"])
            for e in entries[:2]] == [
        ("case.read", "manager", "M2002", "api", "127.0.0.1"),
        ("case.history", "oh", "test-oh", "api", "127.0.0.1"),
    ]
    assert entries[1]["detail"] == "position=1"
    assert forbidden.status_code == 403
