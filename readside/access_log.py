"""Who read which case, when and from where: the access log, shared by the API and the CLI.

It holds identifiers and the kind of read only, never anything from the case itself, so it
needs no encryption. Rows are only ever inserted.
"""

from __future__ import annotations

from collections.abc import Iterator
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
"""


_INSERT_INTO = (
    "INSERT INTO rtw_access_log (subject, role, action, case_id, channel, client, detail) "
)
_INSERT = _INSERT_INTO + "VALUES ($1, $2, $3, $4, $5, $6, $7)"  # asyncpg
_INSERT_PSYCOPG = _INSERT_INTO + "VALUES (%s, %s, %s, %s, %s, %s, %s)"
_COLUMNS = "id, accessed_at, subject, role, action, case_id, channel, client, detail"


@dataclass(frozen=True)
class Access:
    """One read: `channel` is 'api' or 'cli'; `client` the HTTP client address or OS user."""

    subject: str
    role: str
    action: str
    case_id: str | None
    channel: str
    client: str
    detail: str = ""

    def values(self) -> tuple[Any, ...]:
        case = UUID(self.case_id) if self.case_id else None
        return (self.subject, self.role, self.action, case, self.channel, self.client,
                self.detail)


async def record_access(pool: asyncpg.Pool, access: Access) -> None:
    await pool.execute(_INSERT, *access.values())


def record_access_sync(database_url: str, access: Access) -> None:
    """The CLI's way in: one short connection, creating the table on the first read."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        _ensure_table(connection)
        connection.execute(_INSERT_PSYCOPG, access.values())


def _where(case_id: str | None, after_id: int, *, marker: str) -> tuple[str, list[Any]]:
    first, second = ("$1", "$2") if marker == "$" else ("%s", "%s")
    if case_id is None:
        return f"WHERE id > {first}", [after_id]
    return f"WHERE id > {first} AND case_id = {second}", [after_id, UUID(case_id)]


async def list_access(
    pool: asyncpg.Pool, *, case_id: str | None = None, after_id: int = 0, limit: int = 500
) -> list[dict[str, Any]]:
    """A page of the log, oldest first, after the row id `after_id`."""
    where, params = _where(case_id, after_id, marker="$")
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM rtw_access_log {where} ORDER BY id LIMIT {int(limit)}",  # noqa: S608
        *params,
    )
    return [_jsonable(dict(row)) for row in rows]


def iter_access_sync(database_url: str, *, case_id: str | None = None) -> Iterator[dict[str, Any]]:
    """The whole log (or one case's), streamed with a server-side cursor."""
    where, params = _where(case_id, 0, marker="%")
    with psycopg.connect(database_url, row_factory=dict_row, autocommit=True) as connection:
        _ensure_table(connection)
        with connection.transaction(), connection.cursor(name="rtw_access_log") as cursor:
            cursor.execute(f"SELECT {_COLUMNS} FROM rtw_access_log {where} ORDER BY id",  # noqa: S608
                           params)
            for row in cursor:
                yield _jsonable(row)


def _ensure_table(connection: psycopg.Connection[Any]) -> None:
    with connection.cursor(row_factory=tuple_row) as cursor:
        found = cursor.execute("SELECT to_regclass('rtw_access_log') IS NOT NULL").fetchone()
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
