"""A community case over HTTP, from a GP's referral to the follow-up, with no employer and no
line manager: the service (role oh) enters the referral, triages it, assesses, agrees the plan
with the person and closes; the record verifies and no manager appears anywhere."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.calendar import london_date
from eventstore.store import CaseEventStore
from eventstore.verify import verify_cases
from infra.policies import PolicyBook
from tests.support.api_harness import ApiStack, auth, serve_api

PROVIDER = "primary-care-vr"
PERSON = {"id": "P-4471", "name": "Robin Shah", "email": "robin@example.org"}


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
              tmp_path: Path) -> AsyncIterator[ApiStack]:
    # The organisation running the service stands where an employer stands: its policy file.
    (tmp_path / f"{PROVIDER}.json").write_text(json.dumps([
        {"version": "pcvr-2026-01", "effective_from": "2026-01-01"}]))
    async with serve_api(dev_server_env.client, store, database_url,
                         policies=PolicyBook.load(tmp_path)) as stack:
        yield stack


def today() -> str:
    return london_date(datetime.now(UTC)).isoformat()


def now() -> str:
    return datetime.now(UTC).isoformat()


async def post(api: ApiStack, url: str, body: dict[str, Any], role: Role = Role.OH,
               expect: int = 200) -> dict[str, Any]:
    response = await api.http.post(url, json=body, headers=auth(role))
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


def gp_referral(referral_id: str, **changes: Any) -> dict[str, Any]:
    return {"provider_id": PROVIDER, "referral_id": referral_id, "person": PERSON,
            "source": "gp", "reason_category": "musculoskeletal", "referred_on": today(),
            "in_work": True, "summary": "Back pain for six weeks; struggling with shifts",
            "fit_note": {"issued_on": today(), "issuer_profession": "doctor",
                         "assessment": "may_be_fit", "options": ["altered_hours"],
                         "starts_on": today(), "days": 28},
            **changes}


ASSESSMENT = {
    "kind": "early",
    "assessor": {"id": "test-oh", "name": "Dana Cole", "profession": "occupational therapist"},
    "tier": 2, "fitness": "fit_with_adjustments", "barriers": ["shift length"],
    "recommended_adjustments": [{"kind": "work_pattern", "detail": "Shorter shifts"}],
    "consent": {"share_fitness_with_manager": False, "share_adjustments_with_manager": False,
                "share_with_hr": False, "report_offered_to_employee": True},
    "rapid_access": False, "clinical_notes": "Mechanical low back pain",
}


def community_plan() -> dict[str, Any]:
    return {
        "agreed_at": now(),
        "plan": {"goals": ["Manage full shifts without pain"],
                 "actions": [{"owner": "Robin (the person)", "due_on": today(),
                              "description": "Ask the employer for shorter shifts"}],
                 "support_organisations": ["Community physiotherapy"],
                 "review_dates": [today()]},
        "agreed_by": {"employee": True, "manager": False, "oh": True},
    }


async def test_a_community_case_from_a_gp_referral_to_the_follow_up(
        api: ApiStack, store: CaseEventStore) -> None:
    referral = gp_referral(f"GP-{uuid.uuid4().hex[:8]}")
    opened = await post(api, "/v1/community/referrals", referral, expect=201)
    case_id = str(opened["case_id"])
    base = f"/v1/cases/{case_id}"

    again = await post(api, "/v1/community/referrals", referral, expect=200)
    differs = await api.http.post("/v1/community/referrals", headers=auth(Role.OH),
                                  json={**referral, "in_work": False})
    assert again["case_id"] == case_id
    assert differs.status_code == 409, differs.text
    assert "in_work" in differs.text

    case = (await api.http.get(base, headers=auth(Role.OH))).json()
    assert (case["route"], case["stage"], case["manager"]) == ("community", "referral", None)
    assert (case["employer_id"], case["policy_version"]) == (PROVIDER, "pcvr-2026-01")

    contact = await api.http.post(f"{base}/contact", headers=auth(Role.OH), json={
        "contacted_at": now(), "method": "phone", "agreed_contact_frequency_days": 7})
    assert contact.status_code == 409, contact.text
    assert "community case" in contact.text
    by_manager = await api.http.post(f"{base}/referral/acceptance", headers=auth(Role.MANAGER),
                                     json={"accepted_by": "Alex Jones"})
    assert by_manager.status_code == 403, by_manager.text

    accepted = await post(api, f"{base}/referral/acceptance",
                          {"accepted_by": "Dana Cole, occupational therapist"})
    assert accepted["stage"] == "assessment"
    await post(api, f"{base}/assessments", {**ASSESSMENT, "assessed_at": now()})
    await post(api, f"{base}/case-manager", {"user_id": "test-oh", "name": "Dana Cole"})
    with_manager = await api.http.post(f"{base}/plan", headers=auth(Role.OH), json={
        **community_plan(), "agreed_by": {"employee": True, "manager": True, "oh": True}})
    assert with_manager.status_code == 422, with_manager.text
    planned = await post(api, f"{base}/plan", community_plan())
    assert planned["stage"] == "rehabilitation"
    await post(api, f"{base}/plan/reviews", {"reviewed_on": today(), "on_track": True})
    closed = await post(api, f"{base}/closure", {
        "outcome": "resolved_without_absence", "closed_on": today(),
        "intervention_by_employee": "msk_treatment",
        "intervention_by_case_manager": "personal_support_confidence"})
    assert closed["stage"] == "follow_up"
    done = await post(api, f"{base}/follow-up", {"checked_on": today(), "sustained": True})
    assert done["stage"] == "closed"

    history = (await api.http.get(f"{base}/history", headers=auth(Role.AUDITOR))).json()
    types = [event["type"] for event in history["events"]]
    assert types[0] == "CommunityReferralReceived"
    assert types[-1] == "FollowUpRecorded"
    assert "PlanAgreed" in types
    [verdict] = await asyncio.to_thread(lambda: list(verify_cases(store, case_id)))
    assert verdict.broken is None
    assert verdict.events == len(types)

    # No manager anywhere: not on the case, not among who acted, not in a manager's notices.
    final = (await api.http.get(base, headers=auth(Role.OH))).json()
    assert final["manager"] is None
    assert all(event.get("actor_role") != "manager" for event in history["events"])
    assert "M2002" not in json.dumps(history) + json.dumps(final)
    inbox = await api.http.get("/v1/notices", headers=auth(Role.MANAGER))
    assert inbox.status_code == 200, inbox.text
    assert case_id not in inbox.text
    hidden = await api.http.get(base, headers=auth(Role.MANAGER))
    assert hidden.status_code in (403, 404), hidden.text


async def test_a_person_out_of_work_is_referred_by_a_link_worker_and_a_bad_source_refused(
        api: ApiStack) -> None:
    linked = await post(api, "/v1/community/referrals", gp_referral(
        f"LW-{uuid.uuid4().hex[:8]}", source="link_worker", in_work=False, fit_note=None),
        expect=201)
    case = (await api.http.get(f"/v1/cases/{linked['case_id']}", headers=auth(Role.OH))).json()
    by_manager = await api.http.post("/v1/community/referrals", headers=auth(Role.OH),
                                     json=gp_referral("M-1", source="manager"))
    by_hr = await api.http.post("/v1/community/referrals", headers=auth(Role.HR),
                                json=gp_referral("H-1"))

    assert (case["route"], case["manager"]) == ("community", None)
    assert by_manager.status_code == 422, by_manager.text
    assert "link_worker" in by_manager.text
    assert by_hr.status_code == 403, by_hr.text
