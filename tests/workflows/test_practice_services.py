"""The timers of direct referral and rapid access, on the time-skipping server with the real
event store and outbox: a referral awaiting triage, and a treatment that has not started."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date
from domain.commands import AcceptReferral, ReceiveReferral, UpdateTherapy
from domain.ids import case_id_for_referral
from domain.policy import DEFAULT_POLICY
from domain.practice import CURRENT_PRACTICE
from domain.stages import Action, ReasonCategory
from domain.vocabulary import ReferralSource, TherapyStatus
from tests.support.builders import EMPLOYEE, MANAGER, MANAGER_ACTOR, OH_ACTOR
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView, CaseWorkflowInput

Handle = WorkflowHandle[CaseWorkflow, CaseView]
POLICY = DEFAULT_POLICY


async def refer_to_physio(harness: Harness, today: date) -> Handle:
    """An employee's self-referral to staff physiotherapy, meeting its criteria."""
    referral = ReceiveReferral(
        employer_id="acme-trust", referral_id=f"REF-{uuid.uuid4().hex[:8]}", employee=EMPLOYEE,
        manager=MANAGER, source=ReferralSource.SELF,
        reason_category=ReasonCategory.MUSCULOSKELETAL, referred_on=today, policy=POLICY,
        service_id="physio", answers={"treated_elsewhere": False})
    case_id = case_id_for_referral(referral.employer_id, referral.referral_id)
    harness.started.append(case_id)
    return await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, referral=referral,
                                            opened_by=MANAGER_ACTOR),
        id=case_id, task_queue=harness.task_queue)


async def stored(harness: Harness, handle: Handle, until: str, count: int = 1) -> list[str]:
    """The case's stored event types, once `until` is stored `count` times."""
    types: list[str] = []
    for _ in range(200):
        types = [r.event_type for r in await asyncio.to_thread(harness.store.history,
                                                                handle.id)]
        if types.count(until) >= count:
            return types
        await asyncio.sleep(0.05)
    raise AssertionError(f"{until} x{count} never stored: {types}")


async def notices(harness: Harness, handle: Handle) -> set[tuple[str, str]]:
    return {(row["kind"], row["recipient_role"]) for row in await harness.outbox(handle.id)}


async def test_a_referral_awaiting_triage_reminds_oh_then_escalates(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await refer_to_physio(harness, london_date(await env.get_current_time()))
    view = await handle.query(CaseWorkflow.view)
    assert view.state.practice == CURRENT_PRACTICE
    assert view.state.referral is not None and view.state.referral.service_id == "physio"
    assert "referral_triage_due" in [d.name for d in view.deadlines]

    await env.sleep(timedelta(days=POLICY.referral_triage_days, hours=1))
    await stored(harness, handle, "ReminderSent")
    assert ("referral_triage_due", "oh") in await notices(harness, handle)

    await env.sleep(timedelta(days=POLICY.repeat_reminder_days))
    types = await stored(harness, handle, "CaseEscalated")
    assert types.count("ReminderSent") == 1

    view = await harness.act(handle, Action.ACCEPT_REFERRAL,
                             AcceptReferral(accepted_by="Kim Lee, physio"), OH_ACTOR)
    assert not [d for d in view.deadlines if d.name.startswith("referral_triage")]
    assert [t.kind.value for t in view.state.therapies] == ["physiotherapy"]


async def test_a_treatment_not_started_under_rapid_access_is_chased_then_escalated(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await refer_to_physio(harness, london_date(await env.get_current_time()))
    view = await harness.act(handle, Action.ACCEPT_REFERRAL,
                             AcceptReferral(accepted_by="Kim Lee, physio"), OH_ACTOR)
    (therapy,) = view.state.therapies
    assert therapy.first_treatment_due_on is not None
    assert view.state.oh_referral is None  # straight to the service, not to OH
    types = await stored(harness, handle, "FirstTreatmentTargetSet")
    assert "RapidAccessDecided" in types and "OhReferralMade" not in types

    await env.sleep(timedelta(days=POLICY.first_treatment_days + 1))
    await stored(harness, handle, "ReminderSent")
    assert ("first_treatment_due", "oh") in await notices(harness, handle)

    await env.sleep(timedelta(days=POLICY.repeat_reminder_days))
    types = await stored(harness, handle, "CaseEscalated")
    assert types.count("ReminderSent") == 1 and "OhReferralMade" not in types

    today = london_date(await env.get_current_time())
    view = await harness.act(handle, Action.UPDATE_THERAPY, UpdateTherapy(
        therapy_number=1, status=TherapyStatus.STARTED, on=today), OH_ACTOR)
    assert not [d for d in view.deadlines if d.name.startswith("first_treatment")]
    assert view.state.escalations[0].cause.startswith("first treatment of therapy 1")
