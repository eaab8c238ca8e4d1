"""The worklist's owner columns on a real PostgreSQL: a table from before them gains them in
place, and the projector rebuilds every row from the start of the log so that the tier-2/3
cases projected before show as unassigned."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.event_log import EventLogActivities
from domain.actors import Actor, Role, Source
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.stages import ReasonCategory
from eventstore.replay import state_of
from eventstore.store import CaseEventStore
from localstack import samples as j
from readside.worklist import WorklistProjector
from readside.worklist_query import WorklistQuery, worklist_page
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from workflows.payloads import AppendEventsInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
OH = Actor(id="OHA-1", role=Role.OH, source=Source.API)

# The worklist as it was before the owner columns.
OLD_WORKLIST = """
DROP TABLE rtw_worklist;
CREATE TABLE rtw_worklist (
    case_id uuid PRIMARY KEY, employer_id text NOT NULL, route text NOT NULL,
    stage text NOT NULL, manager_id text NOT NULL, employee_id text NOT NULL,
    employee_name text NOT NULL, assigned_to text, opened_at timestamptz NOT NULL,
    next_deadline_at timestamptz, next_deadline_name text, next_shared_deadline_at timestamptz,
    next_shared_deadline_name text, version integer NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
"""


def assessed_case(store: CaseEventStore, absence: str) -> str:
    """A tier-2 case in planning, with no case manager, in the store."""
    command = open_command(absence_id=absence, reason=ReasonCategory.OTHER)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    events: list[CaseEvent] = [open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR)]
    state = evolve(None, events[0])
    for command_, actor in ((j.early_contact(OPENED), MANAGER_ACTOR),
                            (j.assessment(OPENED), OH)):
        for event in decide(state, command_, now=OPENED, actor=actor):
            state = evolve(state, event)
            events.append(event)
    ActivityEnvironment().run(EventLogActivities(store).append_case_events, AppendEventsInput(
        case_id=case_id, first_position=1, policy_version="default-2026-04",
        workflow_id=case_id, run_id="run-1",
        events=[PendingEvent(event_id=f"{case_id}-{n}", event=e)
                for n, e in enumerate(events, start=1)]))
    return case_id


async def test_an_old_worklist_gains_the_owner_columns_and_is_rebuilt(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    case_id = await asyncio.to_thread(assessed_case, store, "A-OLD")
    await pool.execute(OLD_WORKLIST)
    await pool.execute(
        "INSERT INTO rtw_worklist (case_id, employer_id, route, stage, manager_id, employee_id,"
        " employee_name, opened_at, version) VALUES ($1, 'acme-trust', 'return_to_work',"
        " 'planning', 'M2002', 'E1001', 'Sam Patel', $2, 3)", case_id, OPENED)
    await pool.execute("UPDATE rtw_projection_positions SET position = 3 WHERE name = 'worklist'")

    projector = WorklistProjector(store, pool)
    await projector.ensure_schema()
    await projector.ensure_schema()  # a second start finds the columns and changes nothing

    reset = await pool.fetchrow("SELECT version, unassigned FROM rtw_worklist")
    assert (reset["version"], reset["unassigned"]) == (0, False)
    assert await projector.catch_up() == 3
    row = await pool.fetchrow("SELECT * FROM rtw_worklist WHERE case_id = $1", case_id)
    assert (row["version"], row["unassigned"], row["case_manager_id"]) == (3, True, None)


async def test_a_case_manager_and_a_cover_are_projected(store: CaseEventStore,
                                                        pool: asyncpg.Pool) -> None:
    case_id = await asyncio.to_thread(assessed_case, store, "A-OWNED")
    projector = WorklistProjector(store, pool)
    await projector.ensure_schema()
    await projector.catch_up()
    history = await asyncio.to_thread(store.history, case_id)
    state = state_of(history)
    assert state is not None
    events = [*decide(state, j.case_manager("OHA-3", "Priya Nair"), now=OPENED,
                      actor=OH)]
    state = evolve(state, events[0])
    events += decide(state, j.case_manager("OHN-9", "Tom Okafor").model_copy(
        update={"cover_until": OPENED.date()}), now=OPENED, actor=OH)
    await asyncio.to_thread(
        ActivityEnvironment().run, EventLogActivities(store).append_case_events,
        AppendEventsInput(case_id=case_id, first_position=4, policy_version="default-2026-04",
                          workflow_id=case_id, run_id="run-1",
                          events=[PendingEvent(event_id=f"{case_id}-{n}", event=e)
                                  for n, e in enumerate(events, start=4)]))

    await projector.catch_up()

    row = await pool.fetchrow("SELECT * FROM rtw_worklist WHERE case_id = $1", case_id)
    assert (row["case_manager_id"], row["case_manager_name"]) == ("OHA-3", "Priya Nair")
    assert (row["cover_id"], row["cover_until"]) == ("OHN-9", OPENED.date())
    assert row["unassigned"] is False

    async def owned_by(assignee: str, on: datetime) -> bool:
        page = await worklist_page(pool, WorklistQuery(clinical_deadlines=True,
                                                       assignee=assignee),
                                   now=on, after=None, limit=50)
        return case_id in {str(r["case_id"]) for r in page}

    assert await owned_by("OHN-9", OPENED) and not await owned_by("OHA-3", OPENED)
    after_cover = OPENED + timedelta(days=1)
    assert await owned_by("OHA-3", after_cover) and not await owned_by("OHN-9", after_cover)
