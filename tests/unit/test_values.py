"""What is on record loads whatever the input rules say today; the input rules refuse new input.

The input rules (lengths, printable text, bounds) sit on the commands. The values that events
hold carry none, so tightening an input rule can never make a stored case unreadable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from domain import values
from domain.actors import Actor, Person, Role, Source
from domain.commands import OpenCase, RecordAssessment
from domain.decide import decide, open_case
from domain.events import (
    AssessmentRecorded,
    CaseEvent,
    PhasedReturnStarted,
    PlanAgreed,
    parse_event,
)
from domain.evolve import evolve, fold
from domain.ids import case_id_for_absence
from domain.state import CaseState
from localstack import samples as j
from tests.support.builders import HR_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
ASSESSED = datetime(2026, 11, 23, 10, tzinfo=UTC)
LONG = "x" * 5000
CONTROL = "Sam\x07Patel\x1f"
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)


def stored_opening(**employee: str) -> dict[str, Any]:
    event = open_case(open_command(), case_id=case_id_for_absence("acme-trust", "ABS-1"),
                      now=OPENED, actor=HR_ACTOR)
    data = event.model_dump(mode="json")
    data["employee"] = {**data["employee"], **employee}
    return data


def in_assessment() -> CaseState:
    """A case whose early contact is made: an assessment may be recorded."""
    state = fold([parse_event(stored_opening())])
    assert state is not None
    contact = decide(state, j.early_contact(OPENED), now=OPENED, actor=j.MANAGER_ACTOR)
    return fold_onto(state, contact)


def fold_onto(state: CaseState, events: list[CaseEvent]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def stored_assessment() -> dict[str, Any]:
    [event] = decide(in_assessment(), j.assessment(ASSESSED), now=ASSESSED, actor=OH)
    return event.model_dump(mode="json")


@pytest.mark.parametrize("name", [LONG, CONTROL], ids=["5000 characters", "control characters"])
def test_a_stored_opening_loads_with_a_name_the_api_would_refuse_today(name: str) -> None:
    event = parse_event(stored_opening(name=name, id=f"E\x00{LONG}", email="not an address"))

    state = fold([event])

    assert state is not None and state.employee.name == name
    assert state.employee.email == "not an address"


@pytest.mark.parametrize("name", [LONG, CONTROL], ids=["5000 characters", "control characters"])
def test_the_command_still_refuses_such_a_name(name: str) -> None:
    with pytest.raises(ValidationError):
        OpenCase(**{**open_command().model_dump(), "employee": {
            "id": "E1001", "name": name, "email": "sam@example.org"}})
    with pytest.raises(ValidationError):
        Person(id="E1001", name=name, email="sam@example.org")


def test_a_stored_assessment_loads_with_text_longer_than_the_input_allows() -> None:
    data = stored_assessment()
    data["assessor"] = {"id": CONTROL, "name": LONG, "profession": LONG}
    data["recommended_adjustments"] = [{"kind": "other", "detail": LONG}]

    event = parse_event(data)

    assert isinstance(event, AssessmentRecorded)
    assert event.assessor.name == LONG and event.recommended_adjustments[0].detail == LONG
    with pytest.raises(ValidationError):
        RecordAssessment.model_validate({**j.assessment(ASSESSED).model_dump(),
                                         "assessor": data["assessor"]})


def test_a_stored_plan_and_schedule_load_beyond_todays_bounds() -> None:
    plan = {"goals": [], "review_dates": [], "concerns": ["c"] * 60,
            "actions": [{"owner": LONG, "description": LONG, "due_on": "2026-12-01"}]}
    common = {"occurred_at": OPENED.isoformat(), "reason": "r",
              "actor": HR_ACTOR.model_dump(mode="json")}

    agreed = parse_event({**common, "type": "PlanAgreed", "event_version": 2, "plan_version": 1,
                          "agreed_at": OPENED.isoformat(), "plan": plan,
                          "agreed_by": {"employee": True, "manager": True, "oh": True}})
    started = parse_event({**common, "type": "PhasedReturnStarted", "starts_on": "2026-12-01",
                           "on_oh_advice": False,
                           "weeks": [{"week": 40, "hours": 80.0, "duties": ""}]})

    assert isinstance(agreed, PlanAgreed) and len(agreed.plan.concerns) == 60
    assert isinstance(started, PhasedReturnStarted) and started.weeks[0].hours == 80.0


def test_an_event_built_from_a_command_holds_values_equal_to_their_stored_form() -> None:
    state = in_assessment()
    [event] = decide(state, j.assessment(ASSESSED), now=ASSESSED, actor=OH)

    assert isinstance(event, AssessmentRecorded)
    assert type(event.assessor) is values.Assessor
    assert all(type(a) is values.Adjustment for a in event.recommended_adjustments)
    assert type(state.employee) is values.Person
    assert parse_event(event.model_dump(mode="json")) == event


def test_values_hold_no_input_rule() -> None:
    sick_pay = values.SickPayEntitlement(full_pay_days=-1, half_pay_days=1000)
    week = values.PhasedReturnWeek(week=0, hours=0, duties="")

    assert (sick_pay.full_pay_days, week.week) == (-1, 0)
    assert date(2026, 1, 1) == values.PlanAction(owner="", description="",
                                                 due_on=date(2026, 1, 1)).due_on
