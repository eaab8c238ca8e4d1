"""Fit notes: who may issue them, what they cover, and 'may be fit' advice that cannot be
accommodated, which makes the note count as 'not fit' and stops a return that rested on it.

Under the practice rules (`domain.practice`) a note also causes what practice expects of it:
its 'may be fit' options become the proposed adjustments the plan starts from, and the employer
records which of them it can make; its end date is a deadline (a new note, or a return, by
then); a note whose issuer will assess again reminds OH before it ends."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from domain.actors import Actor, Role
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
    Deadline,
    Event,
    Evolution,
    on_day,
)
from domain.journey.escalation import escalation_unless_pending
from domain.practice import follows
from domain.stages import OPEN_STAGES, Action, Stage
from domain.state import CaseState, FitNote, ProposedAdjustment, keep_latest_fit_notes
from domain.values import Adjustment
from domain.vocabulary import AdjustmentKind, FitNoteAssessment, FitNoteOption, IssuerProfession

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


class AcceptFitNoteAdvice(Command):
    """The employer can make (some of) the changes a 'may be fit' note advises. The options
    not listed are the ones it cannot make; if it can make none, decline the advice instead."""

    fit_note_number: int = Field(ge=1)
    can_make: list[FitNoteOption] = Field(min_length=1, max_length=4)
    notes: str | None = Field(default=None, max_length=TEXT)


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


class FitNoteAdviceAccepted(Event):
    """The employer can make the changes listed; the note's other options it cannot."""

    type: Literal["FitNoteAdviceAccepted"] = "FitNoteAdviceAccepted"
    number: int
    can_make: tuple[FitNoteOption, ...]
    notes: str | None = None


# How each 'may be fit' option enters a plan's adjustments when the plan starts from it.
_AS_ADJUSTMENT: dict[FitNoteOption, tuple[AdjustmentKind, str]] = {
    FitNoteOption.PHASED_RETURN: (AdjustmentKind.WORK_PATTERN, "A phased return to work"),
    FitNoteOption.ALTERED_HOURS: (AdjustmentKind.WORK_PATTERN, "Altered hours"),
    FitNoteOption.AMENDED_DUTIES: (AdjustmentKind.AMENDED_DUTIES, "Amended duties"),
    FitNoteOption.WORKPLACE_ADAPTATIONS: (AdjustmentKind.OTHER, "Workplace adaptations"),
}


def adjustments_to_start_from(state: CaseState) -> tuple[Adjustment, ...]:
    """The adjustments a plan starts from under the practice rules: the latest 'may be fit'
    note's options that the employer has not said it cannot make."""
    if not follows(state):
        return ()
    return tuple(
        Adjustment(kind=_AS_ADJUSTMENT[p.option][0],
                   detail=f"{_AS_ADJUSTMENT[p.option][1]}, as fit note {p.fit_note_number} "
                   "advised")
        for p in state.proposed_adjustments if p.employer_can_make is not False)


def advised_phased_return(state: CaseState) -> int | None:
    """Under the practice rules: the number of the note whose advice proposed a phased return
    the employer has not refused, which a phased return then starts from; else None."""
    if not follows(state):
        return None
    return next((p.fit_note_number for p in state.proposed_adjustments
                 if p.option is FitNoteOption.PHASED_RETURN and p.employer_can_make is not False),
                None)


def _note_numbered(state: CaseState, number: int) -> FitNote:
    """The note of that number, or a refusal naming why it cannot be acted on."""
    matching = [n for n in state.fit_notes if n.number == number]
    if not matching:
        earlier = state.earlier_fit_notes
        if earlier is not None and number <= earlier.last_number:
            raise InvalidCommand("fit_note_number", f"fit note {number} is "
                                 "older than the notes this case still acts on")
        raise InvalidCommand("fit_note_number", f"no fit note {number}")
    return matching[0]


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
    note = _note_numbered(state, command.fit_note_number)
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


def accept_fit_note_advice(state: CaseState, command: AcceptFitNoteAdvice, now: datetime,
                           actor: Actor) -> list[CaseEvent]:
    note = _note_numbered(state, command.fit_note_number)
    if note.assessment is not FitNoteAssessment.MAY_BE_FIT:
        raise InvalidCommand("fit_note_number", "only 'may be fit' advice can be accepted")
    if note.advice_declined:
        raise InvalidCommand("fit_note_number", "that note's advice was already declined")
    if any(p.fit_note_number == note.number and p.employer_can_make is not None
           for p in state.proposed_adjustments):
        raise InvalidCommand("fit_note_number", "the employer already answered that advice")
    advised = [o.value for o in note.options]
    if any(option not in note.options for option in command.can_make):
        raise InvalidCommand("can_make", "must be among the note's options: "
                             f"{', '.join(advised) or 'none'}")
    can_make = tuple(dict.fromkeys(command.can_make))
    return [
        FitNoteAdviceAccepted(
            occurred_at=now, actor=actor, number=note.number, can_make=can_make,
            notes=command.notes,
            reason=f"the employer can make {', '.join(o.value for o in can_make)} as fit note "
            f"{note.number} advises",
        )
    ]


def _proposals_of(note: FitNote) -> tuple[ProposedAdjustment, ...]:
    """The latest note's advice replaces any earlier; a 'not fit' note proposes nothing."""
    if note.assessment is not FitNoteAssessment.MAY_BE_FIT:
        return ()
    return tuple(ProposedAdjustment(option=o, fit_note_number=note.number) for o in note.options)


def _answered(state: CaseState, number: int, can_make: tuple[FitNoteOption, ...]) -> Changes:
    """The employer's answer to a note's advice, on the proposals that came from it."""
    if not follows(state):
        return {}
    return {"proposed_adjustments": tuple(
        p.model_copy(update={"employer_can_make": p.option in can_make})
        if p.fit_note_number == number else p for p in state.proposed_adjustments)}


def _recorded(state: CaseState, event: FitNoteRecorded) -> Changes:
    note = FitNote(number=event.number, issued_on=event.issued_on,
                   issuer_profession=event.issuer_profession, assessment=event.assessment,
                   options=event.options, starts_on=event.starts_on, ends_on=event.ends_on,
                   condition=event.condition, comments=event.comments,
                   assess_again=event.assess_again, warnings=event.warnings)
    earlier, kept = keep_latest_fit_notes(state.earlier_fit_notes, (*state.fit_notes, note))
    changes: Changes = {"fit_notes": kept, "earlier_fit_notes": earlier}
    if follows(state):
        changes["proposed_adjustments"] = _proposals_of(note)
    return changes


def _advice_accepted(state: CaseState, event: FitNoteAdviceAccepted) -> Changes:
    return _answered(state, event.number, event.can_make)


def _advice_declined(state: CaseState, event: FitNoteAdviceDeclined) -> Changes:
    notes = tuple(n.model_copy(update={"advice_declined": True}) if n.number == event.number
                  else n for n in state.fit_notes)
    changes: Changes = {"fit_notes": notes, **_answered(state, event.number, ())}
    phased = state.phased_return
    if state.stage is Stage.PHASED_RETURN and phased is not None and phased.completed_on is None:
        # Back on the off-work path: the return that rested on the advice stops.
        changes["stage"] = Stage.REHABILITATION
        changes["phased_return"] = None
        if state.absence is not None:
            changes["absence"] = state.absence.model_copy(update={"returned_on": None})
    return changes


def deadlines(state: CaseState) -> list[Deadline]:
    """Under the practice rules, for the current note: its end (a new note or a return is due
    by then: the employee, the manager and HR are reminded once it has lapsed) and, when its
    issuer will assess again, a reminder to OH before it ends."""
    note, policy = state.current_fit_note, state.policy
    if note is None or not follows(state) or state.stage not in OPEN_STAGES:
        return []
    found: list[Deadline] = []
    if state.is_off_work:
        day = note.ends_on + timedelta(days=policy.fit_note_lapsed_days)
        found.append(Deadline(key=f"fit_note_{note.number}_lapsed", name="fit_note_lapsed",
                              due_at=on_day(day, policy),
                              recipients=(Role.EMPLOYEE, Role.MANAGER, Role.HR),
                              why=f"fit note {note.number} ended on {note.ends_on.isoformat()}; "
                              "a new note, or a return, was due by then"))
    if note.assess_again:
        day = max(note.ends_on - timedelta(days=policy.fit_note_assess_again_notice_days),
                  note.starts_on)
        found.append(Deadline(key=f"fit_note_{note.number}_assess_again",
                              name="fit_note_assess_again", due_at=on_day(day, policy),
                              recipients=(Role.OH,),
                              why=f"the issuer of fit note {note.number} will assess again "
                              f"when it ends on {note.ends_on.isoformat()}"))
    return found


EVOLUTION: Evolution = {FitNoteRecorded: _recorded, FitNoteAdviceDeclined: _advice_declined,
                        FitNoteAdviceAccepted: _advice_accepted}

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
    Action.ACCEPT_FIT_NOTE_ADVICE: ActionRule(
        command=AcceptFitNoteAdvice, decide=accept_fit_note_advice, roles=HR_MANAGER_OH,
        stages=OPEN_STAGES, path="fit-notes/advice-accepted",
        example={"fit_note_number": 1, "can_make": ["phased_return"],
                 "notes": "Four-week phased return agreed with the ward manager"},
    ),
}
