"""Legal holds against the real eraser, on a real PostgreSQL and the Temporal dev server: the
retention sweep leaves a held employee's expired case (and says it held one back) while it
erases another's; an erasure of a held employee is refused, by the eraser and by
`rtw privacy erase`, with nothing erased; once the hold is released, both erase."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from functools import partial

import asyncpg
import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.privacy import Eraser, NotErasable
from domain.ids import employee_key
from domain.policy import Policy
from eventstore.store import CaseEventStore
from infra.policies import PolicyBook
from localstack.samples import EMPLOYEE, store_case
from readside.erasure import remove_read_rows
from readside.legal_holds import LegalHolds
from tests.integration.conftest import Rtw
from tests.support.kept_stores import load_kept_store
from worker.retention import build_retention_worker, retention_task_queue
from workflows.retention import RetentionSweepWorkflow, SweepInput, SweepResult

pytestmark = pytest.mark.usefixtures("cli_reaches_temporal")

OPENED = datetime(2019, 3, 4, 9, tzinfo=UTC)
CLOSED = date(2019, 4, 1)
SWEEP_DAY = date(2026, 12, 1)
POLICIES = PolicyBook({employer: [Policy(version=f"{employer}-1y",
                                         effective_from=date(2015, 1, 1),
                                         retention_years_after_closure=1)]
                       for employer in ("acme-trust", "beacon-trust")})
TRIBUNAL = "employment tribunal claim ref ET/2026/114"


async def closed_in_read_side(pool: asyncpg.Pool, case_id: str, employer_id: str,
                              employee_id: str = EMPLOYEE.id) -> None:
    """The read side's row of a stored case, closed long ago (what the sweep reads)."""
    await pool.execute(
        "INSERT INTO rtw_employee_cases (case_id, employer_id, employee_key, route, first_day,"
        " last_day, stage, outcome, opened_at, closed_on, manager_id, version) VALUES ($1, $2,"
        " $3, 'rtw', $4, $4, 'closed', 'returned_own_role', $5, $4, 'M2002', 2)",
        uuid.UUID(case_id), employer_id, uuid.UUID(employee_key(employer_id, employee_id)),
        CLOSED, OPENED)


def eraser_on(store: CaseEventStore, client: Client, pool: asyncpg.Pool) -> Eraser:
    return Eraser(store, client, partial(remove_read_rows, pool), pool=pool,
                  projection_wait=0.5)


async def sweep(client: Client, pool: asyncpg.Pool, eraser: Eraser) -> SweepResult:
    task_queue = f"rtw-test-{uuid.uuid4().hex[:8]}"
    async with build_retention_worker(client, task_queue=task_queue, pool=pool,
                                      policy_in_force=POLICIES.in_force, eraser=eraser):
        return await client.execute_workflow(
            RetentionSweepWorkflow.run, SweepInput(today=SWEEP_DAY),
            id=f"retention-{uuid.uuid4()}", task_queue=retention_task_queue(task_queue))


def readable(store: CaseEventStore, case_id: str) -> bool:
    store.subject_keys.forget(case_id)  # read the key again, as a new process would
    return bool(store.history(case_id)[0].data.get("employee"))


async def test_the_sweep_keeps_a_held_employees_expired_case_and_erases_it_once_released(
        store: CaseEventStore, pool: asyncpg.Pool, dev_server_env: WorkflowEnvironment
        ) -> None:
    client = dev_server_env.client
    held = store_case(store, "ABS-HOLD-1", 2, OPENED, employer_id="acme-trust")
    free = store_case(store, "ABS-HOLD-2", 2, OPENED, employer_id="beacon-trust")
    for case_id, employer in ((held, "acme-trust"), (free, "beacon-trust")):
        await closed_in_read_side(pool, case_id, employer)
    holds = LegalHolds(pool)
    await holds.place("acme-trust", EMPLOYEE.id, reason=TRIBUNAL, placed_by="dpo@acme")
    eraser = eraser_on(store, client, pool)

    first = await sweep(client, pool, eraser)

    assert [c.case_id for c in first.erased] == [free]
    assert (first.held_back, first.failed, first.complete) == (1, [], True)
    assert readable(store, held) and not readable(store, free)

    await holds.release("acme-trust", EMPLOYEE.id, reason="claim settled",
                        released_by="dpo@acme")
    second = await sweep(client, pool, eraser)

    assert [c.case_id for c in second.erased] == [held]
    assert second.held_back == 0
    assert not readable(store, held)


async def test_the_eraser_refuses_a_held_employee_and_erases_them_once_released(
        store: CaseEventStore, pool: asyncpg.Pool, dev_server_env: WorkflowEnvironment
        ) -> None:
    case_id = store_case(store, "ABS-HOLD-3", 2, OPENED)
    holds = LegalHolds(pool)
    await holds.place("acme-trust", EMPLOYEE.id, reason=TRIBUNAL, placed_by="dpo@acme")
    eraser = eraser_on(store, dev_server_env.client, pool)

    with pytest.raises(NotErasable, match=r"under a legal hold placed .* by dpo@acme "
                       r"\(reason: employment tribunal claim ref ET/2026/114\); release "):
        await eraser.erase_employee("acme-trust", EMPLOYEE.id, reason="erasure request 7",
                                    requested_by="dpo@acme")
    # The case alone (as the sweep asks) is refused too: its data key names its employee.
    with pytest.raises(NotErasable, match=f"case {case_id}: its employee is under a legal"):
        await eraser.erase_cases([case_id], reason="retention", requested_by="sweep")

    assert readable(store, case_id)
    assert not store.subject_keys.destroyed(case_id)
    assert store.history(case_id)[-1].event_type != "CaseDataErased"

    await holds.release("acme-trust", EMPLOYEE.id, reason="claim withdrawn",
                        released_by="dpo@acme")
    erased = await eraser.erase_employee("acme-trust", EMPLOYEE.id,
                                         reason="erasure request 7", requested_by="dpo@acme")

    assert erased == [case_id]
    assert store.subject_keys.destroyed(case_id)


async def test_a_hold_at_another_employer_does_not_keep_this_one(
        store: CaseEventStore, pool: asyncpg.Pool, dev_server_env: WorkflowEnvironment
        ) -> None:
    case_id = store_case(store, "ABS-HOLD-4", 2, OPENED)
    await LegalHolds(pool).place("beacon-trust", EMPLOYEE.id, reason=TRIBUNAL,
                                 placed_by="dpo@beacon")

    erased = await eraser_on(store, dev_server_env.client, pool).erase_employee(
        "acme-trust", EMPLOYEE.id, reason="erasure request 8", requested_by="dpo@acme")

    assert erased == [case_id]


async def test_a_case_stored_before_data_keys_is_held_through_its_read_row(
        store: CaseEventStore, database_url: str, pool: asyncpg.Pool,
        dev_server_env: WorkflowEnvironment) -> None:
    case_id = next(iter(load_kept_store(database_url).cases.values()))
    opened = store.history(case_id)[0].data
    employer, employee = opened["employer_id"], opened["employee"]["id"]
    assert store.subject_keys.get(case_id) is None  # no data key names its employee
    await closed_in_read_side(pool, case_id, employer, employee)
    await LegalHolds(pool).place(employer, employee, reason=TRIBUNAL, placed_by="dpo")

    with pytest.raises(NotErasable, match=f"case {case_id}: its employee is under a legal"):
        await eraser_on(store, dev_server_env.client, pool).erase_cases(
            [case_id], reason="retention", requested_by="sweep")

    assert store.history(case_id)[0].data["employee"]["id"] == employee


def test_rtw_privacy_erase_of_a_held_employee_is_refused_with_exit_1(
        rtw: Rtw, store: CaseEventStore) -> None:
    case_id = store_case(store, "ABS-HOLD-5", 2, OPENED)
    assert rtw("privacy", "hold", "--employer", "acme-trust", "--employee-id", EMPLOYEE.id,
               "--reason", TRIBUNAL, "--placed-by", "dpo@acme")[0] == 0

    code, out, err = rtw("privacy", "erase", "--employer", "acme-trust", "--employee-id",
                         EMPLOYEE.id, "--reason", "erasure request ref 11")

    assert (code, out) == (1, "")
    assert len(err.splitlines()) == 1
    assert err.startswith("rtw privacy erase: the employee is under a legal hold placed ")
    assert f"by dpo@acme (reason: {TRIBUNAL}); release the hold first if the claim is over" \
        in err
    assert err.rstrip().endswith("; nothing was erased")
    assert readable(store, case_id) and not store.subject_keys.destroyed(case_id)
