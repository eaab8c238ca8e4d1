"""Small builders for test data: fixed people, fixed dates, never the wall clock."""

from __future__ import annotations

from datetime import date, datetime

from domain.actors import Actor, Role, Source
from domain.decide import open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.state import CaseState
from localstack.samples import EMPLOYEE, HR_ACTOR, MANAGER, MANAGER_ACTOR, open_command

__all__ = ["EMPLOYEE", "HR_ACTOR", "MANAGER", "MANAGER_ACTOR", "OH_ACTOR", "open_command",
           "opened_state"]

OH_ACTOR = Actor(id="OHN-7", role=Role.OH, source=Source.API)
"""An OH nurse acting through the API (the professional the sample bodies name)."""


def opened_state(opened_at: datetime, *, reported_on: date | None = None,
                 reported_when_opened: bool = False, **kwargs: object) -> CaseState:
    """A case just opened. `reported_when_opened`: as a case opened before the day an absence
    was reported was kept (contact due from the opening day)."""
    command = open_command(**kwargs).model_copy(  # type: ignore[arg-type]
        update={"reported_on": reported_on})
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    event = open_case(command, case_id=case_id, now=opened_at, actor=HR_ACTOR,
                      reported_when_opened=reported_when_opened)
    return evolve(None, event)
