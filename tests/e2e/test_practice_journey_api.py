"""The practice actions of the journey over HTTP: OH going on without early contact, and OH's
sign-off of a redeployment, each published with an example body and refused with a reason."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
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


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore,
              database_url: str) -> AsyncIterator[ApiStack]:
    async with serve_api(dev_server_env.client, store, database_url) as stack:
        yield stack


async def notify(api: ApiStack) -> str:
    body = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
            "first_day": datetime.now(UTC).date().isoformat(), "reason_category": "other"}
    response = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


async def test_the_new_actions_are_published_with_their_example_bodies(api: ApiStack) -> None:
    document: dict[str, Any] = (await api.http.get("/openapi.json")).json()

    for path in ("/v1/cases/{case_id}/contact/proceed",
                 "/v1/cases/{case_id}/redeployment/sign-off"):
        assert "post" in document["paths"][path], path
    assert "match" in str(document["components"]["schemas"])


async def test_oh_going_on_before_the_escalation_is_refused_with_what_is_missing(
        api: ApiStack) -> None:
    case_id = await notify(api)

    refused = await api.http.post(f"/v1/cases/{case_id}/contact/proceed",
                                  json={"reason": "No contact yet"}, headers=auth(Role.OH))
    by_manager = await api.http.post(f"/v1/cases/{case_id}/contact/proceed",
                                     json={"reason": "No contact yet"},
                                     headers=auth(Role.MANAGER))

    assert refused.status_code == 422, refused.text
    assert "escalated to HR" in refused.text
    assert by_manager.status_code == 403, by_manager.text
    contact = {"contacted_at": datetime.now(UTC).isoformat(), "method": "phone",
               "agreed_contact_frequency_days": 7}
    made = await api.http.post(f"/v1/cases/{case_id}/contact", json=contact,
                               headers=auth(Role.MANAGER))
    assert made.status_code == 200, made.text


async def test_a_sign_off_without_a_trial_is_refused_in_its_stage(api: ApiStack) -> None:
    case_id = await notify(api)

    refused = await api.http.post(f"/v1/cases/{case_id}/redeployment/sign-off",
                                  json={"on": datetime.now(UTC).date().isoformat()},
                                  headers=auth(Role.OH))

    assert refused.status_code == 409, refused.text
    assert "sign_off_redeployment" in refused.text
