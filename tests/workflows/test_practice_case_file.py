"""The workflow links a correction of fact to the stored event it corrects, and replay shows
both: time-skipping Temporal, real event store."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from domain.calendar import london_date
from domain.journey.case_notes import AddCaseNote
from domain.journey.corrections import CorrectEntry
from domain.stages import Action
from eventstore.replay import replay
from tests.support.builders import HR_ACTOR, OH_ACTOR, open_command
from tests.support.workflow_harness import Harness


async def test_a_correction_is_stored_linked_to_the_entry_it_corrects(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    today = london_date(await time_skipping_env.get_current_time())
    handle = await harness.open_case(
        open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today), HR_ACTOR)
    await harness.act(handle, Action.ADD_CASE_NOTE, AddCaseNote(text="Seen on Monday"),
                      OH_ACTOR)
    note = (await asyncio.to_thread(harness.store.history, handle.id))[-1]

    view = await harness.act(handle, Action.CORRECT_ENTRY, CorrectEntry(
        position=note.position, corrects_event_id=note.event_id,
        corrected_type=note.event_type, correction="Seen on Tuesday"), OH_ACTOR)

    records = await asyncio.to_thread(harness.store.history, handle.id)
    steps = replay(records)
    assert [step.view.type for step in steps][-2:] == ["CaseNoteAdded", "EntryCorrected"]
    assert steps[-1].view.corrects_event_id == note.event_id
    assert steps[-2].view.data["text"] == "Seen on Monday"  # the original stands as recorded
    assert [r.corrects_event_id for r in records[:-1]] == [None] * (len(records) - 1)
    assert view.state.entries_corrected == 1


async def test_an_opinion_is_refused_before_anything_is_stored(
        harness: Harness, time_skipping_env: WorkflowEnvironment) -> None:
    today = london_date(await time_skipping_env.get_current_time())
    handle = await harness.open_case(
        open_command(absence_id=f"ABS-{uuid.uuid4().hex[:8]}", first_day=today), HR_ACTOR)
    await harness.act(handle, Action.ADD_CASE_NOTE, AddCaseNote(text="x"), OH_ACTOR)
    before = await asyncio.to_thread(harness.store.history, handle.id)

    with pytest.raises(WorkflowUpdateFailedError):
        await harness.act(handle, Action.CORRECT_ENTRY, CorrectEntry(
            position=1, corrects_event_id=before[0].event_id,
            corrected_type="AssessmentRecorded", correction="y"), OH_ACTOR)

    assert len(await asyncio.to_thread(harness.store.history, handle.id)) == len(before)
