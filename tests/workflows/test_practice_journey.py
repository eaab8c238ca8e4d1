"""The journey's practice rules on the time-skipping server: a reopened follow-up keeps its case
running with a new assessment deadline, an absence joining a stay-at-work case gets the
early-contact timers, and OH goes on to assessment in a case whose contact was missed and
escalated."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.client import WorkflowExecutionStatus, WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date
from domain.commands import (
    AcceptReferral,
    EmployeeReturned,
    ReceiveReferral,
    RecordAbsence,
    RecordCheckIn,
    RecordFollowUp,
)
from domain.ids import case_id_for_referral
from domain.journey.early_contact import ProceedToAssessment
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ContactMethod, ReasonCategory, Stage
from domain.vocabulary import Outcome, ReferralSource
from localstack import samples as j
from tests.support.builders import (
    EMPLOYEE,
    HR_ACTOR,
    MANAGER,
    MANAGER_ACTOR,
    OH_ACTOR,
    open_command,
)
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView, CaseWorkflowInput, EmployeeReturnedInput

Handle = WorkflowHandle[CaseWorkflow, CaseView]
# Enough days for the contact deadline and its escalation, over any weekend.
PAST_ESCALATION = timedelta(days=6)


async def recorded(harness: Harness, handle: Handle) -> list[tuple[str, dict[str, object]]]:
    await asyncio.sleep(0.1)
    return [(r.event_type, r.data) for r in
            await asyncio.to_thread(harness.store.history, handle.id)]


async def reminders(harness: Harness, handle: Handle) -> list[object]:
    return [data.get("deadline_name") for kind, data in await recorded(harness, handle)
            if kind == "ReminderSent"]


async def open_absence(harness: Harness, env: WorkflowEnvironment) -> Handle:
    today = london_date(await env.get_current_time())
    return await harness.open_case(
        open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today,
                     reason=ReasonCategory.OTHER), HR_ACTOR)


async def is_running(handle: Handle) -> bool:
    description = await handle.describe()
    return description.status is WorkflowExecutionStatus.RUNNING


async def test_a_return_not_sustained_reopens_the_case_and_its_workflow_keeps_running(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    now = await env.get_current_time()
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    await env.sleep(timedelta(days=2))
    now = await env.get_current_time()
    await handle.signal(CaseWorkflow.employee_returned, EmployeeReturnedInput(
        fact=EmployeeReturned(sent_at=now, returned_on=london_date(now)), actor=HR_ACTOR))
    await harness.act(handle, Action.CLOSE_CASE,
                      j.close(Outcome.RETURNED_TO_OWN_ROLE, london_date(now)), OH_ACTOR)
    await env.sleep(timedelta(days=DEFAULT_POLICY.follow_up_days + 1))
    assert "follow_up_due" in await reminders(harness, handle)

    today = london_date(await env.get_current_time())
    view = await harness.act(handle, Action.RECORD_FOLLOW_UP,
                             RecordFollowUp(checked_on=today, sustained=False), OH_ACTOR)

    assert view.state.stage is Stage.ASSESSMENT
    assert view.state.closure is None and view.state.reopened_on == (today,)
    assert "record_assessment" in view.allowed_actions
    assert await is_running(handle)
    await env.sleep(timedelta(days=DEFAULT_POLICY.first_assessment_days + 1))
    assert "first_assessment_due" in await reminders(harness, handle)
    assert await is_running(handle)
    types = [kind for kind, _ in await recorded(harness, handle)]
    assert types.index("CaseClosed") < types.index("FollowUpRecorded") < types.index(
        "CaseReopened") < types.index("OhReferralMade")
    outbox = await harness.outbox(handle.id)
    assert ("oh_referral_made", "oh") in {(r["kind"], r["recipient_role"]) for r in outbox}

    now = await env.get_current_time()
    await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    await harness.act(handle, Action.CLOSE_CASE,
                      j.close(Outcome.RETURNED_WITH_ADJUSTMENTS, london_date(now)), OH_ACTOR)
    await env.sleep(timedelta(days=DEFAULT_POLICY.follow_up_days + 1))
    await harness.act(handle, Action.RECORD_FOLLOW_UP,
                      RecordFollowUp(checked_on=london_date(await env.get_current_time()),
                                     sustained=True), OH_ACTOR)
    final = await handle.result()
    assert final.state.stage is Stage.CLOSED
    assert final.state.closure is not None
    assert final.state.closure.outcome is Outcome.RETURNED_WITH_ADJUSTMENTS


async def test_an_absence_joining_a_stay_at_work_case_gets_the_early_contact_timers(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    today = london_date(await env.get_current_time())
    referral = ReceiveReferral(
        employer_id="acme-trust", referral_id=f"REF-{uuid.uuid4().hex[:8]}", employee=EMPLOYEE,
        manager=MANAGER, source=ReferralSource.GP, reason_category=ReasonCategory.OTHER,
        referred_on=today, policy=DEFAULT_POLICY)
    case_id = case_id_for_referral(referral.employer_id, referral.referral_id)
    harness.started.append(case_id)
    handle: Handle = await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, referral=referral,
                                            opened_by=MANAGER_ACTOR),
        id=case_id, task_queue=harness.task_queue)
    await harness.act(handle, Action.ACCEPT_REFERRAL, AcceptReferral(accepted_by="OHN-7"),
                      OH_ACTOR)

    view = await harness.act(handle, Action.RECORD_ABSENCE,
                             RecordAbsence(absence_id="ABS-SAW-2", first_day=today), HR_ACTOR)
    assert {"early_contact_due", "early_contact_escalation"} <= {d.name for d in view.deadlines}
    await env.sleep(PAST_ESCALATION)

    types = [kind for kind, _ in await recorded(harness, handle)]
    assert types.count("ManagerRemindedOfContact") == 1
    assert types.count("MissedContactEscalated") == 1
    outbox = {(r["kind"], r["recipient_role"]) for r in await harness.outbox(handle.id)}
    assert {("early_contact_due", "manager"), ("early_contact_missed", "hr")} <= outbox
    now = await env.get_current_time()
    contacted = await harness.act(handle, Action.RECORD_CHECK_IN, RecordCheckIn(
        contacted_at=now, method=ContactMethod.PHONE, agreed_contact_frequency_days=7),
        MANAGER_ACTOR)
    assert "check_in_due" in {d.name for d in contacted.deadlines}


async def test_a_case_whose_contact_was_escalated_goes_on_to_assessment_with_oh(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await env.sleep(PAST_ESCALATION)
    types = [kind for kind, _ in await recorded(harness, handle)]
    assert "MissedContactEscalated" in types
    assert (await handle.query(CaseWorkflow.view)).state.stage is Stage.EARLY_CONTACT

    view = await harness.act(handle, Action.PROCEED_TO_ASSESSMENT,
                             ProceedToAssessment(reason="No contact from the manager"), OH_ACTOR)

    assert view.state.stage is Stage.ASSESSMENT
    assert "record_assessment" in view.allowed_actions
    await env.sleep(timedelta(days=DEFAULT_POLICY.first_assessment_days + 1))
    assert "first_assessment_due" in await reminders(harness, handle)
    now = await env.get_current_time()
    assessed = await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    assert assessed.state.stage is Stage.PLANNING
