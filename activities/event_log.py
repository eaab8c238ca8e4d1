"""Appending decided events, and the notices they cause, to the event store, idempotently."""

from __future__ import annotations

from temporalio import activity
from temporalio.exceptions import ApplicationError

from eventstore.outbox import NewNotice
from eventstore.store import (
    CaseEventStore,
    EventPositionConflict,
    NewCaseEvent,
    UnknownCorrectedEvent,
)
from infra.metrics import count_appended
from infra.telemetry import current_trace_id
from workflows.payloads import APPEND_CASE_EVENTS, AppendEventsInput, AppendEventsResult


class EventLogActivities:
    """Writes each decision of a case to the store in one transaction."""

    def __init__(self, store: CaseEventStore) -> None:
        self._store = store

    @activity.defn(name=APPEND_CASE_EVENTS)
    def append_case_events(self, input: AppendEventsInput) -> AppendEventsResult:
        # A plain def: eventsourcing is synchronous, so this runs on the worker's thread pool.
        trace_id = current_trace_id() or ""
        events = [
            NewCaseEvent.of(pending.event, event_id=pending.event_id,
                            trace_id=pending.trace_id or trace_id,
                            corrects_event_id=pending.corrects_event_id)
            for pending in input.events
        ]
        notices = [
            NewNotice.of(notice, event_id=pending.event_id, number=number,
                         employer_id=input.employer_id or "")
            for pending in input.events
            for number, notice in enumerate(pending.notices, start=1)
        ]
        try:
            outcome = self._store.append(
                case_id=input.case_id,
                first_position=input.first_position,
                policy_version=input.policy_version,
                workflow_id=input.workflow_id,
                run_id=input.run_id,
                events=events,
                notices=notices,
            )
        except EventPositionConflict as conflict:
            raise ApplicationError(
                str(conflict), type="EventPositionConflict", non_retryable=True
            ) from conflict
        except UnknownCorrectedEvent as unknown:
            raise ApplicationError(
                str(unknown), type="UnknownCorrectedEvent", non_retryable=True
            ) from unknown
        if outcome.appended:  # a retry that found its events stored counts nothing again
            count_appended(pending.event for pending in input.events)
        return AppendEventsResult(
            appended=outcome.appended, already_present=outcome.already_present
        )
