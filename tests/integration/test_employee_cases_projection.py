"""The employee's record on a real PostgreSQL: one row per case under a pseudonymous key, the
earlier absences a new case gathers from it, and a restart that ends where a fresh run does."""

from __future__ import annotations

import asyncio
from datetime import date

import asyncpg

from domain.commands import EmployeeLeft, EmployeeReturned
from domain.ids import employee_key
from domain.stages import ReasonCategory
from domain.values import PastAbsence
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from readside.employee_cases import EmployeeCasesProjector, cases_of, earlier_absences
from tests.support.builders import EMPLOYEE, HR_ACTOR
from tests.support.kpi_cases import ACME, BEACON, absence, at


def _write_record(store: CaseEventStore) -> dict[str, str]:
    """Sam's absences: one returned from, one they left during (at another employer), one
    still going on."""
    returned = absence(store, "H-1", date(2026, 9, 1), ReasonCategory.MUSCULOSKELETAL)
    returned.act(EmployeeReturned(sent_at=at(date(2026, 9, 10)), returned_on=date(2026, 9, 10)),
                 at(date(2026, 9, 10)), HR_ACTOR)
    elsewhere = absence(store, "H-2", date(2026, 10, 1), ReasonCategory.OTHER, employer=BEACON)
    elsewhere.act(EmployeeLeft(sent_at=at(date(2026, 10, 9)), left_on=date(2026, 10, 9)),
                  at(date(2026, 10, 9)), HR_ACTOR)
    going_on = absence(store, "H-3", date(2026, 11, 2), ReasonCategory.MENTAL_HEALTH)
    return {"returned": returned.state.case_id, "elsewhere": elsewhere.state.case_id,
            "going_on": going_on.state.case_id}


async def test_each_case_is_filed_under_the_employee_key_without_a_name_or_hr_id(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    ids = await asyncio.to_thread(_write_record, store)

    await EmployeeCasesProjector(store, pool).catch_up()

    cases = await cases_of(pool, ACME, EMPLOYEE.id, rows=RowSeal(store.subject_keys))
    assert [c.case_id for c in cases] == [ids["going_on"], ids["returned"]]
    going_on, returned = cases
    assert (returned.first_day, returned.last_day, returned.reason_category) == (
        date(2026, 9, 1), date(2026, 9, 9), "musculoskeletal")
    assert (going_on.last_day, going_on.stage, going_on.outcome) == (None, "early_contact", None)
    [left] = await cases_of(pool, BEACON, EMPLOYEE.id,
                           rows=RowSeal(store.subject_keys))
    assert (left.last_day, left.outcome, left.closed_on) == (
        date(2026, 10, 9), "left_employment", date(2026, 10, 9))
    stored = str(await pool.fetch("SELECT * FROM rtw_employee_cases"))
    assert EMPLOYEE.id not in stored and EMPLOYEE.name not in stored
    assert "musculoskeletal" not in stored and "mental_health" not in stored
    assert employee_key(ACME, EMPLOYEE.id) in stored


async def test_a_new_absence_gathers_the_earlier_ones_at_its_employer_only(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    ids = await asyncio.to_thread(_write_record, store)
    await EmployeeCasesProjector(store, pool).catch_up()

    found = await earlier_absences(pool, ACME, EMPLOYEE.id, before=date(2026, 11, 20),
                                   excluding=ids["going_on"], rows=RowSeal(store.subject_keys))

    assert found == (PastAbsence(first_day=date(2026, 9, 1), last_day=date(2026, 9, 9),
                                 reason_category="musculoskeletal", case_id=ids["returned"]),)
    assert await earlier_absences(pool, ACME, EMPLOYEE.id, before=date(2026, 9, 1),
                                   rows=RowSeal(store.subject_keys)) == ()
    assert await earlier_absences(pool, ACME, "E-unknown", before=date(2027, 1, 1),
                                   rows=RowSeal(store.subject_keys)) == ()


async def test_a_restarted_projection_ends_with_the_rows_of_one_run_from_scratch(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    first = await asyncio.to_thread(
        absence, store, "H-9", date(2026, 8, 3), ReasonCategory.OTHER)
    await EmployeeCasesProjector(store, pool).catch_up()
    await asyncio.to_thread(
        first.act, EmployeeReturned(sent_at=at(date(2026, 8, 7)), returned_on=date(2026, 8, 7)),
        at(date(2026, 8, 7)), HR_ACTOR)
    await asyncio.to_thread(_write_record, store)
    await EmployeeCasesProjector(store, pool).catch_up(batch=3)
    after_restart = await pool.fetch("SELECT * FROM rtw_employee_cases ORDER BY case_id")

    await pool.execute("DELETE FROM rtw_employee_cases")
    await pool.execute(
        "UPDATE rtw_projection_positions SET position = 0 WHERE name = 'employee_cases'")
    await EmployeeCasesProjector(store, pool).catch_up()

    rows = await pool.fetch("SELECT * FROM rtw_employee_cases ORDER BY case_id")
    drop = {"updated_at", "reason_sealed"}  # sealed afresh (a new nonce): compared opened
    assert ([{k: v for k, v in r.items() if k not in drop} for r in rows]
            == [{k: v for k, v in r.items() if k not in drop} for r in after_restart])
    opened = RowSeal(store.subject_keys).open_many
    assert (opened([(str(r["case_id"]), r["reason_sealed"]) for r in rows])
            == opened([(str(r["case_id"]), r["reason_sealed"]) for r in after_restart]))
    assert len(rows) == 4
