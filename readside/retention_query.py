"""Which closed cases have outlived their retention: a query of the closures the read side
knows (`rtw_employee_cases`, one row per case with its closure day, projected from the store).

The cutoffs come from `domain.retention` (one per employer, from its policy); this module only
filters and pages; a case of an employee under a live legal hold (`readside.legal_holds`) is
left out, and counted apart. Pages are keyed on (closure day, case id), so a sweep moves
forward through them and ends even when a case it could not erase is still there on the next
page's query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

# A daily sweep reads closures in order: an index on them (only closed cases) keeps it short.
RETENTION_DDL = """
CREATE INDEX IF NOT EXISTS rtw_employee_cases_by_closure
    ON rtw_employee_cases (closed_on, case_id) WHERE closed_on IS NOT NULL;
"""

# A case of an employee under a live legal hold (`readside.legal_holds`) is never listed: the
# hold keeps every case of theirs past its time, until it is released.
_HELD = """EXISTS (SELECT 1 FROM rtw_legal_holds h
              WHERE h.employer_id = e.employer_id AND h.employee_key = e.employee_key
                AND h.released_at IS NULL)"""

# Closed cases past their employer's cutoff ($1 employers, $2 their cutoffs, $3 the others').
_PAST_CUTOFF = """
FROM rtw_employee_cases e
LEFT JOIN unnest($1::text[], $2::date[]) AS c(employer_id, cutoff) USING (employer_id)
WHERE e.closed_on IS NOT NULL
  AND e.closed_on <= COALESCE(c.cutoff, $3::date)"""

_EXPIRED = ("SELECT e.case_id::text AS case_id, e.employer_id, e.closed_on" + _PAST_CUTOFF + """
  AND (e.closed_on, e.case_id) > ($4::date, $5::uuid)
  AND NOT """ + _HELD + """
ORDER BY e.closed_on, e.case_id
LIMIT $6
""")

_HELD_BACK = "SELECT count(*)" + _PAST_CUTOFF + "\n  AND " + _HELD + "\n"

_EMPLOYERS = """
SELECT DISTINCT employer_id FROM rtw_employee_cases
WHERE closed_on IS NOT NULL AND closed_on <= $1::date
"""

_START = (date.min, UUID(int=0))


@dataclass(frozen=True)
class ClosedCase:
    """A closed case as the sweep needs it: no name, no employee id."""

    case_id: str
    employer_id: str
    closed_on: date


class RetentionQuery:
    """The sweep's reads of closures, on the read side's pool."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def employers_with_closures(self, *, up_to: date) -> list[str]:
        """The employers that have a case closed on or before `up_to`."""
        rows = await self._pool.fetch(_EMPLOYERS, up_to)
        return sorted(row["employer_id"] for row in rows)

    async def expired_closed_cases(
        self, *, cutoffs: Mapping[str, date], other_employers: date,
        after: tuple[date, str] | None = None, limit: int = 100,
    ) -> list[ClosedCase]:
        """Closed cases whose closure day is on or before their employer's cutoff (`cutoffs`,
        by employer id; `other_employers` for an employer not named), oldest closure first,
        after the (closure day, case id) `after`, at most `limit`."""
        employers = list(cutoffs)
        start = (after[0], UUID(after[1])) if after else _START
        rows = await self._pool.fetch(_EXPIRED, employers, [cutoffs[e] for e in employers],
                                      other_employers, *start, limit)
        return [ClosedCase(case_id=r["case_id"], employer_id=r["employer_id"],
                           closed_on=r["closed_on"]) for r in rows]

    async def held_back_cases(self, *, cutoffs: Mapping[str, date],
                              other_employers: date) -> int:
        """How many closed cases past their employer's cutoff are kept by a live legal hold
        (the query above leaves them out)."""
        employers = list(cutoffs)
        return int(await self._pool.fetchval(_HELD_BACK, employers,
                                             [cutoffs[e] for e in employers],
                                             other_employers))
