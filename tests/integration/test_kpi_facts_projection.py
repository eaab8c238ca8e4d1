"""The KPI facts on a real PostgreSQL: projected from the store, restart-safe, apart from the
worklist's position, read back by period and employer."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import date

import asyncpg

from domain.kpis import CaseFacts, Period
from domain.stages import ReasonCategory
from eventstore.store import CaseEventStore
from localstack import samples as j
from readside.kpi_facts import KpiFactsProjector
from readside.kpi_query import facts_for, projected_to, quarantined_cases, recorded_span
from readside.worklist import WorklistProjector
from tests.support import kpi_cases
from tests.support.kpi_cases import absence, at, write_varied_cases

WINTER = Period(date(2026, 11, 1), date(2027, 2, 28))


async def facts_rows(pool: asyncpg.Pool) -> dict[str, tuple[object, ...]]:
    rows = await pool.fetch("SELECT case_id, employer_id, opened_on, closed_on, follow_up_on, "
                            "escalated, facts::text AS facts, version FROM rtw_kpi_facts")
    return {str(r["case_id"]): (r["employer_id"], r["opened_on"], r["closed_on"],
                                r["follow_up_on"], r["escalated"], json.loads(r["facts"]),
                                r["version"]) for r in rows}


async def test_each_case_is_reduced_to_its_facts_and_nothing_clinical(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    ids = await asyncio.to_thread(write_varied_cases, store)

    await KpiFactsProjector(store, pool).catch_up()

    rows = await facts_rows(pool)
    assert set(rows) == set(ids.values())
    employer, opened, closed, followed, _, facts, _ = rows[ids["msk-returned"]]
    assert (employer, opened, closed, followed) == (
        "acme-trust", date(2026, 11, 2), date(2026, 11, 27), date(2027, 1, 11))
    assert CaseFacts.model_validate(facts).days_to_first_contact == 0
    escalated = rows[ids["retired"]][4]
    assert (escalated.lower, escalated.upper) == (date(2026, 11, 15), date(2026, 11, 16))
    stored = json.dumps([row[5] for row in rows.values()])
    for clinical in ("Lumbar", "Back pain", "lifting", "Sam Patel", "Outside the service"):
        assert clinical not in stored


async def test_a_restarted_projection_ends_with_the_rows_of_one_run_from_scratch(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    first = await asyncio.to_thread(
        absence, store, "A-1", date(2026, 11, 2), ReasonCategory.MUSCULOSKELETAL)
    assert await KpiFactsProjector(store, pool).catch_up() == 1
    position = await pool.fetchval(
        "SELECT position FROM rtw_projection_positions WHERE name = 'kpi_facts'")

    # Later events of that case and others; a new process (empty cache) resumes.
    await asyncio.to_thread(first.fire, "rapid_access_referral")
    await asyncio.to_thread(write_varied_cases, store)
    resumed = KpiFactsProjector(store, pool)
    applied = await resumed.catch_up(batch=7)
    assert applied == (await projected_to(pool)).recorded - position
    assert await resumed.catch_up() == 0
    after_restart = await facts_rows(pool)

    await pool.execute("DELETE FROM rtw_kpi_facts")
    await pool.execute("UPDATE rtw_projection_positions SET position = 0 WHERE name = 'kpi_facts'")
    await KpiFactsProjector(store, pool).catch_up()

    assert await facts_rows(pool) == after_restart
    assert after_restart[first.state.case_id][5]["oh_referred_on"] == "2026-11-02"


async def test_the_kpi_facts_and_the_worklist_keep_their_own_positions(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    await asyncio.to_thread(write_varied_cases, store)

    await KpiFactsProjector(store, pool).catch_up()

    positions = dict(await pool.fetch("SELECT name, position FROM rtw_projection_positions"))
    assert positions["kpi_facts"] == (await projected_to(pool)).recorded > 0
    assert positions.get("worklist", 0) == 0
    assert await pool.fetchval("SELECT count(*) FROM rtw_worklist") == 0
    await WorklistProjector(store, pool).catch_up()
    assert await pool.fetchval("SELECT count(*) FROM rtw_worklist") == 12


async def test_a_period_reads_the_cases_with_a_milestone_in_it(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    ids = await asyncio.to_thread(write_varied_cases, store)
    await KpiFactsProjector(store, pool).catch_up()

    january = await facts_for(pool, Period(date(2027, 1, 1), date(2027, 1, 31)))
    # Nothing opened in January: follow-ups and a closure.
    named = {case_id: name for name, case_id in ids.items()}
    assert sorted(named[f.case_id] for f in january) == ["beacon-left", "msk-returned",
                                                         "retired", "saw-resolved"]
    beacon = await facts_for(pool, WINTER, kpi_cases.BEACON)
    assert {f.case_id for f in beacon} == {ids["beacon-left"], ids["beacon-february"]}
    assert await recorded_span(pool) == Period(date(2026, 11, 2), date(2027, 2, 8))
    assert await recorded_span(pool, "nobody") is None


async def test_a_case_escalated_around_a_period_but_not_in_it_is_left_out(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    ids = await asyncio.to_thread(write_varied_cases, store)
    await KpiFactsProjector(store, pool).catch_up()
    retired = ids["retired"]
    facts = CaseFacts.model_validate_json(await pool.fetchval(
        "SELECT facts::text FROM rtw_kpi_facts WHERE case_id = $1::uuid", retired))
    spread = facts.model_copy(update={"escalated_on": (date(2026, 11, 15), date(2027, 3, 1))})
    await pool.execute("UPDATE rtw_kpi_facts SET facts = $2::jsonb, "
                       "escalated = daterange('2026-11-15', '2027-03-01', '[]') "
                       "WHERE case_id = $1::uuid", retired, spread.model_dump_json())

    february = await facts_for(pool, Period(date(2027, 2, 2), date(2027, 2, 27)))

    assert {f.case_id for f in february} == {ids["beacon-february"]}


async def test_a_case_the_kpi_projection_cannot_apply_is_set_aside_under_its_name(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    case_id, events = j.case_events("A-GARBLED", 1, at(date(2026, 11, 2)))
    stored = j.as_new(events[0])
    await asyncio.to_thread(
        store.append, case_id=case_id, first_position=1, policy_version=j.POLICY,
        workflow_id=case_id, run_id="run-1",
        events=[replace(stored, data={**stored.data, "reason_category": 17})])
    ids = await asyncio.to_thread(write_varied_cases, store)

    await KpiFactsProjector(store, pool).catch_up()

    held = await pool.fetch("SELECT case_id, projection FROM rtw_quarantine")
    assert [(str(r["case_id"]), r["projection"]) for r in held] == [(case_id, "kpi_facts")]
    assert await quarantined_cases(pool) == 1
    assert len(await facts_for(pool, WINTER)) == len(ids)
