"""Triage routes the case by the tier of its latest assessment (practice version 1): tier 1 to
self-help and a check-in, tier 2 to a case manager before the plan, tier 3 to the specialist
profession's assessment and a referral, each deadline reminding OH and then escalating."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.actions import RULES
from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import (
    AcceptReferral,
    AgreePlan,
    Assessor,
    DeadlinePassed,
    ReceiveReferral,
    RecordAssessment,
    RecordSelfHelpCheckIn,
    ReferToTherapy,
)
from domain.deadlines import open_deadlines
from domain.decide import decide, open_case, receive_referral
from domain.disclosure import shared_deadlines
from domain.errors import ActionNotAllowed, InvalidCommand, PreconditionNotMet
from domain.events import CaseClosed, CaseEscalated, CaseEvent, ReminderSent
from domain.evolve import evolve
from domain.ids import case_id_for_absence, case_id_for_referral
from domain.journey.triage import DEADLINE_NAMES, SelfHelpCheckInRecorded
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import Intervention, Outcome, ReferralSource, TherapyKind, Tier
from localstack import samples as j
from tests.support.builders import EMPLOYEE, HR_ACTOR, MANAGER, MANAGER_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # a Friday, the absence's first day
ASSESSED = datetime(2026, 11, 23, 11, tzinfo=UTC)  # the Monday after
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
NURSE = Assessor(id="OHN-7", name="Jo Reid", profession="OH nurse")
PHYSICIAN = Assessor(id="OHP-2", name="Dr Ana Shah", profession="OH physician",
                     registration="GMC 7654321")


def act(state: CaseState, command: object, at: datetime, actor: Actor = OH) -> CaseState:
    for event in decide(state, command, now=at, actor=actor):  # type: ignore[arg-type]
        state = evolve(state, event)
    return state


def decided(state: CaseState, command: object, at: datetime, actor: Actor = OH
            ) -> list[CaseEvent]:
    return decide(state, command, now=at, actor=actor)  # type: ignore[arg-type]


def opened(practice: int = 1, **policy: object) -> CaseState:
    command = open_command(reason=ReasonCategory.OTHER,
                           policy=DEFAULT_POLICY.model_copy(update=policy))
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    state = evolve(None, open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR,
                                   practice=practice))
    return act(state, j.early_contact(OPENED), OPENED, MANAGER_ACTOR)


def assessment(tier: Tier, at: datetime = ASSESSED, by: Assessor = NURSE) -> RecordAssessment:
    return j.assessment(at).model_copy(update={"tier": tier, "assessor": by})


def assessed(tier: Tier, *, practice: int = 1, by: Assessor = NURSE, **policy: object
             ) -> CaseState:
    return act(opened(practice, **policy), assessment(tier, by=by), ASSESSED)


def names(state: CaseState) -> dict[str, datetime]:
    """Triage's open deadlines, by name."""
    return {d.name: d.due_at for d in open_deadlines(state) if d.name in DEADLINE_NAMES}


def fire(state: CaseState, key: str) -> tuple[CaseState, list[CaseEvent]]:
    [deadline] = [d for d in open_deadlines(state) if d.key == key]
    events = decide(state, DeadlinePassed(key=key), now=deadline.due_at, actor=TIMER_ACTOR)
    for event in events:
        state = evolve(state, event)
    return state, events


def check_in(on: date, *, fine: bool, returned_on: date | None = None) -> RecordSelfHelpCheckIn:
    return RecordSelfHelpCheckIn(
        checked_on=on, fine=fine, returned_on=returned_on,
        intervention_by_employee=Intervention.PERSONAL_SUPPORT_CONFIDENCE if fine else None,
        intervention_by_case_manager=Intervention.PERSONAL_SUPPORT_CONFIDENCE if fine else None)


def at_day(day: date, hour: int = 12) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# -- tier 1: self-help ------------------------------------------------------------------------


def test_a_tier_1_assessment_sends_the_employee_self_help_guidance() -> None:
    state = opened()
    [event] = decided(state, assessment(Tier.SELF_HELP), ASSESSED)
    after = evolve(state, event)

    [notice] = notices_for(after, event)

    assert notice.kind is NoticeKind.SELF_HELP_GUIDANCE
    assert (notice.recipient_role, notice.recipient_id) == (Role.EMPLOYEE, EMPLOYEE.id)


def test_other_tiers_send_no_guidance() -> None:
    for tier in (Tier.CASE_COORDINATION, Tier.SPECIALIST):
        state = opened()
        [event] = decided(state, assessment(tier), ASSESSED)
        assert notices_for(evolve(state, event), event) == []


def test_a_tier_1_case_is_due_a_check_in_after_the_policy_interval() -> None:
    state = assessed(Tier.SELF_HELP, self_help_check_in_days=10)

    assert names(state)["self_help_check_in_due"] == datetime(2026, 12, 3, 9, tzinfo=UTC)
    assert "self_help_check_in_due" not in {d.name for d in shared_deadlines(
        open_deadlines(state))}, "a tier is clinical: OH alone sees the deadline"


def test_a_missed_check_in_reminds_oh_then_escalates_when_missed_twice() -> None:
    state = assessed(Tier.SELF_HELP)

    state, [reminder] = fire(state, "self_help_check_in_a1")
    assert isinstance(reminder, ReminderSent)
    assert reminder.recipients == (Role.OH,)
    [notice] = notices_for(state, reminder)
    assert notice.kind is NoticeKind.SELF_HELP_CHECK_IN_DUE

    state, [escalated] = fire(state, "self_help_check_in_a1#2")
    assert isinstance(escalated, CaseEscalated)
    assert state.escalations[-1].cause.startswith("check in with the employee")
    assert names(state) == {}


def test_a_fine_check_in_closes_the_case_as_a_return_to_the_own_role() -> None:
    state = assessed(Tier.SELF_HELP)
    on = date(2026, 12, 4)

    events = decided(state, check_in(on, fine=True, returned_on=date(2026, 11, 30)), at_day(on))
    for event in events:
        state = evolve(state, event)

    checked, closed = events
    assert isinstance(checked, SelfHelpCheckInRecorded) and checked.fine
    assert isinstance(closed, CaseClosed)
    assert (closed.outcome, closed.returned_on) == (Outcome.RETURNED_TO_OWN_ROLE,
                                                   date(2026, 11, 30))
    assert state.stage is Stage.FOLLOW_UP
    assert "self_help_check_in_due" not in names(state)


def test_a_fine_check_in_on_an_absence_still_open_needs_the_day_of_return() -> None:
    state = assessed(Tier.SELF_HELP)
    on = date(2026, 12, 4)

    with pytest.raises(InvalidCommand) as refused:
        decided(state, check_in(on, fine=True), at_day(on))

    assert refused.value.field == "returned_on"


def test_a_fine_check_in_resolves_a_stay_at_work_case_without_absence() -> None:
    referral = ReceiveReferral(
        employer_id="acme-trust", referral_id="R-1", employee=EMPLOYEE, manager=MANAGER,
        source=ReferralSource.SELF, reason_category=ReasonCategory.OTHER,
        referred_on=OPENED.date(), policy=DEFAULT_POLICY)
    case_id = case_id_for_referral("acme-trust", "R-1")
    state = evolve(None, receive_referral(referral, case_id=case_id, now=OPENED, actor=OH))
    state = act(state, AcceptReferral(accepted_by="Jo Reid"), OPENED)
    state = act(state, assessment(Tier.SELF_HELP), ASSESSED)
    on = date(2026, 12, 1)

    state = act(state, check_in(on, fine=True), at_day(on))

    assert state.closure is not None
    assert state.closure.outcome is Outcome.RESOLVED_WITHOUT_ABSENCE


def test_a_check_in_that_is_not_fine_asks_for_a_new_assessment_that_routes_the_case() -> None:
    state = assessed(Tier.SELF_HELP)
    on = date(2026, 12, 4)

    state = act(state, check_in(on, fine=False), at_day(on))

    assert state.stage is Stage.ASSESSMENT
    assert names(state) == {"reassessment_due": datetime(2026, 12, 11, 9, tzinfo=UTC)}
    state, [reminder] = fire(state, "reassessment_a1")
    assert notices_for(state, reminder)[0].kind is NoticeKind.REASSESSMENT_DUE

    later = at_day(date(2026, 12, 9))
    state = act(state, assessment(Tier.CASE_COORDINATION, later), later)
    assert state.stage is Stage.PLANNING
    assert names(state) == {}
    with pytest.raises(PreconditionNotMet):
        decided(state, j.plan(later, later.date()), later)


def test_a_check_in_needs_a_tier_1_assessment_and_comes_once_per_assessment() -> None:
    on = date(2026, 12, 4)
    with pytest.raises(PreconditionNotMet) as refused:
        decided(assessed(Tier.CASE_COORDINATION), check_in(on, fine=False), at_day(on))
    assert refused.value.action == "record_assessment"

    state = act(assessed(Tier.SELF_HELP), check_in(on, fine=False), at_day(on))
    with pytest.raises(InvalidCommand) as again:
        decided(state, check_in(on, fine=False), at_day(on))
    assert again.value.field == "checked_on"

    with pytest.raises(InvalidCommand) as early:
        decided(assessed(Tier.SELF_HELP), check_in(date(2026, 11, 22), fine=False),
                at_day(on))
    assert early.value.field == "checked_on"


# -- tier 2: case coordination ----------------------------------------------------------------


def plan_at(at: datetime = ASSESSED) -> AgreePlan:
    return j.plan(at, at.date())


def test_a_tier_2_plan_waits_for_a_case_manager_and_says_how_to_assign_one() -> None:
    state = assessed(Tier.CASE_COORDINATION)

    with pytest.raises(PreconditionNotMet) as refused:
        decided(state, plan_at(), ASSESSED)

    assert refused.value.missing == "a case manager"
    assert refused.value.action == "assign_case_manager"
    assert "assign_case_manager" in refused.value.message
    state = act(state, j.case_manager(), ASSESSED)
    assert act(state, plan_at(), ASSESSED).stage is Stage.REHABILITATION


def test_a_tier_1_plan_needs_no_case_manager() -> None:
    state = assessed(Tier.SELF_HELP)
    assert act(state, plan_at(), ASSESSED).stage is Stage.REHABILITATION


def test_cases_opened_before_the_practice_rules_keep_the_old_journey() -> None:
    old = assessed(Tier.CASE_COORDINATION, practice=0)
    assert act(old, plan_at(), ASSESSED).stage is Stage.REHABILITATION

    old = opened(practice=0)
    [event] = decided(old, assessment(Tier.SELF_HELP), ASSESSED)
    assert notices_for(evolve(old, event), event) == []
    assert names(evolve(old, event)) == {}

    specialist = assessed(Tier.SPECIALIST, practice=0)
    assert names(specialist) == {}
    assert act(specialist, plan_at(), ASSESSED).stage is Stage.REHABILITATION


# -- tier 3: specialist -----------------------------------------------------------------------


def test_a_tier_3_decision_by_a_nurse_needs_the_physician_and_a_referral_in_time() -> None:
    state = assessed(Tier.SPECIALIST, specialist_assessment_days=10,
                     specialist_referral_days=21)

    assert names(state) == {
        "specialist_assessment_due": datetime(2026, 12, 3, 9, tzinfo=UTC),
        "specialist_referral_due": datetime(2026, 12, 14, 9, tzinfo=UTC),
    }


def test_a_tier_3_decision_by_the_physician_needs_only_the_referral() -> None:
    state = assessed(Tier.SPECIALIST, by=PHYSICIAN)
    assert set(names(state)) == {"specialist_referral_due"}


def test_the_policy_names_the_specialist_profession() -> None:
    consultant = PHYSICIAN.model_copy(update={"profession": "OH Consultant"})
    state = assessed(Tier.SPECIALIST, by=consultant, specialist_profession="oh consultant")
    assert set(names(state)) == {"specialist_referral_due"}
    state = assessed(Tier.SPECIALIST, by=PHYSICIAN, specialist_profession="OH consultant")
    assert "specialist_assessment_due" in names(state)


def test_a_tier_3_plan_waits_for_the_physician_then_the_referral_ends_its_deadline() -> None:
    state = act(assessed(Tier.SPECIALIST), j.case_manager(), ASSESSED)
    with pytest.raises(PreconditionNotMet) as refused:
        decided(state, plan_at(), ASSESSED)
    assert refused.value.action == "record_assessment"
    assert "OH physician" in refused.value.missing

    later = ASSESSED + timedelta(days=3)
    state = act(state, assessment(Tier.SPECIALIST, later, PHYSICIAN), later)
    assert set(names(state)) == {"specialist_referral_due"}
    state = act(state, plan_at(later), later)
    state = act(state, ReferToTherapy(kind=TherapyKind.TALKING_THERAPY,
                                      referred_on=later.date()), later)

    assert not {"specialist_assessment_due", "specialist_referral_due"} & set(names(state))


def test_a_tier_3_plan_also_needs_a_case_manager() -> None:
    state = assessed(Tier.SPECIALIST, by=PHYSICIAN)
    with pytest.raises(PreconditionNotMet) as refused:
        decided(state, plan_at(), ASSESSED)
    assert refused.value.action == "assign_case_manager"


def test_missed_specialist_deadlines_remind_oh_then_escalate() -> None:
    state = assessed(Tier.SPECIALIST)

    state, [assessment_reminder] = fire(state, "specialist_assessment_a1")
    assert notices_for(state, assessment_reminder)[0].kind is \
        NoticeKind.SPECIALIST_ASSESSMENT_DUE
    state, [escalated] = fire(state, "specialist_assessment_a1#2")
    assert isinstance(escalated, CaseEscalated)
    state, [referral_reminder] = fire(state, "specialist_referral_a1")
    assert notices_for(state, referral_reminder)[0].kind is NoticeKind.SPECIALIST_REFERRAL_DUE
    state, [again] = fire(state, "specialist_referral_a1#2")
    assert isinstance(again, CaseEscalated)
    assert [e.number for e in state.escalations] == [1, 2]


def test_a_later_tier_3_assessment_keeps_the_route_it_started() -> None:
    state = assessed(Tier.SPECIALIST, by=PHYSICIAN)
    later = ASSESSED + timedelta(days=5)
    state = act(state, assessment(Tier.SPECIALIST, later, NURSE), later)

    assert set(names(state)) == {"specialist_referral_due"}
    [referral] = [d for d in open_deadlines(state) if d.name == "specialist_referral_due"]
    assert referral.key == "specialist_referral_a1"


# -- the action table ---------------------------------------------------------------------------


def test_the_check_in_example_is_accepted_on_a_tier_1_case() -> None:
    rule = RULES[Action.RECORD_SELF_HELP_CHECK_IN]
    state = assessed(Tier.SELF_HELP)
    example = rule.command.model_validate(rule.example)
    at = at_day(date(2026, 11, 23), 15)

    events = decided(state, example, at)

    assert state.stage in rule.stages
    assert [type(e).__name__ for e in events] == ["SelfHelpCheckInRecorded", "CaseClosed"]


def test_the_check_in_is_not_offered_once_the_case_is_closed() -> None:
    state = assessed(Tier.SELF_HELP)
    on = date(2026, 12, 4)
    state = act(state, check_in(on, fine=True, returned_on=on), at_day(on))
    with pytest.raises(ActionNotAllowed):
        decided(state, check_in(on, fine=False), at_day(on))
