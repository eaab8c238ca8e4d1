"""The SEQOHS evidence pack from a real store: figures with their method, a broken record
found, sampled trails without content, and plainly what the record cannot evidence."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from pathlib import Path

from domain.actors import Actor, Role, Source
from domain.decide import decide, open_case
from domain.ids import case_id_for_absence
from domain.kpis import CaseFacts, Period
from eventstore.replay import replay
from eventstore.store import CaseEventStore
from localstack import samples as j
from reports.seqohs import gather, write
from tests.support.builders import open_command
from tests.support.notices import OPENED, CaseWriter, store_case_to_escalation
from tests.support.stored_cases import tamper

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))


def facts_of(store: CaseEventStore, case_ids: list[str]) -> list[CaseFacts]:
    return [CaseFacts.of(replay(store.history(c))[-1].state) for c in case_ids]


async def test_the_pack_states_each_figure_its_method_and_what_it_cannot_show(
    store: CaseEventStore, database_url: str, tmp_path: Path,
) -> None:
    cases = [await asyncio.to_thread(store_case_to_escalation, store,
                                     open_command(absence_id=f"ABS-{n}")) for n in range(3)]
    ids = [c.case_id for c in cases]
    tamper(database_url, "UPDATE rtw_chain_heads SET last_position = last_position - 1 "
           "WHERE case_id = %s", cases[0].case_id)
    accesses = [{"case_id": ids[1], "role": "oh"}, {"case_id": ids[1], "role": "auditor"},
                {"case_id": "another", "role": "oh"}]

    pack = await asyncio.to_thread(gather, store, facts_of(store, ids), NOVEMBER,
                                   accesses=accesses, sample=2, seed=7)

    found = {(f.domain, f.asks): f for f in pack.findings}
    contact = found[("Timeliness", "Early contact with the absent employee")]
    assert contact.evidence.startswith("0 of 3") and contact.evidenced
    records = next(f for f in pack.findings if f.domain == "Record keeping")
    assert "2 of 3 (67%) case records verify" in records.evidence
    reads = next(f for f in pack.findings if f.asks.startswith("Access to records"))
    assert reads.evidence == "2 reads of these cases recorded (auditor 1, oh 1)"
    assert {f.domain for f in pack.findings if not f.evidenced} == {
        "Timeliness", "Complaints and incidents", "Customer feedback"}
    assert len(pack.trails) == 2
    [trail, *_] = pack.trails.values()
    assert [s.type for s in trail][:2] == ["CaseOpened", "ManagerRemindedOfContact"]

    again = await asyncio.to_thread(gather, store, facts_of(store, ids), NOVEMBER,
                                    accesses=accesses, sample=2, seed=7)
    assert list(again.trails) == list(pack.trails)  # the same seed draws the same cases

    table, page = write(pack, tmp_path / "pack")
    text = page.read_text()
    assert "not recorded" in text and "<caption>Findings</caption>" in text
    assert "Sam Patel" not in text  # trails name roles and ids, never the employee
    assert table.read_text().splitlines()[0] == "domain,asks,evidence,method,evidenced"


async def test_assessments_count_their_offered_reports(
    store: CaseEventStore, tmp_path: Path,
) -> None:
    command = open_command(absence_id="ABS-OFFERED")
    writer = CaseWriter(store)
    state = await asyncio.to_thread(writer.write, [open_case(
        command, case_id=case_id_for_absence(command.employer_id, command.absence_id),
        now=OPENED, actor=Actor(id="hr", role=Role.HR, source=Source.HR_INTEGRATION))])
    at = OPENED + timedelta(hours=2)
    oh = Actor(id="OHN-7", role=Role.OH, source=Source.API)
    state = await asyncio.to_thread(writer.write, decide(state, j.early_contact(at), now=at,
                                                         actor=oh))
    state = await asyncio.to_thread(writer.write, decide(state, j.assessment(at), now=at,
                                                         actor=oh))

    pack = await asyncio.to_thread(gather, store, [CaseFacts.of(state)], NOVEMBER, accesses=[])

    consent = next(f for f in pack.findings if f.asks.startswith("Consent recorded"))
    assert consent.evidence.startswith("1 of 1 (100%) assessments")
