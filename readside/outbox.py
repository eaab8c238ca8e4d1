"""The relay's side of the outbox: claiming due notices, marking what became of them, and the
inbox each person reads.

Claims take rows with `FOR UPDATE SKIP LOCKED` and lease them (their next attempt moves past
the lease) in one short transaction, so several relays never hold one notice at once and no
transaction stays open across a send. A relay that dies after sending and before marking
leaves the lease to run out: the notice is sent again, with the same reference.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg

from domain.actors import Role
from domain.notices import NoticeKind
from domain.notices import notice_id as numbered_notice_id
from domain.state import CaseState
from domain.values import Person
from infra.notice_texts import NoticeContext, NoticeTexts, RenderedText
from readside.quarantine import Connection
from workflows.payloads import NotificationInput

_COLUMNS = (
    "notice_id, case_id::text AS case_id, employer_id, event_id, kind, recipient_role, "
    "recipient_id, due_at, escalation_number, absent_days, effective_on, legacy_subject, "
    "created_at, status, attempts, sent_at, read_at"
)


@dataclass(frozen=True)
class StoredNotice:
    """One outbox row: what the notice is, and what became of it."""

    notice_id: str
    case_id: str
    employer_id: str
    event_id: str
    kind: NoticeKind
    recipient_role: Role
    recipient_id: str | None
    due_at: datetime | None
    escalation_number: int | None
    absent_days: int | None
    effective_on: date | None
    legacy_subject: str | None
    created_at: datetime
    status: str
    attempts: int
    sent_at: datetime | None
    read_at: datetime | None

    @classmethod
    def from_row(cls, row: asyncpg.Record) -> StoredNotice:
        values: dict[str, Any] = dict(row)
        values["kind"] = NoticeKind(values["kind"])
        values["recipient_role"] = Role(values["recipient_role"])
        return cls(**values)

    def person(self, state: CaseState) -> Person | None:
        """The person it is for, as the case records them now (None: a role's mailbox)."""
        return {Role.MANAGER: state.manager, Role.EMPLOYEE: state.employee}.get(
            self.recipient_role)

    def rendered(self, state: CaseState, texts: NoticeTexts, *,
                 sign_in_url: str | None = None) -> RenderedText:
        """Its words, written now from its kind and its case (with the employee's sign-in
        link, which only the relay passes, as it sends the notice)."""
        text = texts.render(self.context(state, sign_in_url=sign_in_url))
        if self.kind is NoticeKind.LEGACY and self.legacy_subject:
            # All that survives of the words of an older case's notice.
            text = replace(text, subject=self.legacy_subject,
                           fields={**text.fields, "subject": self.legacy_subject})
        return text

    def context(self, state: CaseState, *, sign_in_url: str | None = None) -> NoticeContext:
        """What its text may say, from the notice and its case as it stands now."""
        person = self.person(state)
        return NoticeContext(
            notice_id=self.notice_id, case_id=self.case_id, employer_id=self.employer_id,
            kind=self.kind, recipient_role=self.recipient_role,
            recipient_name=person.name if person is not None else None,
            employee_name=state.employee.name,
            manager_name=state.manager.name if state.manager else None,
            first_day=state.first_day, due_at=self.due_at,
            escalation_number=self.escalation_number, absent_days=self.absent_days,
            effective_on=self.effective_on, case_url=None, sign_in_url=sign_in_url,
        )


@dataclass(frozen=True)
class InboxCursor:
    """Where the previous page of an inbox ended (newest first)."""

    created_at: datetime
    notice_id: str


class NoticeOutbox:
    """The outbox table as the relay, the inbox and cases older than the outbox use it."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def claim(self, *, limit: int, lease: timedelta) -> list[StoredNotice]:
        """Up to `limit` due notices, each counted as one more attempt and leased to the
        caller: no other relay takes them until the lease runs out."""
        rows = await self._pool.fetch(
            f"""
            WITH due AS (
                SELECT notice_id AS due_id FROM rtw_notices
                WHERE status = 'pending' AND next_attempt_at <= now()
                ORDER BY next_attempt_at LIMIT $1
                FOR UPDATE SKIP LOCKED
            )
            UPDATE rtw_notices AS n
            SET attempts = n.attempts + 1, next_attempt_at = now() + $2::interval
            FROM due WHERE n.notice_id = due.due_id
            RETURNING {_COLUMNS}
            """,  # noqa: S608 - only the fixed column list is interpolated
            limit, lease,
        )
        return [StoredNotice.from_row(row) for row in rows]

    async def mark_sent(self, notice_id: str, *, channel: str) -> None:
        await self._pool.execute(
            "UPDATE rtw_notices SET status = 'sent', sent_at = now(), channel = $2, "
            "last_error = NULL WHERE notice_id = $1 AND status = 'pending'",
            notice_id, channel,
        )

    async def retry_later(self, notice_id: str, *, delay: timedelta, error: str) -> None:
        await self._pool.execute(
            "UPDATE rtw_notices SET next_attempt_at = now() + $2::interval, last_error = $3 "
            "WHERE notice_id = $1 AND status = 'pending'",
            notice_id, delay, error,
        )

    async def mark_failed(self, notice_id: str, *, error: str) -> None:
        """Give up on a notice: it shows on its case's worklist entry until OH deals with it."""
        await self._pool.execute(
            "UPDATE rtw_notices SET status = 'failed', last_error = $2 "
            "WHERE notice_id = $1 AND status = 'pending'",
            notice_id, error,
        )

    async def put_legacy(self, notification: NotificationInput) -> bool:
        """A notice from a case older than the outbox (its notification activity): stored
        once per notification id, as a kind where today's code gave one, else as the old
        subject line only. True if this call stored it."""
        notice = notification.notice
        status = await self._pool.execute(
            """
            INSERT INTO rtw_notices (notice_id, case_id, employer_id, event_id, kind,
                                     recipient_role, recipient_id, due_at, escalation_number,
                                     absent_days, effective_on, legacy_subject)
            VALUES ($1, $2::uuid, $3, split_part($1, '/', 1), $4, $5, $6, $7, $8, $9, $10, $11)
            ON CONFLICT (notice_id) DO NOTHING
            """,
            notification.notification_id, notification.case_id, notification.employer_id,
            notice.kind.value if notice else NoticeKind.LEGACY.value,
            notification.recipient_role.value,
            notice.recipient_id if notice else
            (notification.recipient.id if notification.recipient else None),
            notice.due_at if notice else None,
            notice.escalation_number if notice else None,
            notice.absent_days if notice else None,
            notice.effective_on if notice else None,
            None if notice else notification.subject,
        )
        return bool(status.endswith(" 1"))

    async def inbox(self, *, role: Role, recipient_id: str | None,
                    after: InboxCursor | None, limit: int) -> list[StoredNotice]:
        """A role's notices, newest first: a person's own (`recipient_id`), or a role's
        mailbox (`recipient_id` None: OH's and HR's). Up to `limit + 1` rows."""
        where = ["recipient_role = $1",
                 "recipient_id = $2" if recipient_id is not None else "$2::text IS NULL"]
        args: list[Any] = [role.value, recipient_id]
        if after is not None:
            where.append("(created_at, notice_id) < ($3, $4)")
            args += [after.created_at, after.notice_id]
        rows = await self._pool.fetch(
            f"SELECT {_COLUMNS} FROM rtw_notices WHERE {' AND '.join(where)} "  # noqa: S608 - fixed text only
            f"ORDER BY created_at DESC, notice_id DESC LIMIT ${len(args) + 1}",
            *args, limit + 1,
        )
        return [StoredNotice.from_row(row) for row in rows]

    async def mark_read(self, notice_id: str, *, role: Role, recipient_id: str | None
                        ) -> StoredNotice | None:
        """Mark one of the caller's own notices read (the first reading counts); None if it
        is not theirs (or does not exist)."""
        row = await self._pool.fetchrow(
            f"UPDATE rtw_notices SET read_at = coalesce(read_at, now()) "  # noqa: S608 - fixed text only
            f"WHERE notice_id = $1 AND recipient_role = $2 AND recipient_id IS NOT DISTINCT "
            f"FROM $3 RETURNING {_COLUMNS}",
            notice_id, role.value, recipient_id,
        )
        return StoredNotice.from_row(row) if row is not None else None


async def put_sign_in_link(connection: Connection, *, link_id: str,
                           case_id: str, employer_id: str, employee_id: str) -> None:
    """An employee's sign-in link notice: not a case decision, so written here rather
    than by the append, in the caller's transaction (the link's row commits with it). It
    keeps the link's id (as its event id) and never the link: the relay writes that."""
    await connection.execute(
        """
        INSERT INTO rtw_notices (notice_id, case_id, employer_id, event_id, kind,
                                 recipient_role, recipient_id)
        VALUES ($1, $2::uuid, $3, $4, $5, $6, $7)
        ON CONFLICT (notice_id) DO NOTHING
        """,
        numbered_notice_id(link_id, 1), case_id, employer_id, link_id,
        NoticeKind.EMPLOYEE_SIGN_IN_LINK.value, Role.EMPLOYEE.value, employee_id,
    )
