"""Sick pay dates in the case view over HTTP: HR and OH see them with their rules; the line
manager does not."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from domain.actors import Role
from domain.sick_pay.agenda_for_change import months_on
from tests.support.api_harness import ApiStack, auth

PEOPLE = {
    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
}


async def test_hr_sees_the_sick_pay_dates_with_their_rules_and_the_manager_does_not(
        api: ApiStack) -> None:
    first_day = datetime.now(UTC).date()
    service_start = months_on(first_day, -40)  # three years and four months: the fourth year
    body = {"employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **PEOPLE,
            "first_day": first_day.isoformat(), "reason_category": "other",
            "employment": {"service_start": service_start.isoformat()}}
    opened = await api.http.post("/v1/absences", json=body, headers=auth(Role.HR))
    assert opened.status_code == 201, opened.text
    url = f"/v1/cases/{opened.json()['case_id']}"

    as_hr = (await api.http.get(url, headers=auth(Role.HR))).json()
    as_oh = (await api.http.get(url, headers=auth(Role.OH))).json()
    as_manager = (await api.http.get(url, headers=auth(Role.MANAGER))).json()

    pay = as_hr["sick_pay"]
    full_ends = months_on(first_day, 5) - timedelta(days=1)
    assert pay["full_pay_ends_on"]["on"] == full_ends.isoformat()  # five months in year 4
    assert "fourth or fifth year" in pay["full_pay_ends_on"]["rule"]
    assert "section 14" in pay["full_pay_ends_on"]["source"]
    assert pay["ssp_entitled"] is True
    assert pay["ssp_ends_on"]["on"] > first_day.isoformat()
    assert "s.155(4)" in pay["ssp_ends_on"]["source"]
    assert pay["ssp1_due_on"]["on"] < pay["ssp_ends_on"]["on"]
    assert as_oh["sick_pay"] == pay
    assert as_manager["sick_pay"] is None
    assert "ssp_ending_warning" in {d["name"] for d in as_hr["deadlines"]}
