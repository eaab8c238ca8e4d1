"""Report first to the employee through the workflow: a case opened today follows practice 2;
the manager's view shows the consent pending, then the advice once the employee's consent (an
Update) is stored, and nothing again once they withdraw it."""

from __future__ import annotations

import uuid

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from api.views import case_for
from domain.actors import Actor, Role, Source
from domain.calendar import london_date
from domain.journey.report_consent import CommentOnReport, GiveConsent, WithdrawConsent
from domain.practice import PRACTICE_V2
from domain.stages import Action, ReasonCategory
from domain.vocabulary import Fitness, ReportScope
from infra.tokens import Principal
from localstack import samples as j
from tests.support.builders import EMPLOYEE, HR_ACTOR, MANAGER_ACTOR, OH_ACTOR, open_command
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow

MANAGER = Principal(subject=MANAGER_ACTOR.id, role=Role.MANAGER)
HR = Principal(subject="hr", role=Role.HR)
EMPLOYEE_ACTOR = Actor(id=EMPLOYEE.id, role=Role.EMPLOYEE, source=Source.API)


async def test_the_manager_sees_the_advice_only_while_the_employees_consent_stands(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    now = await time_skipping_env.get_current_time()
    handle = await harness.open_case(open_command(
        absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
        reason=ReasonCategory.OTHER), HR_ACTOR)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    assessed = await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)

    assert assessed.state.practice >= PRACTICE_V2
    pending = case_for(assessed, MANAGER, now=now)
    assert pending.fitness_advice is None
    assert pending.report_consent is not None and pending.report_consent.status == "pending"

    commented = await harness.act(handle, Action.COMMENT_ON_REPORT, CommentOnReport(
        assessment_number=1, comment="Mondays I see my physio."), EMPLOYEE_ACTOR)
    assert case_for(commented, MANAGER, now=now).fitness_advice is None

    given = await harness.act(handle, Action.GIVE_CONSENT, GiveConsent(
        assessment_number=1, scopes=[ReportScope.FITNESS_TO_MANAGER,
                                     ReportScope.ADJUSTMENTS_TO_MANAGER]), EMPLOYEE_ACTOR)
    shown = case_for(given, MANAGER, now=now)
    assert shown.fitness_advice is not None
    assert shown.fitness_advice.fitness is Fitness.FIT_WITH_ADJUSTMENTS
    assert shown.fitness_advice.recommended_adjustments
    assert case_for(given, HR, now=now).fitness_advice is None  # not released to HR

    withdrawn = await harness.act(handle, Action.WITHDRAW_CONSENT, WithdrawConsent(
        assessment_number=1, scopes=[ReportScope.FITNESS_TO_MANAGER,
                                     ReportScope.ADJUSTMENTS_TO_MANAGER]), EMPLOYEE_ACTOR)
    hidden = case_for(withdrawn, MANAGER, now=now)
    assert hidden.fitness_advice is None
    assert hidden.report_consent is not None and hidden.report_consent.status == "withdrawn"

    live = await handle.query(CaseWorkflow.view)
    assert live.state == withdrawn.state  # the workflow and the store's replay agree


async def test_another_employee_is_refused_and_nothing_is_written(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    now = await time_skipping_env.get_current_time()
    handle = await harness.open_case(open_command(
        absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=london_date(now),
        reason=ReasonCategory.OTHER), HR_ACTOR)
    await harness.act(handle, Action.RECORD_EARLY_CONTACT, j.early_contact(now), MANAGER_ACTOR)
    view = await harness.act(handle, Action.RECORD_ASSESSMENT, j.assessment(now), OH_ACTOR)
    stranger = Actor(id="E9999", role=Role.EMPLOYEE, source=Source.API)

    with pytest.raises(WorkflowUpdateFailedError):
        await harness.act(handle, Action.GIVE_CONSENT, GiveConsent(
            assessment_number=1, scopes=[ReportScope.FITNESS_TO_MANAGER]), stranger)

    live = await handle.query(CaseWorkflow.view)
    assert live.state.version == view.state.version
    assert case_for(live, MANAGER, now=now).fitness_advice is None
