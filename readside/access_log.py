"""Who read which case, when and from where: the access log, shared by the API and the CLI.

It holds identifiers and the kind of read only, never anything from the case itself, so it
needs no encryption. Rows are only ever inserted: the database refuses UPDATE, DELETE and
TRUNCATE of the table, and refuses a row with a control character in any text (a line break
in a subject or a detail could otherwise pass for a second entry in a text listing); writers
escape such characters first (`printable`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import psycopg
from psycopg.rows import dict_row, tuple_row

from eventstore.schema_lock import SCHEMA_LOCK

ACCESS_LOG_DDL = """
CREATE TABLE IF NOT EXISTS rtw_access_log (
    id bigserial PRIMARY KEY,
    accessed_at timestamptz NOT NULL DEFAULT now(),
    subject text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    case_id uuid,
    channel text NOT NULL,
    client text NOT NULL,
    detail text NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS rtw_access_log_case ON rtw_access_log (case_id, id);
CREATE OR REPLACE FUNCTION rtw_access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$BEGIN RAISE EXCEPTION 'rtw: % on rtw_access_log refused: it is append-only', TG_OP; END$$;
CREATE OR REPLACE TRIGGER rtw_access_log_append_only BEFORE UPDATE OR DELETE ON rtw_access_log
    FOR EACH ROW EXECUTE FUNCTION rtw_access_log_append_only();
CREATE OR REPLACE TRIGGER rtw_access_log_no_truncate BEFORE TRUNCATE ON rtw_access_log
    FOR EACH STATEMENT EXECUTE FUNCTION rtw_access_log_append_only();
ALTER TABLE rtw_access_log
    ADD COLUMN IF NOT EXISTS route text NOT NULL DEFAULT '',
    ADD COLUMN IF NOT EXISTS status integer,
    ADD COLUMN IF NOT EXISTS purpose text,
    ADD COLUMN IF NOT EXISTS employers text[] NOT NULL DEFAULT '{}';
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'rtw_access_log_printable') THEN
        -- NOT VALID: rows written before the rule stay; every new row must hold to it.
        ALTER TABLE rtw_access_log ADD CONSTRAINT rtw_access_log_printable CHECK (
            concat(subject, role, action, channel, client, detail, route, purpose,
                   array_to_string(employers, ','))
            !~ '[\\x01-\\x1f\\x7f-\\x9f\\u2028\\u2029]') NOT VALID;
    END IF;
END $$;
"""


_INSERT_INTO = (
    "INSERT INTO rtw_access_log (subject, role, action, case_id, channel, client, detail, "
    "route, status, purpose, employers) "
)
_INSERT = _INSERT_INTO + "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"  # asyncpg
_INSERT_PSYCOPG = _INSERT_INTO + "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
_COLUMNS = ("id, accessed_at, subject, role, action, case_id, channel, client, detail, route, "
            "status, purpose")

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: what could
# end a line in some reader of the log.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` with every character that could break a line written as a visible escape
    (a line feed as `\\x0a`), so one entry always stays one line."""
    return _UNPRINTABLE.sub(lambda found: f"\\x{ord(found[0]):02x}"
                            if ord(found[0]) < 0x100 else f"\\u{ord(found[0]):04x}", text)


@dataclass(frozen=True)
class Access:
    """One read: `channel` is 'api', 'web' or 'cli'; `client` the HTTP client address or OS
    user; `route` the method and route template of an HTTP request; `status` its answer;
    `purpose` the purpose a clinical audit named; `employers` those the reader acts for."""

    subject: str
    role: str
    action: str
    case_id: str | None
    channel: str
    client: str
    detail: str = ""
    route: str = ""
    status: int | None = None
    purpose: str | None = None
    employers: tuple[str, ...] = ()

    def values(self) -> tuple[Any, ...]:
        case = UUID(self.case_id) if self.case_id else None
        return (printable(self.subject), printable(self.role), printable(self.action), case,
                printable(self.channel), printable(self.client), printable(self.detail),
                printable(self.route), self.status,
                printable(self.purpose) if self.purpose is not None else None,
                [printable(employer) for employer in self.employers])


async def record_access(pool: asyncpg.Pool, access: Access) -> None:
    """Write one row; on a database whose read side was never set up, the table first (a
    read is never lost for want of it)."""
    try:
        await pool.execute(_INSERT, *access.values())
    except (asyncpg.UndefinedTableError, asyncpg.UndefinedColumnError):
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(SCHEMA_LOCK)
            await connection.execute(ACCESS_LOG_DDL)
        await pool.execute(_INSERT, *access.values())


def record_access_sync(database_url: str, access: Access) -> None:
    """The CLI's way in: one short connection, creating the table on the first read."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        _ensure_table(connection)
        connection.execute(_INSERT_PSYCOPG, access.values())


def _where(case_id: str | None, after_id: int, *, marker: str) -> tuple[str, list[Any]]:
    first, second = ("$1", "$2") if marker == "$" else ("%s", "%s")
    if case_id is None:
        return f"WHERE l.id > {first}", [after_id]
    return f"WHERE l.id > {first} AND l.case_id = {second}", [after_id, UUID(case_id)]


async def list_access(
    pool: asyncpg.Pool, *, case_id: str | None = None, after_id: int = 0, limit: int = 500,
    employers: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """A page of the log, oldest first, after the row id `after_id`. With `employers`, only
    the reads of those employers' cases (a case's employer as the worklist knows it), and the
    reads of no known case made by someone acting for one of them."""
    where, params = _where(case_id, after_id, marker="$")
    columns = ", ".join(f"l.{name.strip()}" for name in _COLUMNS.split(","))
    if employers is None:
        sql = (f"SELECT {columns} FROM rtw_access_log l {where} "  # noqa: S608
               f"ORDER BY l.id LIMIT {int(limit)}")
    else:
        params.append(list(employers))
        mine = f"${len(params)}::text[]"
        sql = (f"SELECT {columns} FROM rtw_access_log l "  # noqa: S608
               f"LEFT JOIN rtw_worklist w ON w.case_id = l.case_id {where} "
               f"AND (w.employer_id = ANY({mine}) OR (w.case_id IS NULL AND l.employers && "
               f"{mine})) ORDER BY l.id LIMIT {int(limit)}")
    rows = await pool.fetch(sql, *params)
    return [_jsonable(dict(row)) for row in rows]


def iter_access_sync(database_url: str, *, case_id: str | None = None) -> Iterator[dict[str, Any]]:
    """The whole log (or one case's), streamed with a server-side cursor."""
    where, params = _where(case_id, 0, marker="%")
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as connection:
        _ensure_table(connection)
        with connection.transaction(), connection.cursor(name="rtw_access_log") as cursor:
            cursor.execute(f"SELECT {_COLUMNS} FROM rtw_access_log l {where} "  # noqa: S608
                           "ORDER BY l.id", params)
            for row in cursor:
                yield _jsonable(row)


def _ensure_table(connection: psycopg.Connection[Any]) -> None:
    with connection.cursor(row_factory=tuple_row) as cursor:
        # the newest column: a table made by an earlier rtw is brought up to date too
        found = cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attname = 'employers' "
            "AND attrelid = to_regclass('rtw_access_log'))").fetchone()
    if found == (True,):
        return
    with connection.transaction():
        connection.execute(SCHEMA_LOCK)
        connection.execute(ACCESS_LOG_DDL)


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value.isoformat() if isinstance(value, datetime)
        else str(value) if isinstance(value, UUID) else value
        for key, value in row.items()
    }
