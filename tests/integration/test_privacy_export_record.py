"""`rtw privacy export` over a longer record on a real PostgreSQL: a closed case with its
notices and KPI facts, reads of the person's whole record, and no other employee's case."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path

import asyncpg
import pytest

from cli.main import main
from domain.decide import open_case
from domain.ids import case_id_for_absence, employee_key
from domain.stages import ReasonCategory
from domain.values import Person
from domain.vocabulary import Outcome
from eventstore.store import CaseEventStore
from readside.access_log import Access, record_access
from readside.web_sessions import WebSession, open_session
from tests.conftest import TEST_AUDIT_KEY, TEST_CIPHER_KEY
from tests.support.builders import HR_ACTOR, open_command
from tests.support.kpi_cases import ACME, absence, at
from tests.support.notices import CaseWriter
from worker.projector import projectors

OTHER = Person(id="E2002", name="Robin Other", email="robin@example.org")


def _write(store: CaseEventStore) -> dict[str, str]:
    sam = absence(store, "SAR-1", date(2026, 11, 2), ReasonCategory.MUSCULOSKELETAL)
    sam.fire("early_contact_due")  # the manager is reminded: a notice about Sam
    sam.close(Outcome.LEFT_EMPLOYMENT, date(2026, 11, 20))
    command = open_command(absence_id="SAR-2", first_day=date(2026, 11, 3)).model_copy(
        update={"employee": OTHER})
    other = CaseWriter(store).write([open_case(
        command, case_id=case_id_for_absence(ACME, "SAR-2"), now=at(date(2026, 11, 3), 9),
        actor=HR_ACTOR)])
    return {"sam": sam.state.case_id, "other": other.case_id}


async def test_a_closed_case_comes_with_its_notices_facts_and_the_reads_of_the_record(
        store: CaseEventStore, pool: asyncpg.Pool, database_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    ids = await asyncio.to_thread(_write, store)
    for projector in projectors(store, pool):
        await projector.catch_up()
    key = employee_key(ACME, "E1001")
    await record_access(pool, Access(subject="test-hr", role="hr", action="employee.cases",
                                     case_id=None, channel="api", client="127.0.0.1",
                                     detail=f"employee_key={key}"))
    await record_access(pool, Access(subject="test-hr", role="hr", action="employee.cases",
                                     case_id=None, channel="api", client="127.0.0.1",
                                     detail=f"employee_key={employee_key(ACME, 'E2002')}"))
    for subject, employers in (("E1001", [ACME]), ("E1001", ["beacon-trust"]),
                               ("E2002", [ACME])):
        await open_session(pool, WebSession(subject=subject, role="employee",
                                            person={"employers": employers},
                                            signed_in_with="link"), now=at(date(2026, 11, 5)))
    for name, value in (("RTW_DATABASE_URL", database_url),
                        ("RTW_EVENT_CIPHER_KEY", TEST_CIPHER_KEY),
                        ("RTW_AUDIT_HMAC_KEY", TEST_AUDIT_KEY)):
        monkeypatch.setenv(name, value)
    out = tmp_path / "sar.json"

    code = await asyncio.to_thread(main, ["privacy", "export", "--employer", ACME,
                                          "--employee-id", "E1001", "--out", str(out)])

    assert code == 0
    text = out.read_text()
    export = json.loads(text)
    [case] = export["cases"]
    assert case["case_id"] == ids["sam"]
    assert case["state"]["closure"]["closed_on"] == "2026-11-20"
    assert [e["type"] for e in case["events"]][-1] == "CaseClosed"
    assert {n["recipient_role"] for n in case["notices"]} >= {"manager"}
    assert case["read_models"]["rtw_kpi_facts"][0]["closed_on"] == "2026-11-20"
    assert [(r["action"], r["detail"]) for r in export["record_access_log"]] == [
        ("employee.cases", f"employee_key={key}"),
        ("privacy.export", f"employer={ACME} employee_key={key}")]
    [session] = export["web_sessions"]
    assert session["person"] == {"employers": [ACME]} and "digest" not in session
    assert ids["other"] not in text and "Robin Other" not in text and "beacon" not in text
