"""Small builders for test data: fixed people, fixed dates, never the wall clock."""

from __future__ import annotations

from datetime import date, datetime

from domain.actors import Actor, Person, Role, Source
from domain.commands import OpenCase
from domain.decide import open_case
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.policy import DEFAULT_POLICY, Policy
from domain.stages import ReasonCategory
from domain.state import CaseState

EMPLOYEE = Person(id="E1001", name="Sam Patel", email="sam@example.org")
MANAGER = Person(id="M2002", name="Alex Jones", email="alex@example.org")
HR_ACTOR = Actor(id="hr-system", role=Role.HR, source=Source.HR_INTEGRATION)
MANAGER_ACTOR = Actor(id="M2002", role=Role.MANAGER, source=Source.API)


def open_command(
    *,
    absence_id: str = "ABS-1",
    first_day: date = date(2026, 11, 20),
    reason: ReasonCategory = ReasonCategory.MUSCULOSKELETAL,
    policy: Policy = DEFAULT_POLICY,
) -> OpenCase:
    return OpenCase(
        employer_id="acme-trust",
        absence_id=absence_id,
        employee=EMPLOYEE,
        manager=MANAGER,
        first_day=first_day,
        reason_category=reason,
        policy=policy,
    )


def opened_state(opened_at: datetime, **kwargs: object) -> CaseState:
    command = open_command(**kwargs)  # type: ignore[arg-type]
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    event = open_case(command, case_id=case_id, now=opened_at, actor=HR_ACTOR)
    return evolve(None, event)
