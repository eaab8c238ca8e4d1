"""One view of a stored event: the fields an auditor reads, named, typed and ordered once.

Every reader takes its fields from `EventView`: the export's CSV columns and JSON lines, the
JSON of `rtw audit replay`, the history answer of the API, and the content of the chain's MAC
(`eventstore.chain.CHAINED` names which fields it covers). Readers see `data` upcast to today's
shape (`EventView.read`); the MAC covers it as it was stored (`EventView.stored`), so stored
rows are never rewritten and old MACs keep verifying.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from domain.upcasting import upcast
from eventstore.records import CaseEventRecord


@dataclass(frozen=True)
class EventView:
    """A stored event as auditors see it, in the order of the export's columns."""

    case_id: str
    position: int
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    source: str
    reason: str
    deadline: str | None  # read from `data`: the deadline behind a reminder or an escalation
    policy_version: str
    workflow_id: str
    run_id: str
    trace_id: str
    corrects_event_id: str | None
    mac: str
    data: dict[str, Any]

    @classmethod
    def read(cls, record: CaseEventRecord) -> EventView:
        """The event with its data in today's shape: what every reader shows (an erased
        event's data is only the mark that it was erased)."""
        if record.data in ({"erased": True}, {"unreadable": True}):
            return cls._of(record, dict(record.data))
        return cls._of(record, upcast(record.data))

    @classmethod
    def stored(cls, record: CaseEventRecord) -> EventView:
        """The event with its data exactly as written: what its MAC covers."""
        return cls._of(record, record.data)

    @classmethod
    def _of(cls, record: CaseEventRecord, data: dict[str, Any]) -> EventView:
        return cls(
            case_id=record.case_id,
            position=record.position,
            event_id=record.event_id,
            type=record.event_type,
            occurred_at=record.occurred_at,
            recorded_at=record.recorded_at,
            actor_id=record.actor_id,
            actor_role=record.actor_role,
            source=record.source,
            reason=record.reason,
            deadline=data.get("deadline"),
            policy_version=record.policy_version,
            workflow_id=record.workflow_id,
            run_id=record.run_id,
            trace_id=record.trace_id,
            corrects_event_id=record.corrects_event_id,
            mac=record.mac,
            data=data,
        )

    @property
    def why(self) -> str:
        """The reason recorded with the event, with the deadline it names when it has one."""
        return f"{self.reason} [deadline {self.deadline}]" if self.deadline else self.reason

    def fields(self) -> dict[str, Any]:
        """Every field by name, in column order, with its value as typed."""
        return {name: getattr(self, name) for name in COLUMNS}

    def as_json(self) -> dict[str, Any]:
        """Every field, JSON-ready, in column order: moments in ISO 8601 with their offset."""
        return {
            name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in self.fields().items()
        }


COLUMNS: tuple[str, ...] = tuple(field.name for field in fields(EventView))
