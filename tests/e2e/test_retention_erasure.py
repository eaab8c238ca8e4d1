"""The retention sweep with the real eraser, end to end: a case closed through the API, then
swept on a day past its employer's retention period, reads as erased in the event store (its
erasure recorded on the ground of retention), has no row left in any read model, and still
verifies; a case still open is untouched.

PostgreSQL and the Temporal dev server are real; so are the API, the case worker, the
projectors, the sweep's workflow and activity, and the eraser the worker builds
(`activities.privacy.Eraser`, destroying each case's data key).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pytest
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from activities.privacy import Eraser
from domain.actors import Role
from domain.calendar import london_date
from domain.policy import Policy
from eventstore.replay import CaseErased, replay
from eventstore.verify import verify_cases
from infra.policies import PolicyBook
from readside.erasure import remove_read_rows
from tests.conftest import fresh_database, keyed_store
from tests.e2e.test_erasure import every_row_as_text, projecting, until
from tests.support.api_harness import ApiStack, absence, auth, open_case, serve_api
from worker.retention import build_retention_worker, retention_task_queue
from workflows.retention import RetentionSweepWorkflow, SweepInput

EMPLOYER = "acme-trust"
# The employer keeps a closed case one year; the sweep runs as of a day past that.
POLICIES = PolicyBook({EMPLOYER: [Policy(version="acme-retain-1y",
                                         effective_from=date(2020, 1, 1),
                                         retention_years_after_closure=1)]})
# Tables that keep a case's id by design after its erasure: the event store (its events, its
# chain's head, the record of the destroyed key) and the access log (who read which case);
# none holds content of the case.
KEPT_BY_DESIGN = {"rtw_events", "rtw_chain_heads", "rtw_subject_keys", "rtw_access_log"}


@pytest.fixture
async def api(dev_server_env: WorkflowEnvironment, postgres_server_url: str
              ) -> AsyncIterator[tuple[ApiStack, str]]:
    database_url = fresh_database(postgres_server_url)
    with keyed_store(database_url) as store:
        async with serve_api(dev_server_env.client, store, database_url) as stack:
            yield stack, database_url


async def close_as_leaver(stack: ApiStack, body: dict[str, str]) -> None:
    facts = f"/v1/absences/{body['employer_id']}/{body['absence_id']}"
    today = london_date(datetime.now(UTC)).isoformat()
    answered = await stack.http.post(
        f"{facts}/leaver", json={"sent_at": datetime.now(UTC).isoformat(), "left_on": today},
        headers=auth(Role.HR))
    assert answered.status_code == 202, answered.text


async def test_the_sweep_erases_an_expired_case_with_the_real_eraser_and_nothing_else(
        api: tuple[ApiStack, str]) -> None:
    stack, database_url = api
    store, pool, client = stack.harness.store, stack.harness.pool, stack.client
    closing = absence(employee={"id": "E7401", "name": "Tamsin Polglase",
                                "email": "tamsin.p@example.org"})
    async with projecting(stack):
        expired = await open_case(stack, closing)
        still_open = await open_case(stack, absence(employee={
            "id": "E7402", "name": "Kit Rowe", "email": "kit.r@example.org"}))
        await close_as_leaver(stack, closing)

        async def both_projected_one_closed() -> bool:
            rows = {str(r["case_id"]): r["closed_on"] for r in await pool.fetch(
                "SELECT case_id, closed_on FROM rtw_employee_cases")}
            return rows.keys() == {expired, still_open} and rows[expired] is not None

        await until(both_projected_one_closed)
        before = every_row_as_text(database_url)
        assert [t for t, rows in before.items() if any(expired in row for row in rows)
                if t not in KEPT_BY_DESIGN]  # the read side held the case

        eraser = Eraser(store, client, partial(remove_read_rows, pool), pool=pool,
                        projection_wait=15.0)
        task_queue = f"rtw-test-{uuid.uuid4().hex[:8]}"
        sweep_day = london_date(datetime.now(UTC)) + timedelta(days=400)
        async with build_retention_worker(client, task_queue=task_queue, pool=pool,
                                          policy_in_force=POLICIES.in_force, eraser=eraser):
            result = await client.execute_workflow(
                RetentionSweepWorkflow.run, SweepInput(today=sweep_day),
                id=f"retention-{uuid.uuid4()}", task_queue=retention_task_queue(task_queue))
        await asyncio.sleep(0.3)  # the projectors run on: they must not bring a row back

    assert [c.case_id for c in result.erased] == [expired]
    assert (result.failed, result.complete) == ([], True)

    # Its events read as erased; the erasure says when, why and on what ground.
    *earlier, erasure = await asyncio.to_thread(store.history, expired)
    assert earlier and all(r.data == {"erased": True} for r in earlier)
    with pytest.raises(CaseErased):
        replay([*earlier, erasure])
    assert erasure.event_type == "CaseDataErased"
    assert erasure.data["ground"] == "retention"
    assert erasure.data["requested_by"] == "rtw-retention-schedule"
    assert erasure.data["events_erased"] == len(earlier)
    assert erasure.reason == ("retention period over: cases are kept 1 years after closure "
                              "(policy acme-retain-1y)")

    # No read model keeps a row of it.
    after = every_row_as_text(database_url)
    assert {t: [row for row in rows if expired in row] for t, rows in after.items()
            if t not in KEPT_BY_DESIGN and any(expired in row for row in rows)} == {}

    # Every chain verifies, the erased case's included.
    verdicts = {v.case_id: v.broken for v in await asyncio.to_thread(
        lambda: list(verify_cases(store)))}
    assert verdicts == {expired: None, still_open: None}

    # The open case is untouched: readable, on the read side, and still running.
    kept = await asyncio.to_thread(store.history, still_open)
    assert kept[0].data["employee"]["name"] == "Kit Rowe"
    assert [s.record.event_type for s in replay(kept)][-1] != "CaseDataErased"
    assert any(still_open in row for row in after["rtw_worklist"])
    assert not any("Kit Rowe" in row for row in after["rtw_worklist"])  # sealed, not in clear
    described = await client.get_workflow_handle(still_open).describe()
    assert described.status == WorkflowExecutionStatus.RUNNING
