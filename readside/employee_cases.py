"""An employee's cases at an employer, one row per case, projected from the event store.

Rows are found by the pseudonymous employee key (`domain.ids.employee_key`): the table holds
no name and no HR employee id. The reason category is kept for OH (the API leaves it out for
every other role, `domain.disclosure.employee_record_for`). Projected by `readside.projection`
(its own position, `employee_cases`), so it trails the cases by the projector's interval: a
case opened a moment ago may not be in it yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import asyncpg

from domain.absence_pattern import past_absence_of
from domain.ids import employee_key
from domain.journey.absence import MAX_PAST_ABSENCES
from domain.state import CaseState
from domain.values import PastAbsence
from eventstore.store import CaseEventStore
from readside.projection import CaseProjector, Projection, prepare

PROJECTION = "employee_cases"

EMPLOYEE_CASES_DDL = """
CREATE TABLE IF NOT EXISTS rtw_employee_cases (
    case_id uuid PRIMARY KEY,
    employer_id text NOT NULL,
    employee_key uuid NOT NULL,
    route text NOT NULL,
    first_day date,
    last_day date,
    reason_category text NOT NULL,
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
"""

_UPSERT = """
INSERT INTO rtw_employee_cases (case_id, employer_id, employee_key, route, first_day, last_day,
    reason_category, stage, outcome, opened_at, closed_on, manager_id, version, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, now())
ON CONFLICT (case_id) DO UPDATE SET
    employer_id = EXCLUDED.employer_id, employee_key = EXCLUDED.employee_key,
    route = EXCLUDED.route, first_day = EXCLUDED.first_day, last_day = EXCLUDED.last_day,
    reason_category = EXCLUDED.reason_category, stage = EXCLUDED.stage,
    outcome = EXCLUDED.outcome, opened_at = EXCLUDED.opened_at,
    closed_on = EXCLUDED.closed_on, manager_id = EXCLUDED.manager_id,
    version = EXCLUDED.version, updated_at = now()
WHERE rtw_employee_cases.version < EXCLUDED.version
"""


def employee_cases_row(state: CaseState) -> tuple[Any, ...]:
    absence = past_absence_of(state)
    closure = state.closure
    return (
        state.case_id, state.employer_id, employee_key(state.employer_id, state.employee.id),
        state.route.value, absence.first_day if absence else None,
        absence.last_day if absence else None, state.reason_category.value, state.stage.value,
        closure.outcome.value if closure else None, state.opened_at,
        closure.closed_on if closure else None,
        state.manager.id if state.manager else None, state.version,
    )


EMPLOYEE_CASES = Projection(name=PROJECTION, ddl=EMPLOYEE_CASES_DDL, upsert=_UPSERT,
                            row=employee_cases_row)


class EmployeeCasesProjector(CaseProjector):
    """Tails the notification log into `rtw_employee_cases`."""

    def __init__(self, store: CaseEventStore, pool: asyncpg.Pool, *, cache_size: int = 2000):
        super().__init__(store, pool, EMPLOYEE_CASES, cache_size=cache_size)

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
    reason_category: str
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


async def cases_of(pool: asyncpg.Pool, employer_id: str, employee_id: str, *,
                   limit: int = MAX_PAST_ABSENCES) -> list[EmployeeCase]:
    """The employee's cases at the employer, newest absence first (cases without an absence
    by their opening), at most `limit`."""
    rows = await pool.fetch(
        "SELECT case_id, route, first_day, last_day, reason_category, stage, outcome,"
        " opened_at, closed_on, manager_id FROM rtw_employee_cases"
        " WHERE employee_key = $1 AND employer_id = $2"
        " ORDER BY COALESCE(first_day, opened_at::date) DESC, opened_at DESC LIMIT $3",
        employee_key(employer_id, employee_id), employer_id, limit,
    )
    return [EmployeeCase(**{**dict(row), "case_id": str(row["case_id"])}) for row in rows]


async def earlier_absences(pool: asyncpg.Pool, employer_id: str, employee_id: str, *,
                           before: date, excluding: str | None = None
                           ) -> tuple[PastAbsence, ...]:
    """rtw's own absences of the employee that began before `before`, newest first, at most
    `MAX_PAST_ABSENCES` (the case `excluding`, the one being opened, left out)."""
    try:
        rows = await pool.fetch(
            "SELECT case_id, first_day, last_day, reason_category FROM rtw_employee_cases"
            " WHERE employee_key = $1 AND employer_id = $2 AND first_day < $3"
            " AND ($4::uuid IS NULL OR case_id <> $4::uuid)"
            " ORDER BY first_day DESC LIMIT $5",
            employee_key(employer_id, employee_id), employer_id, before, excluding,
            MAX_PAST_ABSENCES,
        )
    except asyncpg.UndefinedTableError:
        return ()  # an API started before the read side's tables were made: nothing projected
    return tuple(PastAbsence(first_day=r["first_day"], last_day=r["last_day"],
                             reason_category=r["reason_category"], case_id=str(r["case_id"]))
                 for r in rows)
