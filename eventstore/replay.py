"""Replay a case from the store with the very rules the workflow decides with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from domain.events import parse_event
from domain.evolve import evolve
from domain.state import CaseState
from eventstore.records import CaseEventRecord
from eventstore.view import EventView


@dataclass(frozen=True)
class ReplayStep:
    """One stored event and the case state right after it."""

    record: CaseEventRecord
    state: CaseState

    @cached_property
    def view(self) -> EventView:
        """The event as auditors see it, its data upcast to today's shape."""
        return EventView.read(self.record)


def replay(records: list[CaseEventRecord]) -> list[ReplayStep]:
    """Fold the stored events in order through `domain.evolve`."""
    steps: list[ReplayStep] = []
    state: CaseState | None = None
    for record in records:
        state = evolve(state, parse_event(record.data))
        steps.append(ReplayStep(record=record, state=state))
    return steps


def as_the_record_stood(
    records: list[CaseEventRecord], *, as_of: datetime | None = None, position: int | None = None
) -> list[CaseEventRecord]:
    """The events an auditor would have seen then: recorded at or before `as_of`, and at or
    before `position`. Events are appended in position order, so this is always a prefix."""
    kept: list[CaseEventRecord] = []
    for record in records:
        if position is not None and record.position > position:
            break
        if as_of is not None and record.recorded_at > as_of:
            break
        kept.append(record)
    return kept
