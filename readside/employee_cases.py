"""An employee's cases at an employer, one row per case, projected from the event store.

Rows are found by the pseudonymous employee key (`domain.ids.employee_key`): the table holds
no name and no HR employee id. The reason category, a health signal of one person, is kept
sealed under the case's data key (`eventstore.row_seal`), opened per person in Python for OH
(the API leaves it out for every other role, `domain.disclosure.employee_record_for`) and for
the absence pattern (`domain.absence_pattern`); a case whose key was destroyed shows none.
Projected by `readside.projection` (its own position, `employee_cases`), so it trails the
cases by the projector's interval: a case opened a moment ago may not be in it yet.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from domain.absence_pattern import past_absence_of
from domain.ids import employee_key
from domain.journey.absence import MAX_PAST_ABSENCES
from domain.state import CaseState
from domain.values import PastAbsence
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from readside.projection import CaseProjector, Projection, prepare
from readside.worklist import Sealer

PROJECTION = "employee_cases"

EMPLOYEE_CASES_DDL = """
CREATE TABLE IF NOT EXISTS rtw_employee_cases (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    employee_key uuid NOT NULL,
    route text NOT NULL,
    first_day date,
    last_day date,
    reason_sealed bytea,
    stage text NOT NULL,
    outcome text,
    opened_at timestamptz NOT NULL,
    closed_on date,
    manager_id text,
    version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS rtw_employee_cases_by_employee
    ON rtw_employee_cases (employee_key, first_day DESC);
DO $$
BEGIN
    -- The reason category was kept in clear: it is sealed now (once; rules 2 projects every
    -- case again to fill the sealed column).
    IF EXISTS (SELECT 1 FROM information_schema.columns
               WHERE table_schema = current_schema() AND table_name = 'rtw_employee_cases'
               AND column_name = 'reason_category') THEN
        ALTER TABLE rtw_employee_cases DROP COLUMN IF EXISTS reason_category,
            ADD COLUMN IF NOT EXISTS reason_sealed bytea;
    END IF;
END $$;
"""

_UPSERT = """
INSERT INTO rtw_employee_cases (case_id, employer_id, employee_key, route, first_day, last_day,
    reason_sealed, stage, outcome, opened_at, closed_on, manager_id, version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, employee_key = EXCLUDED.employee_key,
    route = EXCLUDED.route, first_day = EXCLUDED.first_day, last_day = EXCLUDED.last_day,
    reason_sealed = EXCLUDED.reason_sealed, stage = EXCLUDED.stage,
    outcome = EXCLUDED.outcome, opened_at = EXCLUDED.opened_at,
    closed_on = EXCLUDED.closed_on, manager_id = EXCLUDED.manager_id,
    version = EXCLUDED.version, updated_at = now()
WHERE rtw_employee_cases.version < EXCLUDED.version
"""


def employee_cases_row(state: CaseState, seal: Sealer) -> tuple[Any, ...]:
    absence = past_absence_of(state)
    closure = state.closure
    return (
        state.case_id, state.employer_id, employee_key(state.employer_id, state.employee.id),
        state.route.value, absence.first_day if absence else None,
        absence.last_day if absence else None,
        seal(state.case_id, state.reason_category.value), state.stage.value,
        closure.outcome.value if closure else None, state.opened_at,
        closure.closed_on if closure else None,
        state.manager.id if state.manager else None, state.version,
    )


def employee_cases_projection(seal: Sealer) -> Projection:
    """The employees' cases, each reason category sealed with `seal`."""
    # Rules 2: the reason category is sealed, no longer in clear.
    return Projection(name=PROJECTION, ddl=EMPLOYEE_CASES_DDL, upsert=_UPSERT,
                      row=lambda state: employee_cases_row(state, seal), rules=2,
                      rewrite="UPDATE rtw_employee_cases SET version = 0")


def _no_row(state: CaseState) -> tuple[Any, ...]:
    raise RuntimeError("EMPLOYEE_CASES only prepares the tables: use employee_cases_projection")


EMPLOYEE_CASES = Projection(name=PROJECTION, ddl=EMPLOYEE_CASES_DDL, upsert=_UPSERT,
                            row=_no_row, rules=2,
                            rewrite="UPDATE rtw_employee_cases SET version = 0")
"""The table and rules (for `prepare`); its rows need a store's data keys."""


class EmployeeCasesProjector(CaseProjector):
    """Tails the notification log into `rtw_employee_cases`."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        seal = RowSeal(store.subject_keys, adopt=store.adopt_key).seal
        super().__init__(store, pool, employee_cases_projection(seal),
                         cache_size=cache_size)

    @staticmethod
    async def prepare(pool: asyncpg.Pool) -> None:
        """The table and starting position, if they are not there yet."""
        await prepare(pool, EMPLOYEE_CASES)


@dataclass(frozen=True)
class EmployeeCase:
    """One of an employee's cases, as the projection holds it."""

    case_id: str
    route: str
    first_day: date | None
    last_day: date | None
    reason_category: str | None
    """None once the case's data key is destroyed (or it has none)."""
    stage: str
    outcome: str | None
    opened_at: datetime
    closed_on: date | None
    manager_id: str | None
    """None on a community case (no line manager)."""

    @property
    def absence(self) -> PastAbsence | None:
        if self.first_day is None:
            return None
        return PastAbsence(first_day=self.first_day, last_day=self.last_day,
                           reason_category=self.reason_category, case_id=self.case_id)


async def cases_of(pool: asyncpg.Pool, employer_id: str, employee_id: str, *, rows: RowSeal,
                   limit: int = MAX_PAST_ABSENCES) -> list[EmployeeCase]:
    """The employee's cases at the employer, newest absence first (cases without an absence
    by their opening), at most `limit`; their reason categories opened (one key query)."""
    found = await pool.fetch(
        "SELECT case_id, route, first_day, last_day, reason_sealed, stage, outcome,"
        " opened_at, closed_on, manager_id FROM rtw_employee_cases"
        " WHERE employee_key = $1 AND employer_id = $2"
        " ORDER BY COALESCE(first_day, opened_at::date) DESC, opened_at DESC LIMIT $3",
        employee_key(employer_id, employee_id), employer_id, limit,
    )
    reasons = await _reasons(rows, found)
    return [EmployeeCase(**{**{k: v for k, v in dict(row).items() if k != "reason_sealed"},
                            "case_id": str(row["case_id"]),
                            "reason_category": reasons.get(str(row["case_id"]))})
            for row in found]


async def _reasons(rows: RowSeal, found: list[asyncpg.Record]) -> dict[str, str | None]:
    opened = await asyncio.to_thread(
        rows.open_many, [(str(r["case_id"]), r["reason_sealed"]) for r in found])
    return {case_id: value if isinstance(value, str) else None
            for case_id, value in opened.items()}


async def earlier_absences(pool: asyncpg.Pool, employer_id: str, employee_id: str, *,
                           before: date, rows: RowSeal, excluding: str | None = None
                           ) -> tuple[PastAbsence, ...]:
    """rtw's own absences of the employee that began before `before`, newest first, at most
    `MAX_PAST_ABSENCES` (the case `excluding`, the one being opened, left out)."""
    try:
        found = await pool.fetch(
            "SELECT case_id, first_day, last_day, reason_sealed FROM rtw_employee_cases"
            " WHERE employee_key = $1 AND employer_id = $2 AND first_day < $3"
            " AND ($4::uuid IS NULL OR case_id <> $4::uuid)"
            " ORDER BY first_day DESC LIMIT $5",
            employee_key(employer_id, employee_id), employer_id, before, excluding,
            MAX_PAST_ABSENCES,
        )
    except asyncpg.UndefinedTableError:
        return ()  # an API started before the read side's tables were made: nothing projected
    reasons = await _reasons(rows, found)
    return tuple(PastAbsence(first_day=r["first_day"], last_day=r["last_day"],
                             reason_category=reasons.get(str(r["case_id"])),
                             case_id=str(r["case_id"]))
                 for r in found)
