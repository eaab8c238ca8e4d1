"""Auditors over real HTTP: a clinical case's trail without its clinical content, the clinical
audit for a named purpose, other employers' cases, and an access log of every request."""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

from domain.actors import Role
from domain.disclosure import WITHHELD
from tests.e2e.test_role_redaction import CLINICAL, clinical_case
from tests.support.api_harness import (
    ELSEWHERE,
    ELSEWHERE_HR_TOKEN,
    ApiStack,
    absence,
    auth,
    open_case,
)

PURPOSE = "Serious incident review SI-2026-114, terms of reference 3"


def without_policy(read: Any) -> Any:
    """The read without the employer's policy that opened the case (its rules name services
    and conditions in general, nothing of the employee)."""
    if isinstance(read, dict):
        return {key: without_policy(value) for key, value in read.items() if key != "policy"}
    if isinstance(read, list):
        return [without_policy(value) for value in read]
    return read


async def logged(api: ApiStack, subject: str) -> list[dict[str, Any]]:
    rows = await api.harness.pool.fetch(
        "SELECT action, route, role, case_id::text, status, detail, purpose, channel "
        "FROM rtw_access_log WHERE subject = $1 ORDER BY id", subject)
    return [dict(row) for row in rows]


async def test_an_auditor_follows_a_clinical_case_without_reading_anything_clinical(
        api: ApiStack) -> None:
    case = await clinical_case(api)
    case_id = case.rsplit("/", 1)[-1]

    history = await api.http.get(f"/v1/audit/cases/{case_id}/history",
                                 headers=auth(Role.AUDITOR))
    one = await api.http.get("/v1/audit/export", params={"case_id": case_id, "format": "csv"},
                             headers=auth(Role.AUDITOR))
    everything = await api.http.get("/v1/audit/export", headers=auth(Role.AUDITOR))
    case_route = await api.http.get(f"{case}/history", headers=auth(Role.AUDITOR))

    assert history.status_code == 200, history.text
    assert [answer.status_code for answer in (one, everything, case_route)] == [200, 200, 200]
    for read in (history.json(), case_route.json(),
                 *[json.loads(line) for line in everything.text.splitlines()],
                 *[row | {"data": json.loads(row["data"])}
                   for row in csv.DictReader(io.StringIO(one.text))]):
        text = json.dumps(without_policy(read))
        assert not [marker for marker in CLINICAL if marker in text]
    events = history.json()["events"]
    assert history.json()["clinical"] is False
    assessed = next(e for e in events if e["type"] == "AssessmentRecorded")
    assert (assessed["actor_id"], assessed["reason"], assessed["data"]["number"]) == (
        "test-oh", WITHHELD, 1)
    assert {"clinical_notes", "barriers", "tier", "reason"} <= set(assessed["withheld"])
    opened = events[0]
    assert opened["reason"].startswith("absence notified by HR")
    assert opened["withheld"] == ["previous_absences", "reason_category"]
    assert [e["position"] for e in events] == list(range(1, len(events) + 1))
    assert all(e["mac"] for e in events)  # the trail can still be checked against the chain
    exported = [json.loads(line) for line in everything.text.splitlines()]
    assert case_id in {line["case_id"] for line in exported}


async def test_a_clinical_audit_names_its_purpose_and_each_such_read_keeps_it(
        api: ApiStack) -> None:
    case = await clinical_case(api)
    case_id = case.rsplit("/", 1)[-1]
    url = f"/v1/audit/cases/{case_id}/history"

    without = await api.http.get(url, headers=auth(Role.CLINICAL_AUDITOR))
    broken = await api.http.get(url, params={"purpose": f"{PURPOSE}\n2026 forged"},
                                headers=auth(Role.CLINICAL_AUDITOR))
    read = await api.http.get(url, params={"purpose": PURPOSE},
                              headers=auth(Role.CLINICAL_AUDITOR))
    export = await api.http.get("/v1/audit/export", params={"case_id": case_id,
                                                            "purpose": PURPOSE},
                                headers=auth(Role.CLINICAL_AUDITOR))
    auditor = await api.http.get(url, params={"purpose": PURPOSE}, headers=auth(Role.AUDITOR))

    assert without.status_code == 422 and without.json()["errors"][0]["field"] == "purpose"
    assert broken.status_code == 422 and "printable" in broken.json()["detail"]
    assert read.status_code == 200 and read.json()["clinical"] is True
    assert all(marker in read.text for marker in ("ZZ-CLINICAL", "ZZ-CONDITION", "ZZ-NOTES"))
    assert export.status_code == 200 and "ZZ-CLINICAL" in export.text
    assert auditor.status_code == 200 and "ZZ-CLINICAL" not in auditor.text  # role, not words
    assert [(row["action"], row["status"], row["purpose"], row["case_id"])
            for row in await logged(api, "test-clinical_auditor")] == [
        ("GET /v1/audit/cases/{case_id}/history", 422, None, case_id),
        ("GET /v1/audit/cases/{case_id}/history", 422, None, case_id),
        ("case.history", 200, PURPOSE, case_id),
        ("audit.export", 200, PURPOSE, case_id),
    ]


async def test_another_employers_case_is_not_found_by_an_auditor_and_the_try_is_logged(
        api: ApiStack) -> None:
    theirs = await open_case(api, absence(employer_id=ELSEWHERE), token=ELSEWHERE_HR_TOKEN)
    missing = str(uuid.uuid4())

    answers = [await api.http.get(path, params=params, headers=auth(Role.AUDITOR))
               for case_id in (theirs, missing)
               for path, params in ((f"/v1/audit/cases/{case_id}/history", {}),
                                    ("/v1/audit/export", {"case_id": case_id}))]
    everything = await api.http.get("/v1/audit/export", headers=auth(Role.AUDITOR))

    assert [answer.status_code for answer in answers] == [404] * 4
    assert answers[0].json()["detail"] == f"no case {theirs}"
    assert answers[0].json().keys() == answers[2].json().keys()
    assert theirs not in everything.text
    rows = [row for row in await logged(api, "test-auditor") if row["case_id"] == theirs]
    assert [(row["action"], row["status"]) for row in rows] == [("case.history", 404),
                                                                ("audit.export", 404)]


async def test_every_request_is_logged_with_its_route_and_status_and_never_raw_input(
        api: ApiStack) -> None:
    case_id = await open_case(api)
    now = "2026-11-20T10:00:00+00:00"

    await api.http.get("/v1/cases", headers=auth(Role.OH))  # the worklist
    await api.http.get("/v1/cases", params={"stage": "x\n1999-01-01 forged"},
                       headers=auth(Role.OH))
    await api.http.post(f"/v1/cases/{case_id}/check-ins", json={"contacted_at": now,
                        "method": "phone"}, headers=auth(Role.OH))  # not in this stage: 409
    await api.http.get(f"/v1/cases/{uuid.uuid4()}", headers=auth(Role.OH))  # 404
    await api.http.get("/v1/cases/not-a-case%0A1999-01-01%20forged/history",
                       headers=auth(Role.OH))  # 422
    await api.http.get(f"/v1/cases/{case_id}", headers={"Authorization": "Bearer wrong"})

    rows = await logged(api, "test-oh")
    assert [(row["route"], row["status"], row["channel"]) for row in rows] == [
        ("GET /v1/cases", 200, "api"),
        ("GET /v1/cases", 422, "api"),
        ("POST /v1/cases/{case_id}/check-ins", 409, "api"),
        ("GET /v1/cases/{case_id}", 404, "api"),
        ("GET /v1/cases/{case_id}/history", 422, "api"),
    ]
    assert rows[2]["case_id"] == case_id
    assert rows[4]["case_id"] is None and rows[4]["detail"] == "case_id=?"
    assert not [row for row in rows for value in row.values()
                if isinstance(value, str) and ("forged" in value or "\n" in value)]
    assert not await api.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_access_log WHERE subject = 'wrong' OR client = 'wrong'")


async def test_a_read_that_cannot_be_logged_is_not_answered(api: ApiStack) -> None:
    case_id = await open_case(api)
    await api.harness.pool.execute("""
        CREATE FUNCTION refuse_logging() RETURNS trigger LANGUAGE plpgsql AS
            $$BEGIN RAISE EXCEPTION 'the log is full'; END$$;
        CREATE TRIGGER refuse_logging BEFORE INSERT ON rtw_access_log
            FOR EACH ROW EXECUTE FUNCTION refuse_logging();""")

    answer = await api.http.get(f"/v1/audit/cases/{case_id}/history",
                                headers=auth(Role.AUDITOR))

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "access log cannot be written" in answer.json()["detail"]
    assert "CaseOpened" not in answer.text
