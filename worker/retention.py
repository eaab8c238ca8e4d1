"""The retention sweep's place in the worker: its Temporal Schedule and its own worker.

The Schedule starts `RetentionSweepWorkflow` once a day at 02:30 London time (a time that
exists, once, on both days the clocks change). It is created at worker start if missing and
brought in step with this release if present, keeping its state: a Schedule an operator paused
stays paused. The sweep runs on a task queue of its own (`<task queue>-retention`), served by a
small worker beside the cases' one, so the cases' worker needs no eraser.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import asyncpg
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleCalendarSpec,
    ScheduleHandle,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleRange,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)
from temporalio.worker import Worker

from activities.retention import CaseEraser, PolicyInForce, RetentionActivities
from infra.temporal_client import WORKFLOW_RUNNER
from readside.retention_query import RetentionQuery
from workflows.retention import RetentionSweepWorkflow, SweepInput

log = logging.getLogger(__name__)

RETENTION_SCHEDULE_ID = "rtw-retention-sweep"
# The workflow id of each run: the Schedule appends the time it was due.
RETENTION_WORKFLOW_ID = "rtw-retention-sweep"
SWEEP_HOUR, SWEEP_MINUTE = 2, 30
LONDON = "Europe/London"
# A run may take many batches; a day is more than it ever should.
RUN_TIMEOUT = timedelta(hours=23)


def retention_task_queue(task_queue: str) -> str:
    return f"{task_queue}-retention"


def retention_schedule(task_queue: str) -> Schedule:
    """Every day at 02:30 in London; a run still going at the next is not doubled, and a day
    missed while the server was down is run once when it is back (within a day)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetentionSweepWorkflow.run, SweepInput(), id=RETENTION_WORKFLOW_ID,
            task_queue=retention_task_queue(task_queue), execution_timeout=RUN_TIMEOUT,
        ),
        spec=ScheduleSpec(
            calendars=[ScheduleCalendarSpec(
                hour=[ScheduleRange(SWEEP_HOUR)], minute=[ScheduleRange(SWEEP_MINUTE)],
                comment="retention sweep, daily")],
            time_zone_name=LONDON,
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP,
                              catchup_window=timedelta(days=1)),
    )


async def ensure_retention_schedule(client: Client, *, task_queue: str) -> ScheduleHandle:
    """The retention Schedule, created if missing and updated if present (idempotent)."""
    wanted = retention_schedule(task_queue)
    try:
        handle = await client.create_schedule(RETENTION_SCHEDULE_ID, wanted)
        log.info("retention schedule %s created", RETENTION_SCHEDULE_ID)
        return handle
    except ScheduleAlreadyRunningError:
        pass
    handle = client.get_schedule_handle(RETENTION_SCHEDULE_ID)

    def keep_state(current: ScheduleUpdateInput) -> ScheduleUpdate:
        wanted.state = current.description.schedule.state
        return ScheduleUpdate(schedule=wanted)

    await handle.update(keep_state)
    return handle


def build_retention_worker(
    client: Client, *, task_queue: str, pool: asyncpg.Pool, policy_in_force: PolicyInForce,
    eraser: CaseEraser, executor: ThreadPoolExecutor | None = None,
) -> Worker:
    """The worker of the sweep: its workflow and its one activity, on its own task queue."""
    activities = RetentionActivities(RetentionQuery(pool), policy_in_force, eraser)
    return Worker(
        client,
        task_queue=retention_task_queue(task_queue),
        workflows=[RetentionSweepWorkflow],
        activities=[activities.sweep_expired_cases],
        activity_executor=executor,
        workflow_runner=WORKFLOW_RUNNER,
    )


async def start_retention(client: Client, *, task_queue: str,
                          eraser: CaseEraser | None) -> CaseEraser | None:
    """Create or update the Schedule when there is an eraser; the eraser the sweep is to use
    (None: no sweep)."""
    if eraser is None:
        log.warning("retention sweep not scheduled: this worker has no eraser configured")
        return None
    try:
        await ensure_retention_schedule(client, task_queue=task_queue)
    except Exception as error:  # a namespace that refuses schedules must not stop the cases
        log.error("retention schedule %s not created: %s", RETENTION_SCHEDULE_ID, error)
    return eraser
