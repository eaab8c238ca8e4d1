"""HR changes reaching a running case as signals, on the time-skipping server: a manager
change mid-case hands the case and its reminders over; details and reason follow HR."""

from __future__ import annotations

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from domain.actors import Person
from domain.journey.hr_facts import ChangeAbsenceReason, ChangeEmployeeDetails, ChangeLineManager
from domain.stages import ReasonCategory
from eventstore.store import CaseEventStore
from tests.support.builders import HR_ACTOR, MANAGER
from tests.support.workflow_harness import running_worker
from tests.workflows.test_case_workflow import open_today, wait_for_events
from workflows.case import CaseWorkflow
from workflows.payloads import (
    AbsenceReasonChangedInput,
    EmployeeDetailsChangedInput,
    LineManagerChangedInput,
)

NEW_MANAGER = Person(id="M9999", name="Pat Lee", email="pat.lee@example.org")


async def test_a_manager_change_mid_case_hands_the_case_and_its_reminders_over(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        opened = await handle.query(CaseWorkflow.view)
        due = opened.state.contact_due_at
        assert due is not None and opened.state.manager.id == MANAGER.id
        sent_at = await time_skipping_env.get_current_time()
        change = LineManagerChangedInput(
            fact=ChangeLineManager(sent_at=sent_at, manager=NEW_MANAGER), actor=HR_ACTOR)
        older = LineManagerChangedInput(
            fact=ChangeLineManager(sent_at=sent_at - timedelta(hours=1), manager=MANAGER),
            actor=HR_ACTOR)

        await handle.signal(CaseWorkflow.line_manager_changed, change)
        await handle.signal(CaseWorkflow.line_manager_changed, change)  # resent
        await handle.signal(CaseWorkflow.line_manager_changed, older)  # late, older
        assert await wait_for_events(store, handle.id, 2) == ["CaseOpened", "LineManagerChanged"]
        handed = await handle.query(CaseWorkflow.view)
        assert handed.state.manager.id == "M9999"

        await time_skipping_env.sleep(due - opened.state.opened_at + timedelta(minutes=1))
        types = await wait_for_events(store, handle.id, 3)

        assert types == ["CaseOpened", "LineManagerChanged", "ManagerRemindedOfContact"]
        outbox = await harness.outbox(handle.id)
        assert [(row["kind"], row["recipient_role"], row["recipient_id"]) for row in outbox] == [
            ("case_handed_over", "manager", "M9999"), ("early_contact_due", "manager", "M9999")]


async def test_details_and_reason_changes_reach_the_case_once(
    time_skipping_env: WorkflowEnvironment, store: CaseEventStore, database_url: str
) -> None:
    async with running_worker(time_skipping_env.client, store, database_url) as harness:
        handle = await open_today(harness, time_skipping_env)
        sent_at = await time_skipping_env.get_current_time()
        details = EmployeeDetailsChangedInput(fact=ChangeEmployeeDetails(
            sent_at=sent_at, email="sam.patel@example.org", role_title="Ward sister"),
            actor=HR_ACTOR)
        reason = AbsenceReasonChangedInput(
            fact=ChangeAbsenceReason(sent_at=sent_at, reason_code="S10"), actor=HR_ACTOR)

        for signal, payload in [(CaseWorkflow.employee_details_changed, details),
                                (CaseWorkflow.absence_reason_changed, reason)] * 2:
            await handle.signal(signal, payload)  # type: ignore[arg-type]
        types = await wait_for_events(store, handle.id, 4)
        view = await handle.query(CaseWorkflow.view)

        # A mental-health case not yet referred is referred early (rapid access): by the
        # default policy at once.
        assert types == ["CaseOpened", "EmployeeDetailsChanged", "AbsenceReasonChanged",
                         "OhReferralMade"]
        assert view.state.employee.email == "sam.patel@example.org"
        assert view.state.absence is not None and view.state.absence.employment is not None
        assert view.state.absence.employment.role_title == "Ward sister"
        assert view.state.reason_category is ReasonCategory.MENTAL_HEALTH
        assert view.state.oh_referral is not None
        assert view.state.oh_referral.cause == "rapid_access_referral"
        outbox = await harness.outbox(handle.id)
        assert [(row["kind"], row["recipient_role"]) for row in outbox] == [
            ("oh_referral_made", "oh")]
