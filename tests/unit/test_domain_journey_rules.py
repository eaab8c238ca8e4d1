"""The rules of each stage, decided and evolved without any server."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import (
    CloseCase,
    CompletePhasedReturn,
    DeadlinePassed,
    EmployeeLeft,
    EmployeeReturned,
    ExtendAbsence,
    ExtendPhasedReturn,
    PhasedReturnWeek,
    RecordFitNote,
    ReferToTherapy,
    SickPayEntitlement,
    StartRedeploymentTrial,
    UpdateTherapy,
)
from domain.deadlines import open_deadlines
from domain.decide import decide, open_case
from domain.errors import ActionNotAllowed, InvalidCommand, NotOwnTeam, RoleNotAllowed
from domain.events import CaseEscalated, CaseEvent, OhReferralMade
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.journey.redeployment import VacancyMatch
from domain.stages import ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import (
    Fitness,
    FitNoteAssessment,
    IssuerProfession,
    MatchJudgement,
    Outcome,
    TherapyKind,
    TherapyStatus,
)
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, open_command

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # Friday, first day of absence
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
HR = Actor(id="hr-1", role=Role.HR, source=Source.API)


def apply(state: CaseState, events: list[CaseEvent]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def act(state: CaseState, command: object, at: datetime, actor: Actor = OH) -> CaseState:
    return apply(state, decide(state, command, now=at, actor=actor))  # type: ignore[arg-type]


def opened(reason: ReasonCategory = ReasonCategory.OTHER,
           sick_pay: SickPayEntitlement | None = None) -> CaseState:
    command = open_command(reason=reason).model_copy(update={"sick_pay": sick_pay})
    case_id = case_id_for_absence(command.employer_id, command.absence_id)
    return evolve(None, open_case(command, case_id=case_id, now=OPENED, actor=HR_ACTOR))


def planned(fitness: Fitness = Fitness.FIT_WITH_ADJUSTMENTS) -> CaseState:
    state = act(opened(), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    at = OPENED + timedelta(days=3)
    state = act(state, j.assessment(at, fitness), at)
    state = act(state, j.case_manager(), at)
    return act(state, j.plan(at, at.date()), at)


def test_the_stages_follow_contact_assessment_and_plan() -> None:
    state = opened()
    assert state.stage is Stage.EARLY_CONTACT
    state = act(state, j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    assert state.stage is Stage.ASSESSMENT
    at = OPENED + timedelta(days=2)
    state = act(state, j.assessment(at), at)
    assert state.stage is Stage.PLANNING
    state = act(state, j.case_manager(), at)
    state = act(state, j.plan(at, at.date()), at)
    assert state.stage is Stage.REHABILITATION


def test_a_plan_needs_employee_manager_and_oh() -> None:
    state = act(opened(), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    state = act(state, j.assessment(OPENED), OPENED)
    state = act(state, j.case_manager(), OPENED)
    command = j.plan(OPENED, OPENED.date())
    one_sided = command.model_copy(update={"agreed_by": command.agreed_by.model_copy(
        update={"manager": False})})
    with pytest.raises(InvalidCommand) as refused:
        decide(state, one_sided, now=OPENED, actor=OH)
    assert refused.value.field == "agreed_by"


def test_only_oh_records_an_assessment() -> None:
    state = act(opened(), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    with pytest.raises(RoleNotAllowed) as refused:
        decide(state, j.assessment(OPENED), now=OPENED, actor=MANAGER_ACTOR)
    assert refused.value.roles == ["oh"]


def test_fit_with_adjustments_names_the_adjustments() -> None:
    state = act(opened(), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    bare = j.assessment(OPENED).model_copy(update={"recommended_adjustments": []})
    with pytest.raises(InvalidCommand) as refused:
        decide(state, bare, now=OPENED, actor=OH)
    assert refused.value.field == "recommended_adjustments"


def test_unfit_for_any_work_is_escalated_once_as_a_recommendation() -> None:
    state = planned(Fitness.UNFIT_ANY_WORK)
    [escalation] = state.escalations
    # Under the practice rules HR is added only when a named OH professional confirms it.
    assert escalation.confirmed is None and escalation.escalated_to == (Role.OH,)
    again = decide(state, j.assessment(OPENED + timedelta(days=4), Fitness.UNFIT_ANY_WORK),
                   now=OPENED + timedelta(days=4), actor=OH)
    assert not any(isinstance(e, CaseEscalated) for e in again)


def test_before_july_2022_only_doctors_issue_fit_notes() -> None:
    note = RecordFitNote(issued_on=date(2022, 6, 30), issuer_profession=IssuerProfession.NURSE,
                         assessment=FitNoteAssessment.NOT_FIT, starts_on=date(2022, 6, 30),
                         days=14)
    with pytest.raises(InvalidCommand) as refused:
        decide(opened(), note, now=OPENED, actor=HR)
    assert refused.value.field == "issuer_profession"
    allowed = note.model_copy(update={"issued_on": date(2022, 7, 1)})
    assert decide(opened(), allowed, now=OPENED, actor=HR)


def test_a_long_early_fit_note_is_flagged_not_refused() -> None:
    [recorded, _] = decide(opened(), j.fit_note(OPENED.date(), days=120), now=OPENED, actor=HR)
    assert recorded.warnings and "three months" in recorded.warnings[0]  # type: ignore[union-attr]


def test_not_fit_note_with_options_is_refused() -> None:
    note = j.fit_note(OPENED.date()).model_copy(update={"options": ["phased_return"]})
    with pytest.raises(InvalidCommand) as refused:
        decide(opened(), note, now=OPENED, actor=HR)
    assert refused.value.field == "options"


def test_not_fit_note_escalates_to_oh() -> None:
    events = decide(opened(), j.fit_note(OPENED.date()), now=OPENED, actor=HR)
    assert isinstance(events[-1], CaseEscalated)
    assert events[-1].cause == "fit note: not fit for work"


def test_fit_note_expiry_is_reminded_two_days_before() -> None:
    state = act(opened(), j.fit_note(OPENED.date(), days=14), OPENED, HR)
    [ending] = [d for d in open_deadlines(state) if d.name == "fit_note_ending"]
    assert ending.due_at == datetime(2026, 12, 1, 9, tzinfo=UTC)  # note ends 3 Dec


def test_sick_pay_warnings_come_before_half_and_nil_pay() -> None:
    state = opened(sick_pay=SickPayEntitlement(full_pay_days=30, half_pay_days=30))
    warnings = {d.name: d.due_at for d in open_deadlines(state)
                if d.name.startswith("sick_pay")}
    assert warnings == {
        "sick_pay_half_warning": datetime(2026, 12, 6, 9, tzinfo=UTC),  # half pay from 20 Dec
        "sick_pay_nil_warning": datetime(2027, 1, 5, 9, tzinfo=UTC),  # nil pay from 19 Jan
    }


def test_rapid_access_refers_musculoskeletal_cases_at_once() -> None:
    state = opened(ReasonCategory.MUSCULOSKELETAL)
    [rapid] = [d for d in open_deadlines(state) if d.name == "rapid_access_referral"]
    assert rapid.due_at == OPENED
    [referral] = decide(state, DeadlinePassed(key=rapid.key), now=OPENED, actor=TIMER_ACTOR)
    assert isinstance(referral, OhReferralMade)
    assert referral.assessment_due_at == OPENED + timedelta(days=7)
    assert "rapid_access_referral" not in {d.name for d in open_deadlines(evolve(state,
                                                                                 referral))}


def test_a_missed_first_assessment_is_reminded_then_escalated() -> None:
    state = act(opened(ReasonCategory.MENTAL_HEALTH), j.early_contact(OPENED), OPENED,
                MANAGER_ACTOR)
    state = apply(state, decide(state, DeadlinePassed(key="rapid_access_referral"), now=OPENED,
                                actor=TIMER_ACTOR))
    due = OPENED + timedelta(days=7)
    state = apply(state, decide(state, DeadlinePassed(key="first_assessment_due"), now=due,
                                actor=TIMER_ACTOR))
    [second] = [d for d in open_deadlines(state) if d.key == "first_assessment_due#2"]
    assert second.due_at == due + timedelta(days=2)
    [escalated] = decide(state, DeadlinePassed(key=second.key), now=second.due_at,
                         actor=TIMER_ACTOR)
    assert isinstance(escalated, CaseEscalated) and "overdue twice" in escalated.cause


def test_therapy_moves_forward_only_and_counts_its_wait() -> None:
    state = act(planned(), ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY,
                                          referred_on=date(2026, 11, 23)), OPENED + timedelta(5))
    later = OPENED + timedelta(days=20)
    state = act(state, UpdateTherapy(therapy_number=1, status=TherapyStatus.STARTED,
                                     on=date(2026, 12, 4)), later)
    assert state.therapies[0].waiting_days == 11
    with pytest.raises(InvalidCommand) as refused:
        decide(state, UpdateTherapy(therapy_number=1, status=TherapyStatus.WAITING,
                                    on=date(2026, 12, 5)), now=later, actor=OH)
    assert refused.value.field == "status" and "completed" in refused.value.reason


def test_phased_return_is_four_weeks_or_six_on_oh_advice() -> None:
    state = planned()
    at = OPENED + timedelta(days=4)
    with pytest.raises(InvalidCommand):
        decide(state, j.phased_return(at.date(), weeks=5), now=at, actor=OH)
    state = act(state, j.phased_return(at.date(), weeks=4), at)
    extra = [PhasedReturnWeek(week=5, hours=35, duties="Full duties, no lifting"),
             PhasedReturnWeek(week=6, hours=37.5, duties="Full duties")]
    with pytest.raises(InvalidCommand) as refused:
        decide(state, ExtendPhasedReturn(weeks=extra, reason="slow"), now=at, actor=OH)
    assert "at most 4 weeks" in refused.value.reason
    extended = act(state, ExtendPhasedReturn(weeks=extra, on_oh_advice=True, reason="slow"), at)
    assert phased_weeks(extended) == 6


def phased_weeks(state: CaseState) -> int:
    assert state.phased_return is not None
    return len(state.phased_return.weeks)


def test_a_return_outcome_waits_for_the_phased_return_and_both_interventions() -> None:
    at = OPENED + timedelta(days=4)
    state = act(planned(), j.phased_return(at.date()), at)
    with pytest.raises(InvalidCommand) as refused:
        decide(state, j.close(Outcome.RETURNED_TO_OWN_ROLE, at.date()), now=at, actor=OH)
    assert "complete the phased return" in refused.value.reason
    done = at + timedelta(days=28)
    state = act(state, CompletePhasedReturn(completed_on=done.date()), done)
    missing = CloseCase(outcome=Outcome.RETURNED_TO_OWN_ROLE, closed_on=done.date())
    with pytest.raises(InvalidCommand) as refused:
        decide(state, missing, now=done, actor=OH)
    assert refused.value.field == "intervention_by_employee"
    closed = act(state, j.close(Outcome.RETURNED_TO_OWN_ROLE, done.date()), done)
    assert closed.stage is Stage.FOLLOW_UP
    assert closed.closure is not None
    assert closed.closure.follow_up_due_on == at.date() + timedelta(days=28)


def test_redeployed_needs_a_confirmed_trial() -> None:
    at = OPENED + timedelta(days=4)
    state = act(planned(), StartRedeploymentTrial(
        vacancy_ref="V1", role_title="Clerk", starts_on=at.date(), trial_weeks=8,
        permanent=False, match=VacancyMatch(demands=[], judgement=MatchJudgement.SUITABLE)),
        at, HR)
    with pytest.raises(InvalidCommand) as refused:
        decide(state, j.close(Outcome.REDEPLOYED, at.date()), now=at, actor=OH)
    assert "confirmed redeployment" in refused.value.reason


def test_hr_facts_repeated_or_out_of_order_change_nothing() -> None:
    state = opened()
    sent = OPENED + timedelta(days=1)
    extended = act(state, ExtendAbsence(sent_at=sent, expected_last_day=date(2026, 12, 31)),
                   sent, HR_ACTOR)
    assert decide(extended, ExtendAbsence(sent_at=sent, expected_last_day=date(2026, 12, 31)),
                  now=sent, actor=HR_ACTOR) == []
    older = ExtendAbsence(sent_at=OPENED, expected_last_day=date(2026, 12, 10))
    assert decide(extended, older, now=sent, actor=HR_ACTOR) == []
    returned = act(extended, EmployeeReturned(sent_at=sent, returned_on=date(2026, 11, 30)),
                   sent, HR_ACTOR)
    assert decide(returned, EmployeeReturned(sent_at=sent, returned_on=date(2026, 12, 1)),
                  now=sent, actor=HR_ACTOR) == []
    left = act(returned, EmployeeLeft(sent_at=sent, left_on=date(2026, 12, 2)), sent, HR_ACTOR)
    assert left.stage is Stage.CLOSED
    assert left.closure is not None and left.closure.outcome is Outcome.LEFT_EMPLOYMENT
    assert decide(left, EmployeeLeft(sent_at=sent, left_on=date(2026, 12, 2)), now=sent,
                  actor=HR_ACTOR) == []


def test_a_closed_case_takes_no_more_actions() -> None:
    at = OPENED + timedelta(days=4)
    closed = act(planned(), j.close(Outcome.WITHDRAWN, at.date()), at)
    assert closed.stage is Stage.CLOSED
    assert open_deadlines(closed) == []
    with pytest.raises(ActionNotAllowed):
        decide(closed, j.fit_note(at.date()), now=at, actor=HR)


def test_a_line_manager_acts_only_on_their_own_team() -> None:
    stranger = Actor(id="M9999", role=Role.MANAGER, source=Source.API)
    with pytest.raises(NotOwnTeam):
        decide(opened(), j.early_contact(OPENED), now=OPENED, actor=stranger)
