"""The timers the practice rules add to fit notes, escalations and plans, on the time-skipping
server with a real worker, event store and outbox; and a case opened before those rules still
telling HR of an escalation when it is raised."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta

from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from domain.actors import Role
from domain.calendar import london_date
from domain.commands import ConfirmEscalation, RecordPlanReview
from domain.decide import open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.journey.escalation import RecordEscalationReview
from domain.journey.plan import CompletePlanAction
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ReasonCategory
from domain.vocabulary import Fitness, FitNoteAssessment
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, open_command
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView, CaseWorkflowInput

Handle = WorkflowHandle[CaseWorkflow, CaseView]


async def today(env: WorkflowEnvironment) -> date:
    return london_date(await env.get_current_time())


async def contacted(harness: Harness, env: WorkflowEnvironment) -> Handle:
    """An absence opened today (a case following the practice rules), contact made."""
    handle = await harness.open_case(
        open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=await today(env),
                     reason=ReasonCategory.OTHER), HR_ACTOR)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT,
                      j.early_contact(await env.get_current_time()), MANAGER_ACTOR)
    return handle


async def escalated(harness: Harness, env: WorkflowEnvironment, handle: Handle) -> CaseView:
    """OH finds the employee unfit for any work: an escalation is recommended."""
    await env.sleep(timedelta(days=1))
    return await harness.act(handle, Action.RECORD_ASSESSMENT,
                             j.assessment(await env.get_current_time(), Fitness.UNFIT_ANY_WORK),
                             OH_ACTOR)


async def planned(harness: Harness, env: WorkflowEnvironment) -> Handle:
    """Assessed and a plan agreed today: one action (the manager's) due in a week."""
    handle = await contacted(harness, env)
    await env.sleep(timedelta(days=1))
    now = await env.get_current_time()
    await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    await harness.act(handle, Action.ASSIGN_CASE_MANAGER, j.case_manager(), OH_ACTOR)
    await harness.act(handle, Action.AGREE_PLAN, j.plan(now, london_date(now)), OH_ACTOR)
    return handle


async def recorded(harness: Harness, handle: Handle) -> list[dict[str, object]]:
    """The stored events' types and data, oldest first."""
    await asyncio.sleep(0.1)
    return [{"type": r.event_type, **r.data}
            for r in await asyncio.to_thread(harness.store.history, handle.id)]


async def reminders(harness: Harness, handle: Handle) -> list[object]:
    return [e["deadline_name"] for e in await recorded(harness, handle)
            if e["type"] == "ReminderSent"]


async def notices(harness: Harness, handle: Handle) -> set[tuple[str, str]]:
    return {(row["kind"], row["recipient_role"]) for row in await harness.outbox(handle.id)}


async def test_a_fit_note_that_ends_without_a_new_one_or_a_return_reminds_everyone(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await contacted(harness, env)
    await harness.act(handle, Action.RECORD_FIT_NOTE,
                      j.fit_note(await today(env), FitNoteAssessment.MAY_BE_FIT, days=7),
                      MANAGER_ACTOR)
    await env.sleep(timedelta(days=6))
    assert "fit_note_lapsed" not in await reminders(harness, handle)

    await env.sleep(timedelta(days=3))
    assert "fit_note_lapsed" in await reminders(harness, handle)
    assert {("fit_note_lapsed", role) for role in ("employee", "manager", "hr")} <= (
        await notices(harness, handle))


async def test_a_fit_note_whose_issuer_will_assess_again_reminds_oh(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await contacted(harness, env)
    note = j.fit_note(await today(env), FitNoteAssessment.MAY_BE_FIT, days=14).model_copy(
        update={"assess_again": True})
    await harness.act(handle, Action.RECORD_FIT_NOTE, note, MANAGER_ACTOR)
    await env.sleep(timedelta(days=13))
    assert "fit_note_assess_again" in await reminders(harness, handle)
    assert ("fit_note_assess_again", "oh") in await notices(harness, handle)


async def test_hr_is_told_of_an_escalation_only_after_a_named_professional_confirms(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await contacted(harness, env)
    view = await escalated(harness, env, handle)
    assert view.state.escalations[0].escalated_to == (Role.OH,)
    assert {kind for kind, role in await notices(harness, handle) if role == "hr"} == set()

    confirmed = await harness.act(handle, Action.CONFIRM_ESCALATION, ConfirmEscalation(
        escalation_number=1, confirmed_by="Dr Ana Shah, OH physician"), OH_ACTOR)
    assert confirmed.state.escalations[0].escalated_to == (Role.OH, Role.HR)
    rows = await harness.outbox(handle.id)
    assert [(r["kind"], r["escalation_number"]) for r in rows if r["recipient_role"] == "hr"] \
        == [("escalation_confirmed_hr", 1)]


async def test_a_confirmed_escalation_reminds_oh_of_its_review_then_escalates_if_missed(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await contacted(harness, env)
    await escalated(harness, env, handle)
    await harness.act(handle, Action.CONFIRM_ESCALATION, ConfirmEscalation(
        escalation_number=1, confirmed_by="Dr Ana Shah, OH physician"), OH_ACTOR)
    await env.sleep(timedelta(days=DEFAULT_POLICY.escalation_review_days + 1))
    assert "escalation_review_due" in await reminders(harness, handle)
    assert ("escalation_review_due", "oh") in await notices(harness, handle)

    await env.sleep(timedelta(days=DEFAULT_POLICY.repeat_reminder_days + 1))
    causes = [e["cause"] for e in await recorded(harness, handle)
              if e["type"] == "CaseEscalated"]
    assert "review of escalation 1 missed twice" in causes


async def test_a_review_recorded_in_time_stops_the_escalation_review_timer(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await contacted(harness, env)
    await escalated(harness, env, handle)
    await harness.act(handle, Action.CONFIRM_ESCALATION, ConfirmEscalation(
        escalation_number=1, confirmed_by="Dr Ana Shah, OH physician"), OH_ACTOR)
    await env.sleep(timedelta(days=2))
    view = await harness.act(
        handle, Action.RECORD_ESCALATION_REVIEW,
        RecordEscalationReview(escalation_number=1, reviewed_on=await today(env)), OH_ACTOR)
    assert view.state.escalations[0].reviewed_on == await today(env)
    await env.sleep(timedelta(days=DEFAULT_POLICY.escalation_review_days + 5))
    assert "escalation_review_due" not in await reminders(harness, handle)


async def test_a_plan_action_reminds_its_owner_on_its_due_date(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await planned(harness, env)
    await env.sleep(timedelta(days=6))
    assert "plan_action_due" not in await reminders(harness, handle)
    await env.sleep(timedelta(days=2))
    assert "plan_action_due" in await reminders(harness, handle)
    rows = [r for r in await harness.outbox(handle.id) if r["kind"] == "plan_action_due"]
    assert [(r["recipient_role"], r["recipient_id"]) for r in rows] == [("manager", "M2002")]


async def test_a_plan_review_not_on_track_requires_a_revision_in_time(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await planned(harness, env)
    await harness.act(handle, Action.COMPLETE_PLAN_ACTION,
                      CompletePlanAction(action_number=1, completed_on=await today(env)),
                      MANAGER_ACTOR)
    await harness.act(handle, Action.RECORD_PLAN_REVIEW,
                      RecordPlanReview(reviewed_on=await today(env), on_track=False),
                      MANAGER_ACTOR)
    await env.sleep(timedelta(days=DEFAULT_POLICY.plan_revision_days + 1))
    sent = await reminders(harness, handle)
    assert "plan_revision_due" in sent and "plan_action_due" not in sent
    assert ("plan_revision_due", "oh") in await notices(harness, handle)

    await env.sleep(timedelta(days=DEFAULT_POLICY.repeat_reminder_days + 1))
    causes = [e["cause"] for e in await recorded(harness, handle)
              if e["type"] == "CaseEscalated"]
    assert "plan revision missed twice" in causes


async def old_case(harness: Harness, env: WorkflowEnvironment) -> Handle:
    """A case opened before the practice rules, as it runs after a continue-as-new: its
    opening is in the store and its state (practice 0) is carried into the run."""
    now: datetime = await env.get_current_time()
    command = open_command(absence_id=f"OLD-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
                           reason=ReasonCategory.OTHER)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    opened = open_case(command, case_id=case_id, now=now, actor=HR_ACTOR, practice=0)
    await asyncio.to_thread(
        harness.store.append, case_id=case_id, first_position=1,
        policy_version=command.policy.version, workflow_id=case_id, run_id="run-before",
        events=[j.as_new(opened)])
    harness.started.append(case_id)
    return await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, carried_state=evolve(None, opened)),
        id=case_id, task_queue=harness.task_queue)


async def test_a_case_opened_before_the_practice_rules_tells_hr_when_raised_as_before(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await old_case(harness, env)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT,
                      j.early_contact(await env.get_current_time()), MANAGER_ACTOR)
    view = await escalated(harness, env, handle)
    assert view.state.practice == 0
    assert view.state.escalations[0].escalated_to == (Role.OH, Role.HR)
    assert {("case_escalated", "oh"), ("case_escalated_hr", "hr")} <= (
        await notices(harness, handle))

    confirmed = await harness.act(handle, Action.CONFIRM_ESCALATION, ConfirmEscalation(
        escalation_number=1, confirmed_by="Dr Ana Shah, OH physician"), OH_ACTOR)
    assert "escalation_review_due" not in {d.name for d in confirmed.deadlines}
    assert not {kind for kind, _ in await notices(harness, handle)} & {
        "escalation_confirmed_hr", "escalation_review_due"}
