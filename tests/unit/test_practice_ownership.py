"""Who owns the case: the OH case manager, reassigned or covered for a period; the state
answers who owns it on any day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.actions import RULES, allowed_actions
from domain.actors import Actor, Role, Source
from domain.commands import AcceptReferral, AssignCaseManager, ReceiveReferral
from domain.decide import decide, receive_referral
from domain.errors import ActionNotAllowed, InvalidCommand, RoleNotAllowed
from domain.events import CaseEvent, parse_event
from domain.evolve import evolve
from domain.ids import case_id_for_referral
from domain.journey.base import EXAMPLE_ON
from domain.journey.ownership import (
    CaseManagerAssigned,
    CaseManagerCoverArranged,
    owner_on,
)
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import Outcome, ReferralSource
from localstack import samples as j
from tests.support.builders import EMPLOYEE, MANAGER, MANAGER_ACTOR, opened_state

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 10, tzinfo=UTC)
OH = Actor(id="OHA-1", role=Role.OH, source=Source.API)
COVER_EXAMPLE = {"user_id": "OHN-9", "name": "Tom Okafor", "cover_until": EXAMPLE_ON}


def act(state: CaseState, command: object, at: datetime, actor: Actor = OH) -> CaseState:
    for event in decide(state, command, now=at, actor=actor):  # type: ignore[arg-type]
        state = evolve(state, event)
    return state


def assign(user_id: str, name: str = "Someone", cover_until: date | None = None
           ) -> AssignCaseManager:
    return AssignCaseManager(user_id=user_id, name=name, cover_until=cover_until)


def test_assigning_names_the_owner_and_reassigning_replaces_them() -> None:
    state = act(opened_state(OPENED), assign("OHA-3", "Priya Nair"), OPENED)
    assert state.case_manager is not None
    assert (state.case_manager.id, state.case_manager.since) == ("OHA-3", OPENED.date())

    events = decide(state, assign("OHA-4"), now=MONDAY, actor=OH)
    [event] = events
    assert isinstance(event, CaseManagerAssigned)
    assert event.previous_id == "OHA-3"
    state = evolve(state, event)
    assert owner_on(state, MONDAY.date()) == state.case_manager
    assert state.case_manager is not None and state.case_manager.id == "OHA-4"


def test_a_cover_owns_the_case_until_its_last_day_then_the_assigned_one_again() -> None:
    state = act(opened_state(OPENED), assign("OHA-3"), OPENED)
    state = act(state, assign("OHN-9", "Tom Okafor", cover_until=date(2026, 11, 27)), MONDAY)

    def owner(day: date) -> str | None:
        found = owner_on(state, day)
        return found.id if found else None

    assert owner(date(2026, 11, 22)) == "OHA-3"  # before the cover began
    assert owner(date(2026, 11, 23)) == "OHN-9"
    assert owner(date(2026, 11, 27)) == "OHN-9"
    assert owner(date(2026, 11, 28)) == "OHA-3"


def test_reassigning_ends_a_cover_and_the_owner_may_take_the_case_back() -> None:
    state = act(opened_state(OPENED), assign("OHA-3"), OPENED)
    state = act(state, assign("OHN-9", cover_until=date(2026, 12, 31)), MONDAY)

    back = act(state, assign("OHA-3"), MONDAY + timedelta(days=1))

    assert back.case_manager_cover is None
    assert owner_on(back, date(2026, 12, 1)) == back.case_manager


def test_a_cover_needs_a_case_manager_to_cover_for() -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(opened_state(OPENED), assign("OHN-9", cover_until=date(2026, 11, 30)),
               now=MONDAY, actor=OH)
    assert refused.value.field == "cover_until"


def test_refusals_name_the_field() -> None:
    state = act(opened_state(OPENED), assign("OHA-3"), OPENED)
    for command, field in [
        (assign("OHA-3"), "user_id"),  # already the case manager
        (assign("OHA-3", cover_until=date(2026, 11, 30)), "user_id"),  # covering for oneself
        (assign("OHN-9", cover_until=date(2026, 11, 22)), "cover_until"),  # already over
    ]:
        with pytest.raises(InvalidCommand) as refused:
            decide(state, command, now=MONDAY, actor=OH)
        assert refused.value.field == field


def test_only_oh_assigns_a_case_manager() -> None:
    with pytest.raises(RoleNotAllowed):
        decide(opened_state(OPENED), assign("OHA-3"), now=OPENED, actor=MANAGER_ACTOR)


def stay_at_work_referral() -> CaseState:
    command = ReceiveReferral(
        employer_id="acme-trust", referral_id="R-9", employee=EMPLOYEE, manager=MANAGER,
        source=ReferralSource.MANAGER, reason_category=ReasonCategory.OTHER,
        referred_on=OPENED.date(), policy=DEFAULT_POLICY)
    return evolve(None, receive_referral(command, case_id=case_id_for_referral("acme-trust",
                                                                               "R-9"),
                                         now=OPENED, actor=OH))


def test_allowed_in_every_open_stage_and_not_after() -> None:
    referral = stay_at_work_referral()
    early = opened_state(OPENED)
    assessment = act(early, j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    planning = act(assessment, j.assessment(OPENED), OPENED)
    stages = {s.stage for s in (referral, early, assessment, planning)}
    assert stages == {Stage.REFERRAL, Stage.EARLY_CONTACT, Stage.ASSESSMENT, Stage.PLANNING}
    for state in (referral, early, assessment, planning):
        assert Action.ASSIGN_CASE_MANAGER in allowed_actions(state)
        act(state, assign("OHA-3"), OPENED)

    accepted = act(referral, AcceptReferral(accepted_by="Jo Reid"), OPENED)
    closed = act(accepted, j.close(Outcome.WITHDRAWN, OPENED.date()), OPENED)
    assert closed.stage is Stage.CLOSED
    with pytest.raises(ActionNotAllowed):
        decide(closed, assign("OHA-3"), now=OPENED, actor=OH)


def test_the_examples_are_accepted_where_the_action_is_allowed() -> None:
    rule = RULES[Action.ASSIGN_CASE_MANAGER]
    state = opened_state(OPENED)
    assert state.stage in rule.stages

    state = act(state, rule.command.model_validate(rule.example), OPENED)
    cover = rule.command.model_validate(COVER_EXAMPLE)
    [event] = decide(state, cover, now=MONDAY, actor=OH)

    assert isinstance(event, CaseManagerCoverArranged)
    assert event.covering_for == rule.example["user_id"]


def test_the_events_round_trip_through_the_store_form() -> None:
    state = act(opened_state(OPENED), assign("OHA-3"), OPENED)
    events: list[CaseEvent] = [
        *decide(opened_state(OPENED), assign("OHA-3"), now=OPENED, actor=OH),
        *decide(state, assign("OHN-9", cover_until=date(2026, 12, 4)), now=MONDAY, actor=OH),
    ]
    for event in events:
        assert parse_event(event.model_dump(mode="json")) == event


@given(st.lists(st.tuples(st.sampled_from(["OHA-3", "OHA-4", "OHN-9"]),
                          st.one_of(st.none(), st.integers(min_value=0, max_value=30))),
                max_size=30))
def test_the_state_keeps_one_owner_and_one_cover_whatever_happens(
        moves: list[tuple[str, int | None]]) -> None:
    state = opened_state(OPENED)
    for number, (user_id, cover_days) in enumerate(moves):
        now = MONDAY + timedelta(days=number)
        until = now.date() + timedelta(days=cover_days) if cover_days is not None else None
        try:
            state = act(state, assign(user_id, cover_until=until), now)
        except InvalidCommand:
            continue
        owner = owner_on(state, now.date())
        assert owner is not None
        if until is not None:
            assert owner.id == user_id
    if state.case_manager_cover is not None:
        assert state.case_manager is not None
        assert state.case_manager_cover.id != state.case_manager.id
