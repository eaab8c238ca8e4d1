"""Every path of the journey end to end: time-skipping Temporal, real event store and outbox."""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.actors import Actor, Role, Source
from domain.calendar import LONDON, london_date
from domain.commands import (
    AcceptReferral,
    CompletePhasedReturn,
    ConcludeRedeployment,
    ConfirmEscalation,
    DeclineFitNoteAdvice,
    EmployeeLeft,
    EmployeeReturned,
    ReceiveReferral,
    RecordAbsence,
    RecordCheckIn,
    RecordFollowUp,
    ReviewPhasedReturnWeek,
    ReviewRedeploymentTrial,
    StartRedeploymentTrial,
)
from domain.ids import case_id_for_absence, case_id_for_referral
from domain.journey.redeployment import SignOffRedeployment, VacancyMatch
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ContactMethod, ReasonCategory
from domain.vocabulary import (
    Fitness,
    FitNoteAssessment,
    MatchJudgement,
    Outcome,
    RedeploymentConclusion,
    ReferralSource,
)
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
from workflows.payloads import (
    CaseView,
    CaseWorkflowInput,
    EmployeeLeftInput,
    EmployeeReturnedInput,
)

HISTORIES = Path(__file__).parent / "histories"
RECORDING = bool(os.environ.get("RTW_RECORD_HISTORIES"))
Handle = WorkflowHandle[CaseWorkflow, CaseView]


async def now_of(env: WorkflowEnvironment) -> datetime:
    return await env.get_current_time()


async def open_absence(harness: Harness, env: WorkflowEnvironment,
                       reason: ReasonCategory = ReasonCategory.OTHER) -> Handle:
    today = london_date(await now_of(env))
    return await harness.open_case(
        open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today, reason=reason),
        HR_ACTOR,
    )


async def open_referral(harness: Harness, today: date, source: ReferralSource) -> Handle:
    """A stay-at-work case, referred today, before any absence."""
    referral = ReceiveReferral(
        employer_id="acme-trust", referral_id=f"REF-{uuid.uuid4().hex[:8]}", employee=EMPLOYEE,
        manager=MANAGER, source=source, reason_category=ReasonCategory.OTHER,
        referred_on=today, policy=DEFAULT_POLICY, summary="Struggling with workload")
    case_id = case_id_for_referral(referral.employer_id, referral.referral_id)
    harness.started.append(case_id)
    return await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, referral=referral,
                                            opened_by=MANAGER_ACTOR),
        id=case_id, task_queue=harness.task_queue)


async def types(harness: Harness, handle: Handle) -> list[str]:
    await asyncio.sleep(0.1)
    return [r.event_type for r in await asyncio.to_thread(harness.store.history, handle.id)]


async def keep_history(handle: Handle, name: str) -> None:
    """In recording mode, store this path's history for the replay test; a history already
    stored stays as the code of its day recorded it."""
    path = HISTORIES / f"{name}.json"
    if RECORDING and not path.exists():
        history = await handle.fetch_history()
        await asyncio.to_thread(path.write_text, history.to_json())


async def through_assessment(harness: Harness, env: WorkflowEnvironment, handle: Handle,
                             fitness: Fitness = Fitness.FIT_WITH_ADJUSTMENTS) -> CaseView:
    now = await now_of(env)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    await env.sleep(timedelta(days=3))
    now = await now_of(env)
    return await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now, fitness),
                             OH_ACTOR)


async def through_plan(harness: Harness, env: WorkflowEnvironment, handle: Handle) -> CaseView:
    await through_assessment(harness, env, handle)
    now = await now_of(env)
    await harness.act(handle, Action.ASSIGN_CASE_MANAGER, j.case_manager(), OH_ACTOR)
    return await harness.act(handle, Action.AGREE_PLAN, j.plan(now, london_date(now)), OH_ACTOR)


async def follow_up(harness: Harness, env: WorkflowEnvironment, handle: Handle) -> CaseView:
    view = await handle.query(CaseWorkflow.view)
    assert view.state.stage.value == "follow_up"
    closure = view.state.closure
    assert closure is not None and closure.follow_up_due_on is not None
    await env.sleep(timedelta(days=DEFAULT_POLICY.follow_up_days + 1))
    today = london_date(await now_of(env))
    await harness.act(handle, Action.RECORD_FOLLOW_UP,
                      RecordFollowUp(checked_on=today, sustained=True), OH_ACTOR)
    return await handle.result()


async def test_return_to_own_role_then_sustained(harness: Harness,
                                                 time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    view = await through_plan(harness, env, handle)
    assert view.state.stage.value == "rehabilitation"
    today = london_date(await now_of(env))
    await handle.signal(CaseWorkflow.employee_returned, EmployeeReturnedInput(
        fact=EmployeeReturned(sent_at=await now_of(env), returned_on=today), actor=HR_ACTOR))
    await harness.act(handle, Action.CLOSE_CASE, j.close(Outcome.RETURNED_TO_OWN_ROLE, today),
                      OH_ACTOR)
    final = await follow_up(harness, env, handle)

    assert final.state.stage.value == "closed"
    assert final.state.closure is not None
    assert final.state.closure.outcome is Outcome.RETURNED_TO_OWN_ROLE
    assert final.state.follow_up is not None and final.state.follow_up.sustained
    recorded = await types(harness, handle)
    # Practice version 4: the report is offered to the employee as soon as it is recorded.
    assert recorded[:7] == ["CaseOpened", "EarlyContactRecorded", "AssessmentRecorded",
                            "ReportOffered", "CaseManagerAssigned", "PlanAgreed",
                            "ReturnToWorkNotified"]
    assert recorded[-1] == "FollowUpRecorded"
    assert recorded.index("CaseClosed") < recorded.index("FollowUpRecorded")
    reminders = [r.data.get("deadline_name") for r in
                 await asyncio.to_thread(harness.store.history, handle.id)
                 if r.event_type == "ReminderSent"]
    assert "follow_up_due" in reminders
    await keep_history(handle, "returned_to_own_role")


async def test_phased_return_week_by_week(harness: Harness,
                                          time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env, ReasonCategory.MUSCULOSKELETAL)
    await through_plan(harness, env, handle)
    starts_on = london_date(await now_of(env)) + timedelta(days=1)
    view = await harness.act(handle, Action.START_PHASED_RETURN, j.phased_return(starts_on),
                             OH_ACTOR)
    assert view.state.stage.value == "phased_return"
    # The plan's own action deadlines (practice rules) and the report's comment window
    # (practice version 4) run beside the phased return's.
    assert next(d.name for d in view.deadlines
                if d.name not in ("plan_action_due", "report_comment_window")) == (
        "phased_return_week_review")

    for week in range(1, 5):
        await env.sleep(timedelta(days=7))
        await harness.act(handle, Action.REVIEW_PHASED_RETURN_WEEK,
                          ReviewPhasedReturnWeek(week=week, on_track=True), MANAGER_ACTOR)
    today = london_date(await now_of(env))
    await harness.act(handle, Action.COMPLETE_PHASED_RETURN,
                      CompletePhasedReturn(completed_on=today), OH_ACTOR)
    await harness.act(handle, Action.CLOSE_CASE,
                      j.close(Outcome.RETURNED_WITH_ADJUSTMENTS, today), OH_ACTOR)
    final = await follow_up(harness, env, handle)

    assert final.state.closure is not None
    assert final.state.closure.returned_on == starts_on
    recorded = await types(harness, handle)
    assert recorded.count("PhasedReturnWeekReviewed") == 4
    assert "OhReferralMade" in recorded  # rapid access for a musculoskeletal case
    await keep_history(handle, "phased_return")


async def test_a_phased_return_beyond_policy_is_refused(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await through_plan(harness, env, handle)
    before = await types(harness, handle)
    starts_on = london_date(await now_of(env))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await harness.act(handle, Action.START_PHASED_RETURN,
                          j.phased_return(starts_on, weeks=5), OH_ACTOR)
    assert "at most 4 weeks" in str(refused.value.cause)
    assert await types(harness, handle) == before


async def test_redeployment_confirmed(harness: Harness,
                                      time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await through_plan(harness, env, handle)
    starts_on = london_date(await now_of(env))
    await harness.act(handle, Action.START_REDEPLOYMENT_TRIAL, StartRedeploymentTrial(
        vacancy_ref="VAC-88", role_title="Ward clerk", starts_on=starts_on, trial_weeks=8,
        permanent=True, match=VacancyMatch(demands=[], judgement=MatchJudgement.SUITABLE)),
        Actor(id="hr-1", role=Role.HR, source=Source.API))
    previous = 0
    for week in (2, 5, 8):
        await env.sleep(timedelta(weeks=week - previous))
        previous = week
        await harness.act(handle, Action.REVIEW_REDEPLOYMENT_TRIAL,
                          ReviewRedeploymentTrial(week=week, on_track=True), OH_ACTOR)
    today = london_date(await now_of(env))
    await harness.act(handle, Action.SIGN_OFF_REDEPLOYMENT, SignOffRedeployment(on=today),
                      OH_ACTOR)
    await harness.act(handle, Action.CONCLUDE_REDEPLOYMENT, ConcludeRedeployment(
        conclusion=RedeploymentConclusion.CONFIRMED, on=today), OH_ACTOR)
    await harness.act(handle, Action.CLOSE_CASE, j.close(Outcome.REDEPLOYED, today), OH_ACTOR)
    final = await follow_up(harness, env, handle)
    assert final.state.closure is not None and final.state.closure.outcome is Outcome.REDEPLOYED
    assert final.state.redeployment is not None
    assert final.state.redeployment.reviewed_weeks == (2, 5, 8)
    await keep_history(handle, "redeployed")


async def test_leaver_closes_the_case_and_repeats_change_nothing(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await through_assessment(harness, env, handle)
    left = EmployeeLeftInput(fact=EmployeeLeft(sent_at=await now_of(env),
                                               left_on=london_date(await now_of(env))),
                             actor=HR_ACTOR)
    await handle.signal(CaseWorkflow.employee_left, left)
    await handle.signal(CaseWorkflow.employee_left, left)
    final = await handle.result()
    assert final.state.closure is not None
    assert final.state.closure.outcome is Outcome.LEFT_EMPLOYMENT
    recorded = await types(harness, handle)
    assert recorded.count("LeavingNotified") == 1 and recorded[-1] == "CaseClosed"
    await keep_history(handle, "left_employment")


@pytest.mark.parametrize("outcome", [Outcome.ILL_HEALTH_RETIREMENT, Outcome.WITHDRAWN])
async def test_closing_without_a_return_ends_the_case_at_once(
        harness: Harness, time_skipping_env: WorkflowEnvironment, outcome: Outcome) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await through_assessment(harness, env, handle)
    view = await harness.act(handle, Action.CLOSE_CASE,
                             j.close(outcome, london_date(await now_of(env))), OH_ACTOR)
    assert view.state.stage.value == "closed"
    final = await handle.result()
    assert final.state.closure is not None and final.state.closure.outcome is outcome
    await keep_history(handle, outcome.value)


async def test_stay_at_work_resolved_without_absence(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    today = london_date(await now_of(env))
    handle = await open_referral(harness, today, ReferralSource.SELF)
    view = await harness.act(handle, Action.ACCEPT_REFERRAL,
                             AcceptReferral(accepted_by="Jo Reid"), OH_ACTOR)
    assert view.state.stage.value == "assessment"
    assert view.state.oh_referral is not None
    assert "record_early_contact" not in view.allowed_actions
    now = await now_of(env)
    await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    await harness.act(handle, Action.ASSIGN_CASE_MANAGER, j.case_manager(), OH_ACTOR)
    await harness.act(handle, Action.AGREE_PLAN, j.plan(now, today), OH_ACTOR)
    await harness.act(handle, Action.CLOSE_CASE,
                      j.close(Outcome.RESOLVED_WITHOUT_ABSENCE, london_date(now)), OH_ACTOR)
    final = await follow_up(harness, env, handle)
    assert final.state.absence is None
    assert final.state.closure is not None
    assert final.state.closure.outcome is Outcome.RESOLVED_WITHOUT_ABSENCE
    await keep_history(handle, "stay_at_work_resolved")


async def test_stay_at_work_case_continues_when_an_absence_follows(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    today = london_date(await now_of(env))
    handle = await open_referral(harness, today, ReferralSource.GP)
    case_id = handle.id
    await harness.act(handle, Action.ACCEPT_REFERRAL, AcceptReferral(accepted_by="Jo Reid"),
                      OH_ACTOR)
    absence = RecordAbsence(absence_id="ABS-SAW-1", first_day=today)
    first = await harness.act(handle, Action.RECORD_ABSENCE, absence, HR_ACTOR)
    again = await harness.act(handle, Action.RECORD_ABSENCE, absence, HR_ACTOR)
    assert first.state.case_id == case_id and first.state.absence is not None
    assert again.state.version == first.state.version
    assert "fit_note_needed" in [d.name for d in first.deadlines]


async def test_unfit_for_any_work_escalates_until_a_named_professional_confirms(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    view = await through_assessment(harness, env, handle, Fitness.UNFIT_ANY_WORK)
    [escalation] = view.state.escalations
    assert escalation.confirmed is None
    # Under the practice rules HR hears of it once confirmed (test_practice_consequences).
    assert escalation.escalated_to == (Role.OH,)
    outbox = await harness.outbox(handle.id)
    escalation_notices = {(row["kind"], row["recipient_role"]) for row in outbox
                          if row["escalation_number"] == 1}
    assert escalation_notices == {("case_escalated", "oh")}

    confirmed = await harness.act(handle, Action.CONFIRM_ESCALATION, ConfirmEscalation(
        escalation_number=1, confirmed_by="Dr Ana Shah, OH physician"), OH_ACTOR)
    assert confirmed.state.escalations[0].confirmed is True
    assert confirmed.state.escalations[0].confirmed_by == "Dr Ana Shah, OH physician"
    await keep_history(handle, "unfit_any_work_escalated")


async def test_may_be_fit_advice_not_accommodated_returns_to_off_work_path(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await through_plan(harness, env, handle)
    today = london_date(await now_of(env))
    await harness.act(handle, Action.RECORD_FIT_NOTE,
                      j.fit_note(today, FitNoteAssessment.MAY_BE_FIT), MANAGER_ACTOR)
    await harness.act(handle, Action.START_PHASED_RETURN, j.phased_return(today), OH_ACTOR)
    view = await harness.act(handle, Action.DECLINE_FIT_NOTE_ADVICE, DeclineFitNoteAdvice(
        fit_note_number=1, reason="No lighter duties available on the ward"), MANAGER_ACTOR)
    assert view.state.stage.value == "rehabilitation"
    assert view.state.fit_notes[0].counts_as_not_fit
    assert view.state.is_off_work


async def test_long_term_referral_on_day_28_and_risk_flag_on_day_42(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    handle = await open_absence(harness, env)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(await now_of(env)),
                      MANAGER_ACTOR)
    await harness.act(handle, Action.RECORD_FIT_NOTE,
                      j.fit_note(london_date(await now_of(env)), days=60), MANAGER_ACTOR)
    first_day = (await handle.query(CaseWorkflow.view)).state.first_day
    assert first_day is not None
    await env.sleep(timedelta(days=43))
    records = await asyncio.to_thread(harness.store.history, handle.id)
    by_type = {r.event_type: r for r in records}
    referral, flag = by_type["OhReferralMade"], by_type["RiskFlagRaised"]
    assert london_date(referral.occurred_at) == first_day + timedelta(days=27)
    assert referral.occurred_at.astimezone(LONDON).hour == 9
    assert london_date(flag.occurred_at) == first_day + timedelta(days=41)
    assert "policy default-2026-04" in referral.reason


async def test_a_long_case_continues_as_new_and_keeps_its_state(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    env = time_skipping_env
    today = london_date(await now_of(env))
    command = open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today,
                           reason=ReasonCategory.OTHER)
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    harness.started.append(case_id)
    handle: Handle = await harness.client.start_workflow(
        CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, open=command, opened_by=HR_ACTOR,
                                            history_limit=120),
        id=case_id, task_queue=harness.task_queue)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(await now_of(env)),
                      MANAGER_ACTOR)
    await harness.act(handle, Action.RECORD_FIT_NOTE, j.fit_note(today, days=365), MANAGER_ACTOR)
    for _ in range(60):  # a year of weekly keeping-in-touch, with the case's timers between
        await env.sleep(timedelta(days=6))
        await harness.act(handle, Action.RECORD_CHECK_IN, RecordCheckIn(
            contacted_at=await now_of(env), method=ContactMethod.PHONE), MANAGER_ACTOR)

    view = await handle.query(CaseWorkflow.view)
    current_run = (await harness.client.get_workflow_handle(case_id).describe()).run_id
    records = await asyncio.to_thread(harness.store.history, case_id)
    assert current_run != handle.first_execution_run_id
    assert len({r.run_id for r in records}) > 2
    assert view.state.contacts_made == 61
    assert [r.position for r in records] == list(range(1, len(records) + 1))
    assert view.state.version == len(records)
