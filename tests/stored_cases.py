"""Cases written straight into the event store, with fixed dates, for audit tests and bench."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import psycopg

from domain.actors import TIMER_ACTOR
from domain.decide import open_case
from domain.events import CaseEvent, ManagerRemindedOfContact
from domain.ids import case_id_for_absence
from eventstore.store import CaseEventStore, NewCaseEvent
from tests.builders import HR_ACTOR, open_command

POLICY = "default-2026-04"
RECORDING_DELAY = timedelta(minutes=1)


def case_events(absence_id: str, count: int, opened_at: datetime) -> tuple[str, list[CaseEvent]]:
    """A case opening followed by `count - 1` reminders an hour apart."""
    case_id = case_id_for_absence("acme-trust", absence_id)
    opened = open_case(open_command(absence_id=absence_id), case_id=case_id, now=opened_at,
                       actor=HR_ACTOR)
    events: list[CaseEvent] = [opened]
    for number in range(1, count):
        events.append(
            ManagerRemindedOfContact(
                occurred_at=opened_at + timedelta(hours=number),
                actor=TIMER_ACTOR,
                reason=f"no early contact by the deadline (policy {POLICY}), reminder {number}",
                deadline=opened_at + timedelta(days=1),
            )
        )
    return case_id, events


def as_new(event: CaseEvent, event_id: str | None = None) -> NewCaseEvent:
    return NewCaseEvent(
        event_id=event_id or str(uuid.uuid4()),
        event_type=event.type,
        occurred_at=event.occurred_at,
        actor_id=event.actor.id,
        actor_role=event.actor.role.value,
        source=event.actor.source.value,
        reason=event.reason,
        trace_id="",
        data=event.model_dump(mode="json"),
    )


def store_case(
    store: CaseEventStore, absence_id: str, count: int, opened_at: datetime, *, batch: int = 1
) -> str:
    """Append the case's events `batch` at a time, as the workflow would."""
    case_id, events = case_events(absence_id, count, opened_at)
    for start in range(0, count, batch):
        store.append(
            case_id=case_id,
            first_position=start + 1,
            policy_version=POLICY,
            workflow_id=case_id,
            run_id="run-1",
            events=[as_new(event) for event in events[start : start + batch]],
            recorded_at=events[start].occurred_at + RECORDING_DELAY,
        )
    return case_id


def tamper(database_url: str, statement: str, *params: object) -> None:
    """Change rows as a superuser would: with triggers (the append-only guard) switched off."""
    with psycopg.connect(database_url) as connection:
        connection.execute("SET session_replication_role = replica")
        connection.execute(statement, params)  # type: ignore[arg-type]
