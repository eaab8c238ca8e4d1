"""Fit notes: who may issue them, what they cover, and advice that cannot be accommodated."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from domain.actors import Actor
from domain.commands import DeclineFitNoteAdvice, RecordFitNote
from domain.decisions.escalation import escalation_unless_pending
from domain.errors import InvalidCommand
from domain.events import CaseEvent, FitNoteAdviceDeclined, FitNoteRecorded
from domain.guards import check_day_not_in_future
from domain.state import CaseState
from domain.vocabulary import FitNoteAssessment, IssuerProfession

# Nurses, occupational therapists, pharmacists and physiotherapists may sign from this day.
OTHER_ISSUERS_FROM = date(2022, 7, 1)
FIRST_SIX_MONTHS = timedelta(days=183)
NOT_FIT_BY_FIT_NOTE = "fit note: not fit for work"


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
    number = len(state.fit_notes) + 1
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
