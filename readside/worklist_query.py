"""Reading the worklist read model: one page of cases by next deadline, for the API."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from domain.calendar import london_date


@dataclass(frozen=True)
class WorklistQuery:
    """Which cases, in whose view. `clinical_deadlines` orders by every deadline (OH); other
    roles order by the deadlines that reveal nothing clinical."""

    clinical_deadlines: bool
    manager_id: str | None = None
    stage: str | None = None
    assigned_to: str | None = None
    employer_id: str | None = None
    overdue: bool | None = None
    assignee: str | None = None
    """The case manager in post on the query's day (a cover while it runs)."""
    unassigned: bool | None = None
    """True: tier-2/3 cases with no case manager; False: every other case."""
    employers: tuple[str, ...] | None = None
    """The employers the caller acts for: no other employer's case is listed (None: every
    employer, for the operator's own tools)."""


@dataclass(frozen=True)
class WorklistCursor:
    """Where the previous page ended: its last case's deadline and id."""

    due_at: datetime | None
    case_id: uuid.UUID


async def worklist_page(pool: asyncpg.Pool, query: WorklistQuery, *, now: datetime,
                        after: WorklistCursor | None, limit: int) -> list[asyncpg.Record]:
    """Up to `limit + 1` rows (the extra one tells there is a next page), each with the
    deadline of the caller's view as `due_at` and `due_name`, and how many of the case's
    notices the relay gave up on as `undelivered_notices`."""
    prefix = "next_deadline" if query.clinical_deadlines else "next_shared_deadline"
    due, name = f"{prefix}_at", f"{prefix}_name"
    where: list[str] = []
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if query.manager_id is not None:
        where.append(f"manager_id = {arg(query.manager_id)}")
    if query.stage is not None:
        where.append(f"stage = {arg(query.stage)}")
    if query.assigned_to is not None:
        where.append(f"assigned_to = {arg(query.assigned_to)}")
    if query.employer_id is not None:
        where.append(f"employer_id = {arg(query.employer_id)}")
    if query.employers is not None:
        where.append(f"employer_id = ANY({arg(list(query.employers))}::text[])")
    today = london_date(now)
    owner = (f"(CASE WHEN cover_until >= {arg(today)} THEN cover_id "
             "ELSE case_manager_id END)")
    owner_name = owner.replace("cover_id", "cover_name").replace("case_manager_id",
                                                                 "case_manager_name")
    if query.assignee is not None:
        where.append(f"{owner} = {arg(query.assignee)}")
    if query.unassigned is not None:
        where.append("unassigned" if query.unassigned else "NOT unassigned")
    if query.overdue is True:
        where.append(f"{due} < {arg(now)}")
    elif query.overdue is False:
        where.append(f"({due} IS NULL OR {due} >= {arg(now)})")
    if after is not None:
        if after.due_at is None:
            where.append(f"({due} IS NULL AND case_id > {arg(after.case_id)})")
        else:
            d, c = arg(after.due_at), arg(after.case_id)
            where.append(f"({due} > {d} OR ({due} = {d} AND case_id > {c}) OR {due} IS NULL)")
    sql = (
        f"SELECT case_id, employer_id, route, stage, employee_sealed, manager_id, "  # noqa: S608 - only column names are interpolated
        f"assigned_to, opened_at, {due} AS due_at, {name} AS due_name, "
        f"{owner} AS case_manager_id, {owner_name} AS case_manager_name, unassigned, "
        "(SELECT count(*) FROM rtw_notices AS n WHERE n.case_id = rtw_worklist.case_id "
        "AND n.status = 'failed') AS undelivered_notices FROM rtw_worklist"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {due} ASC NULLS LAST, case_id ASC LIMIT {arg(limit + 1)}"
    )
    rows: list[asyncpg.Record] = await pool.fetch(sql, *args)
    return rows
