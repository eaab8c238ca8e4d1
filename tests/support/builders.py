"""Small builders for test data: fixed people, fixed dates, never the wall clock."""

from __future__ import annotations

from datetime import datetime

from domain.decide import open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.state import CaseState
from localstack.samples import EMPLOYEE, HR_ACTOR, MANAGER, MANAGER_ACTOR, open_command

__all__ = ["EMPLOYEE", "HR_ACTOR", "MANAGER", "MANAGER_ACTOR", "open_command", "opened_state"]


def opened_state(opened_at: datetime, **kwargs: object) -> CaseState:
    command = open_command(**kwargs)  # type: ignore[arg-type]
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    event = open_case(command, case_id=case_id, now=opened_at, actor=HR_ACTOR)
    return evolve(None, event)
