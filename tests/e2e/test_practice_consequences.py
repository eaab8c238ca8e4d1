"""The actions the practice rules add to fit notes, escalations and plans, over HTTP: accepted
where they are allowed, refused with the field and what is accepted where not."""

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
ASSESSMENT = {
    "kind": "early", "assessor": {"id": "test-oh", "name": "Jo Reid", "profession": "OH nurse"},
    "tier": 2, "fitness": "unfit_any_work", "barriers": ["travel"],
    "recommended_adjustments": [], "rapid_access": False, "clinical_notes": "Lumbar strain",
    "consent": {"share_fitness_with_manager": True, "share_adjustments_with_manager": True,
                "share_with_hr": True, "report_offered_to_employee": True},
}


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore,
              database_url: str) -> AsyncIterator[ApiStack]:
    async with serve_api(dev_server_env.client, store, database_url) as stack:
        yield stack


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def in_days(days: int) -> str:
    return (datetime.now(UTC).date() + timedelta(days=days)).isoformat()


def now() -> str:
    return datetime.now(UTC).isoformat()


async def post(api: ApiStack, url: str, body: dict[str, Any], role: Role,
               expect: int = 200) -> dict[str, Any]:
    response = await api.http.post(url, json=body, headers=auth(role))
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_fit_note_advice_escalation_review_and_plan_actions_over_http(
        api: ApiStack) -> None:
    body = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
            "first_day": today(), "reason_category": "other"}
    case_id = (await post(api, "/v1/absences", body, Role.HR, 201))["case_id"]
    base = f"/v1/cases/{case_id}"
    await post(api, f"{base}/contact", {"contacted_at": now(), "method": "phone",
                                        "agreed_contact_frequency_days": 7}, Role.MANAGER)
    await post(api, f"{base}/fit-notes", {
        "issued_on": today(), "issuer_profession": "doctor", "assessment": "may_be_fit",
        "options": ["phased_return", "amended_duties"], "starts_on": today(), "days": 14},
        Role.MANAGER)

    refused = await api.http.post(f"{base}/fit-notes/advice-accepted", json={
        "fit_note_number": 1, "can_make": ["altered_hours"]}, headers=auth(Role.MANAGER))
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "can_make"
    await post(api, f"{base}/fit-notes/advice-accepted",
               {"fit_note_number": 1, "can_make": ["amended_duties"]}, Role.MANAGER)

    await post(api, f"{base}/assessments", {**ASSESSMENT, "assessed_at": now()}, Role.OH)
    await post(api, f"{base}/escalations/decision",
               {"escalation_number": 1, "confirmed_by": "Dr Ana Shah, OH physician"}, Role.OH)
    case = (await api.http.get(base, headers=auth(Role.OH))).json()
    assert "escalation_review_due" in [d["name"] for d in case["clinical"]["deadlines"]]
    manager_view = (await api.http.get(base, headers=auth(Role.MANAGER))).json()
    assert "escalation_review_due" not in [d["name"] for d in manager_view["deadlines"]]
    reviewed = await post(api, f"{base}/escalations/reviews",
                          {"escalation_number": 1, "reviewed_on": today()}, Role.OH)
    assert "escalation_review_due" not in [d["name"]
                                           for d in reviewed["clinical"]["deadlines"]]

    await post(api, f"{base}/case-manager", {"user_id": "test-oh", "name": "Jo Reid"}, Role.OH)
    planned = await post(api, f"{base}/plan", {
        "agreed_at": now(),
        "plan": {"goals": ["Full duties in six weeks"],
                 "actions": [{"owner": "line manager", "description": "Desk assessment",
                              "due_on": in_days(7)}],
                 "review_dates": [in_days(14)]},
        "agreed_by": {"employee": True, "manager": True, "oh": True}}, Role.OH)
    assert planned["plan"]["adjustments"] == [
        {"kind": "amended_duties", "detail": "Amended duties, as fit note 1 advised"}]
    assert "plan_action_due" in [d["name"] for d in planned["deadlines"]]
    done = await post(api, f"{base}/plan/actions/completed",
                      {"action_number": 1, "completed_on": today()}, Role.MANAGER)
    assert "plan_action_due" not in [d["name"] for d in done["deadlines"]]
    again = await api.http.post(f"{base}/plan/actions/completed",
                                json={"action_number": 1, "completed_on": today()},
                                headers=auth(Role.MANAGER))
    assert again.status_code == 422 and again.json()["errors"][0]["field"] == "action_number"
