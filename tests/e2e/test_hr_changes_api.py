"""HR changes over HTTP: a new line manager takes the case over (the old one loses it), the
employee's details and the absence's reason follow HR, each seen only by whom it should be."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from domain.actors import Role
from readside.worklist import WorklistProjector
from tests.support.api_harness import OTHER_MANAGER_TOKEN, ApiStack, absence, auth, open_case

NEW_MANAGER = {"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"}  # line manager M9999
OLD_MANAGER = auth(Role.MANAGER)  # line manager M2002


def sent_now() -> str:
    return datetime.now(UTC).isoformat()


async def until(check: Callable[[], Awaitable[Any]]) -> Any:
    for _ in range(200):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError("never happened")


async def listed(api: ApiStack, headers: dict[str, str]) -> set[str]:
    await WorklistProjector(api.harness.store, api.harness.pool).catch_up()
    page = (await api.http.get("/v1/cases?limit=200", headers=headers)).json()
    return {item["case_id"] for item in page["items"]}


async def test_a_new_line_manager_sees_the_case_and_the_old_one_no_longer_does(
        api: ApiStack) -> None:
    body = absence()
    case_id = await open_case(api, body)
    facts = f"/v1/absences/acme-trust/{body['absence_id']}"
    assert case_id in await until(lambda: listed(api, OLD_MANAGER))
    assert (await api.http.get(f"/v1/cases/{case_id}", headers=NEW_MANAGER)).status_code == 403

    change = {"sent_at": sent_now(),
              "manager": {"id": "M9999", "name": "Pat Lee", "email": "pat.lee@example.org"}}
    accepted = await api.http.post(f"{facts}/manager", json=change, headers=auth(Role.HR))
    assert accepted.status_code == 202 and accepted.json()["case_id"] == case_id

    async def seen_by_new_manager() -> dict[str, Any] | None:
        answer = await api.http.get(f"/v1/cases/{case_id}", headers=NEW_MANAGER)
        return answer.json() if answer.status_code == 200 else None

    case = await until(seen_by_new_manager)
    assert case["manager"] == {"id": "M9999", "name": "Pat Lee"}
    old = await api.http.get(f"/v1/cases/{case_id}", headers=OLD_MANAGER)
    acted = await api.http.post(f"/v1/cases/{case_id}/contact", headers=OLD_MANAGER, json={
        "contacted_at": sent_now(), "method": "phone", "agreed_contact_frequency_days": 7})
    assert old.status_code in (403, 404) and acted.status_code in (403, 404)
    assert case_id in await until(lambda: _has(listed(api, NEW_MANAGER), case_id))
    assert case_id not in await listed(api, OLD_MANAGER)
    handed = await api.harness.outbox(case_id)
    assert [(r["kind"], r["recipient_id"]) for r in handed] == [("case_handed_over", "M9999")]
    # HR's original notification sent again is still a repeat, though it names the old manager.
    again = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    assert (again.status_code, again.json()["case_id"]) == (200, case_id)


async def _has(found: Awaitable[set[str]], case_id: str) -> set[str] | None:
    cases = await found
    return cases if case_id in cases else None


async def test_details_and_reason_are_accepted_and_the_reason_is_for_oh_only(
        api: ApiStack) -> None:
    body = absence()
    case_id = await open_case(api, body)
    facts = f"/v1/absences/acme-trust/{body['absence_id']}"

    details = await api.http.post(f"{facts}/employee-details", headers=auth(Role.HR), json={
        "sent_at": sent_now(), "name": "Sam Okafor", "weekly_hours": 30})
    reason = await api.http.post(f"{facts}/reason", headers=auth(Role.HR),
                                 json={"sent_at": sent_now(), "reason_code": "S12"})
    unknown = await api.http.post(f"{facts}/reason", headers=auth(Role.HR),
                                  json={"sent_at": sent_now(), "reason_code": "S40"})
    by_manager = await api.http.post(f"{facts}/reason", headers=OLD_MANAGER,
                                     json={"sent_at": sent_now(), "reason_code": "S10"})
    assert (details.status_code, reason.status_code) == (202, 202)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "reason_code"
    assert "accepted: S10" in unknown.json()["errors"][0]["message"]
    assert by_manager.status_code == 403

    async def reason_seen_by_oh() -> dict[str, Any] | None:
        case = (await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.OH))).json()
        return case if case["clinical"]["reason_category"] == "musculoskeletal" else None

    for_oh = await until(reason_seen_by_oh)
    for_manager = (await api.http.get(f"/v1/cases/{case_id}", headers=OLD_MANAGER)).json()
    for_hr = (await api.http.get(f"/v1/cases/{case_id}", headers=auth(Role.HR))).json()
    assert for_oh["employee"]["name"] == "Sam Okafor"
    assert for_manager["employee"]["name"] == "Sam Okafor"
    assert for_manager["clinical"] is None and for_hr["clinical"] is None
    assert "S12" not in str(for_manager) and "musculoskeletal" not in str(for_hr)

    async def recorded() -> list[str] | None:
        types = [r.event_type
                 for r in await asyncio.to_thread(api.harness.store.history, case_id)]
        return types if "AbsenceReasonChanged" in types else None

    types = await until(recorded)
    assert types[:3] == ["CaseOpened", "EmployeeDetailsChanged", "AbsenceReasonChanged"]
    history = (await api.http.get(f"/v1/cases/{case_id}/history",
                                  headers=auth(Role.OH))).json()["events"]
    assert "AbsenceReasonChanged" in [entry["type"] for entry in history]
