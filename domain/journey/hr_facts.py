"""Facts HR systems report about the absence: an extension, the return, the leaving. They come
as signals, perhaps repeated or out of order: such a message decides nothing rather than fail."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, BaseModel, Field

from domain.actors import Actor
from domain.journey.absence import back_at_work
from domain.journey.base import Changes, Command, Decision, Event, Evolution
from domain.journey.closure import CaseClosed
from domain.stages import Stage
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


DECISIONS: dict[type[BaseModel], Decision] = {
    ExtendAbsence: extend_absence,
    EmployeeReturned: employee_returned,
    EmployeeLeft: employee_left,
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


EVOLUTION: Evolution = {
    AbsenceExtended: _extended,
    ReturnToWorkNotified: _returned,
    LeavingNotified: _left,
}
