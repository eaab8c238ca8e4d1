"""Stored histories of every journey path replay against today's CaseWorkflow code.

A change that would break running cases (non-determinism) fails here; such a change needs
`workflow.patched`. Record them anew with `RTW_RECORD_HISTORIES=1 pytest
tests/workflows/test_journeys.py tests/workflows/test_history_replay.py` (one history per path).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from pydantic import BaseModel
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.actions import RULES
from domain.actors import Actor, Person, Role, Source
from domain.calendar import london_date
from domain.commands import (
    AcceptReferral,
    AdoptPolicy,
    EarlierAbsence,
    EmploymentInput,
    ExtendAbsence,
    RecordCheckIn,
    RecordEarlyContact,
)
from domain.ids import case_id_for_absence, case_id_for_community_referral
from domain.journey.community import ReceiveCommunityReferral
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ContactMethod, ReasonCategory
from domain.vocabulary import FitNoteAssessment, ReferralSource
from eventstore.store import CaseEventStore
from infra.temporal_client import WORKFLOW_RUNNER
from localstack.samples import assessment, case_manager, fit_note, plan
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.workflow_harness import running_worker
from workflows.case import CaseWorkflow
from workflows.payloads import (
    DEFERRED_ACTION_INPUTS,
    AbsenceExtendedInput,
    AbsenceReasonChangedInput,
    AdoptPolicyInput,
    CaseView,
    CaseWorkflowInput,
    EmployeeDetailsChangedInput,
    LineManagerChangedInput,
    deferred_signal,
)
from workflows.retention import RetentionSweepWorkflow

HISTORIES = Path(__file__).parent / "histories"
RECORDING = bool(os.environ.get("RTW_RECORD_HISTORIES"))


def stored_histories() -> list[Path]:
    return sorted(HISTORIES.glob("*.json"))


def test_there_are_stored_histories_to_replay() -> None:
    names = {path.stem for path in stored_histories()}
    assert {
        "missed_contact_reminded_and_escalated", "early_contact_recorded",
        "returned_to_own_role", "phased_return", "redeployed", "left_employment",
        "ill_health_retirement", "withdrawn", "stay_at_work_resolved",
        "unfit_any_work_escalated",
        # Recorded after the hr-webhooks-v1 patch; the others before it.
        "missed_contact_reminded_and_escalated_with_hr_webhooks",
        "early_contact_recorded_with_hr_webhooks",
        # Recorded after the search-attributes-on-change-v1 patch as well.
        "missed_contact_reminded_and_escalated_search_attributes_on_change",
        "early_contact_recorded_search_attributes_on_change",
        # Recorded after bounded-dates-v1, settle-before-continue-v1 and bounded-webhooks-v1,
        # with Updates answering an ActionResult and actions also arriving as deferred signals.
        "early_contact_recorded_bounded_and_deferred",
        "continued_as_new_after_settling",
        # Recorded after notices-outbox-v1 and contact-from-reported-day-v1.
        "late_absence_reminded_and_escalated_through_the_outbox",
        # A case moved to another policy version by the adopt_policy signal.
        "policy_adopted",
        # A case following the practice rules (practice-v1).
        "practice_v1_proceeded_consulted_and_planned",
        # A case reporting first to the employee (practice-v2): their comment, consent to the
        # manager and to HR (HR's webhook then), and a withdrawal.
        "practice_v2_report_consented_and_withdrawn",
        # The person over time (practice-v3): linked, handed over, details and reason changed.
        "practice_v3_linked_handed_over_and_reasoned",
        # A community case without an employer.
        "community_referral_accepted_and_assessed",
        # The comment window (practice-v4): the report offered, a consent OH recorded waiting
        # for the window's end on the case's timer; a GP report consented to, applied for, and
        # the 21 days ending on their timer.
        "practice_v4_comment_window_and_medical_report",
    } <= names


@pytest.mark.parametrize("path", stored_histories(), ids=lambda p: p.stem)
async def test_stored_history_replays_deterministically(path: Path) -> None:
    replayer = Replayer(
        workflows=[CaseWorkflow, RetentionSweepWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        data_converter=pydantic_data_converter,
    )
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def _save(handle: WorkflowHandle[CaseWorkflow, CaseView], name: str) -> None:
    """Keep a new history; one already stored stays as the code of its day recorded it."""
    path = HISTORIES / f"{name}.json"
    if path.exists():
        return
    history = await handle.fetch_history()
    await asyncio.to_thread(path.write_text, history.to_json())


@pytest.mark.skipif(not RECORDING, reason="set RTW_RECORD_HISTORIES=1 to record histories")
async def test_record_histories(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        today = london_date(await time_skipping_env.get_current_time())
        missed = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today,
                          reason=ReasonCategory.OTHER), HR_ACTOR)
        await time_skipping_env.sleep(timedelta(days=7))
        await _save(missed, "missed_contact_reminded_and_escalated_search_attributes_on_change")

        contacted = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today), HR_ACTOR)
        view = await contacted.query(CaseWorkflow.view)
        await harness.act(
            contacted, Action.RECORD_EARLY_CONTACT,
            RecordEarlyContact(contacted_at=view.state.opened_at, method=ContactMethod.VIDEO,
                               agreed_contact_frequency_days=14),
            MANAGER_ACTOR,
        )
        # A second copy of a note changes neither stage nor next deadline: no upsert.
        for _ in range(2):
            await harness.act(contacted, Action.RECORD_FIT_NOTE,
                              fit_note(today, FitNoteAssessment.MAY_BE_FIT, days=14),
                              MANAGER_ACTOR)
        await time_skipping_env.sleep(timedelta(days=3))
        await _save(contacted, "early_contact_recorded_search_attributes_on_change")

        # An HR fact dated far ahead (refused, decides nothing), an action as a deferred signal
        # and one as an Update answered with an ActionResult; a refused deferred action.
        bounded = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today), HR_ACTOR)
        now = await time_skipping_env.get_current_time()
        await bounded.signal(CaseWorkflow.absence_extended, AbsenceExtendedInput(
            fact=ExtendAbsence(sent_at=now, expected_last_day=date(9999, 12, 31)),
            actor=HR_ACTOR))
        contact = RecordEarlyContact(contacted_at=now, method=ContactMethod.PHONE,
                                     agreed_contact_frequency_days=7)
        for request in ("deferred-1", "deferred-2"):
            await bounded.signal(
                deferred_signal(Action.RECORD_EARLY_CONTACT),
                DEFERRED_ACTION_INPUTS[Action.RECORD_EARLY_CONTACT](
                    command=contact, actor=MANAGER_ACTOR, request_id=request))
        await harness.act(bounded, Action.RECORD_FIT_NOTE,
                          fit_note(today, FitNoteAssessment.NOT_FIT, days=14), MANAGER_ACTOR)
        await time_skipping_env.sleep(timedelta(days=3))
        await _save(bounded, "early_contact_recorded_bounded_and_deferred")

        # A case that settles and continues-as-new.
        command = open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today)
        case_id = case_id_for_absence(command.employer_id, command.absence_id)
        harness.started.append(case_id)
        long_case = await harness.client.start_workflow(
            CaseWorkflow.run, CaseWorkflowInput(case_id=case_id, open=command,
                                                opened_by=HR_ACTOR, history_limit=50),
            id=case_id, task_queue=harness.task_queue)
        first_run = (await long_case.describe()).run_id
        await harness.act(long_case, Action.RECORD_EARLY_CONTACT, contact, MANAGER_ACTOR)
        check_in = RecordCheckIn(contacted_at=now, method=ContactMethod.PHONE)
        while True:  # past the limit; then one more action wakes the case to continue
            description = await long_case.describe()
            await harness.act(long_case, Action.RECORD_CHECK_IN, check_in, MANAGER_ACTOR)
            if description.raw_description.workflow_execution_info.history_length > 50:
                break
        for _ in range(100):
            if (await long_case.describe()).run_id != first_run:
                break
            await asyncio.sleep(0.05)
        await _save(harness.client.get_workflow_handle(case_id, run_id=first_run),  # type: ignore[arg-type]
                    "continued_as_new_after_settling")

        # Notices go to the outbox with their events (notices-outbox-v1), HR hears of the
        # manager's reminder by webhook; an absence notified ten days late is due for contact
        # at once (contact-from-reported-day-v1).
        late = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today - timedelta(days=10),
                         reason=ReasonCategory.OTHER), HR_ACTOR)
        await time_skipping_env.sleep(timedelta(days=7))
        await _save(late, "late_absence_reminded_and_escalated_through_the_outbox")

        # A case moved to another policy version by signal (HR's attempt refused, the
        # administrator's adopted): its contact falls due, and is escalated, by the new version.
        now_today = london_date(await time_skipping_env.get_current_time())
        adopting = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=now_today,
                         reason=ReasonCategory.OTHER), HR_ACTOR)
        slower = DEFAULT_POLICY.model_copy(update={
            "version": "acme-slower", "effective_from": now_today,
            "contact_due_working_days": 3})
        admin = Actor(id="ops-jo", role=Role.ADMIN, source=Source.CLI)
        for actor in (HR_ACTOR, admin):
            await adopting.signal(CaseWorkflow.adopt_policy, AdoptPolicyInput(
                command=AdoptPolicy(policy=slower, reason="recorded history"), actor=actor))
        await time_skipping_env.sleep(timedelta(days=10))
        await _save(adopting, "policy_adopted")

        # A case following the practice rules (practice-v1): the missed contact escalated, OH
        # goes on without it, the first consultation is an attended appointment reminded
        # beforehand, and a tier-2 case gets its case manager before the plan.
        practice = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=now_today,
                         reason=ReasonCategory.OTHER), HR_ACTOR)
        await time_skipping_env.sleep(timedelta(days=7))
        oh = Actor(id="OHN-7", role=Role.OH, source=Source.API)
        await harness.act(practice, Action.PROCEED_TO_ASSESSMENT, _command(
            Action.PROCEED_TO_ASSESSMENT, {"reason": "no contact after HR's alert"}), oh)
        at = await time_skipping_env.get_current_time() + timedelta(days=3)
        await harness.act(practice, Action.BOOK_APPOINTMENT, _command(
            Action.BOOK_APPOINTMENT, {"at": at.isoformat()}), oh)
        await time_skipping_env.sleep(timedelta(days=3, hours=1))
        await harness.act(practice, Action.RECORD_APPOINTMENT_OUTCOME, _command(
            Action.RECORD_APPOINTMENT_OUTCOME, {}), oh)
        now = await time_skipping_env.get_current_time()
        await harness.act(practice, Action.RECORD_ASSESSMENT, assessment(now), oh)
        await harness.act(practice, Action.ASSIGN_CASE_MANAGER, case_manager(), oh)
        await harness.act(practice, Action.AGREE_PLAN, plan(now, london_date(now)), oh)
        await time_skipping_env.sleep(timedelta(days=2))
        await _save(practice, "practice_v1_proceeded_consulted_and_planned")

        # Report first to the employee (practice-v2): assessed, commented on, released to the
        # manager and HR by the employee, recorded from a signed form by OH, then withdrawn.
        today = london_date(await time_skipping_env.get_current_time())
        consenting = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today,
                         reason=ReasonCategory.OTHER), HR_ACTOR)
        now = await time_skipping_env.get_current_time()
        await harness.act(consenting, Action.RECORD_EARLY_CONTACT, _command(
            Action.RECORD_EARLY_CONTACT, {"contacted_at": now.isoformat()}), MANAGER_ACTOR)
        await harness.act(consenting, Action.RECORD_ASSESSMENT, assessment(now), oh)
        employee = Actor(id="E1001", role=Role.EMPLOYEE, source=Source.API)
        await harness.act(consenting, Action.COMMENT_ON_REPORT, _command(
            Action.COMMENT_ON_REPORT, {}), employee)
        await harness.act(consenting, Action.GIVE_CONSENT, _command(
            Action.GIVE_CONSENT, {"on": None, "evidence": None,
                                  "scopes": ["fitness_to_manager", "advice_to_hr"]}), employee)
        await harness.act(consenting, Action.GIVE_CONSENT, _command(
            Action.GIVE_CONSENT, {"on": today.isoformat(),
                                  "scopes": ["adjustments_to_manager"]}), oh)
        await harness.act(consenting, Action.WITHDRAW_CONSENT, _command(
            Action.WITHDRAW_CONSENT, {"on": None, "evidence": None,
                                      "scopes": ["advice_to_hr"]}), employee)
        await time_skipping_env.sleep(timedelta(days=2))
        await _save(consenting, "practice_v2_report_consented_and_withdrawn")

        # The person over time (practice-v3): a case opened with the employment and an earlier
        # absence it links to (sick pay dates from rules, the recurrence to OH); then HR hands
        # it to a new manager, changes the employee's details and the reason, as signals.
        today = london_date(await time_skipping_env.get_current_time())
        over_time = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today).model_copy(
                update={"employment": EmploymentInput(service_start=date(2019, 9, 2)),
                        "previous_absences": (EarlierAbsence(
                            first_day=today - timedelta(days=40),
                            last_day=today - timedelta(days=30),
                            reason_category=ReasonCategory.MUSCULOSKELETAL),)}),
            HR_ACTOR)
        sent_at = await time_skipping_env.get_current_time()
        await over_time.signal(CaseWorkflow.line_manager_changed, LineManagerChangedInput(
            fact=ChangeLineManager(sent_at=sent_at, manager=Person(
                id="M9999", name="Pat Lee", email="pat.lee@example.org")), actor=HR_ACTOR))
        await over_time.signal(CaseWorkflow.employee_details_changed,
                               EmployeeDetailsChangedInput(fact=ChangeEmployeeDetails(
                                   sent_at=sent_at, weekly_hours=30), actor=HR_ACTOR))
        await over_time.signal(CaseWorkflow.absence_reason_changed, AbsenceReasonChangedInput(
            fact=ChangeAbsenceReason(sent_at=sent_at, reason_code="S12"), actor=HR_ACTOR))
        await time_skipping_env.sleep(timedelta(days=9))
        await _save(over_time, "practice_v3_linked_handed_over_and_reasoned")

        # A community case (no employer, no line manager) from a GP's referral, accepted by the
        # service and assessed.
        community = ReceiveCommunityReferral(
            provider_id="primary-care-vr", referral_id=f"GP-{uuid.uuid4().hex[:8]}",
            person=Person(id="P-88", name="Lee Moss", email="lee@example.org"),
            source=ReferralSource.GP, reason_category=ReasonCategory.MUSCULOSKELETAL,
            referred_on=today, in_work=True, policy=DEFAULT_POLICY)
        community_id = case_id_for_community_referral(community.provider_id,
                                                      community.referral_id)
        harness.started.append(community_id)
        referred: WorkflowHandle[CaseWorkflow, CaseView] = (
            await time_skipping_env.client.start_workflow(
                CaseWorkflow.run, CaseWorkflowInput(case_id=community_id, community=community,
                                                    opened_by=oh),
                id=community_id, task_queue=harness.task_queue))
        await harness.act(referred, Action.ACCEPT_REFERRAL, AcceptReferral(accepted_by="OT-3"),
                          oh)
        now = await time_skipping_env.get_current_time()
        await harness.act(referred, Action.RECORD_ASSESSMENT, assessment(now), oh)
        await time_skipping_env.sleep(timedelta(days=3))
        await _save(referred, "community_referral_accepted_and_assessed")

        # The comment window (practice-v4) and a GP report under the Access to Medical Reports
        # Act 1988: the offer and the window's end, then the 21 days, each on the case's timer.
        today = london_date(await time_skipping_env.get_current_time())
        windowed = await harness.open_case(
            open_command(absence_id=f"R-{uuid.uuid4().hex}", first_day=today,
                         reason=ReasonCategory.OTHER), HR_ACTOR)
        now = await time_skipping_env.get_current_time()
        await harness.act(windowed, Action.RECORD_EARLY_CONTACT, _command(
            Action.RECORD_EARLY_CONTACT, {"contacted_at": now.isoformat()}), MANAGER_ACTOR)
        await harness.act(windowed, Action.RECORD_ASSESSMENT, assessment(now), oh)
        await harness.act(windowed, Action.GIVE_CONSENT, _command(
            Action.GIVE_CONSENT, {"on": today.isoformat(),
                                  "scopes": ["fitness_to_manager", "advice_to_hr"]}), oh)
        await time_skipping_env.sleep(timedelta(days=7))
        employee = Actor(id="E1001", role=Role.EMPLOYEE, source=Source.API)
        await harness.act(windowed, Action.CONSENT_TO_MEDICAL_REPORT, _command(
            Action.CONSENT_TO_MEDICAL_REPORT, {"on": None, "evidence": None}), employee)
        await harness.act(windowed, Action.REQUEST_MEDICAL_REPORT, _command(
            Action.REQUEST_MEDICAL_REPORT, {}), oh)
        await time_skipping_env.sleep(timedelta(days=22))
        await _save(windowed, "practice_v4_comment_window_and_medical_report")


def _command(action: Action, changes: dict[str, object]) -> BaseModel:
    """The action's documented example, with `changes`."""
    rule = RULES[action]
    return rule.command.model_validate({**rule.example, **changes})
