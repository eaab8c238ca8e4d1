"""CaseWorkflow: one durable workflow per case, from the HR notification to closure."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.actors import TIMER_ACTOR, Actor
    from domain.deadlines import DueDecision, next_due_decision, open_deadlines
    from domain.decide import Command, decide, open_case
    from domain.errors import ActionNotAllowed, CaseError, InvalidCommand
    from domain.evolve import evolve
    from domain.guards import allowed_actions
    from domain.notices import notices_for
    from domain.stages import Stage
    from domain.state import CaseState
    from workflows.payloads import (
        APPEND_CASE_EVENTS,
        SEND_NOTIFICATION,
        AppendEventsInput,
        AppendEventsResult,
        CaseView,
        CaseWorkflowInput,
        NotificationInput,
        PendingEvent,
        RecordEarlyContactInput,
    )
    from workflows.search_attributes import CASE_EMPLOYER, CASE_NEXT_DEADLINE, CASE_STAGE

# Continue-as-new well before the server's own suggestion (4,096 events).
HISTORY_EVENTS_BEFORE_CONTINUE = 2_000

APPEND_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["EventPositionConflict"],
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)


def refusal(error: CaseError) -> ApplicationError:
    """A domain refusal as the non-retryable failure the caller receives."""
    details: dict[str, object] = {"kind": error.kind, "message": error.message}
    if isinstance(error, ActionNotAllowed):
        details.update(action=error.action, stage=error.stage, allowed_actions=error.allowed)
    if isinstance(error, InvalidCommand):
        details.update(field=error.field, reason=error.reason)
    return ApplicationError(error.message, details, type=error.kind, non_retryable=True)


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    """Holds one case's state, decides with domain/ and persists every decision before answering."""

    @workflow.init
    def __init__(self, input: CaseWorkflowInput) -> None:
        self._lock = asyncio.Lock()
        self._pending: list[PendingEvent] = []
        if input.carried_state is not None:
            self._state: CaseState = input.carried_state
        else:
            if input.open is None or input.opened_by is None:
                raise ApplicationError(
                    "a new case needs 'open' and 'opened_by'", non_retryable=True
                )
            opened = open_case(
                input.open, case_id=input.case_id, now=workflow.now(), actor=input.opened_by
            )
            self._state = evolve(None, opened)
            self._pending.append(
                PendingEvent(event_id=str(workflow.uuid4()), event=opened, trace_id=input.trace_id)
            )
        self._persisted_version = self._state.version - len(self._pending)

    @workflow.run
    async def run(self, input: CaseWorkflowInput) -> CaseView:
        await self._flush()
        self._publish_search_attributes()
        while self._state.stage is not Stage.CLOSED:
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._flush()
                workflow.continue_as_new(
                    CaseWorkflowInput(case_id=self._state.case_id, carried_state=self._state)
                )
            await self._wait_for_change_or_deadline()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    @workflow.query
    def view(self) -> CaseView:
        """The case as it stands: state, open deadlines and allowed actions."""
        return self._view()

    @workflow.update
    async def record_early_contact(self, input: RecordEarlyContactInput) -> CaseView:
        """Record early contact; answered once the event is in the event store."""
        self._decide_and_apply(input.command, input.actor, trace_id=input.trace_id)
        await self._flush()
        return self._view()

    @record_early_contact.validator
    def _validate_record_early_contact(self, input: RecordEarlyContactInput) -> None:
        self._check(input.command, input.actor)

    # -- deciding ---------------------------------------------------------------------------

    def _check(self, command: Command, actor: Actor) -> None:
        try:
            decide(self._state, command, now=workflow.now(), actor=actor)
        except CaseError as error:
            raise refusal(error) from error

    def _decide_and_apply(
        self, command: Command, actor: Actor, *, trace_id: str | None = None
    ) -> list[PendingEvent]:
        # No await between deciding and applying: no other handler can interleave.
        try:
            events = decide(self._state, command, now=workflow.now(), actor=actor)
        except CaseError as error:
            raise refusal(error) from error
        decided: list[PendingEvent] = []
        for event in events:
            self._state = evolve(self._state, event)
            decided.append(
                PendingEvent(event_id=str(workflow.uuid4()), event=event, trace_id=trace_id)
            )
        self._pending.extend(decided)
        if decided:
            self._publish_search_attributes()
        return decided

    async def _wait_for_change_or_deadline(self) -> None:
        due = next_due_decision(self._state)
        seen_version = self._state.version
        if due is None:
            await workflow.wait_condition(
                lambda: self._state.version != seen_version or self._should_continue_as_new()
            )
            return
        remaining = due.deadline.due_at - workflow.now()
        if remaining > timedelta(0):
            try:
                await workflow.wait_condition(
                    lambda: self._state.version != seen_version,
                    timeout=remaining,
                    timeout_summary=due.deadline.name,
                )
                return
            except TimeoutError:
                pass
        await self._on_deadline(due)

    async def _on_deadline(self, due: DueDecision) -> None:
        decided = self._decide_and_apply(due.command, TIMER_ACTOR)
        await self._flush()
        for notification in self._notifications(decided):
            await workflow.execute_activity(
                SEND_NOTIFICATION,
                notification,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=NOTIFY_RETRY,
            )

    def _notifications(self, decided: list[PendingEvent]) -> list[NotificationInput]:
        notifications: list[NotificationInput] = []
        for pending in decided:
            for number, notice in enumerate(notices_for(self._state, pending.event), start=1):
                notifications.append(
                    NotificationInput(
                        notification_id=f"{pending.event_id}/{number}",
                        case_id=self._state.case_id,
                        employer_id=self._state.employer_id,
                        recipient_role=notice.recipient_role,
                        recipient=notice.recipient,
                        subject=notice.subject,
                        body=notice.body,
                    )
                )
        return notifications

    # -- persisting -------------------------------------------------------------------------

    async def _flush(self) -> None:
        """Append every decided event, in order, before anyone is told it happened."""
        async with self._lock:
            if not self._pending:
                return
            batch = list(self._pending)
            info = workflow.info()
            await workflow.execute_local_activity(
                APPEND_CASE_EVENTS,
                AppendEventsInput(
                    case_id=self._state.case_id,
                    first_position=self._persisted_version + 1,
                    policy_version=self._state.policy.version,
                    workflow_id=info.workflow_id,
                    run_id=info.run_id,
                    events=batch,
                ),
                result_type=AppendEventsResult,
                start_to_close_timeout=timedelta(seconds=15),
                retry_policy=APPEND_RETRY,
            )
            self._persisted_version += len(batch)
            del self._pending[: len(batch)]

    # -- reading ----------------------------------------------------------------------------

    def _view(self) -> CaseView:
        return CaseView(
            state=self._state,
            deadlines=open_deadlines(self._state),
            allowed_actions=[action.value for action in allowed_actions(self._state)],
        )

    def _publish_search_attributes(self) -> None:
        deadlines = open_deadlines(self._state)
        workflow.upsert_search_attributes(
            [
                CASE_STAGE.value_set(self._state.stage.value),
                CASE_EMPLOYER.value_set(self._state.employer_id),
                CASE_NEXT_DEADLINE.value_set(deadlines[0].due_at)
                if deadlines
                else CASE_NEXT_DEADLINE.value_unset(),
            ]
        )

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > HISTORY_EVENTS_BEFORE_CONTINUE
        )
