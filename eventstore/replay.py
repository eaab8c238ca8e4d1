"""Replay a case from the store with the very rules the workflow decides with."""

from __future__ import annotations

from dataclasses import dataclass

from domain.events import parse_event
from domain.evolve import evolve
from domain.state import CaseState
from eventstore.records import CaseEventRecord


@dataclass(frozen=True)
class ReplayStep:
    """One stored event and the case state right after it."""

    record: CaseEventRecord
    state: CaseState


def replay(records: list[CaseEventRecord]) -> list[ReplayStep]:
    """Fold the stored events in order through `domain.evolve`."""
    steps: list[ReplayStep] = []
    state: CaseState | None = None
    for record in records:
        state = evolve(state, parse_event(record.data))
        steps.append(ReplayStep(record=record, state=state))
    return steps
