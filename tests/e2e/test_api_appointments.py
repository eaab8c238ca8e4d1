"""Appointments over HTTP: OH books one, records that the employee attended, and the refusals
say what was wrong."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from eventstore.store import CaseEventStore
from tests.support.api_harness import ApiStack, auth, serve_api

PEOPLE = {
    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
}
NURSE = {"id": "OHN-7", "name": "Jo Reid", "profession": "OH nurse"}


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
              ) -> AsyncIterator[ApiStack]:
    async with serve_api(dev_server_env.client, store, database_url) as stack:
        yield stack


def moment(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def post(api: ApiStack, url: str, body: dict[str, Any], role: Role,
               expect: int = 200) -> dict[str, Any]:
    response = await api.http.post(url, json=body, headers=auth(role))
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def referred_case(api: ApiStack) -> str:
    body = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
            "first_day": datetime.now(UTC).date().isoformat(), "reason_category": "other"}
    case_id = str((await post(api, "/v1/absences", body, Role.HR, 201))["case_id"])
    base = f"/v1/cases/{case_id}"
    await post(api, f"{base}/contact", {"contacted_at": moment(), "method": "phone",
                                        "agreed_contact_frequency_days": 7}, Role.MANAGER)
    await post(api, f"{base}/oh-referral", {"reason": "Expected to be long"}, Role.MANAGER)
    return base


async def test_oh_books_an_appointment_and_records_it_attended(api: ApiStack) -> None:
    base = await referred_case(api)
    await post(api, f"{base}/appointments", {
        "at": moment(minutes=2), "method": "video", "professional": NURSE,
        "purpose": "first_consultation"}, Role.OH)
    await post(api, f"{base}/appointments/outcomes",
               {"appointment_number": 1, "outcome": "attended"}, Role.OH)

    history = (await api.http.get(f"{base}/history", headers=auth(Role.AUDITOR))).json()
    types = [event["type"] for event in history["events"]]
    assert "AppointmentBooked" in types and types[-1] == "AppointmentOutcomeRecorded"
    oh_view = (await api.http.get(base, headers=auth(Role.OH))).json()
    assert "first_assessment_due" not in {d["name"] for d in oh_view["clinical"]["deadlines"]}
    appointments = oh_view["clinical"]["appointments"]
    assert appointments["attended"] == 1 and appointments["upcoming"] == []
    assert appointments["first_consultation_at"] is not None
    manager_view = (await api.http.get(base, headers=auth(Role.MANAGER))).json()
    assert manager_view["clinical"] is None


async def test_appointment_refusals_name_what_was_wrong(api: ApiStack) -> None:
    base = await referred_case(api)
    booking = {"at": moment(days=2), "method": "phone", "professional": NURSE,
               "purpose": "review"}
    by_manager = await api.http.post(f"{base}/appointments", json=booking,
                                     headers=auth(Role.MANAGER))
    assert by_manager.status_code == 403
    in_the_past = await api.http.post(f"{base}/appointments",
                                      json={**booking, "at": moment(days=-1)},
                                      headers=auth(Role.OH))
    assert in_the_past.status_code == 422 and "at: must be in the future" in in_the_past.text
    nothing_awaited = await api.http.post(
        f"{base}/appointments/missed-decision",
        json={"decision": "rebook", "reason": "x"}, headers=auth(Role.OH))
    assert nothing_awaited.status_code == 422 and "no decision is awaited" in nothing_awaited.text
