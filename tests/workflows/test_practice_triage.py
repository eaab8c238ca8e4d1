"""Each triage route end to end on the time-skipping server: the tier of the assessment sets
the route, its timers fire (a reminder to OH, then an escalation if missed twice), and the
actions that close or continue the route are taken through the workflow's Updates."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date
from domain.commands import Assessor, RecordSelfHelpCheckIn, ReferToTherapy
from domain.policy import DEFAULT_POLICY
from domain.practice import PRACTICE_V1, follows
from domain.stages import Action, ReasonCategory
from domain.vocabulary import Intervention, TherapyKind, Tier
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, open_command
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView

PHYSICIAN = Assessor(id="OHP-2", name="Dr Ana Shah", profession="OH physician")
Handle = WorkflowHandle[CaseWorkflow, CaseView]


async def now_of(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


async def assessed(harness: Harness, env: WorkflowEnvironment, tier: Tier) -> Handle:
    """A new case (practice version 1 or later), in touch, assessed by an OH nurse at `tier`."""
    today = london_date(await now_of(env))
    handle = await harness.open_case(open_command(
        absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today, reason=ReasonCategory.OTHER),
        HR_ACTOR)
    now = await now_of(env)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    view = await harness.act(handle, Action.RECORD_ASSESSMENT,
                             j.assessment(now).model_copy(update={"tier": tier}), OH_ACTOR)
    assert follows(view.state, PRACTICE_V1)
    return handle


async def stored(harness: Harness, handle: Handle) -> list[dict[str, Any]]:
    await asyncio.sleep(0.1)
    records = await asyncio.to_thread(harness.store.history, handle.id)
    return [{"type": r.event_type, **r.data} for r in records]


def reminded(events: list[dict[str, Any]], name: str) -> bool:
    return any(e["type"] == "ReminderSent" and e["deadline_name"] == name for e in events)


def escalated_for(events: list[dict[str, Any]], key: str) -> bool:
    return any(e["type"] == "CaseEscalated" and e.get("deadline_key") == key for e in events)


async def test_tier_1_guides_the_employee_reminds_the_check_in_then_closes_when_fine(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await assessed(harness, env, Tier.SELF_HELP)
    outbox = await harness.outbox(handle.id)
    assert ("self_help_guidance", "employee") in {(r["kind"], r["recipient_role"])
                                                  for r in outbox}

    await env.sleep(timedelta(days=DEFAULT_POLICY.self_help_check_in_days + 1))
    events = await stored(harness, handle)
    assert reminded(events, "self_help_check_in_due")
    await env.sleep(timedelta(days=DEFAULT_POLICY.repeat_reminder_days + 1))
    assert escalated_for(await stored(harness, handle), "self_help_check_in_a1#2")
    assert ("self_help_check_in_due", "oh") in {
        (r["kind"], r["recipient_role"]) for r in await harness.outbox(handle.id)}

    today = london_date(await now_of(env))
    view = await harness.act(handle, Action.RECORD_SELF_HELP_CHECK_IN, RecordSelfHelpCheckIn(
        checked_on=today, fine=True, returned_on=today,
        intervention_by_employee=Intervention.PERSONAL_SUPPORT_CONFIDENCE,
        intervention_by_case_manager=Intervention.PERSONAL_SUPPORT_CONFIDENCE), OH_ACTOR)
    assert view.state.stage.value == "follow_up"
    assert view.state.closure is not None
    assert view.state.closure.outcome.value == "returned_to_own_role"


async def test_tier_1_not_fine_reminds_oh_to_assess_again(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await assessed(harness, env, Tier.SELF_HELP)
    today = london_date(await now_of(env))
    view = await harness.act(handle, Action.RECORD_SELF_HELP_CHECK_IN, RecordSelfHelpCheckIn(
        checked_on=today, fine=False), OH_ACTOR)
    assert view.state.stage.value == "assessment"

    await env.sleep(timedelta(days=DEFAULT_POLICY.first_assessment_days + 1))
    assert reminded(await stored(harness, handle), "reassessment_due")


async def test_tier_2_plans_only_once_a_case_manager_owns_the_case(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await assessed(harness, env, Tier.CASE_COORDINATION)
    now = await now_of(env)
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await harness.act(handle, Action.AGREE_PLAN, j.plan(now, london_date(now)), OH_ACTOR)
    assert "assign_case_manager" in str(refused.value.cause)

    await harness.act(handle, Action.ASSIGN_CASE_MANAGER, j.case_manager(), OH_ACTOR)
    view = await harness.act(handle, Action.AGREE_PLAN, j.plan(now, london_date(now)),
                             OH_ACTOR)
    assert view.state.stage.value == "rehabilitation"
    assert view.state.case_manager is not None and view.state.case_manager.id == "OHN-7"


async def test_tier_3_chases_the_physician_then_the_referral(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await assessed(harness, env, Tier.SPECIALIST)
    await harness.act(handle, Action.ASSIGN_CASE_MANAGER, j.case_manager(), OH_ACTOR)

    await env.sleep(timedelta(days=DEFAULT_POLICY.specialist_assessment_days + 1))
    events = await stored(harness, handle)
    assert reminded(events, "specialist_assessment_due")
    assert not reminded(events, "specialist_referral_due")

    now = await now_of(env)
    await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now).model_copy(
        update={"tier": Tier.SPECIALIST, "assessor": PHYSICIAN}), OH_ACTOR)
    await harness.act(handle, Action.AGREE_PLAN, j.plan(now, london_date(now)), OH_ACTOR)

    await env.sleep(timedelta(days=DEFAULT_POLICY.specialist_referral_days
                              - DEFAULT_POLICY.specialist_assessment_days))
    events = await stored(harness, handle)
    assert reminded(events, "specialist_referral_due")
    assert not escalated_for(events, "specialist_assessment_a1#2"), \
        "the physician's assessment met the deadline before its second miss"

    today = london_date(await now_of(env))
    view = await harness.act(handle, Action.REFER_TO_THERAPY, ReferToTherapy(
        kind=TherapyKind.TALKING_THERAPY, referred_on=today), OH_ACTOR)
    assert not {"specialist_assessment_due", "specialist_referral_due"} & {
        d.name for d in view.deadlines}
