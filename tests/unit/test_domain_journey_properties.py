"""Any sequence of commands keeps a case valid, and replaying its events rebuilds it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hypothesis import event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from domain.actions import allowed_actions
from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import (
    CompletePhasedReturn,
    ConcludeRedeployment,
    DeadlinePassed,
    EmployeeLeft,
    EmployeeReturned,
    RecordFollowUp,
    ReviewPhasedReturnWeek,
    StartRedeploymentTrial,
)
from domain.deadlines import next_deadline, open_deadlines
from domain.decide import decide, open_case
from domain.errors import CaseError
from domain.events import CaseEvent, EarlyContactRecorded, ManagerRemindedOfContact
from domain.evolve import evolve, fold
from domain.ids import case_id_for_absence
from domain.stages import Action, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import (
    RETURN_OUTCOMES,
    Fitness,
    FitNoteAssessment,
    Outcome,
    RedeploymentConclusion,
)
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)

Maker = Callable[[CaseState, datetime, int], tuple[BaseModel, Actor]]


def _deadline(state: CaseState, now: datetime, _: int) -> tuple[BaseModel, Actor]:
    due = next_deadline(state)
    return DeadlinePassed(key=due.key if due else "none"), TIMER_ACTOR


MAKERS: dict[str, Maker] = {
    "contact": lambda s, now, n: (j.early_contact(now - timedelta(minutes=n)), MANAGER_ACTOR),
    "assess": lambda s, now, n: (j.assessment(now, list(Fitness)[n % 4]), OH),
    "plan": lambda s, now, n: (j.plan(now, now.date()), OH),
    "fit_note": lambda s, now, n: (j.fit_note(now.date(), list(FitNoteAssessment)[n % 2],
                                              days=1 + n % 100), HR_ACTOR),
    "phased": lambda s, now, n: (j.phased_return(now.date(), weeks=1 + n % 6), OH),
    "review_week": lambda s, now, n: (ReviewPhasedReturnWeek(week=1 + n % 4, on_track=True),
                                      MANAGER_ACTOR),
    "complete": lambda s, now, n: (CompletePhasedReturn(completed_on=now.date()), OH),
    "trial": lambda s, now, n: (StartRedeploymentTrial(
        vacancy_ref="V", role_title="Clerk", starts_on=now.date(), trial_weeks=1 + n % 13,
        permanent=bool(n % 2)), OH),
    "conclude": lambda s, now, n: (ConcludeRedeployment(
        conclusion=list(RedeploymentConclusion)[n % 2], on=now.date()), OH),
    "close": lambda s, now, n: (j.close(list(Outcome)[n % len(Outcome)], now.date(),
                                        returned_on=now.date() if n % 3 else None), OH),
    "follow_up": lambda s, now, n: (RecordFollowUp(checked_on=now.date(),
                                                   sustained=bool(n % 2)), OH),
    "returned": lambda s, now, n: (EmployeeReturned(sent_at=now, returned_on=now.date()),
                                   HR_ACTOR),
    "left": lambda s, now, n: (EmployeeLeft(sent_at=now, left_on=now.date()), HR_ACTOR),
    "deadline": _deadline,
}

# Which maker takes which action; the rest (deadlines, HR facts) are open in every stage.
ACTION_OF_MAKER: dict[str, Action] = {
    "contact": Action.RECORD_EARLY_CONTACT, "assess": Action.RECORD_ASSESSMENT,
    "plan": Action.AGREE_PLAN, "fit_note": Action.RECORD_FIT_NOTE,
    "phased": Action.START_PHASED_RETURN, "review_week": Action.REVIEW_PHASED_RETURN_WEEK,
    "complete": Action.COMPLETE_PHASED_RETURN, "trial": Action.START_REDEPLOYMENT_TRIAL,
    "conclude": Action.CONCLUDE_REDEPLOYMENT, "close": Action.CLOSE_CASE,
    "follow_up": Action.RECORD_FOLLOW_UP,
}


ENDINGS = frozenset({"close", "left"})


def candidates(state: CaseState, guided: bool, may_end: bool) -> list[str]:
    """Mostly the makers whose action the stage allows, so that runs reach every stage;
    sometimes any maker at all, so that refusals are exercised too."""
    if not guided:
        return sorted(MAKERS)
    allowed = set(allowed_actions(state))
    return sorted(k for k in MAKERS
                  if (ACTION_OF_MAKER.get(k) in allowed or k not in ACTION_OF_MAKER)
                  and (may_end or k not in ENDINGS))


def check_invariants(state: CaseState, events: list[CaseEvent]) -> None:
    assert state.version == len(events)
    if state.stage in (Stage.FOLLOW_UP, Stage.CLOSED):
        assert state.closure is not None, "every closed case has an outcome"
    if state.stage is Stage.FOLLOW_UP:
        assert state.closure is not None and state.closure.outcome in RETURN_OUTCOMES
    if state.closure is not None and state.closure.outcome in RETURN_OUTCOMES:
        assert state.closure.intervention_by_employee is not None
        assert state.closure.intervention_by_case_manager is not None
    if state.phased_return is not None and state.phased_return.completed_on is None:
        assert state.stage in (Stage.PHASED_RETURN, Stage.FOLLOW_UP, Stage.CLOSED)
    if state.stage is Stage.REDEPLOYMENT:
        assert state.redeployment is not None
    assert [e.number for e in state.escalations] == list(range(1, len(state.escalations) + 1))
    assert not {d.key for d in open_deadlines(state)} & state.fired
    assert state.contact_reminders_sent <= 1


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from(list(ReasonCategory)))
def test_every_command_sequence_leaves_a_valid_replayable_case(
    data: st.DataObject, reason: ReasonCategory
) -> None:
    opened = open_case(open_command(reason=reason),
                       case_id=case_id_for_absence("acme-trust", "ABS-1"), now=OPENED,
                       actor=HR_ACTOR)
    state = evolve(None, opened)
    events: list[CaseEvent] = [opened]
    now = OPENED
    for _ in range(data.draw(st.integers(min_value=0, max_value=40), label="steps")):
        guided = data.draw(st.integers(min_value=0, max_value=9)) > 0
        may_end = data.draw(st.integers(min_value=0, max_value=9)) == 0
        kind = data.draw(st.sampled_from(candidates(state, guided, may_end)), label="command")
        minutes_passing = data.draw(st.integers(min_value=0, max_value=10 * 24 * 60))
        n = data.draw(st.integers(min_value=0, max_value=1000))
        now += timedelta(minutes=minutes_passing)
        command, actor = MAKERS[kind](state, now, n)
        closed_before = state.stage is Stage.CLOSED
        try:
            decided = decide(state, command, now=now, actor=actor)
        except CaseError:
            continue  # a refusal changes nothing
        assert not (closed_before and decided), "a closed case records nothing more"
        for decided_event in decided:
            state = evolve(state, decided_event)
            events.append(decided_event)
            event(f"visited {state.stage.value}")
        check_invariants(state, events)

    contacted = [i for i, e in enumerate(events) if isinstance(e, EarlyContactRecorded)]
    assert len(contacted) <= 1
    if contacted:
        assert not any(isinstance(e, ManagerRemindedOfContact) for e in events[contacted[0]:])
    assert fold(events) == state
