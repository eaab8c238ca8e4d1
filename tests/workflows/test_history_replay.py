"""Stored histories of every journey path replay against today's CaseWorkflow code.

A change that would break running cases (non-determinism) fails here; such a change needs
`workflow.patched`. Record them anew with `RTW_RECORD_HISTORIES=1 pytest
tests/workflows/test_journeys.py tests/workflows/test_history_replay.py` (one history per path).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from domain.calendar import london_date
from domain.commands import RecordEarlyContact
from domain.stages import Action, ContactMethod, ReasonCategory
from domain.vocabulary import FitNoteAssessment
from eventstore.store import CaseEventStore
from infra.temporal_client import WORKFLOW_RUNNER
from localstack.samples import fit_note
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command
from tests.support.workflow_harness import running_worker
from workflows.case import CaseWorkflow
from workflows.payloads import CaseView

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
    } <= names


@pytest.mark.parametrize("path", stored_histories(), ids=lambda p: p.stem)
async def test_stored_history_replays_deterministically(path: Path) -> None:
    replayer = Replayer(
        workflows=[CaseWorkflow],
        workflow_runner=WORKFLOW_RUNNER,
        data_converter=pydantic_data_converter,
    )
    history = WorkflowHistory.from_json(path.stem, await asyncio.to_thread(path.read_text))
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


async def _save(handle: WorkflowHandle[CaseWorkflow, CaseView], name: str) -> None:
    history = await handle.fetch_history()
    await asyncio.to_thread((HISTORIES / f"{name}.json").write_text, history.to_json())


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
