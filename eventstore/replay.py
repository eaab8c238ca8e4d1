"""Replay a case from the store with the very rules the workflow decides with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.events import parse_event
from domain.evolve import evolve
from domain.state import CaseState
from eventstore.records import CaseEventRecord


@dataclass(frozen=True)
class ReplayStep:
    """One stored event and the case state right after it."""

    record: CaseEventRecord
    state: CaseState

    @property
    def why(self) -> str:
        """The reason recorded with the event, with the deadline it names when it has one."""
        deadline = self.record.data.get("deadline")
        return f"{self.record.reason} [deadline {deadline}]" if deadline else self.record.reason


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


def record_fields(record: CaseEventRecord) -> dict[str, Any]:
    """Every stored field of an event, JSON-ready, for replay output and exports."""
    return {
        "case_id": record.case_id,
        "position": record.position,
        "event_id": record.event_id,
        "type": record.event_type,
        "occurred_at": record.occurred_at.isoformat(),
        "recorded_at": record.recorded_at.isoformat(),
        "actor_id": record.actor_id,
        "actor_role": record.actor_role,
        "source": record.source,
        "reason": record.reason,
        "deadline": record.data.get("deadline"),
        "policy_version": record.policy_version,
        "workflow_id": record.workflow_id,
        "run_id": record.run_id,
        "trace_id": record.trace_id,
        "corrects_event_id": record.corrects_event_id,
        "mac": record.mac,
        "data": record.data,
    }
