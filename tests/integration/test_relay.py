"""The relay on real PostgreSQL: each notice sent once, retried with pauses, given up on
visibly, and never sent twice by relays running side by side."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import asyncpg

from domain.actors import Role
from eventstore.store import CaseEventStore
from infra.notice_channels.base import DeliveryFailed
from infra.notice_texts import NoticeTexts
from readside.outbox import NoticeOutbox
from readside.worklist import WorklistProjector
from readside.worklist_query import WorklistQuery, worklist_page
from tests.support.builders import MANAGER, open_command
from tests.support.notices import (
    HR_MAILBOX,
    OPENED,
    RecordingChannel,
    employer_directory,
    store_case_to_escalation,
)
from worker.relay import NoticeRelay, StoredCaseStates


def relay(pool: asyncpg.Pool, store: CaseEventStore, channel: RecordingChannel,
          tmp_path: Path, *, max_attempts: int = 3) -> NoticeRelay:
    employers = employer_directory(tmp_path)
    return NoticeRelay(outbox=NoticeOutbox(pool), channel=channel,
                       cases=StoredCaseStates(store), texts=NoticeTexts(employers),
                       employers=employers, max_attempts=max_attempts,
                       lease=timedelta(seconds=30), first_retry=timedelta(milliseconds=200))


async def statuses(pool: asyncpg.Pool) -> list[tuple[str, str, int]]:
    return [tuple(row) for row in await pool.fetch(
        "SELECT kind, status, attempts FROM rtw_notices ORDER BY created_at, notice_id")]


async def test_each_notice_goes_to_its_recipient_once(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path,
) -> None:
    state = await asyncio.to_thread(store_case_to_escalation, store)
    channel = RecordingChannel()
    sender = relay(pool, store, channel, tmp_path)

    assert await sender.deliver_due() == 2
    assert await sender.deliver_due() == 0

    # Sent side by side: in either order.
    assert sorted((m.kind, m.to, m.reference.split("/")[1]) for m in channel.sent) == [
        ("early_contact_due", MANAGER.email, "1"), ("early_contact_missed", HR_MAILBOX, "1")]
    [reminder] = [m for m in channel.sent if m.kind == "early_contact_due"]
    assert reminder.case_id == state.case_id and state.case_id in reminder.body
    assert await statuses(pool) == [("early_contact_due", "sent", 1),
                                    ("early_contact_missed", "sent", 1)]


async def test_a_failed_send_is_tried_again_after_a_pause(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path,
) -> None:
    await asyncio.to_thread(store_case_to_escalation, store)
    channel = RecordingChannel(failures=[DeliveryFailed("server away", permanent=False)])
    sender = relay(pool, store, channel, tmp_path)

    await sender.deliver_due()
    assert len(channel.sent) == 1  # the other notice went; the failed one waits its pause
    assert await sender.deliver_due() == 0
    await asyncio.sleep(0.3)
    assert await sender.deliver_due() == 1

    assert sorted(s for _, s, _ in await statuses(pool)) == ["sent", "sent"]
    assert sorted(a for _, _, a in await statuses(pool)) == [1, 2]


async def test_a_notice_that_cannot_be_sent_is_given_up_and_shown_on_the_worklist(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path,
) -> None:
    state = await asyncio.to_thread(store_case_to_escalation, store)
    refused = DeliveryFailed("recipient refused", permanent=True)
    away = DeliveryFailed("server away", permanent=False)
    channel = RecordingChannel(failures=[refused, away, away, away])
    sender = relay(pool, store, channel, tmp_path, max_attempts=2)
    for _ in range(3):
        await sender.deliver_due()
        await asyncio.sleep(0.45)

    assert [s for _, s, _ in await statuses(pool)] == ["failed", "failed"]
    assert channel.sent == []
    await WorklistProjector(store, pool).catch_up()
    [row] = await worklist_page(pool, WorklistQuery(clinical_deadlines=True),
                                now=OPENED, after=None, limit=10)
    assert (str(row["case_id"]), row["undelivered_notices"]) == (state.case_id, 2)


async def test_relays_side_by_side_send_each_notice_once(
    pool: asyncpg.Pool, store: CaseEventStore, tmp_path: Path,
) -> None:
    for number in range(15):
        await asyncio.to_thread(store_case_to_escalation, store,
                                open_command(absence_id=f"ABS-{number}"))
    channels = [RecordingChannel() for _ in range(3)]
    relays = [relay(pool, store, channel, tmp_path) for channel in channels]

    async def drain(one: NoticeRelay) -> None:
        while await one.deliver_due():
            pass

    await asyncio.gather(*(drain(one) for one in relays))

    references = [m.reference for channel in channels for m in channel.sent]
    assert len(references) == len(set(references)) == 30
    assert {m.recipient_role for c in channels for m in c.sent} == {Role.MANAGER, Role.HR}
