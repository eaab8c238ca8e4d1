"""Facts HR systems report about the absence: an extension, the return, the leaving; and the
changes over a case's life: a new line manager, the employee's details, the absence's reason.
They come as signals, perhaps repeated or out of order: such a message decides nothing rather
than fail.

Each kind of change keeps when HR sent the latest one applied (`CaseState.hr_facts_applied`): a
message of that kind sent no later decides nothing, nor does one that changes nothing, nor one
that comes after the case closed. (They still apply during the follow-up: a case may reopen,
and the manager it reminds must be the one HR named last.)"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, BaseModel, EmailStr, Field, field_validator, model_validator

from domain import values
from domain.actors import PRINTABLE, Actor, Person
from domain.errors import InvalidCommand
from domain.journey.absence import back_at_work
from domain.journey.base import SHORT, Changes, Command, Decision, Event, Evolution
from domain.journey.closure import CaseClosed
from domain.reason_codes import ACCEPTED, normalised, reason_category_of
from domain.stages import ReasonCategory, Stage
from domain.state import Absence, CaseState
from domain.vocabulary import Outcome

if TYPE_CHECKING:
    from domain.events import CaseEvent

_ENDED = (Stage.FOLLOW_UP, Stage.CLOSED)
_SENT_AT = "When HR sent it; a message older than one already applied changes nothing."


class ExtendAbsence(Command):
    """HR: the absence is now expected to last until this day."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    expected_last_day: date


class EmployeeReturned(Command):
    """HR: the employee returned to work."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    returned_on: date


class EmployeeLeft(Command):
    """HR: the employee left employment; the case closes with that outcome."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    left_on: date


class ChangeLineManager(Command):
    """HR: the employee has a new line manager, who takes the case over from now on."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    manager: Person


class ChangeEmployeeDetails(Command):
    """HR: some of the employee's details changed; only the fields given change."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=PRINTABLE)
    email: EmailStr | None = None
    weekly_hours: float | None = Field(default=None, ge=0, le=168,
                                       description="Contracted hours a week.")
    role_title: str | None = Field(default=None, min_length=1, max_length=200,
                                   pattern=PRINTABLE)

    @model_validator(mode="after")
    def _something_changes(self) -> ChangeEmployeeDetails:
        if (self.name, self.email, self.weekly_hours, self.role_title) == (None,) * 4:
            raise ValueError("give at least one of name, email, weekly_hours, role_title")
        return self


class ChangeAbsenceReason(Command):
    """HR: the absence's sickness reason, as an ESR reason code (S10 to S32, S98, S99), changed.
    The code and the category it maps to are shown to OH only."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    reason_code: str = Field(min_length=1, max_length=SHORT, examples=["S12"],
                             description="The ESR sickness absence reason code, one of "
                             f"{ACCEPTED} (upper or lower case).")

    @field_validator("reason_code")
    @classmethod
    def _an_esr_code(cls, code: str) -> str:
        try:
            reason_category_of(code)
        except InvalidCommand as error:
            raise ValueError(error.reason) from None
        return normalised(code)


class AbsenceExtended(Event):
    type: Literal["AbsenceExtended"] = "AbsenceExtended"
    expected_last_day: date
    sent_at: AwareDatetime


class ReturnToWorkNotified(Event):
    type: Literal["ReturnToWorkNotified"] = "ReturnToWorkNotified"
    returned_on: date
    sent_at: AwareDatetime


class LeavingNotified(Event):
    type: Literal["LeavingNotified"] = "LeavingNotified"
    left_on: date
    sent_at: AwareDatetime


class LineManagerChanged(Event):
    type: Literal["LineManagerChanged"] = "LineManagerChanged"
    manager: values.Person
    previous_manager_id: str
    sent_at: AwareDatetime


class EmployeeDetailsChanged(Event):
    """The employee's details HR changed; None: that detail did not change."""

    type: Literal["EmployeeDetailsChanged"] = "EmployeeDetailsChanged"
    name: str | None = None
    email: str | None = None
    weekly_hours: float | None = None
    role_title: str | None = None
    sent_at: AwareDatetime


class AbsenceReasonChanged(Event):
    """The absence's reason changed: OH-only, like the category the case opened with."""

    type: Literal["AbsenceReasonChanged"] = "AbsenceReasonChanged"
    reason_category: ReasonCategory
    reason_code: str
    sent_at: AwareDatetime


def _still_off(state: CaseState) -> Absence | None:
    """The absence HR may still report on: not yet ended by a return or the case's end."""
    absence = state.absence
    if absence is None or absence.returned_on is not None or state.stage in _ENDED:
        return None
    return absence


def extend_absence(state: CaseState, command: ExtendAbsence, now: datetime, actor: Actor
                   ) -> list[CaseEvent]:
    absence = _still_off(state)
    if absence is None:
        return []
    last = absence.last_extension_sent_at
    if last is not None and command.sent_at <= last:
        return []  # an older or repeated message
    if absence.expected_last_day == command.expected_last_day:
        return []
    return [
        AbsenceExtended(
            occurred_at=now, actor=actor, expected_last_day=command.expected_last_day,
            sent_at=command.sent_at,
            reason=f"HR: absence expected to last until {command.expected_last_day.isoformat()}",
        )
    ]


def employee_returned(state: CaseState, command: EmployeeReturned, now: datetime, actor: Actor
                      ) -> list[CaseEvent]:
    absence = _still_off(state)
    if absence is None or command.returned_on < absence.first_day:
        return []
    return [
        ReturnToWorkNotified(
            occurred_at=now, actor=actor, returned_on=command.returned_on,
            sent_at=command.sent_at,
            reason=f"HR: employee returned to work on {command.returned_on.isoformat()}",
        )
    ]


def employee_left(state: CaseState, command: EmployeeLeft, now: datetime, actor: Actor
                  ) -> list[CaseEvent]:
    if state.left_on is not None or state.stage in _ENDED:
        return []
    return [
        LeavingNotified(
            occurred_at=now, actor=actor, left_on=command.left_on, sent_at=command.sent_at,
            reason=f"HR: employee left employment on {command.left_on.isoformat()}",
        ),
        CaseClosed(
            occurred_at=now, actor=actor, outcome=Outcome.LEFT_EMPLOYMENT,
            closed_on=command.left_on, reason="closed: the employee left employment",
        ),
    ]


def _applies(state: CaseState, sent_at: datetime, last: datetime | None) -> bool:
    """Whether a change HR sent at `sent_at` may still apply: the case has not closed and no
    change of its kind sent as late or later was applied."""
    return state.stage is not Stage.CLOSED and (last is None or sent_at > last)


def change_line_manager(state: CaseState, command: ChangeLineManager, now: datetime,
                        actor: Actor) -> list[CaseEvent]:
    if not _applies(state, command.sent_at, state.hr_facts_applied.manager_sent_at):
        return []
    if state.manager is None:
        return []  # a community case: no employer, so no line manager for HR to change
    manager = values.Person.model_validate(command.manager)
    if manager == state.manager:
        return []
    handed_over = manager.id != state.manager.id
    return [
        LineManagerChanged(
            occurred_at=now, actor=actor, manager=manager,
            previous_manager_id=state.manager.id, sent_at=command.sent_at,
            reason=f"HR: the case passes to line manager {manager.id}" if handed_over
            else "HR: the line manager's name or email changed",
        )
    ]


def change_employee_details(state: CaseState, command: ChangeEmployeeDetails, now: datetime,
                            actor: Actor) -> list[CaseEvent]:
    """Only the details given that differ from the case's; hours and role only where the case
    has an absence to hold the employment (a stay-at-work case before any absence has none)."""
    if not _applies(state, command.sent_at, state.hr_facts_applied.details_sent_at):
        return []
    employment = (state.absence.employment or values.Employment()) if state.absence else None
    changed = {
        "name": command.name if command.name not in (None, state.employee.name) else None,
        "email": str(command.email) if command.email not in (None, state.employee.email)
        else None,
        "weekly_hours": command.weekly_hours if employment is not None
        and command.weekly_hours not in (None, employment.weekly_hours) else None,
        "role_title": command.role_title if employment is not None
        and command.role_title not in (None, employment.role_title) else None,
    }
    names = [name for name, value in changed.items() if value is not None]
    if not names:
        return []
    return [EmployeeDetailsChanged(
        occurred_at=now, actor=actor, sent_at=command.sent_at, **changed,
        reason=f"HR: employee's {', '.join(name.replace('_', ' ') for name in names)} changed",
    )]


def change_absence_reason(state: CaseState, command: ChangeAbsenceReason, now: datetime,
                          actor: Actor) -> list[CaseEvent]:
    applied = state.hr_facts_applied
    if not _applies(state, command.sent_at, applied.reason_sent_at):
        return []
    category = reason_category_of(command.reason_code)
    if applied.reason_code == command.reason_code:
        return []
    # The reason words name the kind of fact only: the code and category are OH's to read.
    return [AbsenceReasonChanged(
        occurred_at=now, actor=actor, reason_category=category,
        reason_code=command.reason_code, sent_at=command.sent_at,
        reason="HR: the absence's reason changed",
    )]


DECISIONS: dict[type[BaseModel], Decision] = {
    ExtendAbsence: extend_absence,
    EmployeeReturned: employee_returned,
    EmployeeLeft: employee_left,
    ChangeLineManager: change_line_manager,
    ChangeEmployeeDetails: change_employee_details,
    ChangeAbsenceReason: change_absence_reason,
}
"""Each HR fact and what it decides; HR (or the system on its behalf) reports them."""


def _extended(state: CaseState, event: AbsenceExtended) -> Changes:
    return {} if state.absence is None else {"absence": state.absence.model_copy(
        update={"expected_last_day": event.expected_last_day,
                "last_extension_sent_at": event.sent_at})}


def _returned(state: CaseState, event: ReturnToWorkNotified) -> Changes:
    return back_at_work(state, event.returned_on)


def _left(state: CaseState, event: LeavingNotified) -> Changes:
    return {"left_on": event.left_on}


def _applied(state: CaseState, **sent: object) -> Changes:
    return {"hr_facts_applied": state.hr_facts_applied.model_copy(update=sent)}


def _manager_changed(state: CaseState, event: LineManagerChanged) -> Changes:
    return {"manager": event.manager, **_applied(state, manager_sent_at=event.sent_at)}


def _details_changed(state: CaseState, event: EmployeeDetailsChanged) -> Changes:
    person = {"name": event.name, "email": event.email}
    changes: Changes = {"employee": state.employee.model_copy(
        update={k: v for k, v in person.items() if v is not None})}
    job = {"weekly_hours": event.weekly_hours, "role_title": event.role_title}
    job = {k: v for k, v in job.items() if v is not None}
    if job and state.absence is not None:
        employment = state.absence.employment or values.Employment()
        changes["absence"] = state.absence.model_copy(
            update={"employment": employment.model_copy(update=job)})
    return {**changes, **_applied(state, details_sent_at=event.sent_at)}


def _reason_changed(state: CaseState, event: AbsenceReasonChanged) -> Changes:
    return {"reason_category": event.reason_category,
            **_applied(state, reason_sent_at=event.sent_at, reason_code=event.reason_code)}


EVOLUTION: Evolution = {
    AbsenceExtended: _extended,
    ReturnToWorkNotified: _returned,
    LeavingNotified: _left,
    LineManagerChanged: _manager_changed,
    EmployeeDetailsChanged: _details_changed,
    AbsenceReasonChanged: _reason_changed,
}
