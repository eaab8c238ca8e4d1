"""A person's notices: the inbox, marking one read, and the worklist page's panel of the unread
ones (newest first, and how many there are).

A mailbox is a manager's own notices, or OH's and HR's role mailbox; it holds only the notices
of the employers the reader acts for (two employers' managers may share an id, and one
employer's HR never reads another's notices). Read is what `mark_read` marked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from domain.actors import Role
from readside.outbox import _COLUMNS, InboxCursor, StoredNotice


@dataclass(frozen=True)
class Mailbox:
    """Whose notices: a role, a person of it (None: the role's shared mailbox), and the
    employers whose notices they read."""

    role: Role
    recipient_id: str | None
    employers: Sequence[str]


def _where(mailbox: Mailbox, args: list[Any]) -> list[str]:
    args += [mailbox.role.value, mailbox.recipient_id, list(mailbox.employers)]
    return ["recipient_role = $1",
            "recipient_id = $2" if mailbox.recipient_id is not None else "$2::text IS NULL",
            "employer_id = ANY($3::text[])"]


@dataclass(frozen=True)
class Unread:
    count: int
    newest: list[StoredNotice]


async def unread_notices(pool: asyncpg.Pool, mailbox: Mailbox, *, limit: int) -> Unread:
    """Up to `limit` unread notices of the mailbox, newest first, and the count of them all."""
    args: list[Any] = []
    where = " AND ".join([*_where(mailbox, args), "read_at IS NULL"])
    async with pool.acquire() as connection:
        count = await connection.fetchval(
            f"SELECT count(*) FROM rtw_notices WHERE {where}",  # noqa: S608 - fixed text only
            *args)
        rows = await connection.fetch(
            f"SELECT {_COLUMNS} FROM rtw_notices WHERE {where} "  # noqa: S608 - fixed text only
            "ORDER BY created_at DESC, notice_id DESC LIMIT $4",
            *args, limit) if count else []
    return Unread(count=count, newest=[StoredNotice.from_row(row) for row in rows])


async def inbox(pool: asyncpg.Pool, mailbox: Mailbox, *, after: InboxCursor | None,
                limit: int) -> list[StoredNotice]:
    """The mailbox's notices, newest first; up to `limit + 1` rows (the extra one tells there
    is a next page)."""
    args: list[Any] = []
    where = _where(mailbox, args)
    if after is not None:
        where.append("(created_at, notice_id) < ($4, $5)")
        args += [after.created_at, after.notice_id]
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM rtw_notices WHERE {' AND '.join(where)} "  # noqa: S608 - fixed text only
        f"ORDER BY created_at DESC, notice_id DESC LIMIT ${len(args) + 1}",
        *args, limit + 1)
    return [StoredNotice.from_row(row) for row in rows]


async def mark_read(pool: asyncpg.Pool, mailbox: Mailbox, notice_id: str
                    ) -> StoredNotice | None:
    """Mark one notice of the mailbox read (the first reading counts); None if it is not the
    mailbox's (or does not exist)."""
    args: list[Any] = []
    where = _where(mailbox, args)
    row = await pool.fetchrow(
        "UPDATE rtw_notices SET read_at = coalesce(read_at, now()) "  # noqa: S608 - fixed text only
        f"WHERE notice_id = $4 AND {' AND '.join(where)} RETURNING {_COLUMNS}",
        *args, notice_id)
    return StoredNotice.from_row(row) if row is not None else None
