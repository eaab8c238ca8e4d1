"""The employee's record across cases over real HTTP, with a real worker and PostgreSQL: a
second absence three weeks after the first gathers it, links to it, and each role reads the
employee's cases as far as it may."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from domain.actors import Role
from domain.calendar import london_date
from eventstore.row_seal import RowSeal
from readside.employee_cases import EmployeeCasesProjector, cases_of
from tests.support.api_harness import OTHER_MANAGER_TOKEN, ApiStack, absence, auth


def _day(days_ago: int) -> str:
    return (london_date(datetime.now(UTC)) - timedelta(days=days_ago)).isoformat()


async def _projected(api: ApiStack, employee_id: str, ready: Any) -> None:
    """Wait for the projection (run here, as the projector process would) to show `ready`."""
    projector = EmployeeCasesProjector(api.harness.store, api.harness.pool)
    for _ in range(100):
        await projector.catch_up()
        if ready(await cases_of(api.harness.pool, "acme-trust", employee_id,
                                rows=RowSeal(api.harness.store.subject_keys))):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the employee's cases were never projected as expected")


async def _get(api: ApiStack, url: str, headers: dict[str, str], expect: int = 200) -> Any:
    response = await api.http.get(url, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def test_a_second_absence_three_weeks_later_links_to_the_first(api: ApiStack) -> None:
    employee = {"id": f"E-{uuid.uuid4().hex[:8]}", "name": "Sam Patel",
                "email": "sam@example.org"}
    first = absence(employee=employee, first_day=_day(21), reason_category="musculoskeletal")
    created = await api.http.post("/v1/absences", json=first, headers=auth(Role.HR))
    assert created.status_code == 201, created.text
    first_case = created.json()["case_id"]
    returned = await api.http.post(
        f"/v1/absences/acme-trust/{first['absence_id']}/return", headers=auth(Role.HR),
        json={"sent_at": datetime.now(UTC).isoformat(), "returned_on": _day(11)})
    assert returned.status_code in (200, 202), returned.text
    await _projected(api, employee["id"],
                     lambda cases: cases and cases[0].last_day == date.fromisoformat(_day(12)))

    second = absence(employee=employee, first_day=_day(0), reason_category="musculoskeletal")
    created = await api.http.post("/v1/absences", json=second, headers=auth(Role.HR))
    assert created.status_code == 201, created.text
    case = f"/v1/cases/{created.json()['case_id']}"

    # The case opened with rtw's own first absence: its case, dates and reason category.
    oh = (await _get(api, case, auth(Role.OH)))["absence_record"]
    [earlier] = oh["previous_absences"]
    assert earlier == {"case_id": first_case, "first_day": _day(21), "last_day": _day(12),
                       "days": 10, "reason_category": "musculoskeletal"}
    assert oh["linked_to"]["first_day"] == _day(21) and oh["recurrence"] is True
    hr = (await _get(api, case, auth(Role.HR)))["absence_record"]
    assert hr["linked_to"]["first_day"] == _day(21) and hr["linked_to"]["days"] == 10
    assert hr["recurrence"] is None and hr["previous_absences"][0]["reason_category"] is None
    manager = (await _get(api, case, auth(Role.MANAGER)))["absence_record"]
    assert manager["previous_absences"] == [{"first_day": _day(21), "last_day": _day(12),
                                             "days": None, "case_id": None,
                                             "reason_category": None}]

    await _projected(api, employee["id"], lambda cases: len(cases) == 2)
    record = f"/v1/employees/acme-trust/{employee['id']}/cases"
    as_oh = await _get(api, record, auth(Role.OH))
    assert [(c["first_day"], c["linked"], c["reason_category"]) for c in as_oh["cases"]] == [
        (_day(0), True, "musculoskeletal"), (_day(21), False, "musculoskeletal")]
    assert as_oh["cases"][1]["case_id"] == first_case
    as_hr = await _get(api, record, auth(Role.HR))
    assert [(c["days"], c["stage"], c["reason_category"]) for c in as_hr["cases"]] == [
        (None, "early_contact", None), (10, "early_contact", None)]
    as_manager = await _get(api, record, auth(Role.MANAGER))  # manages the open second case
    assert [(c["first_day"], c["case_id"], c["stage"]) for c in as_manager["cases"]] == [
        (_day(0), None, None), (_day(21), None, None)]
    other_manager = {"Authorization": f"Bearer {OTHER_MANAGER_TOKEN}"}
    await _get(api, record, other_manager, 404)
    await _get(api, "/v1/employees/acme-trust/E-nobody/cases", auth(Role.OH), 404)
    await _get(api, "/v1/employees/acme-trust/not%20an%20id/cases", auth(Role.OH), 422)
    await _get(api, record, auth(Role.ADMIN), 403)
    logged = await api.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_access_log WHERE action = 'employee.cases'")
    assert logged == 3
