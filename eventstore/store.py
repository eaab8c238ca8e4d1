"""CaseEventStore: idempotent appends and ordered reads of case events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from eventstore.records import CaseEventRecord


class EventPositionConflict(Exception):
    """Other events already hold the positions being appended: a second writer exists."""


@dataclass(frozen=True)
class NewCaseEvent:
    """An event decided by a workflow, not yet stored."""

    event_id: str
    event_type: str
    occurred_at: datetime
    actor_id: str
    actor_role: str
    source: str
    reason: str
    trace_id: str
    data: dict[str, Any]


@dataclass(frozen=True)
class AppendOutcome:
    appended: int
    already_present: int


def postgres_environment(database_url: str) -> dict[str, str]:
    """`eventsourcing` settings for a postgresql:// URL."""
    url = urlparse(database_url)
    if url.scheme not in {"postgresql", "postgres"}:
        raise ValueError("RTW_DATABASE_URL must start with postgresql://")
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": (url.path or "/postgres").lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_POOL_SIZE": "5",
        "POSTGRES_MAX_OVERFLOW": "5",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "CREATE_TABLE": "y",
    }


class CaseEventStore(Application[UUID]):
    """The legal record of every case. Synchronous: call it from a thread, never the event loop."""

    name = "rtw"

    @classmethod
    def connect(cls, database_url: str, *, cipher_key: str | None) -> CaseEventStore:
        env = postgres_environment(database_url)
        if cipher_key:
            env["CIPHER_TOPIC"] = "eventsourcing.cryptography:AESCipher"
            env["CIPHER_KEY"] = cipher_key
        return cls(env=env)

    def append(
        self,
        *,
        case_id: str,
        first_position: int,
        policy_version: str,
        workflow_id: str,
        run_id: str,
        events: Sequence[NewCaseEvent],
    ) -> AppendOutcome:
        """Write one decision's events in one transaction at the given positions.

        A retry of the same append finds its own event ids there and writes nothing.
        """
        originator_id = UUID(case_id)
        recorded_at = datetime.now(UTC)
        records = [
            CaseEventRecord(
                originator_id=originator_id,
                originator_version=first_position + offset,
                timestamp=recorded_at,
                event_id=event.event_id,
                event_type=event.event_type,
                occurred_at=event.occurred_at,
                actor_id=event.actor_id,
                actor_role=event.actor_role,
                source=event.source,
                reason=event.reason,
                policy_version=policy_version,
                workflow_id=workflow_id,
                run_id=run_id,
                trace_id=event.trace_id,
                data=event.data,
            )
            for offset, event in enumerate(events)
        ]
        if not records:
            return AppendOutcome(appended=0, already_present=0)
        try:
            self.events.put(records)
        except IntegrityError:
            stored = self.history(
                case_id, after=first_position - 1, up_to=first_position + len(records) - 1
            )
            if [r.event_id for r in stored] == [r.event_id for r in records]:
                return AppendOutcome(appended=0, already_present=len(records))
            raise EventPositionConflict(
                f"case {case_id}: positions {first_position}..{first_position + len(records) - 1} "
                "are held by other events"
            ) from None
        return AppendOutcome(appended=len(records), already_present=0)

    def history(
        self, case_id: str, *, after: int | None = None, up_to: int | None = None
    ) -> list[CaseEventRecord]:
        """The case's events in position order."""
        return [
            record
            for record in self.events.get(UUID(case_id), gt=after, lte=up_to)
            if isinstance(record, CaseEventRecord)
        ]
