"""The employee's contact for sign-in links follows HR on a real PostgreSQL: a new address
replaces the old one's digest, the old address gets no more links, and a link already sent to
it signs no one in."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
from temporalio.testing import ActivityEnvironment

from activities.event_log import EventLogActivities
from domain.actors import Person
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.journey.hr_facts import ChangeEmployeeDetails
from eventstore.row_seal import RowSeal
from eventstore.store import CaseEventStore
from infra.sign_in_links import SignInLinkKey
from readside.employee_links import (
    EmployeeContactsProjector,
    LinkState,
    link_state,
    own_cases,
    send_links,
    use_link,
)
from tests.support.builders import HR_ACTOR, open_command
from workflows.payloads import AppendEventsInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
OLD = "sam.patel@old.example"
NEW = "sam.okafor@new.example"


def append(store: CaseEventStore, case_id: str, first: int, events: list[CaseEvent]) -> None:
    ActivityEnvironment().run(EventLogActivities(store).append_case_events, AppendEventsInput(
        case_id=case_id, first_position=first, policy_version="default-2026-04",
        workflow_id=case_id, run_id="run-1",
        events=[PendingEvent(event_id=f"{case_id}-{first + n}", event=e)
                for n, e in enumerate(events)]))


async def test_a_new_address_from_hr_replaces_the_old_one_for_sign_in_links(
        store: CaseEventStore, pool: asyncpg.Pool) -> None:
    command = open_command(absence_id="ABS-HR-1").model_copy(update={
        "employee": Person(id="E7001", name="Sam Patel", email=OLD)})
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    opened = open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR)
    await asyncio.to_thread(append, store, case_id, 1, [opened])
    projector = EmployeeContactsProjector(store, pool)
    await projector.ensure_schema()
    await projector.catch_up()
    key = SignInLinkKey.from_audit_key(store.audit_key)
    seal = RowSeal(store.subject_keys)
    now = OPENED + timedelta(days=1)
    (before,) = await send_links(pool, key, OLD, now=now, rows=seal)

    changed = decide(evolve(None, opened), ChangeEmployeeDetails(
        sent_at=now, name="Sam Okafor", email=NEW), now=now, actor=HR_ACTOR)
    await asyncio.to_thread(append, store, case_id, 2, changed)
    await projector.catch_up()

    assert await send_links(pool, key, OLD, now=now, rows=seal) == []
    (after,) = await send_links(pool, key, NEW, now=now, rows=seal)
    assert (after.employee_id, after.case_id) == ("E7001", case_id)
    assert await link_state(pool, before.link_id, now=now) is LinkState.EXPIRED
    assert await use_link(pool, before.link_id, now=now, rows=seal) is None
    assert await link_state(pool, after.link_id, now=now) is LinkState.USABLE
    owner = await use_link(pool, after.link_id, now=now, rows=seal)
    assert owner is not None and (owner.employee_id, owner.name) == ("E7001", "Sam Okafor")
    assert [case.case_id for case in await own_cases(
        pool, employer_ids=(command.employer_id,), employee_id="E7001")] == [case_id]
