"""Reading the KPI facts: the cases that can matter for a period, and how far the projection has
got, for the report, the API and the pages."""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

import asyncpg
from pydantic import TypeAdapter

from domain.kpis import CaseFacts, Period
from readside.gauges import EVENTS_TABLE
from readside.kpi_facts import PROJECTION

_FACTS = TypeAdapter(list[CaseFacts])

# A case matters for a period when it opened, closed, was followed up or escalated in it. The
# escalations' span (indexed) can hold the period without an escalation falling in it: such a
# row is then checked date by date.
_SELECT_RELEVANT = """
SELECT facts::text FROM rtw_kpi_facts WHERE
    (opened_on BETWEEN $1 AND $2 OR closed_on BETWEEN $1 AND $2
     OR follow_up_on BETWEEN $1 AND $2
     OR (escalated && daterange($1, $2, '[]') AND EXISTS (
         SELECT FROM jsonb_array_elements_text(facts->'escalated_on') AS e(day)
         WHERE day::date BETWEEN $1 AND $2)))
"""


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while thousands of acyclic objects are built at once:
    each pass would walk them all again (over a third of the time for 10,000 cases). Hold it
    only around work that does not await."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass(frozen=True)
class ProjectedTo:
    """How far the KPI facts are projected: the last notification applied, and the last one
    the event store holds (events after `position` are not in the figures yet)."""

    position: int
    recorded: int

    @property
    def behind(self) -> int:
        return max(0, self.recorded - self.position)


async def facts_for(pool: asyncpg.Pool, period: Period, employer_id: str | None = None,
                    *, employers: Sequence[str] | None = None) -> list[CaseFacts]:
    """The facts of every case (of the employer, or all; of `employers` only when given) with
    something in the period."""
    sql = _SELECT_RELEVANT
    args: list[object] = [period.start, period.end]
    if employer_id is not None:
        args.append(employer_id)
        sql += f" AND employer_id = ${len(args)}"
    if employers is not None:
        args.append(list(employers))
        sql += f" AND employer_id = ANY(${len(args)}::text[])"
    rows = await pool.fetch(sql, *args)
    with gc_paused():
        return _FACTS.validate_json("[" + ",".join(row[0] for row in rows) + "]")


async def recorded_span(pool: asyncpg.Pool, employer_id: str | None = None, *,
                        employers: Sequence[str] | None = None) -> Period | None:
    """From the first day a case opened to the last day anything happened to one (of the
    employer, or all; of `employers` only when given); None when no case is projected."""
    sql = ("SELECT min(opened_on) AS first, greatest(max(opened_on), max(closed_on), "
           "max(follow_up_on), max(upper(escalated) - 1)) AS last FROM rtw_kpi_facts")
    where: list[str] = []
    args: list[object] = []
    if employer_id is not None:
        args.append(employer_id)
        where.append(f"employer_id = ${len(args)}")
    if employers is not None:
        args.append(list(employers))
        where.append(f"employer_id = ANY(${len(args)}::text[])")
    row = await pool.fetchrow(sql + (" WHERE " + " AND ".join(where) if where else ""), *args)
    if row is None or row["first"] is None:
        return None
    first: date = row["first"]
    last: date = row["last"]
    return Period(first, last)


async def projected_to(pool: asyncpg.Pool) -> ProjectedTo:
    """The KPI projection's position and the event store's last notification."""
    async with pool.acquire() as connection:
        position = await connection.fetchval(
            "SELECT position FROM rtw_projection_positions WHERE name = $1", PROJECTION)
        recorded = 0
        if await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", EVENTS_TABLE):
            recorded = await connection.fetchval(
                f"SELECT coalesce(max(notification_id), 0) FROM {EVENTS_TABLE}")  # noqa: S608
    return ProjectedTo(position=position or 0, recorded=recorded)


async def quarantined_cases(pool: asyncpg.Pool) -> int:
    """Cases the KPI projection set aside: they are missing from the figures until released."""
    count: int = await pool.fetchval(
        "SELECT count(*) FROM rtw_quarantine WHERE projection = $1", PROJECTION)
    return count
