"""Cases with notices in the outbox, and a channel that keeps what it is given, for the tests
of the relay and the inbox."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities.event_log import EventLogActivities
from domain.actors import TIMER_ACTOR
from domain.commands import DeadlinePassed, OpenCase
from domain.deadlines import open_deadlines
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.notices import notices_for
from domain.state import CaseState
from eventstore.store import CaseEventStore
from infra.employers import EmployerDirectory
from infra.notice_channels.base import DeliveryFailed, OutgoingMessage
from tests.support.builders import HR_ACTOR, open_command
from workflows.payloads import AppendEventsInput, PendingEvent

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday
OH_MAILBOX = "oh-team@acme.example"
HR_MAILBOX = "hr-team@acme.example"


def employer_directory(tmp_path: Path, **extra: object) -> EmployerDirectory:
    """acme-trust's employer file with both role mailboxes (and any `extra` keys)."""
    folder = tmp_path / "employers"
    folder.mkdir(exist_ok=True)
    (folder / "acme-trust.json").write_text(json.dumps(
        {"mailboxes": {"oh": OH_MAILBOX, "hr": HR_MAILBOX}, **extra}))
    return EmployerDirectory.load(folder)


class CaseWriter:
    """Appends a case's decisions as the workflow does: each decision in one append, with the
    notices its events cause."""

    def __init__(self, store: CaseEventStore) -> None:
        self._append = EventLogActivities(store).append_case_events
        self.state: CaseState | None = None

    def write(self, events: list[CaseEvent]) -> CaseState:
        first = (self.state.version if self.state else 0) + 1
        pending = []
        for event in events:
            self.state = evolve(self.state, event)
            pending.append(PendingEvent(
                event_id=f"{self.state.case_id[:8]}-0000-4000-8000-{self.state.version:012d}",
                event=event, notices=notices_for(self.state, event)))
        assert self.state is not None
        ActivityEnvironment().run(self._append, AppendEventsInput(
            case_id=self.state.case_id, first_position=first,
            policy_version=self.state.policy.version, workflow_id=self.state.case_id,
            run_id="run-1", events=pending, employer_id=self.state.employer_id))
        return self.state


def store_case_to_escalation(store: CaseEventStore, command: OpenCase | None = None,
                             ) -> CaseState:
    """A case whose manager was reminded of early contact and whose HR was then told it was
    missed, stored as the workflow stores it."""
    command = command or open_command()
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    writer = CaseWriter(store)
    state = writer.write([open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR)])
    for key in ("early_contact_due", "early_contact_escalation"):
        [deadline] = [d for d in open_deadlines(state) if d.key == key]
        state = writer.write(decide(state, DeadlinePassed(key=key), now=deadline.due_at,
                                    actor=TIMER_ACTOR))
    return state


@dataclass
class RecordingChannel:
    """Keeps every message it is given; fails the first sends as told (`failures`)."""

    name: str = "recording"
    sent: list[OutgoingMessage] = field(default_factory=list)
    failures: list[DeliveryFailed] = field(default_factory=list)

    async def send(self, message: OutgoingMessage) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(message)

    async def close(self) -> None:
        return None
