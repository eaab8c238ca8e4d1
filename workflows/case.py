"""CaseWorkflow: one durable workflow per case, from the first notice to the follow-up."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.actions import RULES, allowed_actions
    from domain.actors import TIMER_ACTOR, Actor
    from domain.commands import DeadlinePassed
    from domain.deadlines import Deadline, next_deadline, open_deadlines
    from domain.decide import decide, open_case, receive_referral
    from domain.errors import CaseError
    from domain.events import CaseEvent
    from domain.evolve import evolve
    from domain.hr_updates import hr_update_for
    from domain.notices import notices_for
    from domain.stages import Action, Stage
    from domain.state import CaseState
    from workflows.payloads import (
        ACTION_INPUTS,
        APPEND_CASE_EVENTS,
        DELIVER_WEBHOOK,
        SEND_NOTIFICATION,
        AbsenceExtendedInput,
        ActionInput,
        AppendEventsInput,
        AppendEventsResult,
        CaseView,
        CaseWorkflowInput,
        EmployeeLeftInput,
        EmployeeReturnedInput,
        HrFactInput,
        NotificationInput,
        PendingEvent,
        WebhookInput,
    )
    from workflows.refusals import refusal
    from workflows.search_attributes import CASE_EMPLOYER, CASE_NEXT_DEADLINE, CASE_STAGE

# Continue-as-new well before the server's own suggestion (4,096 events).
HISTORY_EVENTS_BEFORE_CONTINUE = 2_000

APPEND_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=["EventPositionConflict", "UnknownCorrectedEvent"],
)
NOTIFY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5)
)
WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=10)
)
# Cases started before HR webhooks existed replay without them.
WEBHOOKS_PATCH = "hr-webhooks-v1"
# Cases started before this upserted their search attributes after every decision.
SEARCH_ATTRIBUTES_PATCH = "search-attributes-on-change-v1"


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    """Holds one case's state, decides with domain/, persists each decision before answering."""

    @workflow.init
    def __init__(self, input: CaseWorkflowInput) -> None:
        self._lock = asyncio.Lock()
        self._pending: list[PendingEvent] = []
        self._notices: list[NotificationInput] = []
        self._webhooks: list[WebhookInput] = []
        self._deliveries: list[asyncio.Task[object]] = []
        self._published: tuple[Stage, datetime | None] | None = None
        self._history_limit = input.history_limit or HISTORY_EVENTS_BEFORE_CONTINUE
        if input.carried_state is not None:
            self._state: CaseState = input.carried_state
        else:
            opened = self._opening_event(input)
            self._state = evolve(None, opened)
            self._pending.append(
                PendingEvent(event_id=str(workflow.uuid4()), event=opened, trace_id=input.trace_id)
            )
        self._persisted_version = self._state.version - len(self._pending)
        for action in RULES:
            workflow.set_update_handler(
                action.value, self._action_handler(action), validator=self._validator(action)
            )

    @staticmethod
    def _opening_event(input: CaseWorkflowInput) -> CaseEvent:
        if input.opened_by is None:
            raise ApplicationError("a new case needs 'opened_by'", non_retryable=True)
        if input.open is not None:
            return open_case(input.open, case_id=input.case_id, now=workflow.now(),
                             actor=input.opened_by)
        if input.referral is not None:
            return receive_referral(input.referral, case_id=input.case_id, now=workflow.now(),
                                    actor=input.opened_by)
        raise ApplicationError("a new case needs 'open' or 'referral'", non_retryable=True)

    @workflow.run
    async def run(self, input: CaseWorkflowInput) -> CaseView:
        await self._flush()
        self._publish_search_attributes()
        while self._state.stage is not Stage.CLOSED:
            await self._deliver_notices()
            if self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                await self._flush()
                await self._deliver_notices()
                await self._webhooks_sent()
                workflow.continue_as_new(
                    CaseWorkflowInput(case_id=self._state.case_id, carried_state=self._state,
                                      history_limit=input.history_limit)
                )
            await self._wait_for_change_or_deadline()
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self._flush()
        await self._deliver_notices()
        await self._webhooks_sent()
        return self._view()

    async def _webhooks_sent(self) -> None:
        if self._deliveries:
            await asyncio.gather(*self._deliveries)
            self._deliveries.clear()

    @workflow.query
    def view(self) -> CaseView:
        """The case as it stands: state, open deadlines and allowed actions."""
        return self._view()

    # -- people's actions: one Update per action, validated by the same rules ---------------

    def _action_handler(
        self, action: Action
    ) -> Callable[[ActionInput[Any]], Awaitable[CaseView]]:
        async def handle(input: ActionInput[Any]) -> CaseView:
            self._decide_and_apply(input.command, input.actor, trace_id=input.trace_id)
            await self._flush()
            return self._view()

        # The data converter decodes an Update's payload by its handler's annotation: this
        # action's own payload class, so the command arrives as the action's command model.
        handle.__annotations__ = {"input": ACTION_INPUTS[action], "return": CaseView}
        return handle

    def _validator(self, action: Action) -> Callable[[ActionInput[Any]], None]:
        def validate(input: ActionInput[Any]) -> None:
            try:
                decide(self._state, input.command, now=workflow.now(), actor=input.actor)
            except CaseError as error:
                raise refusal(error) from error

        return validate

    # -- HR facts: signals; a repeated or late message decides nothing ----------------------

    @workflow.signal
    async def absence_extended(self, input: AbsenceExtendedInput) -> None:
        await self._hr_fact(input)

    @workflow.signal
    async def employee_returned(self, input: EmployeeReturnedInput) -> None:
        await self._hr_fact(input)

    @workflow.signal
    async def employee_left(self, input: EmployeeLeftInput) -> None:
        await self._hr_fact(input)

    async def _hr_fact(self, input: HrFactInput[Any]) -> None:
        try:
            self._decide_and_apply(input.fact, input.actor, trace_id=input.trace_id)
        except ApplicationError as refused:
            workflow.logger.warning("HR fact refused: %s", refused.message)
            return
        await self._flush()

    # -- deciding ---------------------------------------------------------------------------

    def _decide_and_apply(
        self, command: BaseModel, actor: Actor, *, trace_id: str | None = None
    ) -> list[PendingEvent]:
        # No await between deciding and applying: no other handler can interleave.
        try:
            events = decide(self._state, command, now=workflow.now(), actor=actor)
        except CaseError as error:
            raise refusal(error) from error
        decided: list[PendingEvent] = []
        for event in events:
            before = self._state
            self._state = evolve(self._state, event)
            pending = PendingEvent(event_id=str(workflow.uuid4()), event=event, trace_id=trace_id)
            decided.append(pending)
            self._notices.extend(self._notifications(pending))
            self._queue_hr_update(before, pending)
        self._pending.extend(decided)
        if decided:
            self._publish_search_attributes()
        return decided

    async def _wait_for_change_or_deadline(self) -> None:
        due = next_deadline(self._state)
        seen_version = self._state.version

        def woken() -> bool:
            return (self._state.version != seen_version or bool(self._notices)
                    or bool(self._webhooks) or self._should_continue_as_new())

        if due is None:
            await workflow.wait_condition(woken)
            return
        remaining = due.due_at - workflow.now()
        if remaining > timedelta(0):
            try:
                await workflow.wait_condition(woken, timeout=remaining, timeout_summary=due.name)
                return
            except TimeoutError:
                pass
        await self._on_deadline(due)

    async def _on_deadline(self, due: Deadline) -> None:
        decided = self._decide_and_apply(DeadlinePassed(key=due.key), TIMER_ACTOR)
        await self._flush()
        if not decided:
            # The rules found nothing to do for a passed deadline: never spin on it.
            seen_version = self._state.version
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: self._state.version != seen_version, timeout=timedelta(hours=1)
                )

    def _notifications(self, pending: PendingEvent) -> list[NotificationInput]:
        return [
            NotificationInput(
                notification_id=f"{pending.event_id}/{number}",
                case_id=self._state.case_id,
                employer_id=self._state.employer_id,
                recipient_role=notice.recipient_role,
                recipient=notice.recipient,
                subject=notice.subject,
                body=notice.body,
            )
            for number, notice in enumerate(notices_for(self._state, pending.event), start=1)
        ]

    def _queue_hr_update(self, before: CaseState | None, pending: PendingEvent) -> None:
        update = hr_update_for(before, self._state, pending.event)
        if update is not None and workflow.patched(WEBHOOKS_PATCH):
            self._webhooks.append(WebhookInput(event_id=pending.event_id,
                                               employer_id=self._state.employer_id, body=update))

    async def _deliver_notices(self) -> None:
        """Send queued notices, only ever after the events that caused them are stored.

        Webhooks run in the background: a receiver that is down for days must not hold up the
        case's own deadlines. They are awaited before the case continues-as-new or completes.
        """
        await self._flush()
        while self._webhooks:
            self._deliveries.append(asyncio.ensure_future(workflow.execute_activity(
                DELIVER_WEBHOOK, self._webhooks.pop(0),
                start_to_close_timeout=timedelta(seconds=30), retry_policy=WEBHOOK_RETRY,
            )))
        while self._notices:
            notice = self._notices.pop(0)
            await workflow.execute_activity(
                SEND_NOTIFICATION,
                notice,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=NOTIFY_RETRY,
            )

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
        due = next_deadline(self._state)
        published = (self._state.stage, due.due_at if due else None)
        if published == self._published and workflow.patched(SEARCH_ATTRIBUTES_PATCH):
            return  # unchanged: an upsert would only add a command to the history
        self._published = published
        workflow.upsert_search_attributes(
            [
                CASE_STAGE.value_set(self._state.stage.value),
                CASE_EMPLOYER.value_set(self._state.employer_id),
                (CASE_NEXT_DEADLINE.value_set(due.due_at) if due
                 else CASE_NEXT_DEADLINE.value_unset()),
            ]
        )

    def _should_continue_as_new(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() > self._history_limit
        )
