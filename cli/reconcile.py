"""`rtw audit reconcile`: the store's decisions against the case's Temporal history.

A local-activity marker holds the activity's result, not its input, so the event ids a run
appended are recovered by replaying each run's history through today's workflow code with an
interceptor that records every `append_case_events` call. Only calls whose marker is in the
history count: a call the workflow was about to make when the history ended is not a decision.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from typing import Any, TextIO

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import (
    Interceptor,
    Replayer,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)
from temporalio.workflow import ActivityHandle

from eventstore.records import CaseEventRecord
from infra import bootstrap
from infra.settings import Settings
from infra.temporal_client import WORKFLOW_RUNNER
from workflows.case import CaseWorkflow
from workflows.payloads import APPEND_CASE_EVENTS, AppendEventsInput

LOCAL_ACTIVITY_MARKER = "core_local_activity"


@dataclass(frozen=True, order=True)
class Decision:
    """One event as either side knows it."""

    position: int
    event_id: str
    event_type: str
    run_id: str


@dataclass(frozen=True)
class Reconciliation:
    only_in_temporal: list[Decision]
    only_in_store: list[Decision]

    @property
    def matches(self) -> bool:
        return not self.only_in_temporal and not self.only_in_store


class ReplayFailed(Exception):
    """A run's history does not replay with the workflow code installed here."""


class _AppendRecorder(Interceptor):
    """Collects the input of every append the workflow makes while it is replayed."""

    def __init__(self) -> None:
        self.inputs: list[AppendEventsInput] = []

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        inputs = self.inputs

        class Outbound(WorkflowOutboundInterceptor):
            def start_local_activity(
                self, input: StartLocalActivityInput
            ) -> ActivityHandle[Any]:
                if input.activity == APPEND_CASE_EVENTS and input.args:
                    inputs.append(
                        AppendEventsInput.model_validate(input.args[0].model_dump(mode="json"))
                    )
                return super().start_local_activity(input)

        class Inbound(WorkflowInboundInterceptor):
            def init(self, outbound: WorkflowOutboundInterceptor) -> None:
                super().init(Outbound(outbound))

        return Inbound


async def run_histories(client: Client, case_id: str) -> list[WorkflowHistory]:
    """Every run of the case's workflow still in Temporal, oldest first (continue-as-new)."""
    histories: list[WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(case_id, run_id=run_id).fetch_history()
        histories.append(history)
        started = history.events[0].workflow_execution_started_event_attributes
        run_id = started.continued_execution_run_id or None
        if run_id is None:
            return list(reversed(histories))


async def decisions_in_temporal(client: Client, case_id: str) -> list[Decision]:
    decisions: list[Decision] = []
    for history in await run_histories(client, case_id):
        recorder = _AppendRecorder()
        replayer = Replayer(
            workflows=[CaseWorkflow],
            workflow_runner=WORKFLOW_RUNNER,
            data_converter=client.data_converter,
            interceptors=[recorder],
        )
        result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
        if result.replay_failure is not None:
            raise ReplayFailed(
                f"run {history.run_id} cannot be replayed by this version of CaseWorkflow "
                f"({result.replay_failure}); reconcile with the version that wrote it"
            )
        markers = sum(
            1
            for event in history.events
            if event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and event.marker_recorded_event_attributes.marker_name == LOCAL_ACTIVITY_MARKER
        )
        for call in recorder.inputs[:markers]:
            decisions.extend(
                Decision(call.first_position + offset, pending.event_id, pending.event.type,
                         call.run_id)
                for offset, pending in enumerate(call.events)
            )
    return decisions


def decisions_in_store(records: list[CaseEventRecord]) -> list[Decision]:
    return [Decision(r.position, r.event_id, r.event_type, r.run_id) for r in records]


def reconcile(temporal: list[Decision], stored: list[Decision]) -> Reconciliation:
    """Compare by position and event id (a retried append may repeat one in Temporal)."""
    in_temporal = {(d.position, d.event_id): d for d in temporal}
    in_store = {(d.position, d.event_id): d for d in stored}
    return Reconciliation(
        only_in_temporal=sorted(d for key, d in in_temporal.items() if key not in in_store),
        only_in_store=sorted(d for key, d in in_store.items() if key not in in_temporal),
    )


async def reconcile_case(case_id: str, settings: Settings, out: TextIO, *,
                         as_json: bool = False) -> int:
    """Print each difference; 0 when both sides hold the same decisions, 1 otherwise."""
    store = await bootstrap.open_event_store(settings)
    try:
        records = await asyncio.to_thread(store.history, case_id)
    finally:
        store.close()
    client = await bootstrap.temporal(settings)
    return await report(client, case_id, records, out, as_json=as_json)


async def report(client: Client, case_id: str, records: list[CaseEventRecord],
                 out: TextIO, *, as_json: bool = False) -> int:
    problem = None
    try:
        temporal = await decisions_in_temporal(client, case_id)
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        problem = ("no workflow history in Temporal (unknown case, or removed after the "
                   "namespace's retention)")
    except ReplayFailed as error:
        problem = str(error)
    if problem is not None:
        if as_json:
            print(json.dumps({"case_id": case_id, "agrees": False, "problem": problem}),
                  file=out)
        else:
            print(f"case {case_id}: {problem}", file=out)
        return 1
    result = reconcile(temporal, decisions_in_store(records))
    if as_json:
        print(json.dumps({
            "case_id": case_id, "agrees": result.matches, "decisions": len(records),
            "only_in_temporal": [asdict(d) for d in result.only_in_temporal],
            "only_in_store": [asdict(d) for d in result.only_in_store],
        }), file=out)
        return 0 if result.matches else 1
    for decision in result.only_in_temporal:
        print(f"only in Temporal: position {decision.position} {decision.event_type} "
              f"event {decision.event_id} (run {decision.run_id})", file=out)
    for decision in result.only_in_store:
        print(f"only in the store: position {decision.position} {decision.event_type} "
              f"event {decision.event_id} (run {decision.run_id})", file=out)
    if result.matches:
        print(f"case {case_id}: {len(records)} decision(s), the store and Temporal agree",
              file=out)
        return 0
    print(f"case {case_id}: {len(result.only_in_temporal)} only in Temporal, "
          f"{len(result.only_in_store)} only in the store", file=out)
    return 1
