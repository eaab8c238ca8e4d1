"""Every endpoint, every role: clinical detail reaches OH (and auditors' histories) only."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

from domain.actors import Role
from domain.calendar import london_date
from readside.worklist import WorklistProjector
from tests.support.api_harness import ApiStack, auth

# Markers planted in every clinical field; none may reach a role that may not see it.
CLINICAL = ("ZZ-NOTES", "ZZ-CLINICAL", "ZZ-BARRIER", "ZZ-CONDITION", "ZZ-COMMENT",
            "ZZ-CONCERN", "ZZ-WELLBEING", "mental_health", "talking_therapy")
NOT_CLINICAL_ROLES = (Role.HR, Role.MANAGER, Role.ADMIN, Role.AUDITOR)


async def clinical_case(api: ApiStack) -> str:
    """A case with something clinical in every field that can hold it."""
    now, today = datetime.now(UTC).isoformat(), datetime.now(UTC).date().isoformat()
    people = {"employee": {"id": "E1", "name": "Sam Patel", "email": "sam@example.org"},
              "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"}}
    created = await api.http.post("/v1/absences", headers=auth(Role.HR), json={
        "employer_id": "acme-trust", "absence_id": f"ABS-{uuid.uuid4().hex[:8]}", **people,
        "first_day": today, "reason_category": "mental_health"})
    case = f"/v1/cases/{created.json()['case_id']}"
    steps = [
        ("contact", Role.MANAGER, {"contacted_at": now, "method": "phone",
                                   "agreed_contact_frequency_days": 7, "notes": "ZZ-NOTES"}),
        ("assessments", Role.OH, {
            "kind": "early", "assessed_at": now, "tier": 3, "fitness": "unfit_own_role",
            "assessor": {"id": "test-oh", "name": "Dr Ana Shah", "profession": "OH physician"},
            "barriers": ["ZZ-BARRIER"], "recommended_adjustments": [],
            "consent": {"share_fitness_with_manager": True,
                        "share_adjustments_with_manager": True, "share_with_hr": True,
                        "report_offered_to_employee": True},
            "rapid_access": True, "clinical_notes": "ZZ-CLINICAL"}),
        # Report first to the employee: OH records the consent they signed.
        ("consents", Role.OH, {"assessment_number": 1, "scopes": [
            "fitness_to_manager", "adjustments_to_manager", "advice_to_hr"],
            "on": london_date(datetime.now(UTC)).isoformat(),
            "evidence": "signed consent form"}),
        # ... and, having read the report, that they have no comments (practice version 4).
        ("report-agreements", Role.OH, {"assessment_number": 1,
                                        "on": london_date(datetime.now(UTC)).isoformat(),
                                        "evidence": "email: no comments on the report"}),
        ("case-manager", Role.OH, {"user_id": "test-oh", "name": "Jo Reid"}),
        ("plan", Role.OH, {"agreed_at": now, "agreed_by": {"employee": True, "manager": True,
                                                           "oh": True},
                           "plan": {"goals": ["Back to work"], "concerns": ["ZZ-CONCERN"],
                                    "wellbeing_needs": ["ZZ-WELLBEING"],
                                    "review_dates": [today]}}),
        ("therapies", Role.OH, {"kind": "talking_therapy", "referred_on": today}),
        ("fit-notes", Role.MANAGER, {"issued_on": today, "issuer_profession": "doctor",
                                     "assessment": "not_fit", "starts_on": today, "days": 14,
                                     "condition": "ZZ-CONDITION", "comments": "ZZ-COMMENT"}),
    ]
    for path, role, body in steps:
        response = await api.http.post(f"{case}/{path}", json=body, headers=auth(role))
        assert response.status_code == 200, (path, response.text)
    return case


async def test_no_clinical_field_leaks_to_any_other_role(api: ApiStack) -> None:
    case = await clinical_case(api)
    projector = WorklistProjector(api.harness.store, api.harness.pool)
    for _ in range(100):
        await projector.catch_up()
        if (await api.http.get("/v1/cases", headers=auth(Role.OH))).json()["items"]:
            break
        await asyncio.sleep(0.05)
    now = datetime.now(UTC).isoformat()
    oh_view = (await api.http.get(case, headers=auth(Role.OH))).text
    assert all(marker in oh_view for marker in CLINICAL if marker != "ZZ-NOTES")

    for role in NOT_CLINICAL_ROLES:
        answers = {
            "case": await api.http.get(case, headers=auth(role)),
            "worklist": await api.http.get("/v1/cases", headers=auth(role)),
            "history": await api.http.get(f"{case}/history", headers=auth(role)),
            "export": await api.http.get("/v1/audit/export", headers=auth(role)),
            "access log": await api.http.get("/v1/audit/access", headers=auth(role)),
            "an action": await api.http.post(
                f"{case}/check-ins", json={"contacted_at": now, "method": "phone"},
                headers=auth(role)),
        }
        for name, response in answers.items():
            reads_histories = role is Role.AUDITOR and name in ("history", "export")
            if reads_histories:
                assert response.status_code == 200
                continue
            leaked = [marker for marker in CLINICAL if marker in response.text]
            assert not leaked, f"{role.value} saw {leaked} through {name}"
    manager_case = (await api.http.get(case, headers=auth(Role.MANAGER))).json()
    assert manager_case["fitness_advice"]["fitness"] == "unfit_own_role"  # consented
