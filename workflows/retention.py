"""The retention sweep: once a day (a Temporal Schedule starts it), erase the closed cases
whose retention is up, in bounded batches.

The workflow decides *when* and how much: the day of the sweep (London calendar, from the
workflow's clock), how many batches one run may take. Which cases have expired is the
domain's rule (`domain.retention`), applied by the activity; the erasing is the eraser's.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import BaseModel, Field
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from domain.retention import sweep_day

SWEEP_EXPIRED_CASES = "sweep_expired_cases"
RETENTION_WORKFLOW = "RetentionSweep"

# One batch erases at most this many cases, and one run takes at most this many batches: a
# run over a large backlog ends (the next day's run goes on from the start of what is left).
DEFAULT_BATCH_SIZE = 50
DEFAULT_MAX_BATCHES = 40

BATCH_HEARTBEAT = timedelta(seconds=30)
# An erasure that is repeated finds the key already destroyed: retrying a batch is safe.
BATCH_RETRY = RetryPolicy(initial_interval=timedelta(seconds=10), maximum_attempts=3)


class SweepInput(BaseModel):
    """What one run of the sweep does; the Schedule starts it with the defaults."""

    batch_size: int = Field(default=DEFAULT_BATCH_SIZE, ge=1, le=1000)
    max_batches: int = Field(default=DEFAULT_MAX_BATCHES, ge=1, le=1000)
    today: date | None = Field(
        default=None, description="The London day to sweep as of (None: the day the run "
        "starts); for a run started by hand to see what a day would erase.")


class SweepCursor(BaseModel):
    """Where a batch ended: the next one starts after this closure day and case id."""

    closed_on: date
    case_id: str


class SweepBatchInput(BaseModel):
    today: date
    after: SweepCursor | None = None
    limit: int = DEFAULT_BATCH_SIZE


class ErasedCase(BaseModel):
    """A case the sweep had erased: no name, no employee id."""

    case_id: str
    employer_id: str
    closed_on: date
    expired_on: date
    policy_version: str
    receipt: str = Field(default="", description="What the eraser answered, as text.")


class FailedCase(BaseModel):
    case_id: str
    employer_id: str
    error: str


class SweepBatchResult(BaseModel):
    erased: list[ErasedCase] = Field(default_factory=list)
    failed: list[FailedCase] = Field(default_factory=list)
    next: SweepCursor | None = Field(
        default=None, description="Where the next batch starts; None when this was the last.")
    held_back: int = Field(
        default=0, ge=0, description="Expired cases left alone because their employee is "
        "under a legal hold (counted by the first batch of a run only).")


class SweepResult(BaseModel):
    """What one run erased, what it could not, and whether it reached the end."""

    today: date
    erased: list[ErasedCase] = Field(default_factory=list)
    failed: list[FailedCase] = Field(default_factory=list)
    batches: int = 0
    held_back: int = Field(
        default=0, ge=0, description="Expired cases kept because their employee is under a "
        "legal hold; erased by the first run after the hold is released.")
    complete: bool = Field(
        default=True, description="False when the run stopped at its batch limit or on a "
        "batch that failed every attempt: the rest waits for the next run.")


@workflow.defn(name=RETENTION_WORKFLOW)
class RetentionSweepWorkflow:
    @workflow.run
    async def run(self, sweep: SweepInput) -> SweepResult:
        today = sweep.today or sweep_day(workflow.now())
        result = SweepResult(today=today, complete=False)
        after: SweepCursor | None = None
        for _ in range(sweep.max_batches):
            try:
                batch = await workflow.execute_activity(
                    SWEEP_EXPIRED_CASES,
                    SweepBatchInput(today=today, after=after, limit=sweep.batch_size),
                    result_type=SweepBatchResult,
                    # Within the worker's stop grace (120 s), so a stopping worker finishes
                    # the batch it holds; a batch is small enough to take far less.
                    start_to_close_timeout=timedelta(seconds=90),
                    heartbeat_timeout=BATCH_HEARTBEAT,
                    retry_policy=BATCH_RETRY,
                )
            except ActivityError as error:
                workflow.logger.error("retention sweep for %s stopped: a batch failed: %s",
                                      today, error.cause or error)
                break
            result.batches += 1
            result.erased.extend(batch.erased)
            result.failed.extend(batch.failed)
            result.held_back += batch.held_back
            if batch.next is None:
                result.complete = True
                break
            after = batch.next
        workflow.logger.info(
            "retention sweep for %s: %d case(s) erased, %d failed, %d held back by a legal "
            "hold, %d batch(es)%s", today, len(result.erased), len(result.failed),
            result.held_back, result.batches,
            "" if result.complete else "; the rest waits for the next run")
        return result
