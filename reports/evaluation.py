"""The figures of a period, read from the KPI facts: what `rtw report`, the API and the pages
show, computed once by `domain.kpis.evaluate`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg

from domain.kpis import Evaluation, Period, evaluate
from readside.kpi_query import (
    ProjectedTo,
    facts_for,
    gc_paused,
    projected_to,
    quarantined_cases,
    recorded_span,
)


@dataclass(frozen=True)
class KpiReport:
    """An evaluation, with how far the projection had got when it was read and how many cases
    it had set aside (missing from the figures)."""

    evaluation: Evaluation
    projected: ProjectedTo
    quarantined: int


def choose_period(first: date | None, last: date | None, recorded: Period | None, *,
                  today: date) -> Period:
    """The period asked for; an end not given is the first (or last) day anything was
    recorded, or `today` when nothing was. Raises ValueError if `first` is after `last`."""
    if first is not None and last is not None and first > last:
        raise ValueError(f"'from' ({first.isoformat()}) must be on or before 'to' "
                         f"({last.isoformat()})")
    start = first or (recorded.start if recorded else None)
    end = last or (recorded.end if recorded else None)
    start = start or end or today
    end = end or start
    # An end left open never makes the period run backwards.
    return Period(start, end) if start <= end else (
        Period(start, start) if first is not None else Period(end, end))


async def kpi_report(pool: asyncpg.Pool, *, first: date | None = None, last: date | None = None,
                     employer_id: str | None = None, today: date,
                     employers: Sequence[str] | None = None) -> KpiReport:
    """The figures of the period from `first` to `last` (London dates, both included) over one
    employer's cases, or all of them; of `employers` only when given (the employers an API
    caller acts for)."""
    recorded = None if first and last else await recorded_span(pool, employer_id,
                                                               employers=employers)
    period = choose_period(first, last, recorded, today=today)
    projected = await projected_to(pool)
    facts = await facts_for(pool, period, employer_id, employers=employers)
    with gc_paused():
        evaluation = evaluate(facts, period, employer_id=employer_id)
    return KpiReport(evaluation=evaluation, projected=projected,
                     quarantined=await quarantined_cases(pool))
