"""Erasure across both stores: crypto-shredding in the event store, deletion in Temporal, and
removal from the read models (UK GDPR Art. 17 erasure requests; Art. 5(1)(e) retention).

For each case, in this order:
1. its workflow executions are deleted from Temporal (every run; a running one is terminated
   by the server as it is deleted), so Temporal keeps no payload of the case;
2. its data key is destroyed: every earlier event now reads as erased, and still verifies;
3. `CaseDataErased` is appended to its chain in clear: that it was erased, when, why and who
   asked, but nothing of what was erased;
4. once the projections have passed that event, the case's rows go from every read model.
Each step is safe to repeat, so an erasure interrupted half way is finished by running it again.

Nothing is erased of an employee under a live legal hold (`rtw_legal_holds`, kept by
`readside.legal_holds`): UK GDPR Art. 17(3)(e) lifts the right to erasure where the data is
needed for the establishment, exercise or defence of legal claims. The check is here, where an
erasure request and the retention sweep meet, so no caller passes it by.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

import asyncpg
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DeleteWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from domain.actors import Actor, Role, Source
from domain.ids import employee_key
from domain.journey.erasure import CaseDataErased, ErasureGround
from domain.retention import hold_placed
from eventstore.records import CaseEventRecord
from eventstore.store import CaseEventStore, EventPositionConflict, NewCaseEvent
from eventstore.verify import verify_cases

log = logging.getLogger(__name__)

PROJECTION_WAIT_SECONDS = 30.0
APPEND_ATTEMPTS = 5


class NotErasable(ValueError):
    """A case the store does not hold, one stored before data keys whose chain does not
    verify (it is not rewritten), or one of an employee under a live legal hold."""


HOLDS_TABLE = "rtw_legal_holds"
RELEASE_FIRST = ("release the hold first if the claim is over "
                 "(rtw privacy release --employer E --employee-id ID --reason TEXT)")


def _hold_phrase(row: dict[str, Any]) -> str:
    return "a legal hold " + hold_placed(row["placed_at"], row["placed_by"], row["reason"])


class ReadModels(Protocol):
    """What removes an erased case's rows from the read side (`readside.erasure`)."""

    async def __call__(self, *, case_ids: Sequence[str], event_ids: Sequence[str] = (),
                       employee: tuple[str, str] | None = None) -> Any: ...


@dataclass(frozen=True)
class CaseErasure:
    """What erasing one case did."""

    case_id: str
    events_erased: int
    already_erased: bool
    runs_deleted: int


class Eraser:
    """Erases employees (every case of theirs) and single cases (retention)."""

    def __init__(self, store: CaseEventStore, temporal: Client, read_models: ReadModels, *,
                 pool: asyncpg.Pool | None = None,
                 projection_wait: float = PROJECTION_WAIT_SECONDS,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._store = store
        self._temporal = temporal
        self._read_models = read_models
        self._pool = pool
        self._projection_wait = projection_wait
        self._clock = clock

    async def erase_employee(self, employer_id: str, employee_id: str, *, reason: str,
                             requested_by: str) -> list[str]:
        """Erase every case of the employee at the employer; the ids of the cases erased."""
        await asyncio.to_thread(self._check_employee_not_held, employer_id, employee_id)
        case_ids = await asyncio.to_thread(self._store.subject_keys.cases_of, employer_id,
                                           employee_id)
        case_ids = sorted(set(case_ids) | set(await self._legacy_cases(employer_id,
                                                                       employee_id)))
        await self.erase_cases(case_ids, reason=reason, requested_by=requested_by,
                               ground="erasure_request", employee=(employer_id, employee_id))
        return case_ids

    async def erase_cases(self, case_ids: Sequence[str], *, reason: str, requested_by: str,
                          ground: ErasureGround = "retention",
                          employee: tuple[str, str] | None = None) -> list[CaseErasure]:
        """Erase the cases (each whole); refuses all of them, changing nothing, if any cannot
        be erased by destroying its key or its employee is under a live legal hold."""
        if not reason.strip():
            raise ValueError("reason: give why the data is erased")
        if not requested_by.strip():
            raise ValueError("requested_by: give who asked for the erasure")
        await asyncio.to_thread(self._check_not_held, case_ids)
        await asyncio.to_thread(self._check_erasable, case_ids)
        done: list[CaseErasure] = []
        for case_id in case_ids:
            done.append(await self._erase_case(case_id, reason=reason,
                                               requested_by=requested_by, ground=ground))
        event_ids = await asyncio.to_thread(self._event_ids, case_ids)
        await self._read_models(case_ids=list(case_ids), event_ids=event_ids,
                                employee=employee)
        return done

    def _check_erasable(self, case_ids: Sequence[str]) -> None:
        """Every case has events, and a case with events stored before data keys has a chain
        that verifies (they are re-sealed before its key is destroyed): checked before any
        change."""
        for case_id in case_ids:
            UUID(case_id)
            if self._store.subject_keys.get(case_id) is not None and \
                    not self._store.needs_reseal(case_id):
                continue
            verdicts = list(verify_cases(self._store, case_id))
            if not verdicts:
                raise NotErasable(f"case {case_id}: no events recorded")
            if verdicts[0].broken is not None:
                raise NotErasable(
                    f"case {case_id} was stored before data keys and its chain does not "
                    f"verify at position {verdicts[0].broken.position} "
                    f"({verdicts[0].broken.problem}): it is not rewritten; investigate first")

    def _check_employee_not_held(self, employer_id: str, employee_id: str) -> None:
        """NotErasable naming the employee's live legal hold, if there is one."""
        if HOLDS_TABLE not in self._tables_present(HOLDS_TABLE):
            return
        rows = self._query_holds(
            f"SELECT placed_at, placed_by, reason FROM {HOLDS_TABLE} "  # noqa: S608 - a constant
            "WHERE employer_id = %s AND employee_key::text = %s AND released_at IS NULL",
            (employer_id, employee_key(employer_id, employee_id)))
        if rows:
            raise NotErasable(f"the employee is under {_hold_phrase(rows[0])}; "
                              f"{RELEASE_FIRST}")

    def _check_not_held(self, case_ids: Sequence[str]) -> None:
        """NotErasable naming the first case whose employee is under a live legal hold. The
        employee of a case is known by its data key's row, or, for a case stored before data
        keys, by the read side's row of it."""
        if not case_ids:
            return
        present = self._tables_present(HOLDS_TABLE, "rtw_subject_keys", "rtw_employee_cases")
        known = [table for table in ("rtw_subject_keys", "rtw_employee_cases")
                 if table in present]
        if HOLDS_TABLE not in present or not known:
            return
        employees = " UNION ".join(
            f"SELECT case_id::text AS case_id, employer_id, employee_key::text AS employee_key"  # noqa: S608
            f" FROM {table} WHERE case_id = ANY(%s::uuid[])" for table in known)
        rows = self._query_holds(
            f"SELECT k.case_id, h.placed_at, h.placed_by, h.reason FROM {HOLDS_TABLE} h "  # noqa: S608
            f"JOIN ({employees}) k ON k.employer_id = h.employer_id "
            "AND k.employee_key = h.employee_key::text WHERE h.released_at IS NULL "
            "ORDER BY k.case_id", tuple([str(UUID(c)) for c in case_ids] for _ in known))
        if rows:
            raise NotErasable(f"case {rows[0]['case_id']}: its employee is under "
                              f"{_hold_phrase(rows[0])}; {RELEASE_FIRST}")

    def _query_holds(self, sql: str, params: tuple[Any, ...]) -> list[dict[str, Any]]:
        """Rows about holds, read through the event store's own connection (the same
        database), so the check needs no read-side pool."""
        with self._store.chained_recorder.datastore.transaction(commit=False) as curs:
            return [dict(row) for row in curs.execute(sql, params).fetchall()]

    def _tables_present(self, *names: str) -> set[str]:
        """Which of the tables exist yet (the holds and read-side tables are made by the read
        side's schema, which a store of its own may not have run), in one query."""
        with self._store.chained_recorder.datastore.transaction(commit=False) as curs:
            rows = curs.execute("SELECT name FROM unnest(%s::text[]) AS t(name) "
                                "WHERE to_regclass(name) IS NOT NULL", (list(names),)).fetchall()
        return {row["name"] for row in rows}

    async def _legacy_cases(self, employer_id: str, employee_id: str) -> list[str]:
        """Cases of the employee the read side knows of (they may lack a data key)."""
        if self._pool is None or not await self._has_table("rtw_employee_cases"):
            return []
        rows = await self._pool.fetch(
            "SELECT case_id FROM rtw_employee_cases WHERE employer_id = $1 AND "
            "employee_key = $2", employer_id, UUID(employee_key(employer_id, employee_id)))
        return [str(row["case_id"]) for row in rows]

    async def _has_table(self, name: str) -> bool:
        if self._pool is None:
            return False
        return bool(await self._pool.fetchval("SELECT to_regclass($1) IS NOT NULL", name))

    async def _erase_case(self, case_id: str, *, reason: str, requested_by: str,
                          ground: ErasureGround) -> CaseErasure:
        records = await asyncio.to_thread(self._store.history, case_id)
        if not records:
            raise NotErasable(f"case {case_id}: no events recorded")
        workflow_ids = sorted({r.workflow_id for r in records if r.workflow_id} | {case_id})
        runs = 0
        for workflow_id in workflow_ids:
            runs += await self._end_in_temporal(workflow_id)
        resealed = await asyncio.to_thread(self._store.reseal_legacy, case_id)
        now = self._clock()
        await asyncio.to_thread(self._store.subject_keys.destroy, [case_id],
                                reason=f"{ground}: {reason}", at=now)
        if records[-1].event_type == "CaseDataErased":
            return CaseErasure(case_id, 0, already_erased=True, runs_deleted=runs)
        position = await asyncio.to_thread(self._append_erasure, case_id, records, reason=reason,
                                           requested_by=requested_by, ground=ground, now=now,
                                           resealed=resealed)
        await self._wait_for_projections(case_id, position)
        log.info("case %s erased (%s) at the request of %s", case_id, ground, requested_by)
        return CaseErasure(case_id, position - 1, already_erased=False, runs_deleted=runs)

    def _append_erasure(self, case_id: str, records: list[CaseEventRecord], *, reason: str,
                        requested_by: str, ground: ErasureGround, now: datetime,
                        resealed: int = 0) -> int:
        for _ in range(APPEND_ATTEMPTS):
            last = records[-1]
            if last.event_type == "CaseDataErased":
                return last.position
            event = CaseDataErased(
                occurred_at=now,
                actor=Actor(id=requested_by, role=Role.ADMIN if ground == "erasure_request"
                            else Role.SYSTEM, source=Source.CLI if ground == "erasure_request"
                            else Source.TIMER),
                reason=reason, ground=ground, requested_by=requested_by,
                events_erased=len(records), resealed_events=resealed,
            )
            try:
                self._store.append_unsealed(
                    case_id=case_id, first_position=last.position + 1,
                    policy_version=last.policy_version, workflow_id=last.workflow_id,
                    run_id=last.run_id,
                    event=NewCaseEvent.of(event, event_id=f"{case_id}/erased"),
                )
                return last.position + 1
            except EventPositionConflict:
                # A last append of the ended workflow landed first: erase after it.
                records = self._store.history(case_id)
        raise RuntimeError(f"case {case_id}: the erasure event could not be appended")

    async def _end_in_temporal(self, workflow_id: str) -> int:
        """Delete every run of the workflow; how many. The server terminates a running one
        and deletes it at once (terminating it first, then deleting the closed execution, left
        its history in place for about half a minute on the dev server)."""
        run_ids: list[str] = []
        async for execution in self._temporal.list_workflows(f"WorkflowId = '{workflow_id}'"):
            run_ids.append(execution.run_id)
        deleted = 0
        for run_id in run_ids or [""]:
            request = DeleteWorkflowExecutionRequest(
                namespace=self._temporal.namespace,
                workflow_execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id))
            try:
                await self._temporal.workflow_service.delete_workflow_execution(request)
                deleted += 1
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    raise
        return deleted

    async def _wait_for_projections(self, case_id: str, position: int) -> None:
        """Until every projection has passed the erasure event (so none writes a row of the
        case again after its rows are removed), or `projection_wait` seconds."""
        if self._pool is None or not await self._has_table("rtw_projection_positions"):
            return
        notification = await asyncio.to_thread(self._notification_id, case_id, position)
        deadline = asyncio.get_running_loop().time() + self._projection_wait
        while asyncio.get_running_loop().time() < deadline:
            reached = await self._pool.fetchval(
                "SELECT coalesce(min(position), $1) FROM rtw_projection_positions",
                notification)
            if reached >= notification:
                return
            await asyncio.sleep(0.2)
        log.warning("case %s: projections did not reach the erasure within %s s; removing its "
                    "read rows anyway", case_id, self._projection_wait)

    def _notification_id(self, case_id: str, position: int) -> int:
        recorder = self._store.chained_recorder
        with recorder.datastore.transaction(commit=False) as curs:
            row = curs.execute(
                f"SELECT notification_id FROM {recorder.events_table_name} "  # noqa: S608 - the recorder's own table
                "WHERE originator_id = %s AND originator_version = %s",
                (UUID(case_id), position)).fetchone()
        return int(row["notification_id"]) if row else 0

    def _event_ids(self, case_ids: Sequence[str]) -> list[str]:
        return [record.event_id for case_id in case_ids
                for record in self._store.history(case_id)]
