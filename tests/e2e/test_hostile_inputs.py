"""Inputs that real HR feeds and careless clients send: each is refused with a 4xx naming the
field, nothing is recorded, and the engine goes on serving every other case."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from domain.actors import Role
from tests.support.api_harness import OTHER_MANAGER_TOKEN, ApiStack, absence, auth, open_case

FAR_FUTURE = "9999-12-31"
YEAR_ONE = "0001-01-01"


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _cursor(due_at: str) -> str:
    raw = json.dumps([due_at, str(uuid.uuid4())]).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _fit_note(**overrides: Any) -> dict[str, Any]:
    today = datetime.now(UTC).date()
    note: dict[str, Any] = {
        "issued_on": today.isoformat(), "issuer_profession": "doctor", "assessment": "not_fit",
        "starts_on": today.isoformat(), "ends_on": (today + timedelta(days=14)).isoformat()}
    note.update(overrides)
    return note


def _field_of(response: Any) -> str | None:
    errors = response.json().get("errors") or [{}]
    return str(errors[0].get("field"))


async def _events(api: ApiStack, case_id: str) -> list[str]:
    """The case's stored event types, once its opening is stored."""
    for _ in range(100):
        types = [r.event_type
                 for r in await asyncio.to_thread(api.harness.store.history, case_id)]
        if types:
            return types
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {case_id} has no stored events")


@pytest.mark.parametrize(("field", "value"), [
    ("first_day", FAR_FUTURE), ("first_day", YEAR_ONE),
], ids=["far-future", "year-one"])
async def test_an_absence_with_a_sentinel_first_day_is_refused_and_opens_nothing(
    api: ApiStack, field: str, value: str
) -> None:
    body = absence(**{field: value})

    refused = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))

    assert refused.status_code == 422, refused.text
    assert _field_of(refused) == field
    case = await api.http.get(f"/v1/absences/{body['employer_id']}/{body['absence_id']}")
    assert case.status_code in (401, 404, 405)


async def test_a_referral_in_year_9999_is_refused(api: ApiStack) -> None:
    referral = {"employer_id": "acme-trust", "referral_id": f"REF-{uuid.uuid4().hex[:8]}",
                "employee": absence()["employee"], "manager": absence()["manager"],
                "source": "gp", "reason_category": "other", "referred_on": FAR_FUTURE}

    refused = await api.http.post("/v1/referrals", json=referral, headers=auth(Role.MANAGER))

    assert refused.status_code == 422, refused.text
    assert _field_of(refused) == "referred_on"


@pytest.mark.parametrize(("fact", "body", "field"), [
    ("extension", {"expected_last_day": FAR_FUTURE}, "expected_last_day"),
    ("return", {"returned_on": FAR_FUTURE}, "returned_on"),
    ("leaver", {"left_on": YEAR_ONE}, "left_on"),
], ids=["extension", "return", "leaver"])
async def test_hr_facts_with_sentinel_dates_are_refused_and_change_nothing(
    api: ApiStack, fact: str, body: dict[str, str], field: str
) -> None:
    notified = absence()
    case_id = await open_case(api, notified)
    before = await _events(api, case_id)

    refused = await api.http.post(
        f"/v1/absences/{notified['employer_id']}/{notified['absence_id']}/{fact}",
        json={"sent_at": _now(), **body}, headers=auth(Role.HR))

    assert refused.status_code == 422, refused.text
    assert _field_of(refused) == field
    await asyncio.sleep(0.3)
    assert await _events(api, case_id) == before


@pytest.mark.parametrize(("path", "body", "field"), [
    ("fit-notes", _fit_note(ends_on=FAR_FUTURE), "ends_on"),
    ("fit-notes", _fit_note(issued_on=YEAR_ONE, starts_on=YEAR_ONE), "issued_on"),
    ("contact", {"contacted_at": "9999-12-31T09:00:00+00:00", "method": "phone",
                 "agreed_contact_frequency_days": 7}, "contacted_at"),
], ids=["fit-note-end", "fit-note-issue", "contact-time"])
async def test_actions_with_sentinel_dates_are_refused_and_record_nothing(
    api: ApiStack, path: str, body: dict[str, Any], field: str
) -> None:
    case_id = await open_case(api)
    before = await _events(api, case_id)

    refused = await api.http.post(f"/v1/cases/{case_id}/{path}", json=body,
                                  headers=auth(Role.OH))

    assert refused.status_code == 422, refused.text
    assert _field_of(refused) == field
    assert await _events(api, case_id) == before


@pytest.mark.parametrize(("url", "field"), [
    ("/v1/cases/{case}/history?as_of=9999-12-31", "as_of"),
    ("/v1/cases/{case}/history?as_of=0001-01-01T00:00:00%2B00:00", "as_of"),
    ("/v1/cases?cursor=" + _cursor("0001-01-01T00:00:00+00:00"), "cursor"),
    ("/v1/cases?cursor=" + _cursor("9999-12-31T23:59:59+00:00"), "cursor"),
    ("/v1/audit/export?from=2026-01-01&to=%00", "to"),
    ("/v1/audit/export?from=0001-01-01&to=9999-12-31", "from"),
    ("/v1/audit/access?case_id=%00", "case_id"),
], ids=["as-of-date", "as-of-year-one", "cursor-year-one", "cursor-far", "export-nul",
        "export-range", "access-nul"])
async def test_edge_values_in_queries_are_refused_naming_the_parameter(
    api: ApiStack, url: str, field: str
) -> None:
    case_id = await open_case(api)

    refused = await api.http.get(url.format(case=case_id), headers=auth(Role.AUDITOR))

    assert refused.status_code == 422, refused.text
    assert field in (_field_of(refused) or "")


async def test_a_repeated_notification_naming_another_employee_is_a_conflict(
    api: ApiStack
) -> None:
    first = absence()
    case_id = await open_case(api, first)
    other = {**first, "employee": {"id": "E7777", "name": "Kim Lee", "email": "kim@example.org"}}

    conflict = await api.http.post("/v1/absences", json=other, headers=auth(Role.HR))
    same = await api.http.post("/v1/absences", json=first, headers=auth(Role.HR))

    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["differences"] == ["employee"]
    assert same.status_code == 200 and same.json()["case_id"] == case_id


async def test_a_repeated_referral_naming_another_source_is_a_conflict(api: ApiStack) -> None:
    referral = {"employer_id": "acme-trust", "referral_id": f"REF-{uuid.uuid4().hex[:8]}",
                "employee": absence()["employee"], "manager": absence()["manager"],
                "source": "gp", "reason_category": "other",
                "referred_on": datetime.now(UTC).date().isoformat()}
    first = await api.http.post("/v1/referrals", json=referral, headers=auth(Role.MANAGER))
    assert first.status_code == 201, first.text

    conflict = await api.http.post("/v1/referrals", json={**referral, "source": "self"},
                                   headers=auth(Role.MANAGER))

    assert conflict.status_code == 409, conflict.text
    assert conflict.json()["differences"] == ["source"]


async def test_an_absence_naming_an_unknown_referral_links_nothing(api: ApiStack) -> None:
    body = absence(referral_id=f"REF-{uuid.uuid4().hex[:8]}")

    unknown = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    opened = await api.http.post("/v1/absences", json={**body, "referral_id": None},
                                 headers=auth(Role.HR))
    returned = await api.http.post(
        f"/v1/absences/{body['employer_id']}/{body['absence_id']}/return",
        json={"sent_at": _now(), "returned_on": body["first_day"]}, headers=auth(Role.HR))

    assert unknown.status_code == 404, unknown.text
    assert opened.status_code == 201, opened.text
    assert returned.status_code == 202
    assert returned.json()["case_id"] == opened.json()["case_id"]


async def test_a_manager_outside_the_team_learns_nothing_from_a_refusal(api: ApiStack) -> None:
    case_id = await open_case(api)
    other = {"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"}

    refused = await api.http.post(f"/v1/cases/{case_id}/phased-return/completion",
                                  json={"completed_on": datetime.now(UTC).date().isoformat()},
                                  headers=other)

    assert refused.status_code == 403, refused.text
    assert "stage" not in refused.text.lower()


async def test_after_every_hostile_input_the_engine_serves_other_cases(api: ApiStack) -> None:
    await api.http.post("/v1/absences", json=absence(first_day=FAR_FUTURE),
                        headers=auth(Role.HR))
    case_id = await open_case(api)

    contacted = await api.http.post(
        f"/v1/cases/{case_id}/contact", headers=auth(Role.MANAGER),
        json={"contacted_at": _now(), "method": "phone", "agreed_contact_frequency_days": 7})
    listed = await api.http.get("/v1/cases", headers=auth(Role.OH))

    assert contacted.status_code == 200, contacted.text
    assert listed.status_code == 200
