"""Direct referral over HTTP: a self-referral naming physiotherapy goes to its triage, and a
referral failing one of the service's criteria is refused naming it, with nothing started."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

from domain.actors import Role
from domain.ids import case_id_for_referral
from tests.support.api_harness import ApiStack, auth

PEOPLE = {
    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
}


def self_referral(**changes: Any) -> dict[str, Any]:
    return {"employer_id": "acme-trust", "referral_id": f"REF-{uuid.uuid4().hex[:8]}",
            **PEOPLE, "source": "self", "reason_category": "musculoskeletal",
            "referred_on": datetime.now(UTC).date().isoformat(), "service_id": "physio",
            "answers": {"treated_elsewhere": False}, **changes}


async def case_as_oh(api: ApiStack, case_id: str) -> dict[str, Any]:
    for _ in range(100):
        response = await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))
        if response.status_code == 200:
            case: dict[str, Any] = response.json()
            return case
        await asyncio.sleep(0.05)
    raise AssertionError(f"case {case_id} never opened")


async def test_a_physiotherapy_self_referral_goes_to_physiotherapy_triage(api: ApiStack) -> None:
    created = await api.http.post("/v1/referrals", json=self_referral(),
                                  headers=auth(Role.MANAGER))
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]

    case = await case_as_oh(api, case_id)
    assert case["stage"] == "referral"
    assert case["clinical"]["referral_service_id"] == "physio"
    assert "referral_triage_due" in [d["name"] for d in case["clinical"]["deadlines"]]

    accepted = await api.http.post(f"/v1/cases/{case_id}/referral/acceptance",
                                   json={"accepted_by": "Kim Lee, physio"},
                                   headers=auth(Role.OH))
    assert accepted.status_code == 200, accepted.text
    case = await case_as_oh(api, case_id)
    (therapy,) = case["clinical"]["therapies"]
    assert therapy["kind"] == "physiotherapy" and therapy["first_treatment_due_on"]
    assert case["clinical"]["oh_referral"] is None
    assert "first_treatment_due" in [d["name"] for d in case["clinical"]["deadlines"]]
    manager_view = await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.MANAGER))
    assert "first_treatment_due" not in manager_view.text


async def test_a_referral_failing_a_criterion_is_refused_naming_it(api: ApiStack) -> None:
    body = self_referral(reason_category="mental_health")

    refused = await api.http.post("/v1/referrals", json=body, headers=auth(Role.MANAGER))

    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["errors"][0]["field"] == "reason_category"
    assert "'musculoskeletal'" in problem["detail"] and "physio" in problem["detail"]
    urgent = await api.http.post(
        "/v1/referrals", json=self_referral(flags=["needs_urgent_medical_care"]),
        headers=auth(Role.MANAGER))
    assert urgent.status_code == 422 and "'not_urgent'" in urgent.json()["detail"]
    unknown = await api.http.post("/v1/referrals", json=self_referral(service_id="chiropody"),
                                  headers=auth(Role.MANAGER))
    assert unknown.status_code == 422 and "physio" in unknown.json()["detail"]
    await asyncio.sleep(0.2)
    assert await asyncio.to_thread(api.harness.store.history,
                                   _case_id(body)) == []  # nothing was started


def _case_id(body: dict[str, Any]) -> str:
    return case_id_for_referral(body["employer_id"], body["referral_id"])


async def test_a_decline_over_http_names_the_criterion_applied(api: ApiStack) -> None:
    created = await api.http.post("/v1/referrals", json=self_referral(),
                                  headers=auth(Role.MANAGER))
    case_id = created.json()["case_id"]
    await case_as_oh(api, case_id)

    wrong = await api.http.post(f"/v1/cases/{case_id}/referral/decline",
                                json={"declined_by": "Kim Lee", "criterion": "about_work"},
                                headers=auth(Role.OH))
    declined = await api.http.post(f"/v1/cases/{case_id}/referral/decline",
                                   json={"declined_by": "Kim Lee",
                                         "criterion": "no_red_flags"},
                                   headers=auth(Role.OH))

    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "criterion"
    assert "no_red_flags" in wrong.json()["detail"]
    assert declined.status_code == 200, declined.text
    assert declined.json()["stage"] == "closed"
