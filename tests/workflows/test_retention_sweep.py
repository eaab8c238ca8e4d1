"""The retention sweep on a real Temporal dev server and PostgreSQL: the Schedule exists once,
a run it starts erases exactly the expired closed cases (by each employer's policy), and a
case that cannot be erased, or a batch limit, stops nothing else.

The eraser here is the test's own: it records each call and removes the case's read-model row
as the real one does; the Schedule, the workflow, its activity and the query are rtw's.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from temporalio.client import Client, ScheduleActionExecutionStartWorkflow, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.calendar import london_date
from domain.policy import Policy
from infra.policies import PolicyBook
from infra.temporal_client import WORKFLOW_RUNNER
from tests.support.closed_cases import closed_case
from worker.retention import (
    RETENTION_SCHEDULE_ID,
    SWEEP_HOUR,
    build_retention_worker,
    ensure_retention_schedule,
    retention_task_queue,
    start_retention,
)
from workflows.retention import RetentionSweepWorkflow, SweepInput, SweepResult

ACME, BEACON = "acme-trust", "beacon-trust"
# A run's history, kept so that a change to the workflow that would break a running sweep
# fails here (record it anew with RTW_RECORD_HISTORIES=1).
HISTORY = Path(__file__).parent / "histories" / "retention_sweep_with_a_failed_case.json"
RECORDING = bool(os.environ.get("RTW_RECORD_HISTORIES"))
# Acme keeps the default six years; Beacon ten.
POLICIES = PolicyBook({BEACON: [Policy(version="beacon-2020", effective_from=date(2020, 1, 1),
                                       retention_years_after_closure=10)]})


class RecordingEraser:
    """Erases by removing the case's row (as the real eraser does), recording each call;
    refuses the cases in `refuse`."""

    def __init__(self, pool: asyncpg.Pool, *, refuse: frozenset[str] = frozenset()) -> None:
        self.pool = pool
        self.refuse = refuse
        self.calls: list[dict[str, Any]] = []

    async def erase_cases(self, case_ids: list[str], *, reason: str,
                          requested_by: str) -> object:
        self.calls.append({"case_ids": list(case_ids), "reason": reason,
                           "requested_by": requested_by})
        if self.refuse & set(case_ids):
            raise RuntimeError("this case's key cannot be destroyed now")
        await self.pool.execute("DELETE FROM rtw_employee_cases WHERE case_id = ANY($1::uuid[])",
                                [uuid.UUID(c) for c in case_ids])
        return f"erased {len(case_ids)}"

    @property
    def erased(self) -> set[str]:
        return {c for call in self.calls if not self.refuse & set(call["case_ids"])
                for c in call["case_ids"]}


@asynccontextmanager
async def sweeping(client: Client, pool: asyncpg.Pool, eraser: RecordingEraser
                   ) -> AsyncIterator[str]:
    task_queue = f"rtw-test-{uuid.uuid4().hex[:8]}"
    async with build_retention_worker(client, task_queue=task_queue, pool=pool,
                                      policy_in_force=POLICIES.in_force, eraser=eraser):
        yield task_queue


def _years_before(day: date, years: int) -> date:
    return day.replace(year=day.year - years)


async def test_the_schedule_runs_the_sweep_daily_and_a_run_erases_only_expired_cases(
        dev_server_env: WorkflowEnvironment, pool: asyncpg.Pool) -> None:
    today = london_date(datetime.now(UTC))
    expired = await closed_case(pool, ACME, _years_before(today, 6) - timedelta(days=10))
    kept = await closed_case(pool, ACME, _years_before(today, 6) + timedelta(days=10))
    open_case = await closed_case(pool, ACME, None)
    # Seven years closed: past Acme's six, within Beacon's ten.
    kept_longer = await closed_case(pool, BEACON, _years_before(today, 7))
    beacon_expired = await closed_case(pool, BEACON, _years_before(today, 11))
    eraser = RecordingEraser(pool)
    client = dev_server_env.client
    async with sweeping(client, pool, eraser) as task_queue:
        handle = await ensure_retention_schedule(client, task_queue=task_queue)
        try:
            await ensure_retention_schedule(client, task_queue=task_queue)  # idempotent
            schedules = [s.id async for s in await client.list_schedules()]
            assert schedules.count(RETENTION_SCHEDULE_ID) == 1
            described = await handle.describe()
            [calendar] = described.schedule.spec.calendars
            assert (described.schedule.spec.time_zone_name, calendar.hour[0].start) == (
                "Europe/London", SWEEP_HOUR)
            assert described.schedule.action.task_queue == retention_task_queue(  # type: ignore[attr-defined]
                task_queue)

            await handle.trigger()
            result = await _triggered_run(client, handle)
        finally:
            await handle.delete()

    assert {c.case_id for c in result.erased} == {expired, beacon_expired}
    assert eraser.erased == {expired, beacon_expired}
    assert (result.failed, result.complete, result.today) == ([], True, today)
    left = {str(r["case_id"]) for r in await pool.fetch("SELECT case_id FROM rtw_employee_cases")}
    assert left == {kept, open_case, kept_longer}
    reasons = {call["reason"] for call in eraser.calls}
    assert reasons == {
        "retention period over: cases are kept 6 years after closure (policy default-2026-04)",
        "retention period over: cases are kept 10 years after closure (policy beacon-2020)"}
    assert {call["requested_by"] for call in eraser.calls} == {"rtw-retention-schedule"}


async def _triggered_run(client: Client, handle: Any) -> SweepResult:
    for _ in range(100):
        actions = (await handle.describe()).info.recent_actions
        if actions:
            started = actions[-1].action
            assert isinstance(started, ScheduleActionExecutionStartWorkflow)
            run = client.get_workflow_handle(started.workflow_id,
                                             result_type=SweepResult)
            return await run.result()
        await asyncio.sleep(0.1)
    pytest.fail("the triggered run did not start")


async def test_a_case_that_cannot_be_erased_does_not_stop_the_others(
        dev_server_env: WorkflowEnvironment, pool: asyncpg.Pool) -> None:
    cases = [await closed_case(pool, ACME, date(2018, 5, day)) for day in (1, 2, 3)]
    eraser = RecordingEraser(pool, refuse=frozenset({cases[1]}))
    client = dev_server_env.client
    async with sweeping(client, pool, eraser) as task_queue:
        run = await client.start_workflow(
            RetentionSweepWorkflow.run, SweepInput(today=date(2026, 11, 30)),
            id=f"retention-{uuid.uuid4()}", task_queue=retention_task_queue(task_queue))
        result = await run.result()
        if RECORDING:
            HISTORY.write_text((await run.fetch_history()).to_json())

    assert [c.case_id for c in result.erased] == [cases[0], cases[2]]
    [failed] = result.failed
    assert failed.case_id == cases[1] and "cannot be destroyed" in failed.error
    assert result.complete


async def test_a_run_stops_at_its_batch_limit_and_the_next_one_goes_on(
        dev_server_env: WorkflowEnvironment, pool: asyncpg.Pool) -> None:
    cases = {await closed_case(pool, ACME, date(2018, 5, day)) for day in range(1, 6)}
    eraser = RecordingEraser(pool)
    client = dev_server_env.client
    limited = SweepInput(today=date(2026, 11, 30), batch_size=2, max_batches=2)
    async with sweeping(client, pool, eraser) as task_queue:
        queue = retention_task_queue(task_queue)
        first = await client.execute_workflow(RetentionSweepWorkflow.run, limited,
                                              id=f"retention-{uuid.uuid4()}", task_queue=queue)
        second = await client.execute_workflow(RetentionSweepWorkflow.run, limited,
                                               id=f"retention-{uuid.uuid4()}", task_queue=queue)

    assert (len(first.erased), first.batches, first.complete) == (4, 2, False)
    assert (len(second.erased), second.complete) == (1, True)
    assert {c.case_id for c in first.erased + second.erased} == cases
    assert all(len(call["case_ids"]) <= 2 for call in eraser.calls)


async def test_a_worker_without_an_eraser_schedules_no_sweep(
        dev_server_env: WorkflowEnvironment) -> None:
    client = dev_server_env.client

    assert await start_retention(client, task_queue="rtw-test-none", eraser=None) is None

    assert RETENTION_SCHEDULE_ID not in [s.id async for s in await client.list_schedules()]


async def test_a_schedule_an_operator_paused_stays_paused_when_a_worker_starts(
        dev_server_env: WorkflowEnvironment) -> None:
    client = dev_server_env.client
    handle = await ensure_retention_schedule(client, task_queue="rtw-test-paused")
    try:
        await handle.pause(note="legal hold review")

        await ensure_retention_schedule(client, task_queue="rtw-test-paused-2")

        described = await handle.describe()
        assert described.schedule.state.paused
        assert described.schedule.action.task_queue == retention_task_queue(  # type: ignore[attr-defined]
            "rtw-test-paused-2")
    finally:
        await handle.delete()


async def test_a_stored_sweep_history_replays_on_todays_code() -> None:
    history = WorkflowHistory.from_json("rtw-retention-sweep", HISTORY.read_text())

    await Replayer(workflows=[RetentionSweepWorkflow], workflow_runner=WORKFLOW_RUNNER,
                   data_converter=pydantic_data_converter).replay_workflow(history)
