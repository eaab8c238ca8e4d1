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
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.actions import RULES, allowed_actions
    from domain.actors import TIMER_ACTOR, Actor
    from domain.bounds import check_dates_within_window
    from domain.calendar import london_date
    from domain.commands import AdoptPolicy, DeadlinePassed, OpenCase
    from domain.deadlines import Deadline, next_deadline, outstanding_deadlines
    from domain.decide import decide, open_case, receive_community_referral, receive_referral
    from domain.errors import CaseError
    from domain.events import CaseEvent
    from domain.evolve import evolve
    from domain.hr_updates import hr_update_for
    from domain.journey.community import ReceiveCommunityReferral
    from domain.journey.corrections import corrected_event_id
    from domain.notices import Notice, notice_id, notices_for
    from domain.practice import PRACTICE_V1, PRACTICE_V2, PRACTICE_V3, PRACTICE_V4
    from domain.stages import Action, Stage
    from domain.state import CaseState
    from workflows.payloads import (
        ACTION_INPUTS,
        APPEND_CASE_EVENTS,
        DEFERRED_ACTION_INPUTS,
        DELIVER_WEBHOOK,
        SEND_NOTIFICATION,
        AbsenceExtendedInput,
        AbsenceReasonChangedInput,
        ActionInput,
        ActionResult,
        AdoptPolicyInput,
        AppendEventsInput,
        AppendEventsResult,
        CaseView,
        CaseWorkflowInput,
        DeferredActionInput,
        DeferredOutcome,
        EmployeeDetailsChangedInput,
        EmployeeLeftInput,
        EmployeeReturnedInput,
        HrFactInput,
        LineManagerChangedInput,
        NotificationInput,
        PendingEvent,
        WebhookInput,
        deferred_signal,
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
# About 35 minutes of attempts, then the delivery is dead-lettered (recorded for operators).
BOUNDED_WEBHOOK_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10), maximum_attempts=12,
)
# How long a case about to continue-as-new waits for deliveries in flight before it hands them
# to its next run instead.
WEBHOOK_WAIT_BEFORE_CONTINUE = timedelta(minutes=1)
# How many applied request ids (and deferred outcomes) a case remembers, across runs too.
REQUESTS_REMEMBERED = 200
# Cases started before HR webhooks existed replay without them.
WEBHOOKS_PATCH = "hr-webhooks-v1"
# Cases started before this upserted their search attributes after every decision.
SEARCH_ATTRIBUTES_PATCH = "search-attributes-on-change-v1"
# HR facts' dates held to the policy's window; an opening with dates outside it fails cleanly.
BOUNDED_DATES_PATCH = "bounded-dates-v1"
# Before continuing-as-new or completing, settle until nothing decided is left unsent, and hand
# webhooks still in flight to the next run rather than wait for them without a bound.
SETTLE_PATCH = "settle-before-continue-v1"
# Webhook deliveries get a bounded number of attempts, then are dead-lettered.
BOUNDED_WEBHOOKS_PATCH = "bounded-webhooks-v1"
# A decision's notices go to the outbox with its events, in the one append (before: an
# activity per notice), and the ones HR should know of go to the employer's webhook too.
NOTICES_OUTBOX_PATCH = "notices-outbox-v1"
# Early contact is due from the day the absence was reported (by default its first day), not
# from the day HR's notification opened the case.
CONTACT_FROM_REPORTED_DAY_PATCH = "contact-from-reported-day-v1"
# Cases opened from here on follow the practice rules (domain.practice); running cases keep the
# rules they opened under, recorded on their opening event.
PRACTICE_PATCH = "practice-v1"
# Cases opened from here on report first to the employee (practice version 2): the manager and
# HR see OH's advice only once the employee consents; earlier cases keep their version.
PRACTICE_V2_PATCH = "practice-v2"
# Cases opened from here on follow the person over time (practice version 3): sick pay dates
# from rules, earlier absences read beside this one; earlier cases keep their version.
PRACTICE_V3_PATCH = "practice-v3"
# Cases opened from here on give the employee a comment window on each report before their
# consent releases it (practice version 4); earlier cases keep their version.
PRACTICE_V4_PATCH = "practice-v4"


@workflow.defn(name="CaseWorkflow")
class CaseWorkflow:
    """Holds one case's state, decides with domain/, persists each decision before answering."""

    @workflow.init
    def __init__(self, input: CaseWorkflowInput) -> None:
        self._lock = asyncio.Lock()
        self._pending: list[PendingEvent] = []
        self._notices: list[NotificationInput] = []
        self._webhooks: list[WebhookInput] = list(input.carried_webhooks)
        self._deliveries: dict[str, tuple[WebhookInput, asyncio.Task[None]]] = {}
        self._requests: list[str] = list(input.carried_requests)
        self._outcomes: list[DeferredOutcome] = list(input.carried_outcomes)
        self._published: tuple[Stage, datetime | None] | None = None
        self._history_limit = input.history_limit or HISTORY_EVENTS_BEFORE_CONTINUE
        self._not_opened: ApplicationError | None = None
        if input.carried_state is not None:
            self._state: CaseState = input.carried_state
        else:
            try:
                opened = self._opening_event(input)
                self._state = evolve(None, opened)
                next_deadline(self._state)
            except (CaseError, ArithmeticError, ValueError) as error:
                if not workflow.patched(BOUNDED_DATES_PATCH):
                    raise
                # Nothing was stored: the run fails at once with the reason, not a zombie.
                self._not_opened = self._opening_refusal(error)
                return
            self._pending.append(
                PendingEvent(event_id=str(workflow.uuid4()), event=opened, trace_id=input.trace_id)
            )
        self._persisted_version = self._state.version - len(self._pending)
        for action in RULES:
            workflow.set_update_handler(
                action.value, self._action_handler(action), validator=self._validator(action)
            )
            workflow.set_signal_handler(deferred_signal(action), self._deferred_handler(action))

    @staticmethod
    def _opening_event(input: CaseWorkflowInput) -> CaseEvent:
        if input.opened_by is None:
            raise ApplicationError("a new case needs 'opened_by'", non_retryable=True)
        command = input.open or input.referral or input.community
        if command is None:
            raise ApplicationError("a new case needs 'open', 'referral' or 'community'",
                                   non_retryable=True)
        if workflow.patched(BOUNDED_DATES_PATCH):
            check_dates_within_window(command, today=london_date(workflow.now()),
                                      policy=command.policy)
        practice = (PRACTICE_V4 if workflow.patched(PRACTICE_V4_PATCH)
                    else PRACTICE_V3 if workflow.patched(PRACTICE_V3_PATCH)
                    else PRACTICE_V2 if workflow.patched(PRACTICE_V2_PATCH)
                    else PRACTICE_V1 if workflow.patched(PRACTICE_PATCH) else 0)
        if isinstance(command, OpenCase):
            reported_on = command.reported_on or command.first_day
            # Asked only where it makes a difference, so cases reported on the day they
            # opened replay as they always did.
            as_before = (reported_on != london_date(workflow.now())
                         and not workflow.patched(CONTACT_FROM_REPORTED_DAY_PATCH))
            return open_case(command, case_id=input.case_id, now=workflow.now(),
                             actor=input.opened_by, reported_when_opened=as_before,
                             practice=practice)
        if isinstance(command, ReceiveCommunityReferral):
            # A route new with practice version 3: its cases follow the practice of the case
            # (always version 3 or later, as no history before it holds one).
            return receive_community_referral(command, case_id=input.case_id,
                                              now=workflow.now(), actor=input.opened_by,
                                              practice=practice)
        return receive_referral(command, case_id=input.case_id, now=workflow.now(),
                                actor=input.opened_by, practice=practice)

    @staticmethod
    def _opening_refusal(error: Exception) -> ApplicationError:
        if isinstance(error, CaseError):
            failure = refusal(error)
            return ApplicationError(f"case not opened: {failure.message}", *failure.details,
                                    type=failure.type, non_retryable=True)
        return ApplicationError(
            f"case not opened: its dates cannot be worked with ({type(error).__name__})",
            {"kind": "invalid_command", "message": "dates out of range"},
            type="invalid_command", non_retryable=True,
        )

    @workflow.run
    async def run(self, input: CaseWorkflowInput) -> CaseView:
        if self._not_opened is not None:
            workflow.logger.warning("case not opened: %s", self._not_opened.type)
            raise self._not_opened
        await self._flush()
        self._publish_search_attributes()
        while self._state.stage is not Stage.CLOSED:
            await self._deliver_notices()
            if self._should_continue_as_new():
                in_flight = await self._settle(continuing=True)
                workflow.continue_as_new(
                    CaseWorkflowInput(
                        case_id=self._state.case_id, carried_state=self._state,
                        history_limit=input.history_limit, carried_webhooks=in_flight,
                        carried_requests=self._requests[-REQUESTS_REMEMBERED:],
                        carried_outcomes=self._outcomes[-REQUESTS_REMEMBERED:],
                    )
                )
            await self._wait_for_change_or_deadline()
        await self._settle(continuing=False)
        return self._view()

    async def _settle(self, *, continuing: bool) -> list[WebhookInput]:
        """Store, notify and deliver everything decided so far, before this run ends.

        A handler may run while this waits (for notices, webhooks, or the append): whatever it
        decides is sent too, so the loop ends only when nothing is left and no handler runs, and
        the run ends without an await after that. Webhooks still in flight when a case
        continues-as-new are handed to the next run (delivery is idempotent by event id).
        """
        if not workflow.patched(SETTLE_PATCH):
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._flush()
            await self._deliver_notices()
            await workflow.wait_condition(lambda: not self._deliveries)
            return []
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            await self._deliver_notices()
            if self._deliveries and continuing:
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: not self._deliveries, timeout=WEBHOOK_WAIT_BEFORE_CONTINUE,
                        timeout_summary="webhooks_before_continue_as_new",
                    )
            elif self._deliveries:
                await workflow.wait_condition(lambda: not self._deliveries)
            if (workflow.all_handlers_finished() and not self._pending and not self._notices
                    and not self._webhooks):
                return [hook for hook, _ in self._deliveries.values()]

    @workflow.query
    def view(self) -> CaseView:
        """The case as it stands: state, open deadlines and allowed actions."""
        if self._not_opened is not None:
            raise self._not_opened
        return self._view()

    @workflow.query
    def deferred_outcomes(self) -> list[DeferredOutcome]:
        """What became of the latest actions delivered as deferred signals."""
        return list(self._outcomes)

    # -- people's actions: one Update per action, validated by the same rules ---------------

    def _action_handler(
        self, action: Action
    ) -> Callable[[ActionInput[Any]], Awaitable[ActionResult]]:
        async def handle(input: ActionInput[Any]) -> ActionResult:
            update = workflow.current_update_info()
            if update is not None and update.id in self._requests:
                return self._result([])  # applied already, from its deferred signal
            # Validated already (validators do not run on replay): dates are not checked again.
            decided = self._decide_and_apply(input.command, input.actor,
                                             trace_id=input.trace_id, check_dates=False)
            if update is not None:
                self._remember_request(update.id)
            await self._flush()
            return self._result(decided)

        # The data converter decodes an Update's payload by its handler's annotation: this
        # action's own payload class, so the command arrives as the action's command model.
        handle.__annotations__ = {"input": ACTION_INPUTS[action], "return": ActionResult}
        return handle

    def _validator(self, action: Action) -> Callable[[ActionInput[Any]], None]:
        def validate(input: ActionInput[Any]) -> None:
            update = workflow.current_update_info()
            if update is not None and update.id in self._requests:
                return  # a repeat of an applied request: the handler answers without deciding
            try:
                decide(self._state, input.command, now=workflow.now(), actor=input.actor,
                       check_dates=True)
            except CaseError as error:
                raise refusal(error) from error

        return validate

    def _deferred_handler(self, action: Action
                          ) -> Callable[[DeferredActionInput[Any]], Awaitable[None]]:
        async def handle(input: DeferredActionInput[Any]) -> None:
            if input.request_id in self._requests:
                return  # its Update reached the case after all
            self._remember_request(input.request_id)
            try:
                decided = self._decide_and_apply(input.command, input.actor,
                                                 trace_id=input.trace_id, check_dates=True)
            except ApplicationError as refused:
                workflow.logger.info("deferred action %s refused: %s", action.value,
                                     refused.type)
                self._record_outcome(DeferredOutcome(
                    request_id=input.request_id, action=action.value, applied=False,
                    version=self._state.version, refusal_kind=refused.type,
                    refusal=refused.message))
                return
            self._record_outcome(DeferredOutcome(
                request_id=input.request_id, action=action.value, applied=bool(decided),
                version=self._state.version))
            await self._flush()

        handle.__annotations__ = {"input": DEFERRED_ACTION_INPUTS[action], "return": None}
        return handle

    def _remember_request(self, request_id: str) -> None:
        self._requests.append(request_id)
        del self._requests[:-REQUESTS_REMEMBERED]

    def _record_outcome(self, outcome: DeferredOutcome) -> None:
        self._outcomes.append(outcome)
        del self._outcomes[:-REQUESTS_REMEMBERED]

    def _result(self, decided: list[PendingEvent]) -> ActionResult:
        return ActionResult(
            case_id=self._state.case_id, stage=self._state.stage.value,
            version=self._state.version,
            allowed_actions=[action.value for action in allowed_actions(self._state)],
            events=[pending.event.type for pending in decided],
        )

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

    # New signals, so no patch: no stored history holds them. The decisions they lead to are
    # new event types, and the rules that read what they change read the state as before.

    @workflow.signal
    async def line_manager_changed(self, input: LineManagerChangedInput) -> None:
        await self._hr_fact(input)

    @workflow.signal
    async def employee_details_changed(self, input: EmployeeDetailsChangedInput) -> None:
        await self._hr_fact(input)

    @workflow.signal
    async def absence_reason_changed(self, input: AbsenceReasonChangedInput) -> None:
        await self._hr_fact(input)

    async def _hr_fact(self, input: HrFactInput[Any]) -> None:
        if self._not_opened is not None:
            return
        try:
            self._decide_and_apply(input.fact, input.actor, trace_id=input.trace_id,
                                   check_dates=workflow.patched(BOUNDED_DATES_PATCH))
        except ApplicationError as refused:
            # The kind and the field only: the message may carry what was sent.
            details = refused.details[0] if refused.details else {}
            field = details.get("field") if isinstance(details, dict) else None
            workflow.logger.warning("HR fact %s refused: %s (field %s)",
                                    type(input.fact).__name__, refused.type, field)
            return
        await self._flush()

    # -- administration: a signal; the rules decide whether, a refusal changes nothing -------

    @workflow.signal
    async def adopt_policy(self, input: AdoptPolicyInput) -> None:
        """Adopt another version of the employer's policy from now on: the open deadlines
        follow it, and the case sleeps until its new next deadline."""
        if self._not_opened is not None:
            return
        command: AdoptPolicy = input.command
        try:
            self._decide_and_apply(command, input.actor, trace_id=input.trace_id)
        except ApplicationError as refused:
            workflow.logger.warning("policy %s not adopted: %s", command.policy.version,
                                    refused.type)
            return
        await self._flush()

    # -- deciding ---------------------------------------------------------------------------

    def _decide_and_apply(
        self, command: BaseModel, actor: Actor, *, trace_id: str | None = None,
        check_dates: bool = True,
    ) -> list[PendingEvent]:
        # No await between deciding and applying: no other handler can interleave.
        try:
            events = decide(self._state, command, now=workflow.now(), actor=actor,
                            check_dates=check_dates)
        except CaseError as error:
            raise refusal(error) from error
        decided: list[PendingEvent] = []
        for event in events:
            before = self._state
            self._state = evolve(self._state, event)
            # A correction of fact names the stored event it corrects (no earlier event does).
            pending = PendingEvent(event_id=str(workflow.uuid4()), event=event, trace_id=trace_id,
                                   corrects_event_id=corrected_event_id(event))
            notices = notices_for(self._state, pending.event)
            if notices and workflow.patched(NOTICES_OUTBOX_PATCH):
                pending = pending.model_copy(update={"notices": notices})
            else:
                self._notices.extend(self._notifications(pending, notices))
            decided.append(pending)
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

    def _notifications(self, pending: PendingEvent, notices: list[Notice]
                       ) -> list[NotificationInput]:
        """A case that started before the outbox sends each notice by an activity, which puts
        it in the outbox (its commands must stay as they were recorded)."""
        return [
            NotificationInput(
                notification_id=notice_id(pending.event_id, number),
                case_id=self._state.case_id,
                employer_id=self._state.employer_id,
                recipient_role=notice.recipient_role,
                recipient=None,
                subject=notice.kind.value,
                body="",
                notice=notice,
            )
            for number, notice in enumerate(notices, start=1)
        ]

    def _queue_hr_update(self, before: CaseState | None, pending: PendingEvent) -> None:
        update = hr_update_for(before, self._state, pending.event, notices=pending.notices)
        if update is not None and workflow.patched(WEBHOOKS_PATCH):
            # The event's position (the state counts every event): an activity's argument is
            # not part of the replayed commands, so adding it changes no running case.
            self._webhooks.append(WebhookInput(event_id=pending.event_id,
                                               employer_id=self._state.employer_id, body=update,
                                               sequence=self._state.version))

    async def _deliver_notices(self) -> None:
        """Send queued notices, only ever after the events that caused them are stored.

        Webhooks run in the background: a receiver that is down for days must not hold up the
        case's own deadlines. They are awaited before the case continues-as-new or completes.
        """
        await self._flush()
        while self._webhooks:
            hook = self._webhooks.pop(0)
            if hook.event_id in self._deliveries:
                continue
            retry = WEBHOOK_RETRY
            if workflow.patched(BOUNDED_WEBHOOKS_PATCH):
                retry = BOUNDED_WEBHOOK_RETRY
                hook = hook.model_copy(update={"max_attempts": retry.maximum_attempts})
            self._deliveries[hook.event_id] = (hook, asyncio.ensure_future(
                self._deliver_webhook(hook, retry)))
        while self._notices:
            notice = self._notices.pop(0)
            await workflow.execute_activity(
                SEND_NOTIFICATION,
                notice,
                start_to_close_timeout=timedelta(seconds=30),
                retry_policy=NOTIFY_RETRY,
            )

    async def _deliver_webhook(self, hook: WebhookInput, retry: RetryPolicy) -> None:
        try:
            await workflow.execute_activity(
                DELIVER_WEBHOOK, hook, start_to_close_timeout=timedelta(seconds=30),
                retry_policy=retry,
            )
        except ActivityError:
            # Its attempts ran out; the activity records it for operators when it can.
            workflow.logger.warning("webhook for event %s not delivered", hook.event_id)
        finally:
            self._deliveries.pop(hook.event_id, None)

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
                    employer_id=self._state.employer_id,
                ),
                result_type=AppendEventsResult,
                start_to_close_timeout=timedelta(seconds=15),
                retry_policy=APPEND_RETRY,
            )
            self._persisted_version += len(batch)
            del self._pending[: len(batch)]

    # -- reading ----------------------------------------------------------------------------

    def _view(self) -> CaseView:
        # A query's answer is not history: showing missed tasks as still due changes no replay.
        return CaseView(
            state=self._state,
            deadlines=outstanding_deadlines(self._state),
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
