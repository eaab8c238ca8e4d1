"""Long cases stay healthy: a bounded state, nothing lost around continue-as-new, bounded
webhooks, small Update answers, and dates that cannot stop a case (time-skipping server)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowFailureError, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from activities.webhooks import Endpoint, WebhookDirectory
from cli.reconcile import run_histories
from domain.calendar import london_date
from domain.commands import ExtendAbsence, RecordCheckIn, RecordFitNote
from domain.ids import case_id_for_absence
from domain.stages import Action, ContactMethod, ReasonCategory
from domain.state import FIT_NOTES_KEPT
from domain.vocabulary import FitNoteAssessment, IssuerProfession
from eventstore.store import CaseEventStore
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, open_command
from tests.support.serving import serving
from tests.support.workflow_harness import Harness, running_worker
from workflows.case import CaseWorkflow
from workflows.payloads import (
    ACTION_INPUTS,
    AbsenceExtendedInput,
    ActionResult,
    CaseView,
    CaseWorkflowInput,
)

Handle = WorkflowHandle[CaseWorkflow, CaseView]
SECRET = "whsec-test-long-cases"


@dataclass
class Receiver:
    """An HR endpoint that holds every request until `gate` is set, then answers `status`."""

    url: str = ""
    status: int = 204
    gate: asyncio.Event = field(default_factory=asyncio.Event)
    received: list[bytes] = field(default_factory=list)

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        await self.gate.wait()
        self.received.append(body)
        return Response(status_code=self.status)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hr_system = Receiver()
    app = Starlette(routes=[Route("/hooks", hr_system.handle, methods=["POST"])])
    async with serving(app, log_level="error") as base_url:
        hr_system.url = f"{base_url}/hooks"
        yield hr_system
        hr_system.gate.set()


async def now_of(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


async def start(harness: Harness, env: WorkflowEnvironment, *, history_limit: int | None = None,
                first_day: date | None = None) -> Handle:
    command = open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}",
                           first_day=first_day or london_date(await now_of(env)),
                           reason=ReasonCategory.OTHER)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    harness.started.append(case_id)
    return await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, open=command, opened_by=HR_ACTOR,
                                            history_limit=history_limit),
        id=case_id, task_queue=harness.task_queue)


def large_fit_note(issued_on: date) -> RecordFitNote:
    """A week's note with as much text as a note may carry."""
    return RecordFitNote(
        issued_on=issued_on, issuer_profession=IssuerProfession.DOCTOR,
        assessment=FitNoteAssessment.NOT_FIT, starts_on=issued_on, days=7,
        condition="c" * 300, comments="x" * 4000)


def encoded_size(value: object) -> int:
    return sum(p.ByteSize() for p in pydantic_data_converter.payload_converter.to_payloads(
        [value]))


async def history_length(handle: Handle) -> tuple[str, int]:
    description = await handle.describe()
    return description.run_id, description.raw_description.workflow_execution_info.history_length


async def test_a_year_of_weekly_fit_notes_and_check_ins_stays_well_under_temporal_limits(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    env = time_skipping_env
    async with running_worker(env.client, store, database_url) as harness:
        handle = await start(harness, env)
        await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(await now_of(env)),
                          MANAGER_ACTOR)
        for _ in range(52):
            today = london_date(await now_of(env))
            await harness.act(handle, Action.RECORD_FIT_NOTE, large_fit_note(today),
                              MANAGER_ACTOR)
            await harness.act(handle, Action.RECORD_CHECK_IN, RecordCheckIn(
                contacted_at=await now_of(env), method=ContactMethod.PHONE, notes="n" * 4000),
                MANAGER_ACTOR)
            await env.sleep(timedelta(days=7))
        view = await handle.query(CaseWorkflow.view)
        histories = await run_histories(env.client, handle.id)
        records = await asyncio.to_thread(store.history, handle.id)

    state = view.state
    assert state.fit_notes_recorded == 52 and state.contacts_made == 53
    assert len(state.fit_notes) == FIT_NOTES_KEPT
    assert state.earlier_fit_notes is not None and state.earlier_fit_notes.count == 52 - 12
    assert [n.number for n in state.fit_notes] == list(range(41, 53))
    assert sum(r.event_type == "FitNoteRecorded" for r in records) == 52  # the store keeps all
    carried = encoded_size(CaseWorkflowInput(case_id=state.case_id, carried_state=state))
    print(f"\nyear-long case: state handed to continue-as-new {carried} bytes, view "
          f"{encoded_size(view)} bytes; runs {len(histories)}, history events per run "
          f"{[len(h.events) for h in histories]}, bytes per run "
          f"{[sum(e.ByteSize() for e in h.events) for h in histories]}")
    # Temporal refuses a payload over 2 MB and suggests continue-as-new at 4,096 events / 4 MB.
    assert carried < 100_000
    assert encoded_size(view) < 100_000
    assert all(len(h.events) < 4_096 for h in histories)
    assert all(sum(e.ByteSize() for e in h.events) < 4_000_000 for h in histories)


async def test_an_update_answers_what_changed_and_the_new_version_not_the_whole_case(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    env = time_skipping_env
    async with running_worker(env.client, store, database_url) as harness:
        handle = await start(harness, env)
        result = await handle.execute_update(
            Action.RECORD_EARLY_CONTACT.value,
            ACTION_INPUTS[Action.RECORD_EARLY_CONTACT](
                command=j.early_contact(await now_of(env)), actor=MANAGER_ACTOR),
            result_type=ActionResult)

    assert result == ActionResult(
        case_id=handle.id, stage="assessment", version=2,
        allowed_actions=result.allowed_actions, events=["EarlyContactRecorded"])
    assert "record_assessment" in result.allowed_actions
    assert encoded_size(result) < 1_000


async def past_its_history_limit(harness: Harness, env: WorkflowEnvironment,
                                 limit: int = 50) -> tuple[Handle, str]:
    """A case with early contact made, then check-ins until its history is past `limit` and
    one more, so that it prepares to continue as new; with the id of its first run."""
    handle = await start(harness, env, history_limit=limit)
    first_run = (await handle.describe()).run_id
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(await now_of(env)),
                      MANAGER_ACTOR)
    past = False
    while not past:
        past = (await history_length(handle))[1] > limit
        await harness.act(handle, Action.RECORD_CHECK_IN, RecordCheckIn(
            contacted_at=await now_of(env), method=ContactMethod.PHONE), MANAGER_ACTOR)
    return handle, first_run


async def wait_until(check: Callable[[], Awaitable[bool]], *, tries: int = 300) -> None:
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met in time")


async def test_what_is_decided_while_a_case_waits_to_continue_as_new_is_still_sent(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
    receiver: Receiver,
) -> None:
    env = time_skipping_env
    directory = WebhookDirectory({"acme-trust": Endpoint(url=receiver.url, secret=SECRET)})
    async with running_worker(env.client, store, database_url, webhooks=directory) as harness:
        # Early contact moves the stage on: HR's webhook for it hangs at the receiver.
        handle, first_run = await past_its_history_limit(harness, env)

        async def settling() -> bool:  # waiting, with a bound, for the webhook in flight
            history = await handle.fetch_history()
            return any(e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
                       and e.timer_started_event_attributes.start_to_fire_timeout.seconds == 60
                       for e in history.events)

        await wait_until(settling)
        # Decided while the run waits to continue: a notice (escalation) and a stage change.
        await harness.act(handle, Action.RECORD_FIT_NOTE,
                          j.fit_note(london_date(await now_of(env))), MANAGER_ACTOR)
        await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(await now_of(env)),
                          OH_ACTOR)
        receiver.gate.set()

        async def continued() -> bool:
            return (await handle.describe()).run_id != first_run

        await wait_until(continued)
        records = await asyncio.to_thread(store.history, handle.id)
        escalated = next(r for r in records if r.event_type == "CaseEscalated")
        assessed = next(r for r in records if r.event_type == "AssessmentRecorded")

        async def notices_sent() -> bool:
            rows = await harness.outbox(handle.id)
            return any(r["notice_id"].startswith(escalated.event_id) for r in rows)

        await wait_until(notices_sent)

        async def webhook_sent() -> bool:
            return any(assessed.event_id.encode() in body for body in receiver.received)

        await wait_until(webhook_sent)
        view = await handle.query(CaseWorkflow.view)
        stored_now = await asyncio.to_thread(store.history, handle.id)
    # The new run carries on from everything decided before it (time skips while the test
    # waits, so a timer of the new run may have added an event since `records` was read).
    assert len(records) <= view.state.version <= len(stored_now)
    assert len({r.event_id for r in stored_now}) == len(stored_now)  # nothing written twice
    # Each update carries the case's sequence, its event's position, across the runs.
    positions = {r.event_id: r.position for r in stored_now}
    sent = {json.loads(body)["event_id"]: json.loads(body)["sequence"]
            for body in receiver.received}
    assert sent == {event_id: positions[event_id] for event_id in sent}
    assert sent[assessed.event_id] == assessed.position


async def test_a_broken_hr_endpoint_neither_blocks_continue_as_new_nor_retries_forever(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str,
    receiver: Receiver,
) -> None:
    env = time_skipping_env
    receiver.status = 503
    receiver.gate.set()
    directory = WebhookDirectory({"acme-trust": Endpoint(url=receiver.url, secret=SECRET)})
    async with running_worker(env.client, store, database_url, webhooks=directory) as harness:
        handle, first_run = await past_its_history_limit(harness, env)
        for _ in range(24):  # the bounded wait for the webhook in flight, skipped in steps
            if (await handle.describe()).run_id != first_run:
                break
            await env.sleep(timedelta(seconds=10))
        assert (await handle.describe()).run_id != first_run  # continued, webhook carried over

        async def dead_lettered() -> bool:
            rows = await harness.pool.fetch(
                "SELECT * FROM rtw_webhook_failures WHERE dead_lettered")
            return len(rows) == 1

        for _ in range(120):  # the retries' back-off, skipped in steps
            if await dead_lettered():
                break
            await env.sleep(timedelta(minutes=1))
        await wait_until(dead_lettered)
        failure = await harness.pool.fetchrow("SELECT * FROM rtw_webhook_failures")
        delivered = await harness.pool.fetchval("SELECT count(*) FROM rtw_webhook_deliveries")
        description = await handle.describe()
        view = await harness.act(handle, Action.RECORD_CHECK_IN, RecordCheckIn(
            contacted_at=await now_of(env), method=ContactMethod.PHONE), MANAGER_ACTOR)

    assert failure["attempts"] == 12 and failure["last_error"] == "webhook answered 503"
    # The update carried over to the next run kept its sequence: its event's position.
    positions = {r.event_id: r.position for r in await asyncio.to_thread(store.history,
                                                                         handle.id)}
    assert failure["case_id"] == handle.id
    assert failure["sequence"] == positions[failure["event_id"]]
    assert delivered == 0
    assert not description.raw_description.pending_activities
    assert view.state.stage.value == "assessment"


async def test_an_hr_fact_dated_far_ahead_decides_nothing_and_the_case_carries_on(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    env = time_skipping_env
    async with running_worker(env.client, store, database_url) as harness:
        handle = await start(harness, env)
        await handle.signal(CaseWorkflow.absence_extended, AbsenceExtendedInput(
            fact=ExtendAbsence(sent_at=await now_of(env), expected_last_day=date(9999, 12, 31)),
            actor=HR_ACTOR))
        view = await harness.act(handle, Action.RECORD_EARLY_CONTACT,
                                 j.early_contact(await now_of(env)), MANAGER_ACTOR)
        records = await asyncio.to_thread(store.history, handle.id)

    assert [r.event_type for r in records] == ["CaseOpened", "EarlyContactRecorded"]
    assert view.state.absence is not None and view.state.absence.expected_last_day is None


async def test_a_case_opened_with_a_date_far_ahead_fails_at_once_with_the_reason(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    env = time_skipping_env
    async with running_worker(env.client, store, database_url) as harness:
        handle = await start(harness, env, first_day=date(9999, 12, 31))
        with pytest.raises(WorkflowFailureError) as failed:
            await handle.result()
        records = await asyncio.to_thread(store.history, handle.id)

    cause = failed.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == "invalid_command"
    assert "first_day" in cause.message and "9999-12-31" in cause.message
    assert records == []
