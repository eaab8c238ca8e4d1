"""Named checks shared by the decisions and by the workflow's update validators."""

from __future__ import annotations

from datetime import datetime, timedelta

from domain.calendar import london_date
from domain.errors import ActionNotAllowed, InvalidCommand
from domain.stages import Action, Stage
from domain.state import CaseState

# Clocks of HR systems and phones drift; a contact stamped slightly ahead is not refused.
CLOCK_SKEW_ALLOWANCE = timedelta(minutes=5)

_ACTIONS_BY_STAGE: dict[Stage, tuple[Action, ...]] = {
    Stage.EARLY_CONTACT: (Action.RECORD_EARLY_CONTACT,),
    Stage.ASSESSMENT: (),
    Stage.CLOSED: (),
}


def allowed_actions(state: CaseState) -> list[Action]:
    """The actions people may take on the case now."""
    return list(_ACTIONS_BY_STAGE[state.stage])


def check_stage_allows(state: CaseState, action: Action) -> None:
    """Refuse an action the case's stage does not allow."""
    allowed = allowed_actions(state)
    if action not in allowed:
        raise ActionNotAllowed(action.value, state.stage.value, [a.value for a in allowed])


def check_not_in_future(field: str, moment: datetime, now: datetime) -> None:
    """Refuse a reported moment that has not happened yet."""
    if moment > now + CLOCK_SKEW_ALLOWANCE:
        raise InvalidCommand(field, f"must not be in the future (now is {now.isoformat()})")


def check_not_before_absence(field: str, moment: datetime, state: CaseState) -> None:
    """Refuse a moment before the absence's first day (London calendar)."""
    if london_date(moment) < state.first_day:
        raise InvalidCommand(
            field, f"must not be before the absence's first day {state.first_day.isoformat()}"
        )
