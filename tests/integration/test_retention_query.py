"""The closures the retention sweep reads, on a real PostgreSQL: each employer's cutoff,
oldest first, and pages that move on past a case left in place."""

from __future__ import annotations

from datetime import date

import asyncpg

from readside.retention_query import RetentionQuery
from tests.support.closed_cases import closed_case


async def test_finds_closed_cases_up_to_their_employers_cutoff_oldest_first(
        pool: asyncpg.Pool) -> None:
    older = await closed_case(pool, "acme-trust", date(2019, 6, 1))
    on_cutoff = await closed_case(pool, "acme-trust", date(2020, 11, 30))
    await closed_case(pool, "acme-trust", date(2020, 12, 1))  # a day too recent
    await closed_case(pool, "acme-trust", None)  # open
    await closed_case(pool, "beacon-trust", date(2019, 6, 1))  # beacon keeps longer
    query = RetentionQuery(pool)

    found = await query.expired_closed_cases(
        cutoffs={"acme-trust": date(2020, 11, 30), "beacon-trust": date(2016, 11, 30)},
        other_employers=date.min)

    assert [c.case_id for c in found] == [older, on_cutoff]
    assert await query.employers_with_closures(up_to=date(2020, 11, 30)) == [
        "acme-trust", "beacon-trust"]


async def test_an_employer_without_a_cutoff_of_its_own_takes_the_other_employers_one(
        pool: asyncpg.Pool) -> None:
    case = await closed_case(pool, "carlton-trust", date(2019, 6, 1))

    found = await RetentionQuery(pool).expired_closed_cases(
        cutoffs={}, other_employers=date(2020, 1, 1))

    assert [c.case_id for c in found] == [case]


async def test_pages_follow_each_other_without_repeating_a_case(pool: asyncpg.Pool) -> None:
    ids = {await closed_case(pool, "acme-trust", date(2018, 1, day)) for day in (3, 3, 4, 5, 6)}
    query = RetentionQuery(pool)
    cutoffs = {"acme-trust": date(2020, 1, 1)}
    seen: list[str] = []
    after = None
    while True:
        page = await query.expired_closed_cases(cutoffs=cutoffs, other_employers=date.min,
                                                after=after, limit=2)
        seen += [c.case_id for c in page]
        if len(page) < 2:
            break
        after = (page[-1].closed_on, page[-1].case_id)

    assert len(seen) == 5 and set(seen) == ids
