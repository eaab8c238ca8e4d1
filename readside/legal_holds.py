"""Legal holds: an employee whose records the trust must keep, past their retention period and
against an erasure request, while a legal claim is expected or under way (UK GDPR Art. 17(3)(e):
the right to erasure does not apply where the processing is necessary for the establishment,
exercise or defence of legal claims; Art. 5(1)(e) allows keeping data as long as the purpose
needs it).

A hold is on one employee at one employer, found by the pseudonymous employee key
(`domain.ids.employee_key`): the table holds no HR id and no name. A hold is never deleted, only
released (who, when and why are kept beside who placed it, when and why), so the history of
holds stays whole; the database refuses a DELETE, a TRUNCATE, a second release and any change
to a hold's placing. At most one hold per employee per employer is live at a time.

What a live hold does: the retention sweep's query leaves every case of the employee out
(`readside.retention_query`), and the eraser (`activities.privacy.Eraser`) refuses to erase any
of their cases, whoever asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from domain.actors import PRINTABLE
from domain.ids import employee_key
from domain.retention import hold_placed

MAX_REASON = 500
MAX_NAME = 200

LEGAL_HOLDS_DDL = """
CREATE TABLE IF NOT EXISTS rtw_legal_holds (
    hold_id bigserial PRIMARY KEY,
    employer_id text NOT NULL,
    employee_key uuid NOT NULL,
    reason text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500
                                AND reason !~ '[\\x01-\\x1f\\x7f]'),
    placed_by text NOT NULL CHECK (char_length(placed_by) BETWEEN 1 AND 200),
    placed_at timestamptz NOT NULL DEFAULT now(),
    released_at timestamptz,
    released_by text CHECK (char_length(released_by) BETWEEN 1 AND 200),
    release_reason text CHECK (char_length(release_reason) BETWEEN 1 AND 500
                               AND release_reason !~ '[\\x01-\\x1f\\x7f]'),
    CHECK ((released_at IS NULL) = (released_by IS NULL)
           AND (released_at IS NULL) = (release_reason IS NULL))
);
-- One live hold per employee per employer.
CREATE UNIQUE INDEX IF NOT EXISTS rtw_legal_holds_live
    ON rtw_legal_holds (employer_id, employee_key) WHERE released_at IS NULL;
CREATE OR REPLACE FUNCTION rtw_legal_holds_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' THEN
        RAISE EXCEPTION 'rtw: % on rtw_legal_holds refused: a hold is released, never deleted',
            TG_OP;
    END IF;
    IF OLD.released_at IS NOT NULL THEN
        RAISE EXCEPTION 'rtw: hold % was released already: it is not changed', OLD.hold_id;
    END IF;
    IF (NEW.employer_id, NEW.employee_key, NEW.reason, NEW.placed_by, NEW.placed_at)
            IS DISTINCT FROM
       (OLD.employer_id, OLD.employee_key, OLD.reason, OLD.placed_by, OLD.placed_at) THEN
        RAISE EXCEPTION 'rtw: hold %: only its release may be recorded', OLD.hold_id;
    END IF;
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER rtw_legal_holds_kept BEFORE UPDATE OR DELETE ON rtw_legal_holds
    FOR EACH ROW EXECUTE FUNCTION rtw_legal_holds_kept();
CREATE OR REPLACE TRIGGER rtw_legal_holds_no_truncate BEFORE TRUNCATE ON rtw_legal_holds
    FOR EACH STATEMENT EXECUTE FUNCTION rtw_legal_holds_kept();
"""

_COLUMNS = ("hold_id, employer_id, employee_key::text AS employee_key, reason, placed_by, "
            "placed_at, released_at, released_by, release_reason")

HOLDS_OF_EMPLOYEE_SQL = (f"SELECT {_COLUMNS} FROM rtw_legal_holds "  # noqa: S608 - constants
                         "WHERE employer_id = %s AND employee_key = %s::uuid "
                         "ORDER BY placed_at, hold_id")
"""Every hold (live and released) of one employee at one employer, oldest first, for
psycopg: parameters (employer id, employee key)."""

_PRINTABLE = re.compile(PRINTABLE)


class HoldRefused(ValueError):
    """A hold that cannot be placed (one is live already) or released (none is live)."""


@dataclass(frozen=True)
class LegalHold:
    """One hold: no name, no HR id; `released_at` is None while it is live."""

    hold_id: int
    employer_id: str
    employee_key: str
    reason: str
    placed_by: str
    placed_at: datetime
    released_at: datetime | None = None
    released_by: str | None = None
    release_reason: str | None = None

    @property
    def live(self) -> bool:
        return self.released_at is None

    def as_json(self) -> dict[str, Any]:
        return {
            "hold_id": self.hold_id, "employer_id": self.employer_id,
            "employee_key": self.employee_key, "reason": self.reason,
            "placed_by": self.placed_by, "placed_at": self.placed_at.isoformat(),
            "released_at": self.released_at.isoformat() if self.released_at else None,
            "released_by": self.released_by, "release_reason": self.release_reason,
        }

    def placed(self) -> str:
        """When, by whom and why it was placed, in one phrase."""
        return hold_placed(self.placed_at, self.placed_by, self.reason)


def _hold(row: Any) -> LegalHold:
    return LegalHold(**dict(row))


def checked_text(field: str, value: str, *, limit: int) -> str:
    """The value stripped, if it is 1 to `limit` printable characters; else ValueError naming
    the field."""
    value = value.strip()
    if not value or len(value) > limit or not _PRINTABLE.match(value):
        raise ValueError(f"{field}: give 1 to {limit} printable characters")
    return value


class LegalHolds:
    """The holds, on the read side's pool (its tables made by `readside.schema`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def place(self, employer_id: str, employee_id: str, *, reason: str,
                    placed_by: str) -> LegalHold:
        """Place a hold on the employee; HoldRefused when one is live already."""
        key = UUID(employee_key(employer_id, employee_id))
        reason = checked_text("reason", reason, limit=MAX_REASON)
        placed_by = checked_text("placed_by", placed_by, limit=MAX_NAME)
        row = await self._pool.fetchrow(
            f"INSERT INTO rtw_legal_holds (employer_id, employee_key, reason, placed_by) "  # noqa: S608
            f"VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING {_COLUMNS}",
            employer_id, key, reason, placed_by)
        if row is None:
            live = await self.live(employer_id, employee_id)
            held = live.placed() if live else "placed a moment ago"
            raise HoldRefused(f"the employee is under a legal hold already ({held}); "
                              "release it first to place another")
        return _hold(row)

    async def release(self, employer_id: str, employee_id: str, *, reason: str,
                      released_by: str) -> LegalHold:
        """Release the employee's live hold; HoldRefused when there is none."""
        key = UUID(employee_key(employer_id, employee_id))
        reason = checked_text("reason", reason, limit=MAX_REASON)
        released_by = checked_text("released_by", released_by, limit=MAX_NAME)
        row = await self._pool.fetchrow(
            "UPDATE rtw_legal_holds SET released_at = now(), released_by = $3, "  # noqa: S608
            f"release_reason = $4 WHERE employer_id = $1 AND employee_key = $2 "
            f"AND released_at IS NULL RETURNING {_COLUMNS}",
            employer_id, key, released_by, reason)
        if row is None:
            raise HoldRefused("the employee has no live legal hold at that employer")
        return _hold(row)

    async def live(self, employer_id: str, employee_id: str) -> LegalHold | None:
        """The employee's live hold, if any."""
        row = await self._pool.fetchrow(
            f"SELECT {_COLUMNS} FROM rtw_legal_holds WHERE employer_id = $1 "  # noqa: S608
            "AND employee_key = $2 AND released_at IS NULL",
            employer_id, UUID(employee_key(employer_id, employee_id)))
        return _hold(row) if row else None

    async def listed(self, *, employer_id: str | None = None,
                     include_released: bool = False) -> list[LegalHold]:
        """Live holds (and released ones with `include_released`), of one employer or all,
        by employer then oldest first."""
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM rtw_legal_holds "  # noqa: S608
            "WHERE ($1::text IS NULL OR employer_id = $1) AND ($2 OR released_at IS NULL) "
            "ORDER BY employer_id, placed_at, hold_id", employer_id, include_released)
        return [_hold(row) for row in rows]
