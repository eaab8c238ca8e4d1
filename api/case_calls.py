"""Talking to one case's workflow: queries, actions (Updates) and HR facts (signals)."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from temporalio.client import (
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.access_log import log_read
from api.models import CaseOut, UpdateAccepted
from api.problems import Problem, invalid_field
from api.professional import check_case_manager_is_oh, with_signed_in_professional
from api.services import Services
from api.tenancy import check_employer, no_such_case
from api.views import case_for
from domain.actions import check_own_team
from domain.actors import Actor, Source
from domain.commands import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.errors import NotOwnTeam
from domain.events import CaseEvent, parse_event
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from domain.stages import Action
from eventstore.records import CaseEventRecord
from eventstore.replay import state_of
from infra.metrics import observe_update_latency
from infra.telemetry import current_trace_id
from infra.tokens import Principal
from readside.case_employers import employer_of_case
from workflows.case import CaseWorkflow
from workflows.payloads import (
    ACTION_INPUTS,
    DEFERRED_ACTION_INPUTS,
    AbsenceExtendedInput,
    AbsenceReasonChangedInput,
    ActionResult,
    CaseView,
    DeferredOutcome,
    EmployeeDetailsChangedInput,
    EmployeeLeftInput,
    EmployeeReturnedInput,
    HrFactInput,
    LineManagerChangedInput,
    deferred_signal,
)
from workflows.search_attributes import CASE_EMPLOYER

HrFact = (ExtendAbsence | EmployeeReturned | EmployeeLeft | ChangeLineManager
          | ChangeEmployeeDetails | ChangeAbsenceReason)

# Each HR fact, the signal that carries it and that signal's payload.
HR_FACT_SIGNALS: dict[type[BaseModel], tuple[Any, type[HrFactInput[Any]]]] = {
    ExtendAbsence: (CaseWorkflow.absence_extended, AbsenceExtendedInput),
    EmployeeReturned: (CaseWorkflow.employee_returned, EmployeeReturnedInput),
    EmployeeLeft: (CaseWorkflow.employee_left, EmployeeLeftInput),
    ChangeLineManager: (CaseWorkflow.line_manager_changed, LineManagerChangedInput),
    ChangeEmployeeDetails: (CaseWorkflow.employee_details_changed, EmployeeDetailsChangedInput),
    ChangeAbsenceReason: (CaseWorkflow.absence_reason_changed, AbsenceReasonChangedInput),
}


def not_found(case_id: uuid.UUID | str) -> Problem:
    return no_such_case(case_id)


def unavailable(error: RPCError) -> Problem:
    """Temporal did not answer: nothing was started or changed, the caller may retry."""
    return Problem(503, "Service Unavailable", f"Temporal: {error.message}")


def _rpc_problem(error: RPCError, case_id: uuid.UUID | str) -> Problem:
    if error.status == RPCStatusCode.NOT_FOUND:
        message = str(error).lower()
        if "completed" in message or "closed" in message:
            return Problem(409, "Case closed", f"case {case_id} is closed; nothing more "
                           "can be recorded on it", stage="closed", allowed_actions=[])
        return not_found(case_id)
    return unavailable(error)


def refusal_problem(error: WorkflowUpdateFailedError) -> Problem:
    cause = error.cause
    if isinstance(cause, ApplicationError):
        details = cause.details[0] if cause.details and isinstance(cause.details[0], dict) else {}
        if cause.type == "action_not_allowed":
            return Problem(409, "Action not allowed in this stage", cause.message,
                           stage=details.get("stage"),
                           allowed_actions=details.get("allowed_actions", []))
        if cause.type == "invalid_command":
            return invalid_field(details.get("field"), details.get("reason"),
                                 detail=cause.message)
        if cause.type in ("role_not_allowed", "not_own_team"):
            return Problem(403, "Forbidden", cause.message)
    return Problem(409, "Refused", str(cause or error))


async def query_view(services: Services, case_id: uuid.UUID | str) -> CaseView:
    handle = services.temporal.get_workflow_handle(str(case_id))
    try:
        return await handle.query(CaseWorkflow.view)
    except RPCError as error:
        raise _rpc_problem(error, case_id) from None


def employer_attribute(employer_id: str) -> TypedSearchAttributes:
    """The search attribute a case starts with: its employer, so that `case_employer` finds it
    before any worker has run the case (the workflow upserts the same value when it runs)."""
    return TypedSearchAttributes([SearchAttributePair(CASE_EMPLOYER, employer_id)])


async def case_employer(services: Services, case_id: uuid.UUID | str) -> str:
    """The employer of the case; the one 404 of a missing case when there is no such case.

    Asked of the read models first, then of Temporal's description of the workflow (its
    employer search attribute), which needs no worker, then of the case itself; a case whose
    workflow is gone (or was never run: a record kept from elsewhere) by its stored events."""
    known = await employer_of_case(services.pool, case_id)
    if known is not None:
        return known
    handle = services.temporal.get_workflow_handle(str(case_id))
    try:
        description = await handle.describe()
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise unavailable(error) from None
        # No workflow (any more): the record itself says whose case it is.
        state = state_of(await services.read_store(services.store.history, str(case_id)))
        if state is None:
            raise not_found(case_id) from None
        return state.employer_id
    published = description.typed_search_attributes.get(CASE_EMPLOYER)
    if published:
        return published
    return (await query_view(services, case_id)).state.employer_id


async def check_case_employer(services: Services, principal: Principal,
                              case_id: uuid.UUID | str) -> str:
    """Refuse, exactly as a missing case, a case of an employer the caller does not act for;
    every path that reads or changes one case asks this before anything else. Returns the
    case's employer."""
    if not principal.case_employers:
        raise no_such_case(case_id)  # acts for no employer: not even a look-up
    employer_id = await case_employer(services, case_id)
    check_employer(principal, employer_id, case_id)
    return employer_id


async def readable_view(request: Request, services: Services, principal: Principal,
                        case_id: uuid.UUID, *, channel: str = "api",
                        refused: str = "Forbidden") -> CaseView:
    """A case read: logged, then refused as a missing case (404) when the case's employer is
    not one the caller acts for, and refused (403, titled `refused`) when it is outside the
    caller's team or own case, whatever its stage, so the refusal tells them nothing of it. The
    API's case read and every page that shows a case call this."""
    await log_read(request, services, principal, "case.read", case_id, channel=channel)
    if not principal.case_employers:
        raise no_such_case(case_id)
    view = await query_view(services, case_id)
    check_employer(principal, view.state.employer_id, case_id)
    try:
        check_own_team(view.state, Actor(id=principal.subject, role=principal.role,
                                         source=Source.API), principal.employers)
    except NotOwnTeam as outside:
        raise Problem(403, refused, outside.message) from None
    return view


async def run_action(
    services: Services,
    case_id: uuid.UUID | str,
    action: Action,
    command: BaseModel,
    principal: Principal,
    *,
    source: Source = Source.API,
    idempotency_key: str | None = None,
) -> CaseOut | JSONResponse:
    """Send the action and answer it (see `_send_action`), timing the answer by its outcome."""
    started = time.perf_counter()
    outcome = "failed"
    try:
        answer = await _send_action(services, case_id, action, command, principal,
                                    source=source, idempotency_key=idempotency_key)
        outcome = "accepted" if isinstance(answer, JSONResponse) else "applied"
        return answer
    except Problem as problem:
        outcome = "refused" if problem.status < 500 else "failed"
        raise
    finally:
        observe_update_latency(action, time.perf_counter() - started, outcome)


async def _send_action(
    services: Services,
    case_id: uuid.UUID | str,
    action: Action,
    command: BaseModel,
    principal: Principal,
    *,
    source: Source,
    idempotency_key: str | None,
) -> CaseOut | JSONResponse:
    """Send the action as an Update; answer with the case, or 202 past the bounded wait.

    Within the wait the Update is either refused (4xx, nothing written) or accepted, and an
    accepted Update is durable in the case's history. An Update the server holds but no worker
    has accepted is not durable, so past the wait the action is sent again as a signal (durable
    once sent) carrying the same payload and request id: the case applies whichever reaches it
    first, once, and records a refusal of the signalled one among its deferred outcomes.
    """
    employer_id = await check_case_employer(services, principal, case_id)
    handle = services.temporal.get_workflow_handle(str(case_id))
    actor = Actor(id=principal.subject, role=principal.role, source=source)
    command = with_signed_in_professional(action, command, principal)
    check_case_manager_is_oh(action, command, services.tokens, employer_id=employer_id)
    trace_id = current_trace_id()
    request_id = idempotency_key or str(uuid.uuid4())
    payload = ACTION_INPUTS[action](command=command, actor=actor, trace_id=trace_id)
    deadline = time.monotonic() + services.update_wait_seconds
    try:
        update = await asyncio.wait_for(handle.start_update(
            action.value, payload, wait_for_stage=WorkflowUpdateStage.ACCEPTED,
            id=request_id, result_type=ActionResult,
        ), timeout=services.update_wait_seconds)
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        # No worker took it in time (none polling, or a burst): hand it over durably.
        deferred = DEFERRED_ACTION_INPUTS[action](command=command, actor=actor,
                                                  trace_id=trace_id, request_id=request_id)
        try:
            await handle.signal(deferred_signal(action), deferred)
        except RPCError as error:
            raise _rpc_problem(error, case_id) from None
        return _accepted(case_id)
    except WorkflowUpdateFailedError as error:
        raise refusal_problem(error) from None
    except RPCError as error:
        raise _rpc_problem(error, case_id) from None
    try:
        await asyncio.wait_for(update.result(),
                               timeout=max(deadline - time.monotonic(), 0.01))
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        # Accepted, so recorded in the case's history: it will be applied. The SDK turns the
        # cancelled long poll into its own error, not wait_for's TimeoutError.
        return _accepted(case_id)
    except WorkflowUpdateFailedError as error:
        raise refusal_problem(error) from None
    # The Update answers what changed; the HTTP answer is the case as the caller may see it.
    return case_for(await query_view(services, case_id), principal)


def _accepted(case_id: uuid.UUID | str) -> JSONResponse:
    accepted = UpdateAccepted(case_id=str(case_id), poll=f"/v1/cases/{case_id}")
    return JSONResponse(accepted.model_dump(), status_code=202)


async def deferred_outcomes(services: Services, case_id: uuid.UUID | str
                            ) -> list[DeferredOutcome]:
    """What became of the case's latest actions that were answered 202 and sent as signals."""
    handle = services.temporal.get_workflow_handle(str(case_id))
    try:
        return await handle.query(CaseWorkflow.deferred_outcomes)
    except RPCError as error:
        raise _rpc_problem(error, case_id) from None


async def send_hr_fact(services: Services, case_id: str, fact: HrFact,
                       principal: Principal) -> None:
    """Signal an HR fact on its own signal; Temporal holds it durably once this returns.

    HR systems resend and reorder messages: one that arrives after the case closed is
    acknowledged like any other and changes nothing, so the integration need not special-case it.
    """
    await check_case_employer(services, principal, case_id)
    handle: WorkflowHandle[CaseWorkflow, CaseView] = services.temporal.get_workflow_handle(
        case_id)
    actor = Actor(id=principal.subject, role=principal.role, source=Source.HR_INTEGRATION)
    trace_id = current_trace_id()
    signal, payload = HR_FACT_SIGNALS[type(fact)]
    try:
        await handle.signal(signal, payload(fact=fact, actor=actor, trace_id=trace_id))
    except RPCError as error:
        problem = _rpc_problem(error, case_id)
        if problem.status == 409:
            return  # a late message for a closed case: accepted, and it changes nothing
        raise problem from None


async def case_events(services: Services, case_id: uuid.UUID
                      ) -> list[tuple[CaseEventRecord, CaseEvent]]:
    """The case's stored events, each with its domain event; a 404 for no such case."""
    records = await stored_records(services, case_id)
    return [(record, parse_event(record.data)) for record in records]


async def stored_records(services: Services, case_id: uuid.UUID) -> list[CaseEventRecord]:
    """The case's stored events, checked against its chain (a 500 problem, logged and counted,
    if they fail: never a tampered record); a 404 for no such case. A case just opened may have
    stored nothing yet: its workflow says whether it exists."""
    from api.record_check import checked_history

    records = await checked_history(services, case_id)
    if not records:
        await query_view(services, case_id)  # a 404 for no such case
    return records
