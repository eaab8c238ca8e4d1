"""CaseEventStore: idempotent appends and ordered reads of case events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlparse
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import IntegrityError, Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic

from domain.events import CaseEvent
from eventstore.chain import GENESIS_MAC, AuditKey, head_for, sign_event
from eventstore.cipher import KeyedCipher, cipher_ring
from eventstore.outbox import NewNotice
from eventstore.recorder import ChainedPostgresRecorder
from eventstore.records import CaseEventRecord
from eventstore.subject_keys import (
    CaseKeyDestroyed,
    DataKey,
    SubjectKeys,
    is_sealed,
    seal_record,
    subject_of,
    unseal_record,
)
from eventstore.transcoder import CaseTranscoder


class EventPositionConflict(Exception):
    """Other events already hold the positions being appended: a second writer exists."""


class ChainDoesNotHold(ValueError):
    """A case whose chain does not verify is not rewritten (re-sealed for erasure)."""


class UnknownCorrectedEvent(ValueError):
    """A correction names an event that is not earlier in the same case."""


@dataclass(frozen=True)
class NewCaseEvent:
    """An event decided by a workflow, not yet stored: the fields of a `CaseEventRecord` that
    the decision supplies (the store adds the position, the recording and the MAC)."""

    event_id: str
    event_type: str
    occurred_at: datetime
    actor_id: str
    actor_role: str
    source: str
    reason: str
    trace_id: str
    data: dict[str, Any]
    corrects_event_id: str | None = None

    @classmethod
    def of(
        cls, event: CaseEvent, *, event_id: str, trace_id: str = "",
        corrects_event_id: str | None = None,
    ) -> NewCaseEvent:
        """The domain event to store under `event_id`: its audit fields read from the event."""
        return cls(
            event_id=event_id,
            event_type=event.type,
            occurred_at=event.occurred_at,
            actor_id=event.actor.id,
            actor_role=event.actor.role.value,
            source=event.actor.source.value,
            reason=event.reason,
            trace_id=trace_id,
            data=event.model_dump(mode="json"),
            corrects_event_id=corrects_event_id,
        )


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
        # A pooled connection is checked before use, so that after PostgreSQL restarts the
        # first call on each stale connection does not fail (the pool opens a new one).
        "POSTGRES_PRE_PING": "y",
        "CREATE_TABLE": "y",
        "APPLICATION_RECORDER_TOPIC": get_topic(ChainedPostgresRecorder),
    }


class UnsealingMapper(Mapper[UUID]):
    """The library's mapper, which gives readers each case event with its sealed content
    opened by the case's data key (or marked erased once that key is destroyed). Every reader
    of the store (history, exports, projections) goes through it; `verify` uses `sealed`."""

    keys: SubjectKeys | None = None

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        if self.keys is not None and isinstance(event, CaseEventRecord):
            return unseal_record(self.keys.get(event.case_id), event)
        return event

    def sealed(self) -> Mapper[UUID]:
        """A mapper giving records exactly as stored, content still sealed."""
        return Mapper(transcoder=self.transcoder, cipher=self.cipher,
                      compressor=self.compressor)


class CaseEventStore(Application[UUID]):
    """The legal record of every case. Synchronous: call it from a thread, never the event loop."""

    name = "rtw"

    def __init__(self, env: Mapping[str, str], *, audit_key: AuditKey) -> None:
        super().__init__(env=env)
        self.audit_key = audit_key
        cipher_key = env.get("CIPHER_KEY")
        self.subject_keys = SubjectKeys(self.chained_recorder.datastore,
                                        cipher_ring(cipher_key) if cipher_key else None)
        self.unsealing_mapper.keys = self.subject_keys

    @classmethod
    def connect(
        cls, database_url: str, *, cipher_key: str | None, audit_key: str | None
    ) -> CaseEventStore:
        """The store at `database_url`; `cipher_key` is RTW_EVENT_CIPHER_KEY and `audit_key`
        RTW_AUDIT_HMAC_KEY, each a key ring (`eventstore.keyring`) or one bare base64 key."""
        key = AuditKey.from_base64(audit_key)
        env = postgres_environment(database_url)
        if cipher_key:
            cipher_ring(cipher_key)  # a bad ring is refused here, naming the setting
            env["CIPHER_TOPIC"] = get_topic(KeyedCipher)
            env["CIPHER_KEY"] = cipher_key
        return cls(env=env, audit_key=key)

    def construct_mapper(self) -> Mapper[UUID]:
        return self.factory.mapper(transcoder=self.construct_transcoder(),
                                   mapper_class=UnsealingMapper)

    @property
    def unsealing_mapper(self) -> UnsealingMapper:
        if not isinstance(self.mapper, UnsealingMapper):
            raise TypeError("the event store must use UnsealingMapper")
        return self.mapper

    def construct_transcoder(self) -> Transcoder:
        transcoder = CaseTranscoder()
        self.register_transcodings(transcoder)
        return transcoder

    @property
    def chained_recorder(self) -> ChainedPostgresRecorder:
        if not isinstance(self.recorder, ChainedPostgresRecorder):
            raise TypeError("the event store must use ChainedPostgresRecorder")
        return self.recorder

    def append(
        self,
        *,
        case_id: str,
        first_position: int,
        policy_version: str,
        workflow_id: str,
        run_id: str,
        events: Sequence[NewCaseEvent],
        notices: Sequence[NewNotice] = (),
        recorded_at: datetime | None = None,
    ) -> AppendOutcome:
        """Write one decision's events, and the notices they cause, in one transaction at the
        given positions.

        `recorded_at` is now unless given (imports of old records, tests).
        A retry of the same append finds its own event ids there and writes nothing. Each
        event is MACed onto the chain, and the case's chain head moves in the same transaction.
        """
        if not events:
            return AppendOutcome(appended=0, already_present=0)
        last_position = first_position + len(events) - 1
        head_position, previous_mac = self._chain_tail(case_id, first_position)
        if head_position != first_position - 1:
            # Either a retry of an append that committed, or a writer that is out of step.
            return self._already_present(case_id, first_position, events)
        self._check_corrections(case_id, events)
        originator_id = UUID(case_id)
        recorded_at = recorded_at or datetime.now(UTC)
        unsigned = [
            CaseEventRecord(
                originator_id=originator_id,
                originator_version=first_position + offset,
                timestamp=recorded_at,
                policy_version=policy_version,
                workflow_id=workflow_id,
                run_id=run_id,
                **{field.name: getattr(event, field.name) for field in fields(event)},
            )
            for offset, event in enumerate(events)
        ]
        data_key = self._data_key(case_id, first_position, events)
        if data_key is not None:
            unsigned = [seal_record(data_key, record) for record in unsigned]
        records: list[CaseEventRecord] = []
        for record in unsigned:
            previous_mac = sign_event(self.audit_key, record, previous_mac)
            records.append(replace(record, mac=previous_mac))
        new_head = head_for(self.audit_key, case_id, last_position, previous_mac)
        try:
            self.events.put(records, chain_head=new_head, notices=notices)
        except IntegrityError:
            return self._already_present(case_id, first_position, events)
        return AppendOutcome(appended=len(records), already_present=0)

    def _data_key(self, case_id: str, first_position: int, events: Sequence[NewCaseEvent]
                  ) -> DataKey | None:
        """The key to seal the case's new events with: made with the case's first event when
        a cipher ring is configured (a case opened before data keys gets one now)."""
        key = self.subject_keys.get(case_id)
        if key is None and first_position == 1 and self.subject_keys.enabled:
            subject = subject_of(events[0].data)
            if subject is not None:
                key = self.subject_keys.create(case_id, *subject)
        elif key is None:
            key = self.adopt_key(case_id)
        if key is not None and key.secret is None:
            raise CaseKeyDestroyed(f"case {case_id} was erased: it takes no more events")
        return key

    def append_unsealed(
        self, *, case_id: str, first_position: int, policy_version: str, workflow_id: str,
        run_id: str, event: NewCaseEvent, recorded_at: datetime | None = None,
    ) -> AppendOutcome:
        """Append one event that holds no personal data in clear, even to a case whose data key
        is destroyed (the record of an erasure itself)."""
        head_position, previous_mac = self._chain_tail(case_id, first_position)
        if head_position != first_position - 1:
            return self._already_present(case_id, first_position, [event])
        record = CaseEventRecord(
            originator_id=UUID(case_id), originator_version=first_position,
            timestamp=recorded_at or datetime.now(UTC), policy_version=policy_version,
            workflow_id=workflow_id, run_id=run_id,
            **{field.name: getattr(event, field.name) for field in fields(event)},
        )
        signed = replace(record, mac=sign_event(self.audit_key, record, previous_mac))
        new_head = head_for(self.audit_key, case_id, first_position, signed.mac)
        try:
            self.events.put([signed], chain_head=new_head)
        except IntegrityError:
            return self._already_present(case_id, first_position, [event])
        return AppendOutcome(appended=1, already_present=0)

    def adopt_key(self, case_id: str) -> DataKey | None:
        """The case's data key; a case opened before data keys existed gets one now, for the
        employee its first event names. What is written of the case from then on (its new
        events, its read rows, its Temporal payloads) is sealed under it. Its earlier events
        stay exactly as stored, so its chain and any checkpoint of it still hold; erasure
        re-seals them (`reseal_legacy`). None without a cipher ring, or for a case with no
        events or whose first event names nobody."""
        key = self.subject_keys.get(case_id)
        if key is not None or not self.subject_keys.enabled:
            return key
        first = self.history(case_id, up_to=1)
        subject = subject_of(first[0].data) if first else None
        if subject is None:
            return None
        return self.subject_keys.create(case_id, *subject)

    def needs_reseal(self, case_id: str) -> bool:
        """Whether some event of the case is stored unsealed (written before data keys
        existed) while its data key is still alive: erasure must seal those events first."""
        key = self.subject_keys.get(case_id)
        if key is not None and key.secret is None:
            return False  # erased: nothing of it is sealed again
        mapper = self.unsealing_mapper.sealed()
        return any(
            isinstance(record, CaseEventRecord) and not is_sealed(record)
            for record in map(mapper.to_domain_event,
                              self.chained_recorder.select_events(UUID(case_id))))

    def reseal_legacy(self, case_id: str) -> int:
        """Seal every event of a case stored (wholly or partly) before data keys under its data
        key (adopted now if it has none), and re-sign its chain (scheme 2) over the sealed
        rows: the step before erasing such a case, whose older MACs cover its content in clear.
        Refused unless its chain verifies first. Returns how many events were re-sealed (0 for
        a case whose events are all sealed already, or whose key is destroyed)."""
        from eventstore.verify import verify_cases  # verify reads the store: imported late

        if not self.needs_reseal(case_id):
            return 0
        verdicts = list(verify_cases(self, case_id))
        if not verdicts or verdicts[0].broken is not None:
            problem = verdicts[0].broken.problem if verdicts and verdicts[0].broken else \
                "no events"
            raise ChainDoesNotHold(f"case {case_id}: its chain does not verify ({problem}); "
                                   "it is not re-sealed")
        records = self.history(case_id)
        key = self.adopt_key(case_id)
        if key is None:
            raise ChainDoesNotHold(f"case {case_id}: its first event names no employee")
        previous_mac = GENESIS_MAC
        states: list[tuple[int, bytes]] = []
        for record in records:
            sealed = seal_record(key, replace(record, mac=""))
            previous_mac = sign_event(self.audit_key, sealed, previous_mac)
            stored = self.mapper.to_stored_event(replace(sealed, mac=previous_mac))
            states.append((record.position, stored.state))
        head = head_for(self.audit_key, case_id, records[-1].position, previous_mac)
        self.chained_recorder.reseal(case_id, states, head)
        return len(states)

    def _chain_tail(self, case_id: str, first_position: int) -> tuple[int, str]:
        """Where the case's chain ends: its head, or for a case stored before heads existed,
        its last event (whose events `verify` then reports as carrying no MAC)."""
        head = self.chained_recorder.select_head(case_id)
        if head is not None:
            return head.last_position, head.last_mac
        if first_position == 1:  # a new case (or a retry of its first append: the insert says)
            return 0, GENESIS_MAC
        last = self.chained_recorder.select_events(UUID(case_id), desc=True, limit=1)
        if last:
            record = self.unsealing_mapper.sealed().to_domain_event(last[0])
            if isinstance(record, CaseEventRecord):
                return record.position, record.mac
        return 0, GENESIS_MAC

    def _check_corrections(self, case_id: str, events: Sequence[NewCaseEvent]) -> None:
        """A correction must reference an earlier event of the case (read only if one does)."""
        named = {e.corrects_event_id for e in events if e.corrects_event_id}
        if not named:
            return
        earlier = {r.event_id for r in self.history(case_id)}
        for event in events:
            if event.corrects_event_id and event.corrects_event_id not in earlier:
                raise UnknownCorrectedEvent(
                    f"case {case_id}: event {event.event_id} corrects "
                    f"{event.corrects_event_id}, which is not an earlier event of the case"
                )
            earlier.add(event.event_id)

    def _already_present(
        self, case_id: str, first_position: int, events: Sequence[NewCaseEvent]
    ) -> AppendOutcome:
        last_position = first_position + len(events) - 1
        stored = self.history(case_id, after=first_position - 1, up_to=last_position)
        if [r.event_id for r in stored] == [e.event_id for e in events]:
            return AppendOutcome(appended=0, already_present=len(events))
        raise EventPositionConflict(
            f"case {case_id}: positions {first_position}..{last_position} are held by other "
            "events, or the case's events end before position "
            f"{first_position - 1}"
        )

    def history(
        self, case_id: str, *, after: int | None = None, up_to: int | None = None
    ) -> list[CaseEventRecord]:
        """The case's events in position order."""
        return [
            record
            for record in self.events.get(UUID(case_id), gt=after, lte=up_to)
            if isinstance(record, CaseEventRecord)
        ]
