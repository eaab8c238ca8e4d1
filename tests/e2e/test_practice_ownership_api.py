"""Who owns a case and who assesses it, over real HTTP with a real worker and PostgreSQL: the
professional is the signed-in user; the worklist shows the case manager in post, filters by
assignee (`mine` too) and flags the tier-2/3 cases nobody owns yet."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from domain.actors import Role
from readside.worklist import WorklistProjector
from tests.support.api_harness import ELSEWHERE_OH, NAMED_OH_TOKEN, ApiStack, auth

PEOPLE = {
    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
}
NAMED_OH = {"Authorization": f"Bearer {NAMED_OH_TOKEN}"}


def now() -> str:
    return datetime.now(UTC).isoformat()


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def assessment(tier: int, fitness: str = "fit", **extra: Any) -> dict[str, Any]:
    return {"kind": "early", "assessed_at": now(), "tier": tier, "fitness": fitness,
            "consent": {"share_fitness_with_manager": True}, "rapid_access": False, **extra}


async def post(api: ApiStack, url: str, body: dict[str, Any], headers: dict[str, str],
               expect: int = 200) -> httpx.Response:
    response = await api.http.post(url, json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response


async def assessed_case(api: ApiStack, tier: int, fitness: str = "fit") -> str:
    """A case in planning after an assessment by the named OH physician (no assessor in the
    body: the API names the signed-in user)."""
    created = await post(api, "/v1/absences", {
        "employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
        "first_day": today(), "reason_category": "other"}, auth(Role.HR), 201)
    case = f"/v1/cases/{created.json()['case_id']}"
    await post(api, f"{case}/contact", {"contacted_at": now(), "method": "phone",
                                        "agreed_contact_frequency_days": 7}, auth(Role.MANAGER))
    await post(api, f"{case}/assessments", assessment(tier, fitness), NAMED_OH)
    return case


async def worklist(api: ApiStack, query: str, headers: dict[str, str]) -> dict[str, Any]:
    """The worklist once the projector has caught up with every case."""
    projector = WorklistProjector(api.harness.store, api.harness.pool)
    await projector.catch_up()
    response = await api.http.get(f"/v1/cases?limit=200&{query}", headers=headers)
    assert response.status_code == 200, response.text
    return {item["case_id"]: item for item in response.json()["items"]}


async def settled(api: ApiStack, case: str, query: str, headers: dict[str, str],
                  present: bool = True) -> dict[str, Any]:
    case_id = case.rsplit("/", 1)[-1]
    for _ in range(100):
        items = await worklist(api, query, headers)
        if (case_id in items) is present:
            return items.get(case_id, {})
        await asyncio.sleep(0.05)
    raise AssertionError(f"{case_id} {'never' if present else 'still'} listed for {query}")


async def test_the_assessor_is_the_signed_in_professional(api: ApiStack) -> None:
    case = await assessed_case(api, 2, fitness="unfit_any_work")

    history = await asyncio.to_thread(api.harness.store.history, case.rsplit("/", 1)[-1])
    [assessed] = [r.data for r in history if r.event_type == "AssessmentRecorded"]
    assert assessed["assessor"] == {"id": "OHP-2", "name": "Dr Ana Shah",
                                    "profession": "OH physician",
                                    "registration": "GMC 7654321"}
    assert assessed["event_version"] == 2

    someone_else = await post(api, f"{case}/assessments", assessment(
        2, assessor={"id": "OHN-7", "name": "Jo Reid", "profession": "OH nurse"}),
        NAMED_OH, 422)
    assert someone_else.json()["errors"][0]["field"] == "assessor.id"
    nameless = await post(api, f"{case}/assessments", assessment(2), auth(Role.OH), 422)
    assert nameless.json()["errors"][0]["field"] == "assessor"

    await post(api, f"{case}/escalations/decision", {"escalation_number": 1, "confirm": True},
               NAMED_OH)
    history = await asyncio.to_thread(api.harness.store.history, case.rsplit("/", 1)[-1])
    [decision] = [r.data for r in history if r.event_type == "EscalationConfirmed"]
    assert decision["professional"]["id"] == "OHP-2"
    assert decision["confirmed_by"] == "Dr Ana Shah (OH physician, GMC 7654321)"


async def test_a_tier_2_case_is_unassigned_until_a_case_manager_owns_it(api: ApiStack) -> None:
    case = await assessed_case(api, 2)
    row = await settled(api, case, "unassigned=true", auth(Role.OH))
    assert row["unassigned"] is True and row["case_manager"] is None

    refused = await api.http.post(f"{case}/plan", headers=auth(Role.OH), json={
        "agreed_at": now(), "agreed_by": {"employee": True, "manager": True, "oh": True},
        "plan": {"goals": ["Back to work"], "review_dates": [today()]}})
    assert refused.status_code == 409
    assert "assign_case_manager" in refused.json()["detail"]

    not_oh = await post(api, f"{case}/case-manager", {"user_id": "M2002", "name": "Alex Jones"},
                        auth(Role.OH), 422)
    assert not_oh.json()["errors"][0]["field"] == "user_id"
    not_theirs = await post(api, f"{case}/case-manager",
                            {"user_id": ELSEWHERE_OH, "name": "Kim Lee"}, auth(Role.OH), 422)
    assert not_theirs.json()["errors"][0]["field"] == "user_id"
    assert "OH team of this case's employer" in not_theirs.json()["detail"]
    await post(api, f"{case}/case-manager", {"user_id": "OHP-2", "name": "Dr Ana Shah"},
               auth(Role.OH))
    mine = await settled(api, case, "assignee=mine", NAMED_OH)
    assert mine["case_manager"] == {"id": "OHP-2", "name": "Dr Ana Shah"}
    assert mine["unassigned"] is False
    await settled(api, case, "unassigned=true", auth(Role.OH), present=False)
    await settled(api, case, "assignee=OHP-2", auth(Role.OH))
    await settled(api, case, "assignee=mine", auth(Role.OH), present=False)


async def test_a_cover_owns_the_case_on_the_worklist_while_it_runs(api: ApiStack) -> None:
    case = await assessed_case(api, 3)
    await post(api, f"{case}/case-manager", {"user_id": "OHP-2", "name": "Dr Ana Shah"},
               auth(Role.OH))
    await post(api, f"{case}/case-manager",
               {"user_id": "OHN-9", "name": "Tom Okafor", "cover_until": today()},
               auth(Role.OH))

    covered = await settled(api, case, "assignee=OHN-9", auth(Role.OH))
    assert covered["case_manager"] == {"id": "OHN-9", "name": "Tom Okafor"}
    await settled(api, case, "assignee=mine", NAMED_OH, present=False)

    by_manager = await settled(api, case, "", auth(Role.MANAGER))
    assert by_manager["case_manager"]["id"] == "OHN-9"
    assert by_manager["unassigned"] is None, "the flag hints at the tier: OH only"
    refused = await api.http.get("/v1/cases?unassigned=true", headers=auth(Role.MANAGER))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "unassigned"


async def test_a_tier_1_case_needs_no_owner_and_takes_its_check_in(api: ApiStack) -> None:
    case = await assessed_case(api, 1)
    row = await settled(api, case, "", auth(Role.OH))
    assert row["unassigned"] is False

    closed = await post(api, f"{case}/self-help/check-ins", {
        "checked_on": today(), "fine": True, "returned_on": today(),
        "intervention_by_employee": "personal_support_confidence",
        "intervention_by_case_manager": "personal_support_confidence"}, auth(Role.OH))
    assert closed.json()["stage"] == "follow_up"
