"""The consequences of the fit note, the escalation and the plan under the practice rules, and
the cases opened before them deciding exactly as they did."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.actions import RULES
from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.calendar import local_moment
from domain.commands import (
    ConfirmEscalation,
    DeadlinePassed,
    DeclineFitNoteAdvice,
    EmployeeReturned,
    RecordPlanReview,
)
from domain.deadlines import Deadline, open_deadlines, shared_deadlines
from domain.decide import decide
from domain.errors import InvalidCommand
from domain.events import CaseEscalated, CaseEvent, EscalationConfirmed, ReminderSent
from domain.evolve import evolve
from domain.journey.escalation import RecordEscalationReview
from domain.journey.fit_note import AcceptFitNoteAdvice
from domain.journey.plan import CompletePlanAction, owner_role
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY
from domain.stages import Action, Stage
from domain.state import CaseState
from domain.values import Adjustment
from domain.vocabulary import AdjustmentKind, Fitness, FitNoteAssessment, FitNoteOption
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, opened_state

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)  # Friday, first day of absence
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
DAY = timedelta(days=1)


def apply(state: CaseState, events: list[CaseEvent]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def act(state: CaseState, command: Any, at: datetime, actor: Actor = OH) -> CaseState:
    return apply(state, decide(state, command, now=at, actor=actor))


def opened(practice: int = 1) -> CaseState:
    return opened_state(OPENED).model_copy(update={"practice": practice})


def deadline(state: CaseState, name: str) -> Deadline:
    [found] = [d for d in open_deadlines(state) if d.name == name]
    return found


def names(state: CaseState) -> set[str]:
    return {d.name for d in open_deadlines(state)}


def fire(state: CaseState, key: str, at: datetime) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, DeadlinePassed(key=key), now=at, actor=TIMER_ACTOR)
    return apply(state, events), events


def with_note(state: CaseState, at: datetime = OPENED,
              assessment: FitNoteAssessment = FitNoteAssessment.NOT_FIT, days: int = 14,
              options: tuple[FitNoteOption, ...] = (), assess_again: bool = False
              ) -> CaseState:
    note = j.fit_note(at.date(), assessment, days=days).model_copy(
        update={"options": list(options), "assess_again": assess_again})
    return act(state, note, at, MANAGER_ACTOR)


def assessed(practice: int = 1, fitness: Fitness = Fitness.FIT_WITH_ADJUSTMENTS) -> CaseState:
    state = act(opened(practice), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    state = act(state, j.assessment(OPENED + 3 * DAY, fitness), OPENED + 3 * DAY)
    if practice:  # a tier-2 case is coordinated by a named case manager before its plan
        state = act(state, j.case_manager(), OPENED + 3 * DAY)
    return state


def planned(practice: int = 1) -> CaseState:
    at = OPENED + 3 * DAY
    return act(assessed(practice), j.plan(at, at.date()), at)


MAY_BE_FIT = FitNoteAssessment.MAY_BE_FIT
ADVICE = (FitNoteOption.PHASED_RETURN, FitNoteOption.AMENDED_DUTIES)


# --- the fit note -------------------------------------------------------------------------

def test_may_be_fit_options_become_proposed_adjustments_awaiting_the_employer() -> None:
    state = with_note(opened(), assessment=MAY_BE_FIT, options=ADVICE)
    assert [(p.option, p.fit_note_number, p.employer_can_make)
            for p in state.proposed_adjustments] == [
        (FitNoteOption.PHASED_RETURN, 1, None), (FitNoteOption.AMENDED_DUTIES, 1, None)]


def test_a_later_not_fit_note_withdraws_the_proposals() -> None:
    state = with_note(opened(), assessment=MAY_BE_FIT, options=ADVICE)
    state = with_note(state, OPENED + 2 * DAY)
    assert state.proposed_adjustments == ()


def test_the_employer_records_which_changes_it_can_make() -> None:
    state = with_note(opened(), assessment=MAY_BE_FIT, options=ADVICE)
    state = act(state, AcceptFitNoteAdvice(fit_note_number=1,
                                           can_make=[FitNoteOption.PHASED_RETURN]),
                OPENED, MANAGER_ACTOR)
    assert {p.option: p.employer_can_make for p in state.proposed_adjustments} == {
        FitNoteOption.PHASED_RETURN: True, FitNoteOption.AMENDED_DUTIES: False}
    assert not state.fit_notes[0].counts_as_not_fit
    with pytest.raises(InvalidCommand) as refused:
        decide(state, AcceptFitNoteAdvice(fit_note_number=1,
                                          can_make=[FitNoteOption.PHASED_RETURN]),
               now=OPENED, actor=MANAGER_ACTOR)
    assert "already answered" in str(refused.value)


@pytest.mark.parametrize(("command", "field"), [
    (AcceptFitNoteAdvice(fit_note_number=1, can_make=[FitNoteOption.ALTERED_HOURS]),
     "can_make"),
    (AcceptFitNoteAdvice(fit_note_number=2, can_make=[FitNoteOption.PHASED_RETURN]),
     "fit_note_number"),
])
def test_advice_the_note_did_not_give_is_refused(command: AcceptFitNoteAdvice,
                                                 field: str) -> None:
    state = with_note(opened(), assessment=MAY_BE_FIT, options=ADVICE)
    with pytest.raises(InvalidCommand) as refused:
        decide(state, command, now=OPENED, actor=MANAGER_ACTOR)
    assert refused.value.field == field


def test_a_not_fit_note_has_no_advice_to_accept() -> None:
    state = with_note(opened())
    with pytest.raises(InvalidCommand):
        decide(state, AcceptFitNoteAdvice(fit_note_number=1,
                                          can_make=[FitNoteOption.PHASED_RETURN]),
               now=OPENED, actor=MANAGER_ACTOR)


def test_the_latest_advice_replaces_the_earlier_and_a_decline_refuses_all_of_it() -> None:
    state = with_note(opened(), assessment=MAY_BE_FIT, options=ADVICE)
    state = with_note(state, assessment=MAY_BE_FIT, options=(FitNoteOption.ALTERED_HOURS,))
    assert [p.option for p in state.proposed_adjustments] == [FitNoteOption.ALTERED_HOURS]
    state = act(state, DeclineFitNoteAdvice(fit_note_number=2, reason="No shorter shifts"),
                OPENED, MANAGER_ACTOR)
    assert [p.employer_can_make for p in state.proposed_adjustments] == [False]
    assert state.fit_notes[1].counts_as_not_fit


def test_a_plan_given_without_adjustments_starts_from_those_the_employer_can_make() -> None:
    state = with_note(assessed(), assessment=MAY_BE_FIT, options=ADVICE)
    state = act(state, AcceptFitNoteAdvice(fit_note_number=1,
                                           can_make=[FitNoteOption.AMENDED_DUTIES]),
                OPENED + 3 * DAY, MANAGER_ACTOR)
    events = decide(state, _plan_command([]), now=OPENED + 3 * DAY, actor=OH)
    state = apply(state, events)
    assert state.plan is not None
    assert state.plan.content.adjustments == [
        Adjustment(kind=AdjustmentKind.AMENDED_DUTIES,
                   detail="Amended duties, as fit note 1 advised")]
    assert "taken from the fit note's advice" in events[0].reason


def _plan_command(adjustments: list[Any]) -> Any:
    at = OPENED + 3 * DAY
    plan = j.plan(at, at.date())
    return plan.model_copy(update={"plan": plan.plan.model_copy(
        update={"adjustments": adjustments})})


def test_a_plan_that_names_its_adjustments_keeps_them() -> None:
    state = with_note(assessed(), assessment=MAY_BE_FIT, options=ADVICE)
    state = apply(state, decide(state, j.plan(OPENED + 3 * DAY, (OPENED + 3 * DAY).date()),
                                now=OPENED + 3 * DAY, actor=OH))
    assert state.plan is not None
    assert [a.detail for a in state.plan.content.adjustments] == ["Sit-stand desk"]


def test_a_case_before_the_practice_rules_has_no_proposals_and_plans_as_given() -> None:
    state = with_note(assessed(practice=0), assessment=MAY_BE_FIT, options=ADVICE)
    assert state.proposed_adjustments == ()
    state = apply(state, decide(state, _plan_command([]), now=OPENED + 3 * DAY, actor=OH))
    assert state.plan is not None and state.plan.content.adjustments == []


@pytest.mark.parametrize(("practice", "can_make", "linked"), [
    (1, [FitNoteOption.PHASED_RETURN], True), (1, [FitNoteOption.AMENDED_DUTIES], False),
    (0, [FitNoteOption.PHASED_RETURN], False),
])
def test_a_phased_return_starts_from_the_advice_the_employer_can_make(
        practice: int, can_make: list[FitNoteOption], linked: bool) -> None:
    state = with_note(assessed(practice), assessment=MAY_BE_FIT, options=ADVICE)
    state = act(state, AcceptFitNoteAdvice(fit_note_number=1, can_make=can_make),
                OPENED + 3 * DAY, MANAGER_ACTOR)
    state = act(state, _plan_command([]), OPENED + 3 * DAY)
    [started] = decide(state, j.phased_return((OPENED + 4 * DAY).date()),
                       now=OPENED + 3 * DAY, actor=OH)
    assert ("as fit note 1 advised" in started.reason) is linked


def test_a_lapsed_note_reminds_employee_manager_and_hr_the_day_after_it_ends() -> None:
    state = with_note(opened(), days=14)  # 20 Nov to 3 Dec
    lapsed = deadline(state, "fit_note_lapsed")
    assert lapsed.due_at == local_moment(date(2026, 12, 4), DEFAULT_POLICY.reminders_at)
    assert lapsed.recipients == (Role.EMPLOYEE, Role.MANAGER, Role.HR)
    after, [reminder] = fire(state, lapsed.key, lapsed.due_at)
    assert isinstance(reminder, ReminderSent)
    assert {(n.kind, n.recipient_role) for n in notices_for(after, reminder)} == {
        (NoticeKind.FIT_NOTE_LAPSED, Role.EMPLOYEE), (NoticeKind.FIT_NOTE_LAPSED, Role.MANAGER),
        (NoticeKind.FIT_NOTE_LAPSED, Role.HR)}


def test_a_new_note_or_a_return_meets_the_note_end_deadline() -> None:
    state = with_note(opened(), days=14)
    renewed = with_note(state, OPENED + 10 * DAY, days=14)
    assert deadline(renewed, "fit_note_lapsed").key == "fit_note_2_lapsed"
    back = act(state, EmployeeReturned(sent_at=OPENED + 5 * DAY,
                                       returned_on=(OPENED + 5 * DAY).date()),
               OPENED + 5 * DAY, HR_ACTOR)
    assert "fit_note_lapsed" not in names(back)


def test_a_note_whose_issuer_will_assess_again_reminds_oh_before_it_ends() -> None:
    state = with_note(opened(), days=14, assess_again=True)
    again = deadline(state, "fit_note_assess_again")
    assert again.recipients == (Role.OH,)
    assert again.due_at == local_moment(date(2026, 12, 1), DEFAULT_POLICY.reminders_at)
    after, [reminder] = fire(state, again.key, again.due_at)
    assert [(n.kind, n.recipient_role) for n in notices_for(after, reminder)] == [
        (NoticeKind.FIT_NOTE_ASSESS_AGAIN, Role.OH)]
    assert "fit_note_assess_again" not in names(with_note(opened(), days=14))


def test_cases_before_the_practice_rules_have_no_new_fit_note_deadlines() -> None:
    state = with_note(opened(practice=0), days=14, assess_again=True)
    assert not names(state) & {"fit_note_lapsed", "fit_note_assess_again"}


def _escalated_by_notes(practice: int, confirm: bool | None) -> list[int]:
    """Three 'not fit' notes, the first escalation decided as `confirm` says; the numbers of
    the escalations raised."""
    state = with_note(opened(practice))
    if confirm is not None:
        state = act(state, ConfirmEscalation(escalation_number=1, confirmed_by="Dr Ana Shah",
                                             confirm=confirm), OPENED)
    for n in (1, 2):
        state = with_note(state, OPENED + 14 * n * DAY)
    return [e.number for e in state.escalations]


def test_later_not_fit_notes_do_not_escalate_again_once_one_is_confirmed() -> None:
    assert _escalated_by_notes(1, confirm=True) == [1]
    assert _escalated_by_notes(1, confirm=None) == [1]


def test_a_dismissed_escalation_lets_a_later_note_recommend_again() -> None:
    assert _escalated_by_notes(1, confirm=False) == [1, 2]


def test_before_the_practice_rules_each_note_after_a_confirmation_escalated_again() -> None:
    assert _escalated_by_notes(0, confirm=True) == [1, 2]


# --- the escalation -----------------------------------------------------------------------

def _raised(practice: int = 1) -> tuple[CaseState, list[CaseEvent]]:
    state = act(opened(practice), j.early_contact(OPENED), OPENED, MANAGER_ACTOR)
    events = decide(state, j.assessment(OPENED + DAY, Fitness.UNFIT_ANY_WORK),
                    now=OPENED + DAY, actor=OH)
    return apply(state, events), events


def _notices(state: CaseState, events: list[CaseEvent]) -> set[tuple[NoticeKind, Role]]:
    found: set[tuple[NoticeKind, Role]] = set()
    for event in events:
        found |= {(n.kind, n.recipient_role) for n in notices_for(state, event)}
    return found


def _confirm(state: CaseState, confirm: bool = True, at: datetime = OPENED + 2 * DAY
             ) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, ConfirmEscalation(escalation_number=1, confirmed_by="Dr Ana Shah",
                                             confirm=confirm), now=at, actor=OH)
    return apply(state, events), events


def test_hr_is_told_only_after_a_named_professional_confirms() -> None:
    state, raised = _raised()
    assert _notices(state, raised) == {(NoticeKind.CASE_ESCALATED, Role.OH)}
    assert state.escalations[0].escalated_to == (Role.OH,)
    confirmed, events = _confirm(state)
    assert _notices(confirmed, events) == {(NoticeKind.ESCALATION_CONFIRMED_HR, Role.HR)}
    assert confirmed.escalations[0].escalated_to == (Role.OH, Role.HR)


def test_a_dismissed_escalation_is_never_told_to_hr() -> None:
    state, _ = _raised()
    dismissed, events = _confirm(state, confirm=False)
    assert _notices(dismissed, events) == set()
    assert "escalation_review_due" not in names(dismissed)


def test_a_policy_that_keeps_hr_out_of_escalations_keeps_it_out_after_confirmation() -> None:
    state, _ = _raised()
    state = state.model_copy(update={"policy": state.policy.model_copy(
        update={"hr_informed_of_escalations": False})})
    confirmed, events = _confirm(state)
    assert _notices(confirmed, events) == set()


def test_before_the_practice_rules_hr_heard_when_raised_and_not_again() -> None:
    state, raised = _raised(practice=0)
    assert _notices(state, raised) == {(NoticeKind.CASE_ESCALATED, Role.OH),
                                       (NoticeKind.CASE_ESCALATED_HR, Role.HR)}
    confirmed, events = _confirm(state)
    assert _notices(confirmed, events) == set()
    assert "escalation_review_due" not in names(confirmed)


def test_a_case_before_the_practice_rules_may_record_a_review_but_is_never_reminded() -> None:
    state, _ = _raised(practice=0)
    confirmed, _ = _confirm(state)
    at = OPENED + 4 * DAY
    reviewed = act(confirmed, RecordEscalationReview(escalation_number=1,
                                                     reviewed_on=at.date()), at)
    assert reviewed.escalations[0].reviewed_on == at.date()


def test_a_confirmed_escalation_sets_an_oh_review_within_the_policy_days() -> None:
    state, _ = _raised()
    confirmed, _ = _confirm(state, at=datetime(2026, 11, 23, 15, tzinfo=UTC))
    review = deadline(confirmed, "escalation_review_due")
    assert review.recipients == (Role.OH,)
    assert review.due_at == local_moment(date(2026, 11, 28), DEFAULT_POLICY.reminders_at)
    reminded, [reminder] = fire(confirmed, review.key, review.due_at)
    assert [(n.kind, n.recipient_role) for n in notices_for(reminded, reminder)] == [
        (NoticeKind.ESCALATION_REVIEW_DUE, Role.OH)]
    twice = deadline(reminded, "escalation_review_due_missed_twice")
    _, [escalated] = fire(reminded, twice.key, twice.due_at)
    assert isinstance(escalated, CaseEscalated) and escalated.number == 2


def test_recording_the_review_meets_it() -> None:
    state, _ = _raised()
    confirmed, _ = _confirm(state)
    at = OPENED + 4 * DAY
    reviewed = act(confirmed, RecordEscalationReview(escalation_number=1,
                                                     reviewed_on=at.date()), at)
    assert reviewed.escalations[0].reviewed_on == at.date()
    assert "escalation_review_due" not in names(reviewed)
    with pytest.raises(InvalidCommand, match="already reviewed"):
        decide(reviewed, RecordEscalationReview(escalation_number=1, reviewed_on=at.date()),
               now=at, actor=OH)


def test_an_oh_assessment_after_the_confirmation_counts_as_the_review() -> None:
    state, _ = _raised()
    confirmed, _ = _confirm(state)
    at = OPENED + 4 * DAY
    again = act(confirmed, j.assessment(at, Fitness.UNFIT_OWN_ROLE), at)
    assert "escalation_review_due" not in names(again)


@pytest.mark.parametrize(("confirm", "reviewed_on", "field"), [
    (None, date(2026, 11, 24), "escalation_number"),
    (True, date(2026, 11, 21), "reviewed_on"),
])
def test_a_review_of_an_unconfirmed_escalation_or_before_it_is_refused(
        confirm: bool | None, reviewed_on: date, field: str) -> None:
    state, _ = _raised()
    if confirm is not None:
        state, _ = _confirm(state)
    with pytest.raises(InvalidCommand) as refused:
        decide(state, RecordEscalationReview(escalation_number=1, reviewed_on=reviewed_on),
               now=OPENED + 4 * DAY, actor=OH)
    assert refused.value.field == field


# --- the plan -----------------------------------------------------------------------------

@pytest.mark.parametrize(("owner", "role"), [
    ("line manager", Role.MANAGER), ("Manager", Role.MANAGER), ("HR", Role.HR),
    ("HR business partner", Role.HR), ("employee", Role.EMPLOYEE),
    ("Sam (employee)", Role.EMPLOYEE), ("OH nurse", Role.OH), ("physiotherapist", Role.OH),
    ("Three hours", Role.OH),
])
def test_an_actions_owner_says_whom_its_due_date_reminds(owner: str, role: Role) -> None:
    assert owner_role(owner) is role


def test_each_plan_action_reminds_its_owner_on_its_due_date() -> None:
    state = planned()
    due = deadline(state, "plan_action_due")
    assert due.recipients == (Role.MANAGER,)
    assert due.due_at == local_moment(date(2026, 11, 30), DEFAULT_POLICY.reminders_at)
    after, [reminder] = fire(state, due.key, due.due_at)
    assert [(n.kind, n.recipient_role, n.recipient_id)
            for n in notices_for(after, reminder)] == [
        (NoticeKind.PLAN_ACTION_DUE, Role.MANAGER, "M2002")]


def test_a_completed_action_is_not_reminded() -> None:
    state = planned()
    at = OPENED + 5 * DAY
    done = act(state, CompletePlanAction(action_number=1, completed_on=at.date()), at,
               MANAGER_ACTOR)
    assert done.plan is not None and done.plan.completed_actions == (1,)
    assert "plan_action_due" not in names(done)
    with pytest.raises(InvalidCommand, match="already completed"):
        decide(done, CompletePlanAction(action_number=1, completed_on=at.date()), now=at,
               actor=OH)


@pytest.mark.parametrize(("number", "completed_on", "field"), [
    (2, date(2026, 11, 24), "action_number"),
    (1, date(2026, 11, 22), "completed_on"),
    (1, date(2026, 11, 26), "completed_on"),
])
def test_completing_an_action_the_plan_lacks_or_out_of_time_is_refused(
        number: int, completed_on: date, field: str) -> None:
    with pytest.raises(InvalidCommand) as refused:
        decide(planned(), CompletePlanAction(action_number=number, completed_on=completed_on),
               now=OPENED + 5 * DAY, actor=OH)
    assert refused.value.field == field


def _off_track(state: CaseState, on: date) -> CaseState:
    at = local_moment(on, DEFAULT_POLICY.reminders_at)
    return act(state, RecordPlanReview(reviewed_on=on, on_track=False), at)


def test_a_review_not_on_track_requires_a_revision_within_the_policy_days() -> None:
    state = _off_track(planned(), date(2026, 11, 30))
    revision = deadline(state, "plan_revision_due")
    assert revision.recipients == (Role.OH,)
    assert revision.due_at == local_moment(date(2026, 12, 7), DEFAULT_POLICY.reminders_at)
    reminded, [reminder] = fire(state, revision.key, revision.due_at)
    assert [(n.kind, n.recipient_role) for n in notices_for(reminded, reminder)] == [
        (NoticeKind.PLAN_REVISION_DUE, Role.OH)]
    twice = deadline(reminded, "plan_revision_due_missed_twice")
    _, [escalated] = fire(reminded, twice.key, twice.due_at)
    assert isinstance(escalated, CaseEscalated)


def test_a_revision_or_a_review_back_on_track_meets_it() -> None:
    state = _off_track(planned(), date(2026, 11, 30))
    at = local_moment(date(2026, 12, 2), DEFAULT_POLICY.reminders_at)
    revise = RULES[Action.REVISE_PLAN].command.model_validate(
        {**RULES[Action.REVISE_PLAN].example, "agreed_at": at.isoformat(),
         "plan": {**RULES[Action.REVISE_PLAN].example["plan"], "review_dates": ["2026-12-14"],
                  "actions": []}})
    assert "plan_revision_due" not in names(act(state, revise, at))
    back = act(state, RecordPlanReview(reviewed_on=at.date(), on_track=True), at)
    assert "plan_revision_due" not in names(back)


def test_a_plan_before_the_practice_rules_has_only_its_reviews() -> None:
    state = _off_track(planned(practice=0), date(2026, 11, 30))
    assert not names(state) & {"plan_action_due", "plan_revision_due"}
    assert state.plan is not None and state.plan.off_track_on is None


# --- the new actions' examples --------------------------------------------------------------

def _in_allowed_stage(action: Action) -> tuple[CaseState, datetime]:
    """A case in a stage where the action is allowed, with what its example refers to."""
    at = datetime(2026, 11, 23, 12, tzinfo=UTC)
    if action is Action.ACCEPT_FIT_NOTE_ADVICE:
        example = RULES[Action.RECORD_FIT_NOTE].example
        note = RULES[Action.RECORD_FIT_NOTE].command.model_validate(example)
        return act(opened(), note, at, MANAGER_ACTOR), at
    if action is Action.RECORD_ESCALATION_REVIEW:
        state, _ = _raised()
        return _confirm(state, at=at - timedelta(hours=1))[0], at
    return planned(), at


@pytest.mark.parametrize("action", [Action.ACCEPT_FIT_NOTE_ADVICE,
                                    Action.RECORD_ESCALATION_REVIEW,
                                    Action.COMPLETE_PLAN_ACTION])
def test_each_new_actions_example_is_accepted_where_it_is_allowed(action: Action) -> None:
    rule = RULES[action]
    state, at = _in_allowed_stage(action)
    assert state.stage in rule.stages
    command = rule.command.model_validate(rule.example)
    events = decide(state, command, now=at, actor=OH)
    assert events
    apply(state, events)


def test_the_new_reminders_are_shown_to_oh_only_where_their_name_hints_at_health() -> None:
    state = with_note(opened(), days=14, assess_again=True)
    shared = {d.name for d in shared_deadlines(open_deadlines(state))}
    assert "fit_note_lapsed" in shared and "fit_note_assess_again" not in shared


def test_the_stage_a_confirmation_leaves_is_unchanged() -> None:
    state, _ = _raised()
    confirmed, events = _confirm(state)
    assert isinstance(events[0], EscalationConfirmed)
    assert confirmed.stage is state.stage is Stage.PLANNING
