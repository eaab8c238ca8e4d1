"""Facts HR systems report. Repeated or out-of-order messages decide nothing."""

from __future__ import annotations

from datetime import datetime

from domain.actors import Actor
from domain.commands import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.events import (
    AbsenceExtended,
    CaseClosed,
    CaseEvent,
    LeavingNotified,
    ReturnToWorkNotified,
)
from domain.stages import Stage
from domain.state import CaseState
from domain.vocabulary import Outcome

_ENDED = (Stage.FOLLOW_UP, Stage.CLOSED)


def extend_absence(state: CaseState, command: ExtendAbsence, now: datetime, actor: Actor
                   ) -> list[CaseEvent]:
    absence = state.absence
    if absence is None or absence.returned_on is not None or state.stage in _ENDED:
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
    absence = state.absence
    if absence is None or absence.returned_on is not None or state.stage in _ENDED:
        return []
    if command.returned_on < absence.first_day:
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
