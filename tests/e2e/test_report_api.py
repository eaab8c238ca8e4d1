"""GET /v1/reports/kpis over HTTP: the figures `rtw report` writes, for OH and auditors
(never the operator role), read from the KPI facts as far as they are projected."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from domain.actors import Role
from domain.kpis import MEASURES
from domain.stages import ReasonCategory
from readside.kpi_facts import KpiFactsProjector
from tests.support.api_harness import ApiStack, auth
from tests.support.kpi_cases import absence, write_varied_cases


@pytest.fixture
async def projected(api: ApiStack) -> dict[str, str]:
    """The varied cases, stored and projected (the API itself runs no projector)."""
    ids = await asyncio.to_thread(write_varied_cases, api.harness.store)
    await KpiFactsProjector(api.harness.store, api.harness.pool).catch_up()
    return ids


async def test_oh_reads_every_measure_with_its_definition_over_everything_recorded(
        api: ApiStack, projected: dict[str, str]) -> None:
    response = await api.http.get("/v1/reports/kpis", headers=auth(Role.OH))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"from": "2026-11-02", "to": "2027-02-08"}
    assert body["employer_id"] is None and body["cases"] == len(projected)
    assert [(m["name"], m["definition"]) for m in body["measures"]] == [
        (m.name, m.definition) for m in MEASURES]
    measures = {m["name"]: m["value"] for m in body["measures"]}
    # The case whose return was found not sustained is open again (practice rules).
    assert measures["referrals"] == 12 and measures["cases_closed"] == 7
    assert measures["returned_to_work_rate"] == round(3 / 7, 4)
    assert {o["outcome"]: o["cases"] for o in body["outcomes"]}["declined"] == 1
    assert len(body["interventions"]) == 8
    assert body["policy_versions"] == ["default-2026-04"]
    assert body["projected_to"]["behind"] == 0 and body["quarantined_cases"] == 0


async def test_a_period_and_an_employer_narrow_the_figures(
        api: ApiStack, projected: dict[str, str]) -> None:
    response = await api.http.get(
        "/v1/reports/kpis", params={"from": "2026-12-01", "to": "2026-12-31",
                                    "employer": "beacon-trust"}, headers=auth(Role.AUDITOR))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"] == {"from": "2026-12-01", "to": "2026-12-31"}
    assert body["employer_id"] == "beacon-trust"
    assert body["referrals"] == [{"route": "return_to_work", "source": "hr_notification",
                                  "reason_category": "musculoskeletal", "cases": 1}]


async def test_the_answer_says_how_far_the_figures_are_projected(
        api: ApiStack, projected: dict[str, str]) -> None:
    await asyncio.to_thread(absence, api.harness.store, "A-LATE", date(2027, 2, 9),
                            ReasonCategory.OTHER)

    body = (await api.http.get("/v1/reports/kpis", headers=auth(Role.AUDITOR))).json()

    assert body["projected_to"]["behind"] == 1
    assert body["projected_to"]["recorded"] == body["projected_to"]["position"] + 1
    assert body["period"]["to"] == "2027-02-08"  # the new case is not in the figures yet


@pytest.mark.parametrize("role", [Role.HR, Role.MANAGER, Role.ADMIN])
async def test_other_roles_are_refused_with_the_roles_allowed(api: ApiStack, role: Role) -> None:
    response = await api.http.get("/v1/reports/kpis", headers=auth(role))

    assert response.status_code == 403
    assert response.json()["detail"].endswith("allowed roles: oh, auditor")


@pytest.mark.parametrize(("params", "field", "message"), [
    ({"from": "2026-02-30"}, "from", "'2026-02-30' is not a date (YYYY-MM-DD)"),
    ({"to": "soon"}, "to", "'soon' is not a date (YYYY-MM-DD)"),
    ({"from": "2027-01-02", "to": "2027-01-01"}, "from", "must be on or before 'to' (2027-01-01)"),
])
async def test_a_bad_date_is_a_422_naming_the_field(
        api: ApiStack, params: dict[str, str], field: str, message: str) -> None:
    response = await api.http.get("/v1/reports/kpis", params=params, headers=auth(Role.OH))

    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": field, "message": message}]
