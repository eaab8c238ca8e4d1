"""The journey's practice rules (issue [practice]): a return found not sustained reopens the
case; a case whose manager never made contact does not stall; an absence joining a stay-at-work
case gets the early-contact timers; a redeployment needs OH's sign-off. Cases opened before
the rules (practice 0) decide exactly as before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import BaseModel

from domain.actors import Actor, Role, Source
from domain.commands import (
    AcceptReferral,
    EmployeeReturned,
    ReceiveReferral,
    RecordAbsence,
    RecordCheckIn,
    RecordFollowUp,
    ReferToOh,
)
from domain.deadlines import decide_deadline, open_deadlines
from domain.decide import decide, receive_referral
from domain.errors import ActionNotAllowed, InvalidCommand
from domain.events import CaseEvent, OhReferralMade
from domain.evolve import evolve
from domain.journey.closure import RETURN_NOT_SUSTAINED, CaseReopened
from domain.kpis import CaseFacts, Period, evaluate
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY
from domain.stages import ContactMethod, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import Outcome, ReferralSource, Route
from localstack import samples as j
from tests.support.builders import EMPLOYEE, HR_ACTOR, MANAGER, MANAGER_ACTOR, opened_state

OH_ACTOR = Actor(id="OHN-7", role=Role.OH, source=Source.API)
TIMER = Actor(id="timer", role=Role.SYSTEM, source=Source.TIMER)
OPENED = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)  # a Monday


def act(state: CaseState, command: BaseModel, at: datetime, actor: Actor
        ) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, command, now=at, actor=actor)
    for event in events:
        state = evolve(state, event)
    return state, events


def as_before(state: CaseState) -> CaseState:
    """The same case as one opened before the practice rules."""
    return state.model_copy(update={"practice": 0})


def in_follow_up(practice: bool = True) -> tuple[CaseState, datetime]:
    """A case closed with a return to the own role, awaiting its follow-up."""
    state = opened_state(OPENED, first_day=OPENED.date())
    if not practice:
        state = as_before(state)
    at = OPENED + timedelta(hours=2)
    state, _ = act(state, j.early_contact(at), at, MANAGER_ACTOR)
    at += timedelta(days=10)
    back_on = at.date()
    state, _ = act(state, EmployeeReturned(sent_at=at, returned_on=back_on), at, HR_ACTOR)
    state, _ = act(state, j.close(Outcome.RETURNED_TO_OWN_ROLE, back_on), at, OH_ACTOR)
    assert state.stage is Stage.FOLLOW_UP
    return state, at + timedelta(days=state.policy.follow_up_days)


# -- the follow-up ------------------------------------------------------------------------

def test_a_return_not_sustained_reopens_the_case_in_assessment_with_a_new_oh_referral() -> None:
    state, at = in_follow_up()
    closed = state.closure

    reopened, events = act(state, RecordFollowUp(checked_on=at.date(), sustained=False), at,
                           OH_ACTOR)

    assert [e.type for e in events] == ["FollowUpRecorded", "CaseReopened", "OhReferralMade"]
    assert reopened.stage is Stage.ASSESSMENT
    assert reopened.closure is None and closed is not None
    assert reopened.follow_up is not None and not reopened.follow_up.sustained
    assert reopened.reopened_on == (at.date(),)
    referral = reopened.oh_referral
    assert referral is not None and referral.cause == RETURN_NOT_SUSTAINED
    assert referral.assessment_due_at == at + timedelta(days=state.policy.first_assessment_days)
    assert [d.name for d in open_deadlines(reopened)][:1] == ["first_assessment_due"]
    assert isinstance(events[1], CaseReopened)
    assert closed.closed_on.isoformat() in events[1].reason


def test_a_reopened_case_can_be_assessed_closed_and_followed_up_again() -> None:
    state, at = in_follow_up()
    state, _ = act(state, RecordFollowUp(checked_on=at.date(), sustained=False), at, OH_ACTOR)
    at += timedelta(days=3)
    state, _ = act(state, j.assessment(at), at, OH_ACTOR)
    assert state.stage is Stage.PLANNING
    state, _ = act(state, j.close(Outcome.RETURNED_WITH_ADJUSTMENTS, at.date()), at, OH_ACTOR)
    assert state.stage is Stage.FOLLOW_UP
    at += timedelta(days=state.policy.follow_up_days)

    state, _ = act(state, RecordFollowUp(checked_on=at.date(), sustained=True), at, OH_ACTOR)

    assert state.stage is Stage.CLOSED
    assert state.closure is not None and state.closure.outcome is Outcome.RETURNED_WITH_ADJUSTMENTS
    assert len(state.reopened_on) == 1


def test_the_new_referral_s_first_consultation_is_a_deadline_again_though_the_first_one_fired(
) -> None:
    state, at = in_follow_up()
    state = state.model_copy(update={"fired": state.fired | {"first_assessment_due",
                                                             "first_assessment_due#2"}})

    reopened, _ = act(state, RecordFollowUp(checked_on=at.date(), sustained=False), at, OH_ACTOR)
    due = next(d for d in open_deadlines(reopened) if d.name == "first_assessment_due")
    reminded = decide_deadline(reopened, due.key, now=due.due_at, actor=TIMER)

    assert [e.type for e in reminded] == ["ReminderSent"]


def test_a_sustained_return_still_closes_the_case() -> None:
    state, at = in_follow_up()

    closed, events = act(state, RecordFollowUp(checked_on=at.date(), sustained=True), at,
                         OH_ACTOR)

    assert [e.type for e in events] == ["FollowUpRecorded"]
    assert closed.stage is Stage.CLOSED and closed.reopened_on == ()


def test_a_case_opened_before_the_practice_rules_still_closes_when_not_sustained() -> None:
    state, at = in_follow_up(practice=False)

    closed, events = act(state, RecordFollowUp(checked_on=at.date(), sustained=False), at,
                         OH_ACTOR)

    assert [e.type for e in events] == ["FollowUpRecorded"]
    assert closed.stage is Stage.CLOSED and closed.closure is not None


def test_the_sustained_return_rate_counts_each_follow_up_of_a_reopened_case() -> None:
    state, at = in_follow_up()
    first_check = at.date()
    state, _ = act(state, RecordFollowUp(checked_on=first_check, sustained=False), at, OH_ACTOR)
    period = Period(first_check - timedelta(days=60), first_check + timedelta(days=90))
    open_again = CaseFacts.of(state)
    assert open_again.closed_on is None and open_again.outcome is None
    assert evaluate([open_again], period).measures["sustained_return_rate"] == 0.0

    at += timedelta(days=3)
    state, _ = act(state, j.close(Outcome.RETURNED_TO_OWN_ROLE, at.date()), at, OH_ACTOR)
    at += timedelta(days=state.policy.follow_up_days)
    state, _ = act(state, RecordFollowUp(checked_on=at.date(), sustained=True), at, OH_ACTOR)

    measures = evaluate([CaseFacts.of(state)], period).measures
    assert measures["sustained_return_rate"] == 0.5
    assert measures["cases_closed"] == 1


def test_a_follow_up_event_alone_of_a_case_before_the_rules_counts_as_before() -> None:
    facts = CaseFacts(case_id="c", employer_id="e", route=Route.RETURN_TO_WORK,
                      source="hr_notification", reason_category=ReasonCategory.OTHER,
                      policy_version="p", opened_on=date(2026, 1, 5),
                      follow_up_on=date(2026, 3, 1), sustained=False)
    period = Period(date(2026, 1, 1), date(2026, 12, 31))

    assert evaluate([facts], period).measures["sustained_return_rate"] == 0.0


def test_a_referral_made_by_a_reopening_tells_oh() -> None:
    state, at = in_follow_up()

    reopened, events = act(state, RecordFollowUp(checked_on=at.date(), sustained=False), at,
                           OH_ACTOR)
    referral = next(e for e in events if isinstance(e, OhReferralMade))

    assert [n.kind for n in notices_for(reopened, referral)] == [NoticeKind.OH_REFERRAL_MADE]
    with pytest.raises(ActionNotAllowed):
        decide(reopened, RecordFollowUp(checked_on=at.date(), sustained=True), now=at,
               actor=OH_ACTOR)
    with pytest.raises(InvalidCommand, match="already referred"):
        decide(reopened, ReferToOh(reason="again"), now=at, actor=OH_ACTOR)


# -- the stalled case: contact missed and escalated ----------------------------------------

def escalated(practice: bool = True) -> CaseState:
    """A case whose manager never recorded contact: reminded, then escalated to HR."""
    state = opened_state(OPENED, first_day=OPENED.date(), reason=ReasonCategory.OTHER)
    if not practice:
        state = as_before(state)
    for _ in range(2):
        deadline = open_deadlines(state)[0]
        for event in decide_deadline(state, deadline.key, now=deadline.due_at, actor=TIMER):
            state = evolve(state, event)
    assert state.contact_escalated and state.stage is Stage.EARLY_CONTACT
    return state


def test_an_escalated_case_referred_to_oh_goes_on_to_assessment() -> None:
    state = escalated()
    at = OPENED + timedelta(days=3)

    referred, _ = act(state, ReferToOh(reason="Manager has not made contact"), at, OH_ACTOR)

    assert referred.stage is Stage.ASSESSMENT
    assert "first_assessment_due" in [d.name for d in open_deadlines(referred)]
    assessed, _ = act(referred, j.assessment(at + timedelta(days=2)), at + timedelta(days=2),
                      OH_ACTOR)
    assert assessed.stage is Stage.PLANNING


def test_an_escalated_case_referred_by_its_long_term_deadline_goes_on_to_assessment() -> None:
    state = escalated()
    deadline = next(d for d in open_deadlines(state) if d.name == "long_term_referral")

    for event in decide_deadline(state, deadline.key, now=deadline.due_at, actor=TIMER):
        state = evolve(state, event)

    assert state.stage is Stage.ASSESSMENT


def test_a_case_referred_before_its_contact_is_escalated_goes_on_at_the_escalation() -> None:
    state = opened_state(OPENED, first_day=OPENED.date(), reason=ReasonCategory.OTHER)
    state, _ = act(state, ReferToOh(reason="Expected to be long"), OPENED, MANAGER_ACTOR)
    assert state.stage is Stage.EARLY_CONTACT
    for _ in range(2):
        deadline = next(d for d in open_deadlines(state) if d.name.startswith("early_contact"))
        for event in decide_deadline(state, deadline.key, now=deadline.due_at, actor=TIMER):
            state = evolve(state, event)

    assert state.stage is Stage.ASSESSMENT


def test_an_escalated_case_before_the_practice_rules_stays_in_early_contact() -> None:
    state = escalated(practice=False)

    referred, _ = act(state, ReferToOh(reason="Manager has not made contact"),
                      OPENED + timedelta(days=3), OH_ACTOR)

    assert referred.stage is Stage.EARLY_CONTACT


def test_a_referral_without_an_escalation_leaves_the_case_in_early_contact() -> None:
    state = opened_state(OPENED, first_day=OPENED.date(), reason=ReasonCategory.OTHER)

    referred, _ = act(state, ReferToOh(reason="Expected to be long"), OPENED, MANAGER_ACTOR)

    assert referred.stage is Stage.EARLY_CONTACT


# -- an absence joining a stay-at-work case -------------------------------------------------

def stay_at_work(practice: bool = True, accepted: bool = True) -> CaseState:
    referral = ReceiveReferral(
        employer_id="acme-trust", referral_id="REF-1", employee=EMPLOYEE, manager=MANAGER,
        source=ReferralSource.MANAGER, reason_category=ReasonCategory.OTHER,
        referred_on=OPENED.date(), policy=DEFAULT_POLICY)
    state = evolve(None, receive_referral(referral, case_id="c-1", now=OPENED,
                                          actor=MANAGER_ACTOR, practice=int(practice)))
    if accepted:
        state, _ = act(state, AcceptReferral(accepted_by="OHN-7"), OPENED, OH_ACTOR)
    return state


JOINED_AT = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # Tuesday
ABSENCE = RecordAbsence(absence_id="ABS-9", first_day=JOINED_AT.date())


def test_an_absence_joining_a_stay_at_work_case_starts_the_early_contact_timers() -> None:
    state, _ = act(stay_at_work(), ABSENCE, JOINED_AT, HR_ACTOR)

    due = {d.name: d for d in open_deadlines(state)}
    # Contact by the end of the next working day (Wednesday 17:00 London), HR alerted a working
    # day later.
    assert due["early_contact_due"].due_at == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)
    assert due["early_contact_escalation"].due_at == datetime(2026, 11, 26, 17, 0, tzinfo=UTC)
    reminded = decide_deadline(state, "early_contact_due",
                               now=due["early_contact_due"].due_at, actor=TIMER)
    assert [e.type for e in reminded] == ["ManagerRemindedOfContact"]
    assert state.stage is Stage.ASSESSMENT


def test_an_absence_reported_late_reminds_at_once_and_escalates_after_the_working_days() -> None:
    late = ABSENCE.model_copy(update={"first_day": date(2026, 11, 16)})
    state, _ = act(stay_at_work(), late, JOINED_AT, HR_ACTOR)

    assert state.contact_due_at == datetime(2026, 11, 17, 17, 0, tzinfo=UTC)
    assert state.contact_escalation_at == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def test_a_check_in_after_the_absence_meets_its_contact_deadline() -> None:
    state, _ = act(stay_at_work(), ABSENCE, JOINED_AT, HR_ACTOR)
    at = JOINED_AT + timedelta(hours=3)

    contacted, _ = act(state, RecordCheckIn(contacted_at=at, method=ContactMethod.PHONE,
                                            agreed_contact_frequency_days=7), at, MANAGER_ACTOR)

    names = [d.name for d in open_deadlines(contacted)]
    assert "early_contact_due" not in names and "early_contact_escalation" not in names
    assert "check_in_due" in names


def test_an_absence_joining_a_referral_awaiting_triage_takes_its_early_contact_there() -> None:
    state, _ = act(stay_at_work(accepted=False), ABSENCE, JOINED_AT, HR_ACTOR)
    assert "early_contact_due" in [d.name for d in open_deadlines(state)]
    at = JOINED_AT + timedelta(hours=3)

    contacted, _ = act(state, j.early_contact(at), at, MANAGER_ACTOR)

    assert contacted.stage is Stage.REFERRAL
    assert contacted.early_contact is not None
    assert "early_contact_due" not in [d.name for d in open_deadlines(contacted)]
    with pytest.raises(ActionNotAllowed, match="record_early_contact"):
        decide(contacted, j.early_contact(at), now=at, actor=MANAGER_ACTOR)


def test_early_contact_is_refused_in_a_referral_without_an_absence() -> None:
    state = stay_at_work(accepted=False)

    with pytest.raises(ActionNotAllowed, match="accept_referral"):
        decide(state, j.early_contact(OPENED), now=OPENED, actor=MANAGER_ACTOR)


def test_an_absence_joining_a_case_before_the_practice_rules_sets_no_timers() -> None:
    state, _ = act(stay_at_work(practice=False), ABSENCE, JOINED_AT, HR_ACTOR)

    assert state.contact_due_at is None
    assert not [d for d in open_deadlines(state) if d.name.startswith("early_contact")]
    with pytest.raises(ActionNotAllowed):
        decide(stay_at_work(practice=False, accepted=False), j.early_contact(JOINED_AT),
               now=JOINED_AT, actor=MANAGER_ACTOR)
