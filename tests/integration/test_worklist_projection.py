"""The worklist read model on a real PostgreSQL: complete, ordered, restart-safe."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from temporalio.testing import ActivityEnvironment

from activities.event_log import EventLogActivities
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.stages import ReasonCategory
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore
from localstack import samples as j
from readside.worklist import WorklistProjector
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.stored_cases import tamper
from workflows.payloads import AppendEventsInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)


def append(store: CaseEventStore, case_id: str, first: int, events: list[CaseEvent]) -> None:
    ActivityEnvironment().run(EventLogActivities(store).append_case_events, AppendEventsInput(
        case_id=case_id, first_position=first, policy_version="default-2026-04",
        workflow_id=case_id, run_id="run-1",
        events=[PendingEvent(event_id=f"{case_id}-{first + n}", event=e)
                for n, e in enumerate(events)]))


def open_and_append(store: CaseEventStore, absence: str, opened_at: datetime) -> str:
    command = open_command(absence_id=absence, reason=ReasonCategory.OTHER)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    append(store, case_id, 1, [open_case(command, case_id=case_id, now=opened_at,
                                         actor=HR_ACTOR)])
    return case_id


async def rows(pool: asyncpg.Pool) -> list[asyncpg.Record]:
    return await pool.fetch("SELECT * FROM rtw_worklist ORDER BY next_deadline_at, case_id")


async def test_every_case_appears_once_in_deadline_order(store: CaseEventStore,
                                                         pool: asyncpg.Pool) -> None:
    later = await asyncio.to_thread(open_and_append, store, "A-LATE", OPENED + timedelta(days=3))
    sooner = await asyncio.to_thread(open_and_append, store, "A-SOON", OPENED)
    projector = WorklistProjector(store, pool)
    await projector.ensure_schema()

    assert await projector.catch_up() == 2
    listed = await rows(pool)
    assert [str(r["case_id"]) for r in listed] == [sooner, later]
    assert listed[0]["next_deadline_name"] == "early_contact_due"
    assert listed[0]["stage"] == "early_contact" and listed[0]["version"] == 1


async def test_a_restarted_projector_resumes_without_missing_or_repeating(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    case_id = await asyncio.to_thread(open_and_append, store, "A-1", OPENED)
    first = WorklistProjector(store, pool)
    await first.ensure_schema()
    assert await first.catch_up() == 1

    state = evolve(None, open_case(open_command(absence_id="A-1", reason=ReasonCategory.OTHER),
                                   case_id=case_id, now=OPENED, actor=HR_ACTOR))
    contact = decide(state, j.early_contact(OPENED), now=OPENED, actor=MANAGER_ACTOR)
    await asyncio.to_thread(append, store, case_id, 2, contact)
    other = await asyncio.to_thread(open_and_append, store, "A-2", OPENED)

    restarted = WorklistProjector(store, pool)  # a new process: empty cache
    assert await restarted.catch_up() == 2
    assert await restarted.catch_up() == 0
    by_case = {str(r["case_id"]): r for r in await rows(pool)}
    assert by_case[case_id]["stage"] == "assessment" and by_case[case_id]["version"] == 2
    assert by_case[other]["version"] == 1
    assert await pool.fetchval(
        "SELECT position FROM rtw_projection_positions WHERE name = 'worklist'") == 3


async def test_two_projectors_at_once_apply_each_event_once(store: CaseEventStore,
                                                            pool: asyncpg.Pool) -> None:
    for n in range(20):
        await asyncio.to_thread(open_and_append, store, f"A-{n}", OPENED + timedelta(hours=n))
    one, two = WorklistProjector(store, pool), WorklistProjector(store, pool)
    await one.ensure_schema()
    applied = await asyncio.gather(one.catch_up(batch=3), two.catch_up(batch=3))
    assert sum(applied) == 20
    assert await pool.fetchval("SELECT count(*) FROM rtw_worklist") == 20


def poison(store: CaseEventStore, absence: str, **changes: object) -> str:
    """A case whose opening event, written straight into the store, the projector cannot
    apply: `changes` overwrite fields of its stored JSON."""
    case_id, events = j.case_events(absence, 1, OPENED)
    stored = j.as_new(events[0])
    store.append(case_id=case_id, first_position=1, policy_version=j.POLICY,
                 workflow_id=case_id, run_id="run-1",
                 events=[replace(stored, data={**stored.data, **changes})])
    return case_id


async def test_a_case_the_projector_cannot_apply_is_quarantined_and_the_rest_carry_on(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    before = await asyncio.to_thread(open_and_append, store, "A-BEFORE", OPENED)
    overflowing = await asyncio.to_thread(poison, store, "A-SENTINEL", first_day="9999-12-31")
    unreadable = await asyncio.to_thread(poison, store, "A-GARBLED", reason_category=17)
    after = await asyncio.to_thread(open_and_append, store, "A-AFTER", OPENED)
    projector = WorklistProjector(store, pool)

    assert await projector.catch_up() == 4
    assert {str(r["case_id"]) for r in await rows(pool)} == {before, after}
    held = {str(r["case_id"]): r for r in await pool.fetch("SELECT * FROM rtw_quarantine")}
    assert set(held) == {overflowing, unreadable}
    assert held[overflowing]["projection"] == "worklist"
    assert held[overflowing]["position"] == 1
    assert held[overflowing]["error_type"] == "OverflowError"
    assert held[unreadable]["error_type"] == "ValidationError"

    # Its later events are skipped, not retried on every pass, and never end the loop.
    state = evolve(None, open_case(open_command(absence_id="A-AFTER",
                                                reason=ReasonCategory.OTHER),
                                   case_id=after, now=OPENED, actor=HR_ACTOR))
    contact = decide(state, j.early_contact(OPENED), now=OPENED, actor=MANAGER_ACTOR)
    await asyncio.to_thread(append, store, after, 2, contact)
    assert await projector.catch_up() == 1
    by_case = {str(r["case_id"]): r for r in await rows(pool)}
    assert by_case[after]["stage"] == "assessment"


async def test_a_released_case_is_projected_again_once_it_can_be(
        store: CaseEventStore, pool: asyncpg.Pool, database_url: str) -> None:
    garbled = await asyncio.to_thread(poison, store, "A-GARBLED", reason_category=17)
    projector = WorklistProjector(store, pool)
    await projector.catch_up()
    assert not await projector.release(garbled)  # not fixed: quarantined again
    assert await pool.fetchval("SELECT count(*) FROM rtw_quarantine") == 1

    await asyncio.to_thread(
        tamper, database_url,
        "UPDATE rtw_events SET state = %s WHERE originator_id = %s",
        await asyncio.to_thread(_fixed_state, store, garbled), uuid.UUID(garbled))
    assert await projector.release(garbled)
    assert await pool.fetchval("SELECT count(*) FROM rtw_quarantine") == 0
    assert [str(r["case_id"]) for r in await rows(pool)] == [garbled]


def _fixed_state(store: CaseEventStore, case_id: str) -> bytes:
    """The stored bytes of the case's opening event with its bad field corrected."""
    notification = store.recorder.select_notifications(1, 10)[0]
    record = store.mapper.to_domain_event(notification)
    assert isinstance(record, CaseEventRecord)
    fixed = replace(record, data={**record.data, "reason_category": "other"})
    return bytes(store.mapper.to_stored_event(fixed).state)


async def test_the_projector_loop_outlives_a_database_it_cannot_reach(
        store: CaseEventStore, pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture) -> None:
    await asyncio.to_thread(open_and_append, store, "A-1", OPENED)
    projector = WorklistProjector(store, pool)
    await projector.ensure_schema()
    await pool.close()  # every call on it fails from now on
    stop = asyncio.Event()
    running = asyncio.create_task(projector.run(stop, interval=0.01))
    await asyncio.sleep(0.5)
    assert not running.done()
    stop.set()
    await asyncio.wait_for(running, timeout=5)
    said = [r for r in caplog.records if r.name == "infra.backoff"]
    assert len(said) == 1 and "retrying with backoff" in said[0].getMessage()


async def test_rows_written_under_older_rules_are_projected_again_once(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    case_id = await asyncio.to_thread(open_and_append, store, "A-RULES", OPENED)
    projector = WorklistProjector(store, pool)
    await projector.ensure_schema()
    await projector.catch_up()
    # As a deployment whose rows an older rtw wrote: another deadline, the rules of then.
    await pool.execute("UPDATE rtw_worklist SET next_deadline_name = 'stale'")
    await pool.execute("UPDATE rtw_projection_positions SET rules = 1 WHERE name = 'worklist'")

    restarted = WorklistProjector(store, pool)
    await restarted.ensure_schema()
    assert await restarted.catch_up() == 1
    [row] = await rows(pool)
    assert (str(row["case_id"]), row["next_deadline_name"]) == (case_id, "early_contact_due")
    again = WorklistProjector(store, pool)
    await again.ensure_schema()
    assert await again.catch_up() == 0  # once only
