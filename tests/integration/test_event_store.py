"""The event store on a real PostgreSQL: idempotent appends, order, encryption at rest."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.event_log import EventLogActivities
from domain.actors import TIMER_ACTOR
from domain.commands import DeadlinePassed
from domain.decide import decide, open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from eventstore.replay import replay
from eventstore.store import CaseEventStore
from tests.support.builders import EMPLOYEE, HR_ACTOR, open_command
from workflows.payloads import AppendEventsInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
DUE = datetime(2026, 11, 23, 17, tzinfo=UTC)
CASE_ID = case_id_for_absence("acme-trust", "ABS-1")


def opening_input(event_id: str = "00000000-0000-4000-8000-000000000001") -> AppendEventsInput:
    opened = open_case(open_command(), case_id=CASE_ID, now=OPENED, actor=HR_ACTOR)
    return AppendEventsInput(
        case_id=CASE_ID,
        first_position=1,
        policy_version="default-2026-04",
        workflow_id=CASE_ID,
        run_id="run-1",
        events=[PendingEvent(event_id=event_id, event=opened)],
    )


def reminder_input() -> AppendEventsInput:
    opened = opening_input().events[0].event
    state = evolve(None, opened)
    [reminded] = decide(state, DeadlinePassed(key="early_contact_due"), now=DUE, actor=TIMER_ACTOR)
    return AppendEventsInput(
        case_id=CASE_ID,
        first_position=2,
        policy_version="default-2026-04",
        workflow_id=CASE_ID,
        run_id="run-1",
        events=[PendingEvent(event_id="00000000-0000-4000-8000-000000000002", event=reminded)],
    )


def test_a_retried_append_activity_writes_each_event_once(store: CaseEventStore) -> None:
    activities = EventLogActivities(store)
    env = ActivityEnvironment()

    first = env.run(activities.append_case_events, opening_input())
    retried = env.run(activities.append_case_events, opening_input())

    assert (first.appended, first.already_present) == (1, 0)
    assert (retried.appended, retried.already_present) == (0, 1)
    assert [r.position for r in store.history(CASE_ID)] == [1]


def test_a_different_event_at_a_taken_position_is_refused_for_good(
    store: CaseEventStore,
) -> None:
    activities = EventLogActivities(store)
    env = ActivityEnvironment()
    env.run(activities.append_case_events, opening_input())

    with pytest.raises(ApplicationError) as refused:
        env.run(activities.append_case_events,
                      opening_input(event_id="00000000-0000-4000-8000-00000000ffff"))

    assert refused.value.type == "EventPositionConflict"
    assert refused.value.non_retryable
    assert [r.event_id for r in store.history(CASE_ID)] == [
        "00000000-0000-4000-8000-000000000001"
    ]


def test_history_replays_in_order_with_every_audit_field(store: CaseEventStore) -> None:
    activities = EventLogActivities(store)
    env = ActivityEnvironment()
    env.run(activities.append_case_events, opening_input())
    env.run(activities.append_case_events, reminder_input())

    records = store.history(CASE_ID)
    steps = replay(records)

    assert [r.event_type for r in records] == ["CaseOpened", "ManagerRemindedOfContact"]
    reminder = records[1]
    assert reminder.actor_role == "system" and reminder.source == "timer"
    assert reminder.occurred_at == DUE
    assert reminder.recorded_at.tzinfo is not None
    assert reminder.policy_version == "default-2026-04"
    assert reminder.workflow_id == CASE_ID and reminder.run_id == "run-1"
    assert "deadline" in reminder.reason
    assert steps[-1].state.contact_reminders_sent == 1


def test_events_are_encrypted_at_rest(store: CaseEventStore, database_url: str) -> None:
    ActivityEnvironment().run(EventLogActivities(store).append_case_events, opening_input())
    with psycopg.connect(database_url) as connection:
        rows = connection.execute("SELECT topic, state FROM rtw_events").fetchall()
    assert rows
    for topic, state in rows:
        assert EMPLOYEE.name.encode() not in bytes(state)
        assert b"musculoskeletal" not in bytes(state)
        assert "CaseOpened" not in topic
