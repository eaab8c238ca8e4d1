"""The journey's practice rules (issue [practice]): a return found not sustained reopens the
case; a case whose manager never made contact does not stall; an absence joining a stay-at-work
case gets the early-contact timers; a redeployment needs OH's sign-off. Cases opened before
the rules (practice 0) decide exactly as before."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import BaseModel

from domain.actions import RULES
from domain.actors import Actor, Role, Source
from domain.commands import (
    AcceptReferral,
    ConcludeRedeployment,
    EmployeeReturned,
    ReceiveReferral,
    RecordAbsence,
    RecordCheckIn,
    RecordFollowUp,
    ReferToOh,
    StartRedeploymentTrial,
)
from domain.deadlines import decide_deadline, open_deadlines
from domain.decide import decide, receive_referral
from domain.errors import ActionNotAllowed, InvalidCommand, RoleNotAllowed
from domain.events import CaseEvent, OhReferralMade
from domain.evolve import evolve
from domain.journey.base import EXAMPLE_ON
from domain.journey.closure import RETURN_NOT_SUSTAINED, CaseReopened
from domain.journey.early_contact import CONTACT_MISSED, ProceedToAssessment
from domain.journey.redeployment import SignOffRedeployment, VacancyMatch
from domain.kpis import CaseFacts, Period, evaluate
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY
from domain.simulation import simulate_case
from domain.stages import Action, ContactMethod, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import (
    MatchJudgement,
    Outcome,
    RedeploymentConclusion,
    ReferralSource,
    Route,
    WorkDemand,
)
from localstack import samples as j
from tests.support.builders import (
    EMPLOYEE,
    HR_ACTOR,
    MANAGER,
    MANAGER_ACTOR,
    OH_ACTOR,
    open_command,
    opened_state,
)
from tests.support.driven_cases import DrivenCase

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


def test_oh_goes_on_to_assessment_once_the_missed_contact_was_escalated() -> None:
    state = escalated()
    at = OPENED + timedelta(days=3)

    proceeded, events = act(state, ProceedToAssessment(reason="OH will call the employee"), at,
                            OH_ACTOR)

    assert [e.type for e in events] == ["ProceededToAssessment", "OhReferralMade"]
    assert proceeded.stage is Stage.ASSESSMENT
    assert proceeded.oh_referral is not None and proceeded.oh_referral.cause == CONTACT_MISSED
    assert "first_assessment_due" in [d.name for d in open_deadlines(proceeded)]
    assessed, _ = act(proceeded, j.assessment(at + timedelta(days=2)), at + timedelta(days=2),
                      OH_ACTOR)
    assert assessed.stage is Stage.PLANNING


def test_a_case_referred_already_keeps_its_referral_when_oh_goes_on() -> None:
    state = opened_state(OPENED, first_day=OPENED.date(), reason=ReasonCategory.OTHER)
    state, _ = act(state, ReferToOh(reason="Expected to be long"), OPENED, MANAGER_ACTOR)
    referral = state.oh_referral
    for _ in range(2):
        deadline = next(d for d in open_deadlines(state) if d.name.startswith("early_contact"))
        for event in decide_deadline(state, deadline.key, now=deadline.due_at, actor=TIMER):
            state = evolve(state, event)
    assert state.stage is Stage.EARLY_CONTACT  # the escalation alone moves nothing
    at = OPENED + timedelta(days=4)

    proceeded, events = act(state, ProceedToAssessment(reason="Going on"), at, OH_ACTOR)

    assert [e.type for e in events] == ["ProceededToAssessment"]
    assert proceeded.stage is Stage.ASSESSMENT and proceeded.oh_referral == referral


def test_oh_cannot_go_on_before_the_missed_contact_is_escalated_and_is_told_why() -> None:
    state = opened_state(OPENED, first_day=OPENED.date(), reason=ReasonCategory.OTHER)

    with pytest.raises(InvalidCommand, match="escalated to HR") as refused:
        decide(state, ProceedToAssessment(reason="Going on"), now=OPENED, actor=OH_ACTOR)
    assert refused.value.field == "reason"


def test_only_oh_goes_on_without_contact() -> None:
    with pytest.raises(RoleNotAllowed):
        decide(escalated(), ProceedToAssessment(reason="Going on"),
               now=OPENED + timedelta(days=3), actor=MANAGER_ACTOR)


def test_a_case_opened_before_the_practice_rules_may_go_on_too() -> None:
    state = escalated(practice=False)

    proceeded, _ = act(state, ProceedToAssessment(reason="Going on"),
                       OPENED + timedelta(days=3), OH_ACTOR)

    assert proceeded.stage is Stage.ASSESSMENT


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


# -- redeployment with substance ------------------------------------------------------------

HR = Actor(id="hr-1", role=Role.HR, source=Source.API)
SUITS = VacancyMatch(restrictions=[WorkDemand.MANUAL_HANDLING, WorkDemand.NIGHT_WORK],
                     capabilities=["Typing", "Rostering"],
                     demands=[WorkDemand.SCREEN_WORK, WorkDemand.PUBLIC_FACING],
                     skills_needed=["Typing"], judgement=MatchJudgement.SUITABLE)


def in_rehabilitation(practice: bool = True) -> tuple[CaseState, datetime]:
    state = opened_state(OPENED, first_day=OPENED.date())
    if not practice:
        state = as_before(state)
    at = OPENED + timedelta(hours=2)
    state, _ = act(state, j.early_contact(at), at, MANAGER_ACTOR)
    at += timedelta(days=2)
    state, _ = act(state, j.assessment(at), at, OH_ACTOR)
    state, _ = act(state, j.case_manager(), at, OH_ACTOR)
    state, _ = act(state, j.plan(at, at.date()), at, OH_ACTOR)
    assert state.stage is Stage.REHABILITATION
    return state, at + timedelta(days=1)


def trial(match: VacancyMatch | None = SUITS, on: date | None = None
          ) -> StartRedeploymentTrial:
    return StartRedeploymentTrial(vacancy_ref="VAC-88", role_title="Ward clerk",
                                  starts_on=on or date(2026, 11, 20), trial_weeks=8,
                                  permanent=True, match=match)


def test_a_trial_records_the_vacancy_matched_against_oh_s_restrictions() -> None:
    state, at = in_rehabilitation()

    started, events = act(state, trial(on=at.date()), at, HR)

    assert [e.type for e in events] == ["RedeploymentTrialStarted", "VacancyMatched"]
    redeployment = started.redeployment
    assert redeployment is not None and redeployment.match is not None
    assert redeployment.match.restrictions == (WorkDemand.MANUAL_HANDLING, WorkDemand.NIGHT_WORK)
    assert redeployment.match.demands == (WorkDemand.SCREEN_WORK, WorkDemand.PUBLIC_FACING)
    assert redeployment.match.judgement is MatchJudgement.SUITABLE
    assert redeployment.match.advice_of_assessment == 1


@pytest.mark.parametrize(("match", "field", "says"), [
    (None, "match", "restrictions"),
    (SUITS.model_copy(update={"judgement": MatchJudgement.UNSUITABLE}), "match.judgement",
     "judged suitable"),
    (SUITS.model_copy(update={"demands": [WorkDemand.NIGHT_WORK]}), "match.judgement",
     "night_work, which OH's advice restricts"),
    (SUITS.model_copy(update={"demands": [WorkDemand.NIGHT_WORK],
                              "judgement": MatchJudgement.SUITABLE_WITH_ADJUSTMENTS}),
     "match.adjustments", "name the adjustments"),
])
def test_a_trial_whose_match_is_missing_or_contradicts_itself_is_refused(
        match: VacancyMatch | None, field: str, says: str) -> None:
    state, at = in_rehabilitation()

    with pytest.raises(InvalidCommand, match=says) as refused:
        decide(state, trial(match, on=at.date()), now=at, actor=HR)
    assert refused.value.field == field


def test_a_restricted_demand_with_named_adjustments_may_be_trialled() -> None:
    state, at = in_rehabilitation()
    adjusted = SUITS.model_copy(update={
        "demands": [WorkDemand.NIGHT_WORK], "adjustments": ["Day shifts only for the trial"],
        "judgement": MatchJudgement.SUITABLE_WITH_ADJUSTMENTS})

    started, _ = act(state, trial(adjusted, on=at.date()), at, HR)

    assert started.redeployment is not None and started.redeployment.match is not None
    assert started.redeployment.match.adjustments == ("Day shifts only for the trial",)


def test_hr_cannot_confirm_a_redeployment_until_oh_signs_it_off() -> None:
    state, at = in_rehabilitation()
    state, _ = act(state, trial(on=at.date()), at, HR)
    at += timedelta(weeks=8)
    confirm = ConcludeRedeployment(conclusion=RedeploymentConclusion.CONFIRMED, on=at.date())

    with pytest.raises(InvalidCommand, match="sign_off_redeployment") as refused:
        decide(state, confirm, now=at, actor=HR)
    assert refused.value.field == "conclusion"
    with pytest.raises(RoleNotAllowed):
        decide(state, SignOffRedeployment(on=at.date()), now=at, actor=HR)

    signed, events = act(state, SignOffRedeployment(on=at.date(), notes="Suits the advice"), at,
                         OH_ACTOR)
    assert [e.type for e in events] == ["RedeploymentSignedOff"]
    assert signed.redeployment is not None
    assert (signed.redeployment.signed_off_by, signed.redeployment.signed_off_on) == (
        OH_ACTOR.id, at.date())
    confirmed, _ = act(signed, confirm, at, HR)
    assert confirmed.redeployment is not None
    assert confirmed.redeployment.conclusion is RedeploymentConclusion.CONFIRMED
    closed, _ = act(confirmed, j.close(Outcome.REDEPLOYED, at.date()), at, OH_ACTOR)
    assert closed.stage is Stage.FOLLOW_UP


def test_a_trial_may_be_reverted_without_a_sign_off_and_signed_off_once_only() -> None:
    state, at = in_rehabilitation()
    state, _ = act(state, trial(on=at.date()), at, HR)
    signed, _ = act(state, SignOffRedeployment(on=at.date()), at, OH_ACTOR)

    with pytest.raises(InvalidCommand, match="signed off already"):
        decide(signed, SignOffRedeployment(on=at.date()), now=at, actor=OH_ACTOR)
    with pytest.raises(InvalidCommand, match="before the trial began"):
        decide(state, SignOffRedeployment(on=at.date() - timedelta(days=1)), now=at,
               actor=OH_ACTOR)
    reverted, _ = act(state, ConcludeRedeployment(conclusion=RedeploymentConclusion.REVERTED,
                                                  on=at.date()), at, HR)
    assert reverted.stage is Stage.REHABILITATION


def test_a_case_before_the_practice_rules_trials_and_confirms_as_before() -> None:
    state, at = in_rehabilitation(practice=False)

    started, events = act(state, trial(None, on=at.date()), at, HR)
    confirmed, _ = act(started, ConcludeRedeployment(
        conclusion=RedeploymentConclusion.CONFIRMED, on=at.date()), at, HR)

    assert [e.type for e in events] == ["RedeploymentTrialStarted"]
    assert confirmed.redeployment is not None
    assert confirmed.redeployment.conclusion is RedeploymentConclusion.CONFIRMED


# -- the example bodies of the new and changed actions are accepted ------------------------

def test_each_new_action_s_example_is_accepted_where_it_is_allowed() -> None:
    state, at = in_rehabilitation()
    example_day = date.fromisoformat(EXAMPLE_ON)
    later = datetime.combine(example_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)
    started, _ = act(state, RULES[Action.START_REDEPLOYMENT_TRIAL].command.model_validate(
        RULES[Action.START_REDEPLOYMENT_TRIAL].example), max(at, later), HR)
    signed, _ = act(started, RULES[Action.SIGN_OFF_REDEPLOYMENT].command.model_validate(
        RULES[Action.SIGN_OFF_REDEPLOYMENT].example), max(at, later), OH_ACTOR)
    assert signed.redeployment is not None and signed.redeployment.signed_off_by == OH_ACTOR.id

    proceeded, _ = act(escalated(), RULES[Action.PROCEED_TO_ASSESSMENT].command.model_validate(
        RULES[Action.PROCEED_TO_ASSESSMENT].example), OPENED + timedelta(days=3), OH_ACTOR)
    assert proceeded.stage is Stage.ASSESSMENT


def test_a_reopened_case_simulated_under_its_own_policy_is_the_case_recorded() -> None:
    at = OPENED + timedelta(hours=2)
    case = DrivenCase(open_command(first_day=OPENED.date()), OPENED)
    case.act(j.early_contact(at), at, MANAGER_ACTOR)
    at += timedelta(days=10)
    case.act(EmployeeReturned(sent_at=at, returned_on=at.date()), at, HR_ACTOR)
    case.act(j.close(Outcome.RETURNED_TO_OWN_ROLE, at.date()), at, OH_ACTOR)
    at += timedelta(days=DEFAULT_POLICY.follow_up_days + 1)
    case.act(RecordFollowUp(checked_on=at.date(), sustained=False), at, OH_ACTOR)
    case.wait_until(at + timedelta(days=10))
    assert case.state.stage is Stage.ASSESSMENT

    simulation = simulate_case(case.events, DEFAULT_POLICY, until=case.now)

    assert not simulation.divergences
    assert simulation.simulated == simulation.actual
