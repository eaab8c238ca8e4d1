"""A running case adopting another version of its employer's policy: who may, what is recorded,
and how its open deadlines follow the new version."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import AdoptPolicy, DeadlinePassed, EmployeeLeft, ReferToOh
from domain.deadlines import next_deadline, open_deadlines
from domain.decide import decide, open_case
from domain.errors import ActionNotAllowed, InvalidCommand, RoleNotAllowed
from domain.events import PolicyAdopted, parse_event
from domain.evolve import evolve, fold
from domain.ids import case_id_for_absence
from domain.policy import DEFAULT_POLICY, Policy
from domain.stages import ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import Outcome
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command, opened_state

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday
ADMIN = Actor(id="ops-jo", role=Role.ADMIN, source=Source.CLI)
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
NEW = DEFAULT_POLICY.model_copy(update={
    "version": "acme-2026-11", "effective_from": date(2026, 11, 1),
    "contact_due_working_days": 3, "first_assessment_days": 3, "self_certified_days": 5,
    "follow_up_days": 14})


def case(**kwargs: object) -> CaseState:
    return opened_state(OPENED, reason=ReasonCategory.OTHER, **kwargs)


def act(state: CaseState, command: object, at: datetime, actor: Actor) -> CaseState:
    for event in decide(state, command, now=at, actor=actor):  # type: ignore[arg-type]
        state = evolve(state, event)
    return state


def adopt(state: CaseState, at: datetime, policy: Policy = NEW, actor: Actor = ADMIN
          ) -> list[PolicyAdopted]:
    events = decide(state, AdoptPolicy(policy=policy, reason="board decision"), now=at,
                    actor=actor)
    assert all(isinstance(e, PolicyAdopted) for e in events)
    return events  # type: ignore[return-value]


def due(state: CaseState) -> dict[str, datetime]:
    return {d.key: d.due_at for d in open_deadlines(state)}


def test_adopting_records_who_when_and_from_which_version_to_which() -> None:
    at = OPENED + timedelta(hours=1)

    [adopted] = adopt(case(), at)

    assert (adopted.from_version, adopted.to_version) == ("default-2026-04", "acme-2026-11")
    assert adopted.actor == ADMIN and adopted.occurred_at == at
    assert adopted.policy == NEW
    assert adopted.reason == ("policy acme-2026-11 adopted in place of default-2026-04 from now "
                              "on: board decision")
    assert parse_event(adopted.model_dump(mode="json")) == adopted


def test_the_open_deadlines_follow_the_new_version() -> None:
    state = case()
    before = due(state)

    after = due(evolve(state, adopt(state, OPENED + timedelta(hours=1))[0]))

    assert before["early_contact_due"] == datetime(2026, 11, 23, 17, tzinfo=UTC)  # Monday
    assert after["early_contact_due"] == datetime(2026, 11, 25, 17, tzinfo=UTC)  # Wednesday
    assert after["early_contact_escalation"] == datetime(2026, 11, 26, 17, tzinfo=UTC)
    # Read from the policy whenever asked: a fit note from day 6 instead of day 8.
    assert before["fit_note_needed"] == datetime(2026, 11, 27, 9, tzinfo=UTC)
    assert after["fit_note_needed"] == datetime(2026, 11, 25, 9, tzinfo=UTC)


def test_the_version_in_force_decides_nothing() -> None:
    assert adopt(case(), OPENED + timedelta(hours=1), policy=DEFAULT_POLICY) == []


def test_a_changed_policy_under_the_same_name_is_refused() -> None:
    changed = DEFAULT_POLICY.model_copy(update={"first_assessment_days": 3})
    with pytest.raises(InvalidCommand, match="a changed policy needs a new version name"):
        adopt(case(), OPENED, policy=changed)


def test_a_version_not_yet_in_effect_is_refused() -> None:
    later = NEW.model_copy(update={"effective_from": date(2027, 1, 1)})
    with pytest.raises(InvalidCommand, match="takes effect on 2027-01-01"):
        adopt(case(), OPENED, policy=later)


@pytest.mark.parametrize("actor", [HR_ACTOR, MANAGER_ACTOR, OH])
def test_only_an_administrator_adopts(actor: Actor) -> None:
    with pytest.raises(RoleNotAllowed, match="allowed roles: admin"):
        adopt(case(), OPENED, actor=actor)


def test_a_closed_case_adopts_nothing() -> None:
    left = act(case(), EmployeeLeft(sent_at=OPENED, left_on=OPENED.date()), OPENED, HR_ACTOR)
    assert left.stage is Stage.CLOSED
    with pytest.raises(ActionNotAllowed):
        adopt(left, OPENED + timedelta(hours=1))


def test_after_the_reminder_only_the_escalation_moves() -> None:
    state = case()
    monday = datetime(2026, 11, 23, 17, tzinfo=UTC)
    state = act(state, DeadlinePassed(key="early_contact_due"), monday, TIMER_ACTOR)
    slower_hr = NEW.model_copy(update={"contact_escalation_working_days": 2})

    after = evolve(state, adopt(state, monday + timedelta(hours=1), policy=slower_hr)[0])

    assert after.contact_due_at == state.contact_due_at
    assert after.contact_escalation_at == datetime(2026, 11, 25, 17, tzinfo=UTC)
    assert after.contact_reminders_sent == 1 and "early_contact_due" in after.fired


def test_the_first_consultation_is_due_by_the_new_version_until_it_happens() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    state = act(case(), j.early_contact(monday), monday, MANAGER_ACTOR)
    state = act(state, ReferToOh(reason="needs OH"), monday, HR_ACTOR)
    assert state.oh_referral is not None
    assert state.oh_referral.assessment_due_at == monday + timedelta(days=7)

    moved = evolve(state, adopt(state, monday + timedelta(hours=1))[0])

    assert moved.oh_referral is not None
    assert moved.oh_referral.assessment_due_at == monday + timedelta(days=3)
    assert next_deadline(moved) is not None

    # Once the consultation has happened, its deadline (and the figures judged by it) stay.
    assessed = act(state, j.assessment(monday + timedelta(days=5)), monday + timedelta(days=5),
                   OH)
    kept = evolve(assessed, adopt(assessed, monday + timedelta(days=6))[0])
    assert kept.oh_referral == assessed.oh_referral


def test_the_follow_up_moves_to_the_new_version() -> None:
    monday = datetime(2026, 11, 23, 10, tzinfo=UTC)
    state = act(case(), j.early_contact(monday), monday, MANAGER_ACTOR)
    closed = datetime(2026, 12, 4, 12, tzinfo=UTC)
    state = act(state, j.close(Outcome.RETURNED_TO_OWN_ROLE, closed.date(),
                               returned_on=date(2026, 12, 3)), closed, OH)
    assert state.stage is Stage.FOLLOW_UP

    moved = evolve(state, adopt(state, closed + timedelta(hours=1))[0])

    assert moved.closure is not None and moved.closure.follow_up_due_on == date(2026, 12, 17)


def test_the_stored_record_replays_to_the_adopted_policy() -> None:
    command = open_command(reason=ReasonCategory.OTHER)
    opening = open_case(command, case_id=case_id_for_absence(command.employer_id,
                                                             command.absence_id),
                        now=OPENED, actor=HR_ACTOR)
    [adopted] = adopt(evolve(None, opening), OPENED + timedelta(hours=1))

    replayed = fold(parse_event(e.model_dump(mode="json")) for e in (opening, adopted))

    assert replayed is not None
    assert replayed.policy == NEW and replayed.version == 2
    assert replayed.contact_due_at == datetime(2026, 11, 25, 17, tzinfo=UTC)
