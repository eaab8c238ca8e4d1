"""The worklist read model on a real PostgreSQL: complete, ordered, restart-safe."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
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
from eventstore.store import CaseEventStore
from localstack import samples as j
from readside.schema import ensure_schema
from readside.worklist import WorklistProjector
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from workflows.payloads import AppendEventsInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)


@pytest.fixture
async def pool(database_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(database_url, min_size=1, max_size=4)
    await ensure_schema(created)
    try:
        yield created
    finally:
        await created.close()


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
