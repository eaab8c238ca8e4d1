"""A community case on the time-skipping server: opened from a fit-note-triggered referral with
no employer, its timers remind the service alone, and the outbox holds nothing for a manager."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.actors import Person
from domain.calendar import london_date
from domain.commands import AcceptReferral, AssignCaseManager, PlanAgreement
from domain.ids import case_id_for_community_referral
from domain.journey.community import ReceiveCommunityReferral
from domain.journey.fit_note import RecordFitNote
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ReasonCategory, Stage
from domain.vocabulary import FitNoteAssessment, IssuerProfession, ReferralSource, Route
from localstack import samples as j
from tests.support.builders import OH_ACTOR
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView, CaseWorkflowInput

Handle = WorkflowHandle[CaseWorkflow, CaseView]


async def test_a_community_case_reminds_the_service_and_never_a_manager(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    today = london_date(await env.get_current_time())
    command = ReceiveCommunityReferral(
        provider_id="fit-note-service", referral_id=f"FN-{uuid.uuid4().hex[:8]}",
        person=Person(id="P-88", name="Lee Moss", email="lee@example.org"),
        source=ReferralSource.FIT_NOTE, reason_category=ReasonCategory.MENTAL_HEALTH,
        referred_on=today, in_work=False, policy=DEFAULT_POLICY,
        fit_note=RecordFitNote(issued_on=today, issuer_profession=IssuerProfession.DOCTOR,
                               assessment=FitNoteAssessment.NOT_FIT, starts_on=today, days=28))
    case_id = case_id_for_community_referral(command.provider_id, command.referral_id)
    harness.started.append(case_id)
    handle: Handle = await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, community=command,
                                            opened_by=OH_ACTOR),
        id=case_id, task_queue=harness.task_queue)
    view = await handle.query(CaseWorkflow.view)
    assert (view.state.route, view.state.manager) == (Route.COMMUNITY, None)
    assert Action.RECORD_EARLY_CONTACT.value not in view.allowed_actions

    await env.sleep(timedelta(days=DEFAULT_POLICY.referral_triage_days + 1))
    await harness.act(handle, Action.ACCEPT_REFERRAL, AcceptReferral(accepted_by="OT-3"),
                      OH_ACTOR)
    now = await env.get_current_time()
    await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    await harness.act(handle, Action.ASSIGN_CASE_MANAGER,
                      AssignCaseManager(user_id="OT-3", name="Dana Cole"), OH_ACTOR)
    agreed = j.plan(now, london_date(now))
    plan = agreed.model_copy(update={
        "agreed_by": PlanAgreement(employee=True, manager=False, oh=True),
        "plan": agreed.plan.model_copy(update={"actions": []})})
    planned = await harness.act(handle, Action.AGREE_PLAN, plan, OH_ACTOR)
    assert planned.state.stage is Stage.REHABILITATION
    await env.sleep(timedelta(days=16))
    await asyncio.sleep(0.1)

    outbox = {(r["kind"], r["recipient_role"]) for r in await harness.outbox(case_id)}
    assert ("plan_review_due", "oh") in outbox
    assert all(role != "manager" for _, role in outbox)
    types = [r.event_type for r in await asyncio.to_thread(harness.store.history, case_id)]
    assert types[0] == "CommunityReferralReceived"
    assert "ReminderSent" in types
