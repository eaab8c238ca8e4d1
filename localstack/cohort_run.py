"""Walking a cohort's scripts through the real case workflow on a time-skipping Temporal server.

The server's clock is one for every case, so the cases are run as one timeline: the steps of
all open cases wait in one queue by moment; the clock is moved to the next moment (the
workflows' own timers firing on the way, in order), and every step due then is taken, the cases
side by side (a bounded number at a time), each case's steps in its script's order. Nothing but
the scripts and the workflows' timers moves a case, so the same scripts give the same facts.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime

from temporalio.client import (
    Client,
    WorkflowFailureError,
    WorkflowHandle,
    WorkflowUpdateFailedError,
)
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date
from domain.commands import ConfirmEscalation
from domain.stages import Action, ReasonCategory
from domain.vocabulary import Intervention, Outcome, Route
from localstack.cohort import Act, CaseScript, ConfirmEscalations, ReportReturn, Start, Step
from workflows.case import CaseWorkflow
from workflows.payloads import ACTION_INPUTS, ActionResult, CaseView, EmployeeReturnedInput

# How long one step may take (a workflow that cannot answer fails its case, not the run), and
# how long a case that has taken its last step may take to complete its workflow.
STEP_TIMEOUT_SECONDS = 120.0
COMPLETION_TIMEOUT_SECONDS = 60.0

Handle = WorkflowHandle[CaseWorkflow, CaseView]


@dataclass(frozen=True)
class CaseResult:
    """What the engine recorded for one case, or why the case did not finish."""

    number: int
    case_id: str
    route: Route
    reason: ReasonCategory
    outcome: Outcome | None = None
    sustained: bool | None = None
    intervention_by_employee: Intervention | None = None
    intervention_by_case_manager: Intervention | None = None
    failure: str | None = None


@dataclass(frozen=True)
class Progress:
    finished: int
    failed: int
    opened: int
    simulated: date
    seconds: float


@dataclass
class _Case:
    script: CaseScript
    handle: Handle
    remaining: int
    failure: str | None = None
    result: CaseResult | None = None


@dataclass
class _Timeline:
    """The steps of every open case, earliest first (a case's own steps in script order)."""

    queue: list[tuple[datetime, int, int, Step]] = field(default_factory=list)

    def add(self, script: CaseScript) -> None:
        for order, step in enumerate(script.steps):
            heapq.heappush(self.queue, (step.at, script.number, order, step))

    def next_moment(self) -> datetime | None:
        return self.queue[0][0] if self.queue else None

    def take_due(self) -> dict[int, list[Step]]:
        moment = self.queue[0][0]
        due: dict[int, list[Step]] = {}
        while self.queue and self.queue[0][0] == moment:
            _, number, _, step = heapq.heappop(self.queue)
            due.setdefault(number, []).append(step)
        return due


class CohortRun:
    """Runs scripts through `CaseWorkflow` on a time-skipping environment whose worker polls
    `task_queue`."""

    def __init__(self, env: WorkflowEnvironment, *, task_queue: str, concurrency: int = 20,
                 progress: Callable[[Progress], None] | None = None,
                 progress_every: float = 10.0) -> None:
        self._env = env
        self._client: Client = env.client
        self._task_queue = task_queue
        self._slots = asyncio.Semaphore(concurrency)
        self._progress = progress
        self._progress_every = progress_every
        self._cases: dict[int, _Case] = {}
        self._results: list[CaseResult] = []
        self._opened = 0
        self._started = time.monotonic()
        self._reported = self._started
        self._last_moment: datetime | None = None

    @property
    def last_day(self) -> date | None:
        """The London date of the latest step taken."""
        return london_date(self._last_moment) if self._last_moment else None

    async def run(self, scripts: Iterable[CaseScript]) -> list[CaseResult]:
        """Every case's result, in the order the cases opened."""
        timeline = _Timeline()
        upcoming: Iterator[CaseScript] = iter(scripts)
        waiting = next(upcoming, None)
        # Time moves only when the clock is moved here: never while a result is awaited.
        with self._env.auto_time_skipping_disabled():
            while waiting is not None or timeline.queue:
                moment = timeline.next_moment()
                while waiting is not None and (moment is None or waiting.opens_at <= moment):
                    self._admit(waiting, timeline)
                    waiting = next(upcoming, None)
                    moment = timeline.next_moment()
                if moment is None:
                    break
                due = timeline.take_due()
                await self._move_clock_to(moment)
                # A case missing here has failed: its remaining steps are dropped.
                await asyncio.gather(*(self._take(self._cases[n], steps)
                                       for n, steps in due.items() if n in self._cases))
                self._last_moment = moment
                self._report()
            await self._end_unfinished()
        self._report(final=True)
        return sorted(self._results, key=lambda result: result.number)

    def _admit(self, script: CaseScript, timeline: _Timeline) -> None:
        timeline.add(script)
        handle: Handle = self._client.get_workflow_handle_for(CaseWorkflow.run, script.case_id)
        self._cases[script.number] = _Case(script=script, handle=handle,
                                           remaining=len(script.steps))
        self._opened += 1

    async def _move_clock_to(self, moment: datetime) -> None:
        now = await self._env.get_current_time()
        if moment > now:
            await self._env.sleep(moment - now)

    async def _take(self, case: _Case, steps: list[Step]) -> None:
        async with self._slots:
            for step in steps:
                if case.failure is not None:
                    return
                try:
                    await asyncio.wait_for(self._move(case, step), timeout=STEP_TIMEOUT_SECONDS)
                except (WorkflowUpdateFailedError, WorkflowFailureError, RPCError,
                        TimeoutError) as error:
                    self._fail(case, step, error)
                    return
            case.remaining -= len(steps)
            if case.remaining == 0:
                await self._finish(case)

    async def _move(self, case: _Case, step: Step) -> None:
        move = step.move
        if isinstance(move, Start):
            await self._client.start_workflow(
                CaseWorkflow.run, move.input, id=case.script.case_id,
                task_queue=self._task_queue)
        elif isinstance(move, Act):
            await self._update(case.handle, move.action, move.command, move.actor)
        elif isinstance(move, ReportReturn):
            await case.handle.signal(CaseWorkflow.employee_returned,
                                     EmployeeReturnedInput(fact=move.fact, actor=move.actor))
        elif isinstance(move, ConfirmEscalations):
            view = await case.handle.query(CaseWorkflow.view)
            for escalation in view.state.escalations:
                if escalation.confirmed is None:
                    await self._update(case.handle, Action.CONFIRM_ESCALATION, ConfirmEscalation(
                        escalation_number=escalation.number, confirmed_by=move.confirmed_by),
                        move.actor)

    @staticmethod
    async def _update(handle: Handle, action: Action, command: object, actor: object) -> None:
        await handle.execute_update(
            action.value, ACTION_INPUTS[action](command=command, actor=actor),
            result_type=ActionResult)

    async def _finish(self, case: _Case) -> None:
        """The case has taken its last step: its workflow completes, with the case's end."""
        script = case.script
        try:
            view = await asyncio.wait_for(case.handle.result(),
                                          timeout=COMPLETION_TIMEOUT_SECONDS)
        except (WorkflowFailureError, RPCError, TimeoutError) as error:
            self._fail(case, None, error)
            return
        state = view.state
        closure = state.closure
        self._record(case, CaseResult(
            number=script.number, case_id=script.case_id, route=script.route,
            reason=script.reason, outcome=closure.outcome if closure else None,
            sustained=state.follow_up.sustained if state.follow_up else None,
            intervention_by_employee=closure.intervention_by_employee if closure else None,
            intervention_by_case_manager=(closure.intervention_by_case_manager
                                          if closure else None)))

    def _fail(self, case: _Case, step: Step | None, error: BaseException) -> None:
        if isinstance(error, WorkflowUpdateFailedError) and error.cause is not None:
            error = error.cause
        where = f"{step.name} at {step.at.isoformat()}" if step else "completing"
        case.failure = f"{where}: {type(error).__name__}: {error}"
        script = case.script
        self._record(case, CaseResult(number=script.number, case_id=script.case_id,
                                      route=script.route, reason=script.reason,
                                      failure=case.failure))

    def _record(self, case: _Case, result: CaseResult) -> None:
        self._results.append(result)
        del self._cases[case.script.number]  # its steps are done: keep only the result

    async def _end_unfinished(self) -> None:
        """Terminate the workflows of cases that failed on the way (their steps were dropped),
        so that nothing is left holding the server's clock."""
        for result in self._results:
            if result.failure is None:
                continue
            handle = self._client.get_workflow_handle(result.case_id)
            with contextlib.suppress(RPCError):  # never started, or already ended
                await handle.terminate("cohort case did not finish its script")

    def _report(self, *, final: bool = False) -> None:
        if self._progress is None:
            return
        now = time.monotonic()
        if not final and now - self._reported < self._progress_every:
            return
        self._reported = now
        failed = sum(result.failure is not None for result in self._results)
        self._progress(Progress(
            finished=len(self._results) - failed, failed=failed, opened=self._opened,
            simulated=london_date(self._last_moment) if self._last_moment else date.min,
            seconds=now - self._started))
