"""`rtw privacy export` on real PostgreSQL, with cases made through the API: one person's
cases, their events, read rows and notices, the access log of who read them, and nothing of
another employee (nor of the same HR id at another employer)."""

from __future__ import annotations

import asyncio
import json
import stat
from pathlib import Path

import pytest

from cli.main import main
from domain.actors import Role
from domain.ids import employee_key
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY
from tests.support.api_harness import ApiStack, absence, auth, open_case
from worker.projector import projectors


@pytest.fixture(autouse=True)
def _settings(monkeypatch: pytest.MonkeyPatch, database_url: str) -> None:
    monkeypatch.setenv("RTW_DATABASE_URL", database_url)
    monkeypatch.setenv("RTW_EVENT_CIPHER_KEY", TEST_CIPHER_KEY)
    monkeypatch.setenv("RTW_AUDIT_HMAC_KEY", TEST_AUDIT_KEY)


async def _project(api: ApiStack) -> None:
    for projector in projectors(api.harness.store, api.harness.pool):
        await projector.catch_up()


async def test_the_export_holds_the_persons_cases_and_who_read_them_and_no_one_else(
        api: ApiStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = await open_case(api)
    other_person = await open_case(api, absence(employee={
        "id": "E2002", "name": "Robin Other", "email": "robin@example.org"}))
    same_id_elsewhere = await open_case(api, absence(employer_id="beacon-trust", employee={
        "id": "E1001", "name": "Kim Elsewhere", "email": "kim@example.org"}))
    for role in (Role.MANAGER, Role.OH):
        assert (await api.http.get(f"/v1/cases/{mine}", headers=auth(role))).status_code == 200
    await api.http.get(f"/v1/cases/{other_person}", headers=auth(Role.OH))
    await _project(api)
    out = tmp_path / "sar.json"

    code = await asyncio.to_thread(main, ["privacy", "export", "--employer", "acme-trust",
                                          "--employee-id", "E1001", "--out", str(out)])

    assert code == 0
    text = out.read_text()
    export = json.loads(text)
    [case] = export["cases"]
    assert case["case_id"] == mine
    assert export["request"]["employee_key"] == employee_key("acme-trust", "E1001")
    assert case["events"][0]["type"] == "CaseOpened"
    assert case["state"]["employee"] == {"id": "E1001", "name": "Sam Patel",
                                         "email": "sam@example.org"}
    assert case["read_models"]["rtw_employee_cases"][0]["closed_on"] is None
    # Sealed in the table, opened for the person the export is for.
    assert case["read_models"]["rtw_worklist"][0]["employee"] == {"id": "E1001",
                                                                  "name": "Sam Patel"}
    assert case["read_models"]["rtw_employee_cases"][0]["reason_category"] == "other"
    assert case["notices"] == [] and case["documents"] == []  # none sent or attached yet
    reads = [(e["action"], e["role"], e["subject"]) for e in case["access_log"]]
    assert ("case.read", "manager", "M2002") in reads
    assert ("case.read", "oh", "test-oh") in reads
    assert reads[-1] == ("case.export", "auditor", reads[-1][2])  # the export is a read too
    for foreign in (other_person, same_id_elsewhere, "Robin Other", "E2002", "Kim Elsewhere",
                    "beacon-trust"):
        assert foreign not in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    summary = capsys.readouterr().err
    assert "employee E1001 at acme-trust: 1 case(s)" in summary
    assert "3 read(s) by 3 reader(s)" in summary


async def test_a_person_with_no_case_gets_an_empty_export_and_bad_input_is_refused(
        api: ApiStack, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    await _project(api)

    code = await asyncio.to_thread(main, ["privacy", "export", "--employer", "acme-trust",
                                          "--employee-id", "E7777"])
    out, err = capsys.readouterr()
    refused = await asyncio.to_thread(main, ["privacy", "export", "--employer", "acme trust",
                                             "--employee-id", "E1001"])
    refusal = capsys.readouterr().err
    nowhere = await asyncio.to_thread(main, ["privacy", "export", "--employer", "acme-trust",
                                             "--employee-id", "E1001", "--out",
                                             str(tmp_path / "missing" / "sar.json")])
    no_folder = capsys.readouterr().err
    exports = await api.harness.pool.fetchval(
        "SELECT count(*) FROM rtw_access_log WHERE action = 'privacy.export'")

    assert code == 0 and json.loads(out)["cases"] == []
    assert "nothing held about employee E7777 at acme-trust" in err
    assert refused == 2
    assert refusal.startswith("rtw privacy export: --employer must be 1 to 100 letters")
    assert nowhere == 2 and "--out: cannot write" in no_folder
    assert exports == 1  # the refused ones read and logged nothing
