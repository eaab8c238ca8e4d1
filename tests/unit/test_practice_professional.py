"""The named professional who assesses or confirms an escalation: id, name, profession and
registration on the record; stored events from before read as today's shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from domain.actions import RULES
from domain.actors import Actor, Role, Source
from domain.commands import Assessor, ConfirmEscalation
from domain.decide import decide
from domain.errors import InvalidCommand
from domain.events import AssessmentRecorded, CaseEvent, EscalationConfirmed, parse_event
from domain.evolve import evolve
from domain.stages import Action
from domain.state import CaseState
from domain.upcasting import VERSION_KEY, upcast
from domain.vocabulary import Fitness
from localstack import samples as j
from tests.support.builders import MANAGER_ACTOR, opened_state

FIXTURES = Path(__file__).parent / "fixtures"
OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
AT = OPENED + timedelta(days=3)
OH = Actor(id="OHP-2", role=Role.OH, source=Source.API)
PHYSICIAN = Assessor(id="OHP-2", name="Dr Ana Shah", profession="OH physician",
                     registration="GMC 7654321")


def act(state: CaseState, command: object, at: datetime, actor: Actor = OH) -> CaseState:
    for event in decide(state, command, now=at, actor=actor):  # type: ignore[arg-type]
        state = evolve(state, event)
    return state


def in_assessment() -> CaseState:
    return act(opened_state(OPENED), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)


def test_a_version_1_assessment_reads_with_no_registration() -> None:
    stored = json.loads((FIXTURES / "assessment_recorded_v1.json").read_text())
    before = json.dumps(stored, sort_keys=True)

    event = parse_event(stored)

    assert isinstance(event, AssessmentRecorded)
    assert event.event_version == 2
    assert event.assessor.registration is None
    assert event.assessor.name == "Jo Reid"
    assert json.dumps(stored, sort_keys=True) == before, "the stored form is never rewritten"
    current = event.model_dump(mode="json")
    assert upcast(current) == current


def test_a_version_1_confirmation_reads_with_no_professional() -> None:
    stored = json.loads((FIXTURES / "escalation_confirmed_v1.json").read_text())

    event = parse_event(stored)

    assert isinstance(event, EscalationConfirmed)
    assert (event.event_version, event.professional) == (2, None)
    assert event.confirmed_by == "Dr Ana Shah, OH physician"
    assert upcast(event.model_dump(mode="json"))[VERSION_KEY] == 2


def test_the_assessment_records_the_professional_and_their_registration() -> None:
    command = j.assessment(AT).model_copy(update={"assessor": PHYSICIAN})

    [event] = decide(in_assessment(), command, now=AT, actor=OH)

    assert isinstance(event, AssessmentRecorded)
    assert event.assessor.model_dump() == PHYSICIAN.model_dump()
    assert "Dr Ana Shah (OH physician, GMC 7654321)" in event.reason
    stored = parse_event(event.model_dump(mode="json"))
    assert isinstance(stored, AssessmentRecorded)
    assert stored.assessor.registration == "GMC 7654321"


def test_an_assessment_names_its_professional() -> None:
    command = j.assessment(AT).model_copy(update={"assessor": None})

    with pytest.raises(InvalidCommand) as refused:
        decide(in_assessment(), command, now=AT, actor=OH)

    assert refused.value.field == "assessor"


def escalated() -> CaseState:
    return act(in_assessment(), j.assessment(AT, Fitness.UNFIT_ANY_WORK), AT)


def test_a_confirmation_records_the_professional_who_confirmed() -> None:
    command = ConfirmEscalation(escalation_number=1, professional=PHYSICIAN)

    events: list[CaseEvent] = decide(escalated(), command, now=AT, actor=OH)
    [event] = [e for e in events if isinstance(e, EscalationConfirmed)]

    assert event.professional is not None and event.professional.id == "OHP-2"
    assert event.confirmed_by == "Dr Ana Shah (OH physician, GMC 7654321)"
    state = escalated()
    for each in events:
        state = evolve(state, each)
    assert state.escalations[0].confirmed_by == event.confirmed_by


def test_a_confirmation_by_nobody_is_refused() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(escalated(), ConfirmEscalation(escalation_number=1), now=AT, actor=OH)
    assert refused.value.field == "confirmed_by"


def test_the_assessment_example_leaves_the_assessor_to_the_signed_in_user() -> None:
    assert "assessor" not in RULES[Action.RECORD_ASSESSMENT].example
