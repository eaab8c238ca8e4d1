"""Closed cases as the read side knows them (`rtw_employee_cases` rows), for the retention
tests: the sweep reads only closures, so rows are written directly, with fixed dates."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import asyncpg

from domain.ids import employee_key


async def closed_case(pool: asyncpg.Pool, employer_id: str, closed_on: date | None, *,
                      employee_id: str = "E1001") -> str:
    """A case of the employer closed on `closed_on` (None: still open); its id."""
    case_id = str(uuid.uuid4())
    await pool.execute(
        "INSERT INTO rtw_employee_cases (case_id, employer_id, employee_key, route,"
        " first_day, last_day, stage, outcome, opened_at, closed_on,"
        " manager_id, version) VALUES ($1, $2, $3, 'rtw', $4, $4, $5, $6, $7, $8,"
        " 'M2002', 9)",
        uuid.UUID(case_id), employer_id, uuid.UUID(employee_key(employer_id, employee_id)),
        closed_on or date(2026, 1, 5), "closed" if closed_on else "early_contact",
        "returned_own_role" if closed_on else None,
        datetime(2015, 1, 5, tzinfo=UTC), closed_on,
    )
    return case_id
