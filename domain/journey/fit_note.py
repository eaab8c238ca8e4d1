"""Fit notes: who may issue them, what they cover, and 'may be fit' advice that cannot be
accommodated, which makes the note count as 'not fit' and stops a return that rested on it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from domain.actors import Actor
from domain.errors import InvalidCommand
from domain.guards import check_day_not_in_future
from domain.journey.base import (
    EXAMPLE_ON,
    HR_MANAGER_OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Event,
    Evolution,
)
from domain.journey.escalation import escalation_unless_pending
from domain.stages import OPEN_STAGES, Action, Stage
from domain.state import CaseState, FitNote, keep_latest_fit_notes
from domain.vocabulary import FitNoteAssessment, FitNoteOption, IssuerProfession

if TYPE_CHECKING:
    from domain.events import CaseEvent

# Nurses, occupational therapists, pharmacists and physiotherapists may sign from this day.
OTHER_ISSUERS_FROM = date(2022, 7, 1)
FIRST_SIX_MONTHS = timedelta(days=183)
NOT_FIT_BY_FIT_NOTE = "fit note: not fit for work"


class RecordFitNote(Command):
    """A fit note. There is no 'fit' option: only not fit, or may be fit with advice."""

    issued_on: date
    issuer_profession: IssuerProfession
    assessment: FitNoteAssessment
    options: list[FitNoteOption] = Field(default_factory=list, max_length=4)
    starts_on: date
    ends_on: date | None = None
    days: int | None = Field(default=None, ge=1, le=366)
    condition: str | None = Field(default=None, max_length=SHORT, description="OH only.")
    comments: str | None = Field(default=None, max_length=TEXT)
    assess_again: bool = False

    @model_validator(mode="after")
    def _period_given_once(self) -> RecordFitNote:
        if (self.ends_on is None) == (self.days is None):
            raise ValueError("give either ends_on or days for the period the note covers")
        return self


class DeclineFitNoteAdvice(Command):
    """The 'may be fit' advice cannot be accommodated: the note counts as 'not fit'."""

    fit_note_number: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=TEXT)


class FitNoteRecorded(Event):
    type: Literal["FitNoteRecorded"] = "FitNoteRecorded"
    number: int
    issued_on: date
    issuer_profession: IssuerProfession
    assessment: FitNoteAssessment
    options: tuple[FitNoteOption, ...] = ()
    starts_on: date
    ends_on: date
    condition: str | None = None
    comments: str | None = None
    assess_again: bool = False
    warnings: tuple[str, ...] = ()


class FitNoteAdviceDeclined(Event):
    """'May be fit' advice could not be accommodated: the note counts as 'not fit'."""

    type: Literal["FitNoteAdviceDeclined"] = "FitNoteAdviceDeclined"
    number: int
    decline_reason: str


def record_fit_note(state: CaseState, command: RecordFitNote, now: datetime, actor: Actor
                    ) -> list[CaseEvent]:
    check_day_not_in_future("issued_on", command.issued_on, now)
    if command.issued_on < OTHER_ISSUERS_FROM and command.issuer_profession is not (
        IssuerProfession.DOCTOR
    ):
        raise InvalidCommand(
            "issuer_profession",
            f"before {OTHER_ISSUERS_FROM.isoformat()} only a doctor could issue a fit note",
        )
    if command.assessment is FitNoteAssessment.NOT_FIT and command.options:
        raise InvalidCommand("options", "options go only with a 'may_be_fit' note")
    ends_on = command.ends_on or command.starts_on + timedelta(days=(command.days or 1) - 1)
    if ends_on < command.starts_on:
        raise InvalidCommand("ends_on", "must not be before starts_on")
    warnings: list[str] = []
    cover_days = (ends_on - command.starts_on).days + 1
    early = state.absence is None or command.starts_on - state.absence.first_day < FIRST_SIX_MONTHS
    if early and cover_days > state.policy.fit_note_long_cover_days:
        warnings.append(
            f"covers {cover_days} days early in the condition; at most three months is expected"
        )
    number = state.fit_notes_recorded + 1
    events: list[CaseEvent] = [
        FitNoteRecorded(
            occurred_at=now, actor=actor, number=number, issued_on=command.issued_on,
            issuer_profession=command.issuer_profession, assessment=command.assessment,
            options=tuple(command.options), starts_on=command.starts_on, ends_on=ends_on,
            condition=command.condition, comments=command.comments,
            assess_again=command.assess_again, warnings=tuple(warnings),
            reason=f"fit note {number} ({command.assessment.value}) from "
            f"{command.starts_on.isoformat()} to {ends_on.isoformat()}",
        )
    ]
    if command.assessment is FitNoteAssessment.NOT_FIT:
        events += escalation_unless_pending(
            state, cause=NOT_FIT_BY_FIT_NOTE, now=now, actor=actor,
            reason=f"fit note {number} says the employee is not fit for work")
    return events


def decline_fit_note_advice(state: CaseState, command: DeclineFitNoteAdvice, now: datetime,
                            actor: Actor) -> list[CaseEvent]:
    matching = [n for n in state.fit_notes if n.number == command.fit_note_number]
    if not matching:
        earlier = state.earlier_fit_notes
        if earlier is not None and command.fit_note_number <= earlier.last_number:
            raise InvalidCommand("fit_note_number", f"fit note {command.fit_note_number} is "
                                 "older than the notes this case still acts on")
        raise InvalidCommand("fit_note_number", f"no fit note {command.fit_note_number}")
    note = matching[0]
    if note.assessment is not FitNoteAssessment.MAY_BE_FIT:
        raise InvalidCommand("fit_note_number", "only 'may be fit' advice can be declined")
    if note.advice_declined:
        raise InvalidCommand("fit_note_number", "that note's advice was already declined")
    return [
        FitNoteAdviceDeclined(
            occurred_at=now, actor=actor, number=note.number, decline_reason=command.reason,
            reason=f"advice of fit note {note.number} cannot be accommodated; it counts as "
            "'not fit' and the case returns to the off-work path",
        )
    ]


def _recorded(state: CaseState, event: FitNoteRecorded) -> Changes:
    note = FitNote(number=event.number, issued_on=event.issued_on,
                   issuer_profession=event.issuer_profession, assessment=event.assessment,
                   options=event.options, starts_on=event.starts_on, ends_on=event.ends_on,
                   condition=event.condition, comments=event.comments,
                   assess_again=event.assess_again, warnings=event.warnings)
    earlier, kept = keep_latest_fit_notes(state.earlier_fit_notes, (*state.fit_notes, note))
    return {"fit_notes": kept, "earlier_fit_notes": earlier}


def _advice_declined(state: CaseState, event: FitNoteAdviceDeclined) -> Changes:
    notes = tuple(n.model_copy(update={"advice_declined": True}) if n.number == event.number
                  else n for n in state.fit_notes)
    changes: Changes = {"fit_notes": notes}
    phased = state.phased_return
    if state.stage is Stage.PHASED_RETURN and phased is not None and phased.completed_on is None:
        # Back on the off-work path: the return that rested on the advice stops.
        changes["stage"] = Stage.REHABILITATION
        changes["phased_return"] = None
        if state.absence is not None:
            changes["absence"] = state.absence.model_copy(update={"returned_on": None})
    return changes


EVOLUTION: Evolution = {FitNoteRecorded: _recorded, FitNoteAdviceDeclined: _advice_declined}

RULES: dict[Action, ActionRule] = {
    Action.RECORD_FIT_NOTE: ActionRule(
        command=RecordFitNote, decide=record_fit_note, roles=HR_MANAGER_OH, stages=OPEN_STAGES,
        path="fit-notes",
        example={"issued_on": EXAMPLE_ON, "issuer_profession": "doctor",
                 "assessment": "may_be_fit", "options": ["phased_return"],
                 "starts_on": EXAMPLE_ON, "days": 28, "condition": "OH only",
                 "assess_again": False},
    ),
    Action.DECLINE_FIT_NOTE_ADVICE: ActionRule(
        command=DeclineFitNoteAdvice, decide=decline_fit_note_advice, roles=HR_MANAGER_OH,
        stages=OPEN_STAGES, path="fit-notes/advice-declined",
        example={"fit_note_number": 1, "reason": "No lighter duties available on the ward"},
    ),
}
