"""A case worked from notification to follow-up over HTTP, as HR, a line manager and OH would."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.calendar import london_date
from eventstore.store import CaseEventStore
from infra.policies import PolicyBook
from tests.support.api_harness import ApiStack, auth, serve_api

PEOPLE = {
    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
}


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
              tmp_path: Path) -> AsyncIterator[ApiStack]:
    (tmp_path / "beta-trust.json").write_text(json.dumps([
        {"version": "beta-2025-01", "effective_from": "2025-01-01"},
        {"version": "beta-2026-01", "effective_from": "2026-01-01",
         "phased_return_max_weeks": 3, "phased_return_max_weeks_on_oh_advice": 5},
        {"version": "beta-2099-01", "effective_from": "2099-01-01"},
    ]))
    async with serve_api(dev_server_env.client, store, database_url,
                         policies=PolicyBook.load(tmp_path)) as stack:
        yield stack


def today() -> str:
    return datetime.now(UTC).date().isoformat()


def now() -> str:
    return datetime.now(UTC).isoformat()


async def post(api: ApiStack, url: str, body: dict[str, Any], role: Role,
               expect: int = 200) -> dict[str, Any]:
    response = await api.http.post(url, json=body, headers=auth(role))
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def notify(api: ApiStack, employer: str = "acme-trust", **extra: Any) -> str:
    body = {"employer_id": employer, "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
            "first_day": today(), "reason_category": "other", **extra}
    return str((await post(api, "/v1/absences", body, Role.HR, 201))["case_id"])


ASSESSMENT = {
    "kind": "early", "assessor": {"id": "test-oh", "name": "Jo Reid", "profession": "OH nurse"},
    "tier": 2, "fitness": "fit_with_adjustments", "barriers": ["travel"],
    "recommended_adjustments": [{"kind": "work_pattern", "detail": "Start at 10:00"}],
    "consent": {"share_fitness_with_manager": True, "share_adjustments_with_manager": True,
                "share_with_hr": False, "report_offered_to_employee": True},
    "rapid_access": False, "clinical_notes": "Lumbar strain",
}


def plan_body() -> dict[str, Any]:
    return {
        "agreed_at": now(),
        "plan": {"goals": ["Full duties in six weeks"], "concerns": ["Lifting"],
                 "actions": [{"owner": "line manager", "description": "Desk assessment",
                              "due_on": today()}],
                 "adjustments": [{"kind": "equipment", "detail": "Sit-stand desk"}],
                 "review_dates": [today()]},
        "agreed_by": {"employee": True, "manager": True, "oh": True},
    }


async def test_a_phased_return_case_from_notification_to_follow_up(api: ApiStack) -> None:
    case_id = await notify(api)
    base = f"/v1/cases/{case_id}"
    await post(api, f"{base}/contact", {"contacted_at": now(), "method": "phone",
                                        "agreed_contact_frequency_days": 7}, Role.MANAGER)
    await post(api, f"{base}/assessments", {**ASSESSMENT, "assessed_at": now()}, Role.OH)
    # Report first to the employee: OH records the consent they signed to what OH proposed.
    await post(api, f"{base}/consents", {
        "assessment_number": 1, "scopes": ["fitness_to_manager", "adjustments_to_manager"],
        "on": london_date(datetime.now(UTC)).isoformat(), "evidence": "signed consent form"},
        Role.OH)
    # ... and, having read the report, that they have no comments: the comment window need
    # not run its course (practice version 4).
    await post(api, f"{base}/report-agreements", {
        "assessment_number": 1, "on": london_date(datetime.now(UTC)).isoformat(),
        "evidence": "email: no comments on the report"}, Role.OH)
    await post(api, f"{base}/case-manager", {"user_id": "test-oh", "name": "Jo Reid"}, Role.OH)
    await post(api, f"{base}/plan", plan_body(), Role.OH)
    weeks = [{"week": n, "hours": 10 * n, "duties": "Admin only"} for n in range(1, 5)]
    started = await post(api, f"{base}/phased-return", {"starts_on": today(), "weeks": weeks},
                         Role.OH)
    assert started["stage"] == "phased_return"
    for week in range(1, 5):
        await post(api, f"{base}/phased-return/reviews", {"week": week, "on_track": True},
                   Role.MANAGER)
    await post(api, f"{base}/phased-return/completion", {"completed_on": today()},
               Role.MANAGER)
    closed = await post(api, f"{base}/closure", {
        "outcome": "returned_with_adjustments", "closed_on": today(),
        "intervention_by_employee": "msk_treatment",
        "intervention_by_case_manager": "personal_support_confidence"}, Role.OH)
    assert closed["stage"] == "follow_up"
    assert closed["closure"]["follow_up_due_on"] is not None
    done = await post(api, f"{base}/follow-up", {"checked_on": today(), "sustained": True},
                      Role.OH)
    assert done["stage"] == "closed"
    assert done["closure"]["follow_up_sustained"] is True

    manager_view = (await api.http.get(base, headers=auth(Role.MANAGER))).json()
    hr_view = (await api.http.get(base, headers=auth(Role.HR))).json()
    oh_view = (await api.http.get(base, headers=auth(Role.OH))).json()
    assert manager_view["fitness_advice"]["fitness"] == "fit_with_adjustments"
    assert hr_view["fitness_advice"] is None  # the employee did not consent to share with HR
    for view in (manager_view, hr_view):
        text = json.dumps(view)
        assert view["clinical"] is None
        assert "Lumbar" not in text and "msk_treatment" not in text and "Lifting" not in text
    assert oh_view["clinical"]["assessments"][0]["clinical_notes"] == "Lumbar strain"

    late = await api.http.post(f"{base}/check-ins", json={"contacted_at": now(),
                                                          "method": "phone"},
                               headers=auth(Role.MANAGER))
    assert late.status_code == 409
    history = (await api.http.get(f"{base}/history", headers=auth(Role.AUDITOR))).json()
    assert history["events"][-1]["type"] == "FollowUpRecorded"


async def test_each_action_checks_the_role(api: ApiStack) -> None:
    case_id = await notify(api)
    response = await api.http.post(f"/v1/cases/{case_id}/assessments",
                                   json={**ASSESSMENT, "assessed_at": now()},
                                   headers=auth(Role.MANAGER))
    assert response.status_code == 403
    assert "allowed roles: oh" in response.json()["detail"]


async def test_a_wrong_stage_action_is_409_with_the_allowed_actions(api: ApiStack) -> None:
    case_id = await notify(api)
    response = await api.http.post(f"/v1/cases/{case_id}/plan", json=plan_body(),
                                   headers=auth(Role.OH))
    assert response.status_code == 409
    assert "record_early_contact" in response.json()["allowed_actions"]


async def test_hr_facts_extend_return_and_leave(api: ApiStack) -> None:
    body = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
            "first_day": today(), "reason_category": "other"}
    case_id = (await post(api, "/v1/absences", body, Role.HR, 201))["case_id"]
    facts = f"/v1/absences/acme-trust/{body['absence_id']}"
    last_day = (datetime.now(UTC) + timedelta(days=60)).date().isoformat()
    extension = {"sent_at": now(), "expected_last_day": last_day}
    for _ in range(2):
        await post(api, f"{facts}/extension", extension, Role.HR, 202)
    await post(api, f"{facts}/leaver", {"sent_at": now(), "left_on": today()}, Role.HR, 202)
    for _ in range(100):
        case = (await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.HR))).json()
        if case["stage"] == "closed":
            break
        await asyncio.sleep(0.05)
    assert case["closure"]["outcome"] == "left_employment"
    assert case["absence"]["expected_last_day"] == last_day
    for _ in range(100):  # the query shows a closure once decided; wait for its append
        types = [r.event_type
                 for r in await asyncio.to_thread(api.harness.store.history, case_id)]
        if "CaseClosed" in types:
            break
        await asyncio.sleep(0.05)
    assert types.count("AbsenceExtended") == 1
    late = await api.http.post(f"{facts}/extension", json=extension, headers=auth(Role.HR))
    assert late.status_code == 202  # after closure: acknowledged, changes nothing
    await asyncio.sleep(0.2)
    after = [r.event_type for r in await asyncio.to_thread(api.harness.store.history, case_id)]
    assert after == types
    refused = await api.http.post(f"{facts}/return", json={"sent_at": now()},
                                  headers=auth(Role.HR))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "returned_on"


async def test_a_referral_becomes_an_absence_on_the_same_case(api: ApiStack) -> None:
    referral = {"employer_id": "acme-trust", "referral_id": f"REF-{uuid.uuid4().hex[:8]}",
                **PEOPLE, "source": "gp", "reason_category": "other", "referred_on": today()}
    case_id = (await post(api, "/v1/referrals", referral, Role.MANAGER, 201))["case_id"]
    again = await post(api, "/v1/referrals", referral, Role.MANAGER, 200)
    assert again["case_id"] == case_id
    accepted = await post(api, f"/v1/cases/{case_id}/referral/acceptance",
                          {"accepted_by": "Jo Reid"}, Role.OH)
    assert accepted["stage"] == "assessment" and accepted["route"] == "stay_at_work"
    absence = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}",
               **PEOPLE, "first_day": today(), "reason_category": "other",
               "referral_id": referral["referral_id"]}
    joined = await post(api, "/v1/absences", absence, Role.HR, 200)
    assert joined["case_id"] == case_id
    await post(api, f"/v1/absences/acme-trust/{absence['absence_id']}/return",
               {"sent_at": now(), "returned_on": today()}, Role.HR, 202)
    for _ in range(100):
        case = (await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))).json()
        if case["absence"] and case["absence"]["returned_on"]:
            break
        await asyncio.sleep(0.05)
    assert case["absence"]["returned_on"] == today()


async def test_the_employers_policy_in_force_is_recorded_on_the_case(api: ApiStack) -> None:
    case_id = await notify(api, employer="beta-trust")
    case = (await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))).json()
    assert case["policy_version"] == "beta-2026-01"
    assert date.fromisoformat(today()) >= date(2026, 1, 1)


async def test_past_the_bounded_wait_an_action_is_accepted_and_can_be_polled(
        dev_server_env: WorkflowEnvironment, store: CaseEventStore, database_url: str) -> None:
    async with serve_api(dev_server_env.client, store, database_url,
                         update_wait_seconds=0.5) as impatient:
        case_id = await notify(impatient)
        for _ in range(100):  # the opening event is stored
            if await asyncio.to_thread(store.history, case_id):
                break
            await asyncio.sleep(0.05)
        # A slow database: the event store cannot write until this transaction ends.
        blocker = await psycopg.AsyncConnection.connect(database_url)
        await blocker.execute("LOCK TABLE rtw_events IN ACCESS EXCLUSIVE MODE")
        try:
            response = await impatient.http.post(
                f"/v1/cases/{case_id}/contact", headers=auth(Role.MANAGER),
                json={"contacted_at": now(), "method": "phone",
                      "agreed_contact_frequency_days": 7})
        finally:
            await blocker.rollback()
            await blocker.close()
        assert response.status_code == 202
        assert response.json() == {"status": "accepted", "case_id": case_id,
                                   "poll": f"/v1/cases/{case_id}"}
        for _ in range(100):
            case = (await impatient.http.get(response.json()["poll"],
                                             headers=auth(Role.MANAGER))).json()
            if case["stage"] == "assessment":
                break
            await asyncio.sleep(0.05)
        assert case["stage"] == "assessment"
        types = [r.event_type for r in await asyncio.to_thread(store.history, case_id)]
        assert types == ["CaseOpened", "EarlyContactRecorded"]
