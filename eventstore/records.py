"""The stored form of one case event: the decision plus everything an auditor asks of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.domain import DomainEvent


@dataclass(frozen=True)
class CaseEventRecord(DomainEvent):
    """One event of one case.

    `originator_id` is the case id, `originator_version` its position (from 1) and
    `timestamp` the moment it was recorded. `data` is the domain event itself as JSON.
    The whole state is encrypted at rest by the application's cipher.

    Nothing is ever updated in place: a correction of fact is a later event whose
    `corrects_event_id` names the corrected one. `mac` chains the event to the one before it
    (see `eventstore.chain`). Both default, so events stored before they existed still load.
    """

    event_id: str
    event_type: str
    occurred_at: datetime
    actor_id: str
    actor_role: str
    source: str
    reason: str
    policy_version: str
    workflow_id: str
    run_id: str
    trace_id: str
    data: dict[str, Any]
    corrects_event_id: str | None = None
    mac: str = ""

    @property
    def case_id(self) -> str:
        return str(self.originator_id)

    @property
    def position(self) -> int:
        return self.originator_version

    @property
    def recorded_at(self) -> datetime:
        return self.timestamp
