"""The community route: a person referred to a community service by their GP, a link worker, a
fit note or themselves, with no employer and no line manager; the service triages, assesses,
agrees the plan with the person and closes; the steps of an employer or a manager are refused."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from domain.actions import allowed_actions
from domain.actors import Actor, Person, Role, Source
from domain.commands import (
    AcceptReferral,
    AgreePlan,
    AssignCaseManager,
    PlanAction,
    PlanAgreement,
    PlanContent,
    RecordCheckIn,
    RecordFollowUp,
    RecordPlanReview,
)
from domain.deadlines import decide_deadline, open_deadlines
from domain.decide import decide, receive_community_referral
from domain.errors import ActionNotAllowed, InvalidCommand, NotOwnTeam
from domain.events import CaseEvent, CommunityReferralReceived, parse_event
from domain.evolve import evolve, fold
from domain.ids import case_id_for_community_referral, case_id_for_referral
from domain.journey.community import NoEmployerInvolved, ReceiveCommunityReferral
from domain.journey.fit_note import AcceptFitNoteAdvice, RecordFitNote
from domain.notices import notices_for
from domain.policy import DEFAULT_POLICY
from domain.practice import CURRENT_PRACTICE
from domain.stages import Action, ContactMethod, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import (
    FitNoteAssessment,
    FitNoteOption,
    IssuerProfession,
    Outcome,
    ReferralSource,
    Route,
)
from localstack import samples as j
from tests.support.builders import MANAGER_ACTOR, opened_state

REFERRED = datetime(2026, 11, 16, 9, 30, tzinfo=UTC)  # a Monday
PROVIDER = "primary-care-vr"
PERSON = Person(id="P-4471", name="Robin Shah", email="robin@example.org")
SERVICE = Actor(id="OT-3", role=Role.OH, source=Source.API)
A_MANAGER = Actor(id="M2002", role=Role.MANAGER, source=Source.API)


def gp_referral(*, in_work: bool = True, source: ReferralSource = ReferralSource.GP,
                fit_note: RecordFitNote | None = None) -> ReceiveCommunityReferral:
    return ReceiveCommunityReferral(
        provider_id=PROVIDER, referral_id="GP-0193", person=PERSON, source=source,
        reason_category=ReasonCategory.MUSCULOSKELETAL, referred_on=REFERRED.date(),
        in_work=in_work, policy=DEFAULT_POLICY, summary="Back pain; struggling at work",
        fit_note=fit_note)


def opened(command: ReceiveCommunityReferral | None = None) -> CaseState:
    command = command or gp_referral()
    event = receive_community_referral(
        command, case_id=case_id_for_community_referral(PROVIDER, command.referral_id),
        now=REFERRED, actor=SERVICE)
    return evolve(None, event)


def act(state: CaseState, command: object, at: datetime, actor: Actor = SERVICE
        ) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, command, now=at, actor=actor)  # type: ignore[arg-type]
    for event in events:
        state = evolve(state, event)
    return state, events


def plan(at: datetime, *, agreed_by: PlanAgreement | None = None,
         owner: str = "Robin (the person)") -> AgreePlan:
    return AgreePlan(
        agreed_at=at,
        plan=PlanContent(
            goals=["Manage a full shift without pain"],
            actions=[PlanAction(owner=owner, description="Graded walking programme",
                                due_on=at.date() + timedelta(days=7))],
            support_organisations=["Community physiotherapy"],
            review_dates=[at.date() + timedelta(days=14)],
        ),
        agreed_by=agreed_by or PlanAgreement(employee=True, manager=False, oh=True),
    )


def in_planning() -> CaseState:
    state, _ = act(opened(), AcceptReferral(accepted_by="Dana Cole, OT"), REFERRED)
    state, _ = act(state, AssignCaseManager(user_id="OT-3", name="Dana Cole"), REFERRED)
    state, _ = act(state, j.assessment(REFERRED + timedelta(days=2)),
                   REFERRED + timedelta(days=2))
    return state


def test_a_gp_referral_opens_a_community_case_with_no_line_manager_awaiting_triage() -> None:
    state = opened()

    assert (state.route, state.stage, state.manager) == (Route.COMMUNITY, Stage.REFERRAL, None)
    assert state.employer_id == PROVIDER
    assert state.employee.id == PERSON.id
    assert state.practice == CURRENT_PRACTICE
    assert state.referral is not None
    assert (state.referral.source, state.referral.in_work) == (ReferralSource.GP, True)
    assert [d.name for d in open_deadlines(state)] == ["referral_triage_due"]
    assert open_deadlines(state)[0].recipients == (Role.OH,)


def test_the_case_id_is_the_providers_referral_and_never_an_employers() -> None:
    assert case_id_for_community_referral(PROVIDER, "GP-0193") == (
        case_id_for_community_referral(PROVIDER, "GP-0193"))
    assert case_id_for_community_referral(PROVIDER, "GP-0193") != (
        case_id_for_referral(PROVIDER, "GP-0193"))


@pytest.mark.parametrize("source", [ReferralSource.GP, ReferralSource.LINK_WORKER,
                                    ReferralSource.SELF, ReferralSource.FIT_NOTE])
def test_a_gp_a_link_worker_a_fit_note_or_the_person_may_refer(source: ReferralSource) -> None:
    assert opened(gp_referral(source=source)).referral.source is source  # type: ignore[union-attr]


@pytest.mark.parametrize("source", [ReferralSource.MANAGER, ReferralSource.HOSPITAL_DISCHARGE])
def test_a_manager_or_another_source_does_not_refer_to_a_community_service(
        source: ReferralSource) -> None:
    with pytest.raises(ValidationError, match="community referral comes from"):
        gp_referral(source=source)


def test_a_triggering_fit_note_is_the_cases_first_note_and_its_advice_the_plans_start() -> None:
    note = RecordFitNote(issued_on=date(2026, 11, 12), issuer_profession=IssuerProfession.DOCTOR,
                         assessment=FitNoteAssessment.MAY_BE_FIT,
                         options=[FitNoteOption.ALTERED_HOURS], starts_on=date(2026, 11, 12),
                         days=28, assess_again=True)
    state = opened(gp_referral(source=ReferralSource.FIT_NOTE, fit_note=note))

    assert state.current_fit_note is not None
    assert (state.current_fit_note.number, state.current_fit_note.ends_on) == (
        1, date(2026, 12, 9))
    assert [p.option for p in state.proposed_adjustments] == [FitNoteOption.ALTERED_HOURS]
    assert "fit_note_assess_again" in {d.name for d in open_deadlines(state)}


def test_a_triggering_fit_note_the_fit_note_rules_refuse_is_refused_by_its_field() -> None:
    note = RecordFitNote(issued_on=date(2026, 11, 12), issuer_profession=IssuerProfession.DOCTOR,
                         assessment=FitNoteAssessment.NOT_FIT,
                         options=[FitNoteOption.ALTERED_HOURS], starts_on=date(2026, 11, 12),
                         days=28)

    with pytest.raises(InvalidCommand) as refused:
        opened(gp_referral(fit_note=note))
    assert refused.value.field == "fit_note.options"


def test_the_service_accepts_the_referral_for_assessment() -> None:
    state, events = act(opened(), AcceptReferral(accepted_by="Dana Cole, OT"), REFERRED)

    assert state.stage is Stage.ASSESSMENT
    assert state.oh_referral is not None
    assert state.oh_referral.cause == "community_referral"
    assert "community referral accepted" in events[-1].reason


def test_no_step_of_a_manager_or_an_employer_is_offered_and_each_is_refused_saying_why(
) -> None:
    state = opened()
    offered = set(allowed_actions(state))
    assert Action.RECORD_EARLY_CONTACT not in offered
    assert Action.ACCEPT_REFERRAL in offered

    contact = j.early_contact(REFERRED)
    with pytest.raises(NoEmployerInvolved, match="community case: early contact"):
        act(state, contact, REFERRED)
    with pytest.raises(ActionNotAllowed, match="answered by an employer"):
        act(in_planning(), AcceptFitNoteAdvice(fit_note_number=1,
                                               can_make=[FitNoteOption.ALTERED_HOURS]),
            REFERRED + timedelta(days=2))


def test_no_manager_acts_on_a_community_case() -> None:
    state = in_planning()
    check_in = RecordCheckIn(contacted_at=REFERRED + timedelta(days=2),
                             method=ContactMethod.PHONE)

    with pytest.raises(NotOwnTeam):
        act(state, check_in, REFERRED + timedelta(days=2), A_MANAGER)
    with pytest.raises(NotOwnTeam):
        act(state, RecordPlanReview(reviewed_on=REFERRED.date(), on_track=True),
            REFERRED + timedelta(days=2), A_MANAGER)


def test_the_plan_is_agreed_by_the_person_and_the_service_without_a_manager() -> None:
    at = REFERRED + timedelta(days=3)
    state, [agreed] = act(in_planning(), plan(at), at)

    assert "agreed" in agreed.reason
    assert state.stage is Stage.REHABILITATION
    assert state.plan is not None
    assert (state.plan.agreed_by.employee, state.plan.agreed_by.manager,
            state.plan.agreed_by.oh) == (True, False, True)
    review = next(d for d in open_deadlines(state) if d.name == "plan_review_due")
    assert review.recipients == (Role.OH,)
    assert all(Role.MANAGER not in d.recipients for d in open_deadlines(state))


@pytest.mark.parametrize(("agreed_by", "owner", "field"), [
    (PlanAgreement(employee=True, manager=True, oh=True), "Robin", "agreed_by.manager"),
    (PlanAgreement(employee=False, manager=False, oh=True), "Robin", "agreed_by"),
    (PlanAgreement(employee=True, manager=False, oh=False), "Robin", "agreed_by"),
    (PlanAgreement(employee=True, manager=False, oh=True), "line manager",
     "plan.actions.0.owner"),
])
def test_a_community_plan_naming_a_manager_or_missing_the_person_or_service_is_refused(
        agreed_by: PlanAgreement, owner: str, field: str) -> None:
    at = REFERRED + timedelta(days=3)
    with pytest.raises(InvalidCommand) as refused:
        act(in_planning(), plan(at, agreed_by=agreed_by, owner=owner), at)
    assert refused.value.field == field


def test_an_employers_plan_still_needs_its_line_manager() -> None:
    at = datetime(2026, 11, 20, 11, tzinfo=UTC)
    state = opened_state(at)
    state, _ = act(state, j.early_contact(at), at, MANAGER_ACTOR)
    state, _ = act(state, AssignCaseManager(user_id="OT-3", name="Dana Cole"), at)
    state, _ = act(state, j.assessment(at), at)
    with pytest.raises(InvalidCommand, match="line manager and OH together"):
        act(state, plan(at), at)


def test_a_plan_review_missed_reminds_the_service_and_no_notice_goes_to_a_manager() -> None:
    at = REFERRED + timedelta(days=3)
    state, _ = act(in_planning(), plan(at), at)
    review = next(d for d in open_deadlines(state) if d.name == "plan_review_due")

    [reminder] = decide_deadline(state, review.key, now=review.due_at, actor=SERVICE)
    after = evolve(state, reminder)

    assert [n.recipient_role for n in notices_for(after, reminder)] == [Role.OH]


def test_a_whole_community_journey_closes_replays_and_names_no_manager() -> None:
    at = REFERRED + timedelta(days=3)
    state, _ = act(in_planning(), plan(at), at)
    closed_on = at.date() + timedelta(days=20)
    close_at = datetime.combine(closed_on, REFERRED.timetz())
    state, _ = act(state, RecordPlanReview(reviewed_on=closed_on, on_track=True), close_at)
    state, _ = act(state, j.close(Outcome.RESOLVED_WITHOUT_ABSENCE, closed_on), close_at)
    assert state.stage is Stage.FOLLOW_UP
    assert state.closure is not None and state.closure.follow_up_due_on is not None
    check_on = state.closure.follow_up_due_on
    state, _ = act(state, RecordFollowUp(checked_on=check_on, sustained=True),
                   datetime.combine(check_on, REFERRED.timetz()))

    assert (state.stage, state.route, state.manager) == (Stage.CLOSED, Route.COMMUNITY, None)


def _ready_to_close(*, in_work: bool) -> tuple[CaseState, datetime]:
    state, _ = act(opened(gp_referral(in_work=in_work)),
                   AcceptReferral(accepted_by="Dana Cole, OT"), REFERRED)
    state, _ = act(state, AssignCaseManager(user_id="OT-3", name="Dana Cole"), REFERRED)
    at = REFERRED + timedelta(days=3)
    state, _ = act(state, j.assessment(at), at)
    state, _ = act(state, plan(at), at)
    return state, at + timedelta(days=10)


def test_a_person_out_of_work_closes_having_started_work_and_is_followed_up() -> None:
    state, at = _ready_to_close(in_work=False)
    started = at.date() - timedelta(days=2)

    state, _ = act(state, j.close(Outcome.STARTED_WORK, at.date(), started), at)

    assert state.closure is not None and state.closure.returned_on == started
    assert state.closure.follow_up_due_on == started + timedelta(
        days=DEFAULT_POLICY.follow_up_days)


@pytest.mark.parametrize(("in_work", "outcome", "field"), [
    (True, Outcome.STARTED_WORK, "outcome"),
    (False, Outcome.RETURNED_TO_OWN_ROLE, "outcome"),
    (True, Outcome.RETURNED_TO_OWN_ROLE, "returned_on"),  # no day given
])
def test_a_community_closing_fits_whether_the_person_was_in_work(
        in_work: bool, outcome: Outcome, field: str) -> None:
    state, at = _ready_to_close(in_work=in_work)

    with pytest.raises(InvalidCommand) as refused:
        act(state, j.close(outcome, at.date()), at)

    assert refused.value.field == field


def test_a_person_in_work_returns_on_the_day_the_closing_gives() -> None:
    state, at = _ready_to_close(in_work=True)

    state, _ = act(state, j.close(Outcome.RETURNED_WITH_ADJUSTMENTS, at.date(), at.date()), at)

    assert state.closure is not None and state.closure.returned_on == at.date()


def test_started_work_is_refused_on_an_employers_case() -> None:
    state = opened_state(REFERRED)

    with pytest.raises(InvalidCommand) as refused:
        decide(state, j.close(Outcome.STARTED_WORK, REFERRED.date(), REFERRED.date()),
               now=REFERRED, actor=SERVICE)

    assert refused.value.field == "outcome"


def test_the_opening_event_reads_back_as_stored() -> None:
    command = gp_referral(in_work=False)
    event = receive_community_referral(command, case_id="c-1", now=REFERRED, actor=SERVICE)

    again = parse_event(event.model_dump(mode="json"))

    assert isinstance(again, CommunityReferralReceived)
    assert again == event
    assert fold([again]) == evolve(None, event)
    assert "out of work" in event.reason
