"""A linked second absence on the time-skipping server with the real event store and outbox:
the case opens with the employee's first absence, its view says it links to it, and the
recurrence of the reason goes to OH, as a heads-up, the case's stage unchanged."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from temporalio.testing import WorkflowEnvironment

from api.views import case_for
from domain.actors import Role
from domain.calendar import london_date
from domain.journey.absence import PastAbsenceInput
from domain.stages import ReasonCategory, Stage
from infra.tokens import Principal
from tests.support.builders import HR_ACTOR, open_command
from tests.support.workflow_harness import Harness
from workflows.case import CaseWorkflow


async def test_a_linked_second_absence_links_to_the_first_and_tells_oh_of_the_recurrence(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    today = london_date(await time_skipping_env.get_current_time())
    first = PastAbsenceInput(first_day=today - timedelta(days=30),
                             last_day=today - timedelta(days=21),
                             reason_category=ReasonCategory.MUSCULOSKELETAL)
    command = open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today,
                           reason=ReasonCategory.MUSCULOSKELETAL).model_copy(
        update={"previous_absences": (first,)})

    handle = await harness.open_case(command, HR_ACTOR)

    rows: list[tuple[str, str]] = []
    for _ in range(200):
        rows = [(r["kind"], r["recipient_role"]) for r in await harness.outbox(handle.id)]
        if rows:
            break
        await asyncio.sleep(0.05)
    assert ("absence_recurrence", "oh") in rows
    assert all(role == "oh" for kind, role in rows if kind == "absence_recurrence")
    view = await handle.query(CaseWorkflow.view)
    assert view.state.stage is Stage.EARLY_CONTACT  # a heads-up, not a decision
    now = datetime.now(UTC)
    as_oh = case_for(view, Principal(subject="oh-1", role=Role.OH), now=now).absence_record
    assert as_oh is not None and as_oh.linked_to is not None
    assert (as_oh.linked_to.first_day, as_oh.linked_to.last_day) == (first.first_day,
                                                                    first.last_day)
    assert as_oh.recurrence is True
    as_hr = case_for(view, Principal(subject="hr-1", role=Role.HR), now=now).absence_record
    assert as_hr is not None and as_hr.linked_to is not None and as_hr.recurrence is None
    assert "absence_recurrence" not in [d.name for d in
                                        case_for(view, Principal(subject="hr-1", role=Role.HR),
                                                 now=now).deadlines]
