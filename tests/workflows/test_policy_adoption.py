"""A running case adopts another policy version through its `adopt_policy` signal, on the
time-skipping server with the real event store: the adoption is recorded, and the case's timer
follows the new version."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from domain.actors import Actor, Role, Source
from domain.commands import AdoptPolicy
from domain.policy import DEFAULT_POLICY
from eventstore.store import CaseEventStore
from tests.support.builders import HR_ACTOR
from tests.support.workflow_harness import running_worker
from tests.workflows.test_case_workflow import open_today, today, wait_for_events
from workflows.case import CaseWorkflow
from workflows.payloads import AdoptPolicyInput

ADMIN = Actor(id="ops-jo", role=Role.ADMIN, source=Source.CLI)


async def test_a_running_case_adopts_a_new_policy_and_its_next_deadline_moves(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        before = await handle.query(CaseWorkflow.view)
        old_due = before.deadlines[0]
        assert old_due.key == "early_contact_due"
        slower = DEFAULT_POLICY.model_copy(update={
            "version": "acme-slower", "effective_from": await today(time_skipping_env),
            "contact_due_working_days": 3})

        # Refused (HR may not move a case to another policy): nothing is recorded.
        await handle.signal(CaseWorkflow.adopt_policy, AdoptPolicyInput(
            command=AdoptPolicy(policy=slower, reason="not HR's to decide"), actor=HR_ACTOR))
        await handle.signal(CaseWorkflow.adopt_policy, AdoptPolicyInput(
            command=AdoptPolicy(policy=slower, reason="board decision"), actor=ADMIN))

        assert await wait_for_events(store, handle.id, 2) == ["CaseOpened", "PolicyAdopted"]
        after = await handle.query(CaseWorkflow.view)
        new_due = after.deadlines[0]
        assert after.state.policy.version == "acme-slower"
        assert new_due.key == "early_contact_due" and new_due.due_at > old_due.due_at
        adopted = (await asyncio.to_thread(store.history, handle.id))[1]
        assert (adopted.actor_id, adopted.actor_role, adopted.source) == ("ops-jo", "admin",
                                                                           "cli")
        assert adopted.policy_version == "acme-slower"
        assert (adopted.data["from_version"], adopted.data["to_version"]) == (
            "default-2026-04", "acme-slower")

        # Past the old deadline nothing is due; past the new one the manager is reminded.
        now = await time_skipping_env.get_current_time()
        await time_skipping_env.sleep(old_due.due_at - now + timedelta(minutes=1))
        records = await asyncio.to_thread(store.history, handle.id)
        assert [r.event_type for r in records] == ["CaseOpened", "PolicyAdopted"]
        await time_skipping_env.sleep(new_due.due_at - old_due.due_at)
        types = await wait_for_events(store, handle.id, 3)
        assert types[2] == "ManagerRemindedOfContact"
        reminder = (await asyncio.to_thread(store.history, handle.id))[2]
        assert new_due.due_at <= reminder.occurred_at < new_due.due_at + timedelta(minutes=1)
