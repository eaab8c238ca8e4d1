"""The outbox on real PostgreSQL: notices commit with their events, older cases' notices and
the first outbox's rows find their way in, and claims never hand one notice to two relays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import psycopg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.event_log import EventLogActivities
from activities.notify import NotifyActivities
from domain.actors import TIMER_ACTOR, Role
from domain.commands import DeadlinePassed
from domain.decide import decide, open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.notices import Notice, NoticeKind, notices_for
from eventstore.store import CaseEventStore
from readside.outbox import NoticeOutbox
from readside.schema import ensure_schema
from tests.support.builders import HR_ACTOR, MANAGER, open_command
from workflows.payloads import AppendEventsInput, NotificationInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
DUE = datetime(2026, 11, 23, 17, tzinfo=UTC)
CASE_ID = case_id_for_absence("acme-trust", "ABS-1")
OPENING_ID = "00000000-0000-4000-8000-000000000001"
REMINDER_ID = "00000000-0000-4000-8000-000000000002"


def append_input(position: int, pending: PendingEvent) -> AppendEventsInput:
    return AppendEventsInput(case_id=CASE_ID, first_position=position,
                             policy_version="default-2026-04", workflow_id=CASE_ID,
                             run_id="run-1", events=[pending], employer_id="acme-trust")


def opening() -> PendingEvent:
    event = open_case(open_command(), case_id=CASE_ID, now=OPENED, actor=HR_ACTOR)
    return PendingEvent(event_id=OPENING_ID, event=event)


def reminder(event_id: str = REMINDER_ID) -> PendingEvent:
    state = evolve(None, opening().event)
    [event] = decide(state, DeadlinePassed(key="early_contact_due"), now=DUE, actor=TIMER_ACTOR)
    return PendingEvent(event_id=event_id, event=event,
                        notices=notices_for(evolve(state, event), event))


def rows(database_url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(database_url) as connection:
        return connection.execute(
            "SELECT notice_id, kind, recipient_role, recipient_id, status FROM rtw_notices "
            "ORDER BY notice_id").fetchall()


def test_notices_are_written_with_their_event_once_even_when_the_append_is_retried(
    store: CaseEventStore, database_url: str,
) -> None:
    append = EventLogActivities(store).append_case_events
    env = ActivityEnvironment()
    env.run(append, append_input(1, opening()))
    env.run(append, append_input(2, reminder()))
    env.run(append, append_input(2, reminder()))  # a retry: already stored

    assert rows(database_url) == [
        (f"{REMINDER_ID}/1", "early_contact_due", "manager", MANAGER.id, "pending")]


def test_an_append_refused_for_its_position_writes_none_of_its_notices(
    store: CaseEventStore, database_url: str,
) -> None:
    append = EventLogActivities(store).append_case_events
    env = ActivityEnvironment()
    env.run(append, append_input(1, opening()))
    env.run(append, append_input(2, reminder()))

    other = reminder(event_id="00000000-0000-4000-8000-00000000ffff")
    with pytest.raises(ApplicationError):
        env.run(append, append_input(2, other))

    assert [row[0] for row in rows(database_url)] == [f"{REMINDER_ID}/1"]


async def test_an_older_case_puts_its_notices_in_the_outbox_through_its_activity(
    pool: asyncpg.Pool, database_url: str,
) -> None:
    notify = NotifyActivities(NoticeOutbox(pool))
    env = ActivityEnvironment()
    today = NotificationInput(
        notification_id=f"{REMINDER_ID}/1", case_id=CASE_ID, employer_id="acme-trust",
        recipient_role=Role.MANAGER, recipient=None, subject="early_contact_due", body="",
        notice=Notice(kind=NoticeKind.EARLY_CONTACT_DUE, recipient_role=Role.MANAGER,
                      recipient_id=MANAGER.id, due_at=DUE))
    recorded_long_ago = NotificationInput(
        notification_id=f"{OPENING_ID}/1", case_id=CASE_ID, employer_id="acme-trust",
        recipient_role=Role.OH, recipient=None, subject="Escalation 1 on case x",
        body="Escalated to OH: unfit for any work.")

    stored = [await env.run(notify.send_notification, n)
              for n in (today, today, recorded_long_ago)]

    assert stored == [True, False, True]
    assert await pool.fetch(
        "SELECT kind, recipient_id, due_at, legacy_subject FROM rtw_notices ORDER BY kind"
    ) == [("early_contact_due", MANAGER.id, DUE, None),
          ("legacy_notice", None, None, "Escalation 1 on case x")]


async def test_the_first_outboxs_undelivered_notices_move_over_without_their_words(
    database_url: str, store: CaseEventStore,
) -> None:
    with psycopg.connect(database_url) as connection:
        connection.execute("DROP TABLE rtw_notices")
        connection.execute(
            "CREATE TABLE rtw_outbox (notification_id text PRIMARY KEY, case_id uuid NOT NULL, "
            "employer_id text NOT NULL, recipient_role text NOT NULL, recipient jsonb, "
            "subject text NOT NULL, body text NOT NULL, created_at timestamptz NOT NULL "
            "DEFAULT now(), delivered_at timestamptz)")
        connection.execute(
            "INSERT INTO rtw_outbox VALUES (%s, %s, 'acme-trust', 'manager', "
            "'{\"id\": \"M2002\"}', 'Reminder: early contact is due', 'Sam: back pain', "
            "now(), NULL), (%s, %s, 'acme-trust', 'oh', NULL, 'Long-absence risk flag', "
            "'x', now(), now())",
            (f"{REMINDER_ID}/1", CASE_ID, f"{OPENING_ID}/1", CASE_ID))
    connections = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        await ensure_schema(connections)
        await ensure_schema(connections)  # a second start finds nothing left to move
        moved = await connections.fetch(
            "SELECT notice_id, event_id, kind, recipient_id, legacy_subject FROM rtw_notices")
        old_table = await connections.fetchval("SELECT to_regclass('rtw_outbox')")
    finally:
        await connections.close()
    assert moved == [(f"{REMINDER_ID}/1", REMINDER_ID, "legacy_notice", "M2002",
                      "Reminder: early contact is due")]
    assert old_table is None


async def _put(pool: asyncpg.Pool, count: int) -> None:
    await pool.executemany(
        "INSERT INTO rtw_notices (notice_id, case_id, employer_id, event_id, kind, "
        "recipient_role) VALUES ($1, $2::uuid, 'acme-trust', $3, 'early_contact_due', "
        "'manager')",
        [(f"{n:08d}-0000-4000-8000-000000000000/1", CASE_ID,
          f"{n:08d}-0000-4000-8000-000000000000") for n in range(count)])


async def test_relays_claiming_at_once_never_take_the_same_notice(pool: asyncpg.Pool) -> None:
    await _put(pool, 120)
    outbox = NoticeOutbox(pool)

    async def claim_all() -> list[str]:
        taken: list[str] = []
        while batch := await outbox.claim(limit=7, lease=timedelta(minutes=5)):
            taken += [notice.notice_id for notice in batch]
        return taken

    claims = await asyncio.gather(*(claim_all() for _ in range(5)))

    every = [notice for claim in claims for notice in claim]
    assert len(every) == len(set(every)) == 120
    assert sum(1 for claim in claims if claim) > 1  # they really did share the work


async def test_a_claimed_notice_is_offered_again_only_when_its_lease_runs_out(
    pool: asyncpg.Pool,
) -> None:
    await _put(pool, 1)
    outbox = NoticeOutbox(pool)
    [first] = await outbox.claim(limit=5, lease=timedelta(seconds=1))
    assert await outbox.claim(limit=5, lease=timedelta(seconds=1)) == []
    await asyncio.sleep(1.2)
    [again] = await outbox.claim(limit=5, lease=timedelta(seconds=1))
    assert (again.notice_id, first.attempts, again.attempts) == (first.notice_id, 1, 2)
    await outbox.mark_sent(again.notice_id, channel="log")
    await asyncio.sleep(1.2)
    assert await outbox.claim(limit=5, lease=timedelta(seconds=1)) == []
