"""Rows written in clear before the read tables were sealed: a projector's start changes the
columns once and projects every case again, so no old clear row survives."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import asyncpg

from domain.stages import ReasonCategory
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from readside.employee_cases import EmployeeCasesProjector, cases_of
from readside.employee_links import EmployeeContactsProjector
from tests.support.builders import EMPLOYEE
from tests.support.kpi_cases import ACME, absence

OLD_TABLES = """
CREATE TABLE rtw_projection_positions (name text PRIMARY KEY, position bigint NOT NULL,
    rules integer NOT NULL DEFAULT 1);
CREATE TABLE rtw_employee_cases (
    case_id uuid PRIMARY KEY, employer_id text NOT NULL, employee_key uuid NOT NULL,
    route text NOT NULL, first_day date, last_day date, reason_category text NOT NULL,
    stage text NOT NULL, outcome text, opened_at timestamptz NOT NULL, closed_on date,
    manager_id text, version integer NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE rtw_employee_contacts (
    case_id uuid PRIMARY KEY, employer_id text NOT NULL, employee_id text NOT NULL,
    employee_name text NOT NULL, address_digest text NOT NULL, open boolean NOT NULL,
    opened_at timestamptz NOT NULL, version integer NOT NULL);
CREATE INDEX rtw_employee_contacts_by_employee ON rtw_employee_contacts (employer_id, employee_id);
"""


async def test_old_clear_rows_are_rewritten_sealed_once(store: CaseEventStore,
                                                        pool: asyncpg.Pool) -> None:
    journey = await asyncio.to_thread(absence, store, "H-OLD", date(2026, 9, 1),
                                      ReasonCategory.MENTAL_HEALTH)
    case_id = journey.state.case_id
    await pool.execute("DROP TABLE IF EXISTS rtw_projection_positions, rtw_employee_cases,"
                       " rtw_employee_contacts")
    await pool.execute(OLD_TABLES)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    await pool.execute(
        "INSERT INTO rtw_employee_cases (case_id, employer_id, employee_key, route, first_day,"
        " reason_category, stage, opened_at, version) VALUES ($1, $2, gen_random_uuid(),"
        " 'return_to_work', $3, 'mental_health', 'early_contact', $4, 1)",
        case_id, ACME, date(2026, 9, 1), now)
    await pool.execute(
        "INSERT INTO rtw_employee_contacts VALUES ($1, $2, $3, $4, 'digest', true, $5, 1)",
        case_id, ACME, EMPLOYEE.id, EMPLOYEE.name, now)
    await pool.executemany(
        "INSERT INTO rtw_projection_positions (name, position) VALUES ($1, 1)",
        [("employee_cases",), ("employee_contacts",)])

    for projector in (EmployeeCasesProjector(store, pool), EmployeeContactsProjector(store, pool)):
        await projector.ensure_schema()
        await projector.ensure_schema()  # a second start changes nothing more
        await projector.catch_up()

    for table in ("rtw_employee_cases", "rtw_employee_contacts"):
        text = str(await pool.fetch(f"SELECT t::text FROM {table} t"))  # noqa: S608 - constant
        assert EMPLOYEE.id not in text and EMPLOYEE.name not in text, table
        assert "mental_health" not in text, table
    [case] = await cases_of(pool, ACME, EMPLOYEE.id, rows=RowSeal(store.subject_keys))
    assert (case.case_id, case.reason_category) == (case_id, "mental_health")
    rules = dict(await pool.fetch("SELECT name, rules FROM rtw_projection_positions"))
    assert rules == {"employee_cases": 2, "employee_contacts": 2}
