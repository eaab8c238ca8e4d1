"""A person's unread notices, newest first, and how many there are: the worklist page's panel.

The same mailbox as the inbox (`NoticeOutbox.inbox`): a manager's own notices, OH's and HR's
role mailbox; read is what `mark_read` marked.
"""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from domain.actors import Role
from readside.outbox import _COLUMNS, StoredNotice


@dataclass(frozen=True)
class Unread:
    count: int
    newest: list[StoredNotice]


async def unread_notices(pool: asyncpg.Pool, *, role: Role, recipient_id: str | None,
                         limit: int) -> Unread:
    """Up to `limit` unread notices of the mailbox, newest first, and the count of them all."""
    mine = "recipient_id = $2" if recipient_id is not None else "$2::text IS NULL"
    where = f"recipient_role = $1 AND {mine} AND read_at IS NULL"
    async with pool.acquire() as connection:
        count = await connection.fetchval(
            f"SELECT count(*) FROM rtw_notices WHERE {where}",  # noqa: S608 - fixed text only
            role.value, recipient_id)
        rows = await connection.fetch(
            f"SELECT {_COLUMNS} FROM rtw_notices WHERE {where} "  # noqa: S608 - fixed text only
            "ORDER BY created_at DESC, notice_id DESC LIMIT $3",
            role.value, recipient_id, limit) if count else []
    return Unread(count=count, newest=[StoredNotice.from_row(row) for row in rows])
