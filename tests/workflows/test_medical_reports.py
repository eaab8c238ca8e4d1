"""Through the workflow on the time-skipping server: the report is offered to the employee and
its comment window closes by the case's own timers; and the 21 days of the Access to Medical
Reports Act 1988 run on a durable timer that tells the employee and OH when they end."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from api.views import case_for
from domain.actors import Actor, Role, Source
from domain.calendar import london_date
from domain.journey.medical_reports import ConsentToMedicalReport, RequestMedicalReport
from domain.journey.report_consent import GiveConsent
from domain.practice import PRACTICE_V4
from domain.stages import Action, ReasonCategory
from domain.state import Doctor
from domain.vocabulary import ReportScope
from eventstore.replay import replay
from infra.tokens import Principal
from localstack import samples as j
from tests.support.builders import EMPLOYEE, HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, open_command
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow

ME = Actor(id=EMPLOYEE.id, role=Role.EMPLOYEE, source=Source.API)
MANAGER = Principal(subject=MANAGER_ACTOR.id, role=Role.MANAGER)


async def _events(harness: Harness, case_id: str) -> list[str]:
    records = await asyncio.to_thread(harness.store.history, case_id)
    return [str(step.record.data["type"]) for step in replay(records)]


async def test_the_21_days_end_on_a_timer_that_tells_the_employee_and_oh(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    now = await time_skipping_env.get_current_time()
    handle = await harness.open_case(open_command(
        absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
        reason=ReasonCategory.OTHER), HR_ACTOR)
    await harness.act(handle, Action.CONSENT_TO_MEDICAL_REPORT, ConsentToMedicalReport(
        doctor=Doctor.GP, wishes_to_see_report=True), ME)
    view = await harness.act(handle, Action.REQUEST_MEDICAL_REPORT, RequestMedicalReport(
        report_number=1, practitioner="Dr A Shah"), OH_ACTOR)
    [period] = [d for d in view.deadlines if d.name == "medical_report_access_period"]
    assert london_date(period.due_at) == london_date(now) + timedelta(days=21)

    await time_skipping_env.sleep(period.due_at - now + timedelta(hours=1))
    live = await handle.query(CaseWorkflow.view)

    assert period.key in live.state.fired
    kinds = {(row["kind"], row["recipient_role"]) for row in await harness.outbox(handle.id)}
    assert {("medical_report_requested", "employee"),
            ("medical_report_access_period_ended", "employee"),
            ("medical_report_access_period_ended", "oh")} <= kinds
    assert not {kind for kind, role in kinds if role in ("manager", "hr")
                and kind.startswith("medical_report")}


async def test_the_comment_window_closes_on_the_cases_timer(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    now = await time_skipping_env.get_current_time()
    handle = await harness.open_case(open_command(
        absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
        reason=ReasonCategory.OTHER), HR_ACTOR)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    view = await harness.act(handle, Action.GIVE_CONSENT, GiveConsent(
        assessment_number=1, scopes=[ReportScope.FITNESS_TO_MANAGER],
        on=london_date(now), evidence="consent form signed at the consultation"), OH_ACTOR)
    assert view.state.practice >= PRACTICE_V4
    assert case_for(view, MANAGER, now=now).fitness_advice is None

    # Up to a week covers two working days and any weekend or bank holiday between.
    await time_skipping_env.sleep(timedelta(days=7))
    live = await handle.query(CaseWorkflow.view)

    assert [o.window_closed for o in live.state.report_offers] == [True]
    assert case_for(live, MANAGER, now=now).fitness_advice is not None
    events = await _events(harness, handle.id)
    assert events.index("ReportOffered") < events.index("CommentWindowClosed")
    assert ("report_offered", "employee") in {
        (row["kind"], row["recipient_role"]) for row in await harness.outbox(handle.id)}
