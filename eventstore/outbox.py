"""The outbox: notices written in the same transaction as the events that caused them.

A decision's events and its notices commit together or not at all, so no notice exists without
its event and no event lacks its notices. Rows hold a kind, ids and non-clinical facts (never
words): texts are written when a notice is sent. The relay's own columns (status, attempts,
next attempt) live here too; `readside.outbox` reads and updates them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from domain.notices import Notice, notice_id

NOTICES_DDL = """
CREATE TABLE IF NOT EXISTS rtw_notices (
    notice_id text PRIMARY KEY,
    case_id uuid NOT NULL,
    employer_id text NOT NULL,
    event_id text NOT NULL,
    kind text NOT NULL,
    recipient_role text NOT NULL,
    recipient_id text,
    due_at timestamptz,
    escalation_number integer,
    absent_days integer,
    effective_on date,
    legacy_subject text,
    created_at timestamptz NOT NULL DEFAULT now(),
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    sent_at timestamptz,
    channel text,
    last_error text,
    read_at timestamptz
);
CREATE INDEX IF NOT EXISTS rtw_notices_due ON rtw_notices (next_attempt_at)
    WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS rtw_notices_inbox
    ON rtw_notices (recipient_role, recipient_id, created_at DESC, notice_id DESC);
CREATE INDEX IF NOT EXISTS rtw_notices_failed ON rtw_notices (case_id) WHERE status = 'failed';
"""

# The outbox of the first releases kept each notice's words, some of them clinical
# ("unfit for any work"). Its undelivered notices move here keeping only their subject line
# (those subjects never carried clinical detail), and the old table with its words is dropped.
MIGRATE_OLD_OUTBOX = """
DO $$
BEGIN
    IF to_regclass('rtw_outbox') IS NOT NULL THEN
        INSERT INTO rtw_notices (notice_id, case_id, employer_id, event_id, kind,
                                 recipient_role, recipient_id, legacy_subject, created_at)
        SELECT notification_id, case_id, employer_id, split_part(notification_id, '/', 1),
               'legacy_notice', recipient_role, recipient ->> 'id', subject, created_at
        FROM rtw_outbox WHERE delivered_at IS NULL
        ON CONFLICT (notice_id) DO NOTHING;
        DROP TABLE rtw_outbox;
    END IF;
END $$
"""

INSERT_NOTICE = """
INSERT INTO rtw_notices (notice_id, case_id, employer_id, event_id, kind, recipient_role,
                         recipient_id, due_at, escalation_number, absent_days, effective_on,
                         legacy_subject)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (notice_id) DO NOTHING
"""


@dataclass(frozen=True)
class NewNotice:
    """One outbox row, as the append writes it."""

    notice_id: str
    event_id: str
    employer_id: str
    kind: str
    recipient_role: str
    recipient_id: str | None = None
    due_at: datetime | None = None
    escalation_number: int | None = None
    absent_days: int | None = None
    effective_on: date | None = None
    legacy_subject: str | None = None

    @classmethod
    def of(cls, notice: Notice, *, event_id: str, number: int, employer_id: str) -> NewNotice:
        """The `number`th notice (from 1) of the event `event_id`."""
        return cls(
            notice_id=notice_id(event_id, number), event_id=event_id, employer_id=employer_id,
            kind=notice.kind.value, recipient_role=notice.recipient_role.value,
            recipient_id=notice.recipient_id, due_at=notice.due_at,
            escalation_number=notice.escalation_number, absent_days=notice.absent_days,
            effective_on=notice.effective_on,
        )

    def row(self, case_id: object) -> tuple[object, ...]:
        return (self.notice_id, case_id, self.employer_id, self.event_id, self.kind,
                self.recipient_role, self.recipient_id, self.due_at, self.escalation_number,
                self.absent_days, self.effective_on, self.legacy_subject)

