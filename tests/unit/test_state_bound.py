"""A case's state keeps the latest fit notes whole and summarises the rest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.commands import DeclineFitNoteAdvice
from domain.decide import decide
from domain.errors import InvalidCommand
from domain.evolve import evolve
from domain.state import FIT_NOTES_KEPT, CaseState
from domain.vocabulary import FitNoteAssessment
from localstack import samples as j
from tests.support.builders import MANAGER_ACTOR, opened_state

OPENED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def with_weekly_notes(count: int, assessment: FitNoteAssessment) -> CaseState:
    state = opened_state(OPENED, first_day=OPENED.date())
    for week in range(count):
        at = OPENED + timedelta(weeks=week)
        for event in decide(state, j.fit_note(at.date(), assessment, days=7), now=at,
                            actor=MANAGER_ACTOR):
            state = evolve(state, event)
    return state


def test_the_latest_fit_notes_are_kept_whole_and_older_ones_summarised() -> None:
    state = with_weekly_notes(FIT_NOTES_KEPT + 8, FitNoteAssessment.NOT_FIT)

    assert [n.number for n in state.fit_notes] == list(range(9, FIT_NOTES_KEPT + 9))
    earlier = state.earlier_fit_notes
    assert earlier is not None
    assert (earlier.count, earlier.not_fit_count, earlier.last_number) == (8, 8, 8)
    assert earlier.first_starts_on == OPENED.date()
    assert earlier.last_ends_on == OPENED.date() + timedelta(weeks=7, days=6)
    assert state.fit_notes_recorded == FIT_NOTES_KEPT + 8
    assert state.current_fit_note is state.fit_notes[-1]


def test_a_few_fit_notes_are_all_kept() -> None:
    state = with_weekly_notes(3, FitNoteAssessment.NOT_FIT)

    assert len(state.fit_notes) == 3 and state.earlier_fit_notes is None


def test_advice_of_a_summarised_note_cannot_be_declined_and_the_refusal_says_why() -> None:
    state = with_weekly_notes(FIT_NOTES_KEPT + 2, FitNoteAssessment.MAY_BE_FIT)

    with pytest.raises(InvalidCommand, match="older than the notes this case still acts on"):
        decide(state, DeclineFitNoteAdvice(fit_note_number=1, reason="No light duties"),
               now=OPENED + timedelta(weeks=FIT_NOTES_KEPT + 2), actor=MANAGER_ACTOR)
