"""Removing an erased case's rows from every read model.

Each read table that holds a row per case (or per employee) is named here once: a new read
model that keeps anything about a case adds its table to `BY_CASE` (or `BY_EMPLOYEE`), and
erasure reaches it. What stays: the access log (who read which case, by case id: the evidence
of accesses, holding no content of the case) and the projection positions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg

from domain.ids import employee_key
from readside.quarantine import Connection

# (table, its case id column): every row of these is about one case.
BY_CASE: tuple[tuple[str, str], ...] = (
    ("rtw_worklist", "case_id"),
    ("rtw_kpi_facts", "case_id"),
    ("rtw_employee_cases", "case_id"),
    ("rtw_employee_contacts", "case_id"),
    ("rtw_documents", "case_id"),
    ("rtw_absence_links", "case_id"),
    ("rtw_idempotency_keys", "case_id"),
    ("rtw_notices", "case_id"),  # the outbox: sent, failed and pending notices alike
    ("rtw_quarantine", "case_id"),
)
# (table, employer column, employee key column): rows about one employee, not one case, found
# by the pseudonymous key (`domain.ids.employee_key`) as no read table holds the HR id.
BY_EMPLOYEE: tuple[tuple[str, str, str], ...] = (
    ("rtw_employee_links", "employer_id", "employee_key"),
)
# (table, event id column): rows about one event of a case (webhook deliveries).
BY_EVENT: tuple[tuple[str, str], ...] = (
    ("rtw_webhook_deliveries", "event_id"),
    ("rtw_webhook_failures", "event_id"),
)


@dataclass(frozen=True)
class ReadRowsRemoved:
    """How many rows each table lost."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


async def remove_read_rows(
    pool: asyncpg.Pool, *, case_ids: Sequence[str], event_ids: Sequence[str] = (),
    employee: tuple[str, str] | None = None,
) -> ReadRowsRemoved:
    """Delete the cases' rows (and the employee's, if given) from every read model, in one
    transaction. A table that does not exist yet is skipped."""
    removed: dict[str, int] = {}
    ids = [UUID(case_id) for case_id in case_ids]
    async with pool.acquire() as connection, connection.transaction():
        for table, column in BY_CASE:
            if await _exists(connection, table):
                removed[table] = _count(await connection.execute(
                    f"DELETE FROM {table} WHERE {column} = ANY($1::uuid[])", ids))  # noqa: S608 - names from BY_CASE
        for table, column in BY_EVENT:
            if event_ids and await _exists(connection, table):
                removed[table] = _count(await connection.execute(
                    f"DELETE FROM {table} WHERE {column} = ANY($1::text[])",  # noqa: S608 - names from BY_EVENT
                    list(event_ids)))
        if employee is not None:
            employer_id, employee_id = employee
            for table, employer_column, employee_column in BY_EMPLOYEE:
                if await _exists(connection, table):
                    removed[table] = _count(await connection.execute(
                        f"DELETE FROM {table} WHERE {employer_column} = $1 "  # noqa: S608 - names from BY_EMPLOYEE
                        f"AND {employee_column} = $2", employer_id,
                        UUID(employee_key(employer_id, employee_id))))
            # Links made before links were sealed name the HR id: those go too.
            if await _exists(connection, "rtw_employee_links"):
                removed["rtw_employee_links"] += _count(await connection.execute(
                    "DELETE FROM rtw_employee_links WHERE employer_id = $1 "
                    "AND employee_id = $2", employer_id, employee_id))
    return ReadRowsRemoved(removed)


async def _exists(connection: Connection, table: str) -> bool:
    return bool(await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", table))


def _count(status: str) -> int:
    # asyncpg answers "DELETE <n>"
    return int(status.rsplit(" ", 1)[-1])
