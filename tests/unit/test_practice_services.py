"""Services and their criteria, direct referral, rapid access and the triage deadline: the
rules of `domain.services`, `domain.journey.referral` and `domain.journey.therapy`."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.actions import RULES, allowed_actions
from domain.actors import Actor, Role, Source
from domain.commands import (
    AcceptReferral,
    DeclineReferral,
    ReceiveReferral,
    ReferToTherapy,
    UpdateTherapy,
)
from domain.deadlines import decide_deadline, open_deadlines, shared_deadlines
from domain.decide import decide
from domain.errors import ActionNotAllowed, CaseError, InvalidCommand
from domain.events import (
    CaseClosed,
    CaseEscalated,
    CaseEvent,
    FirstTreatmentTargetSet,
    OhReferralMade,
    RapidAccessDecided,
    ReferralAccepted,
    ReferralDeclined,
    ReferralReceived,
    ReminderSent,
    TherapyReferred,
    parse_event,
)
from domain.evolve import evolve
from domain.ids import case_id_for_referral
from domain.journey.referral import receive_referral
from domain.journey.therapy import RapidAccessNeeded
from domain.notices import NoticeKind, notices_for
from domain.policy import DEFAULT_POLICY, Policy
from domain.practice import CURRENT_PRACTICE
from domain.services import (
    DEFAULT_SERVICES,
    AnswerTest,
    Criterion,
    CriterionNotMet,
    ExclusionTest,
    ReasonCategoryTest,
    ReferralFacts,
    RouteTest,
    Service,
    ServiceKind,
    SourceTest,
    check_criterion_of,
    check_referral,
    criterion_met,
    find_service,
    unmet_criteria,
)
from domain.stages import Action, ReasonCategory, Stage
from domain.state import CaseState
from domain.vocabulary import ReferralSource, Route, TherapyKind, TherapyStatus
from localstack.samples import EMPLOYEE, MANAGER, assessment, case_manager, plan
from tests.support.builders import OH_ACTOR

FIXTURES = Path(__file__).parent / "fixtures"
OPENED = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TODAY = OPENED.date()
SELF_ACTOR = Actor(id="E1001", role=Role.MANAGER, source=Source.API)

ONE_OF_EACH: tuple[Criterion, ...] = (
    Criterion(id="msk", description="MSK.",
              test=ReasonCategoryTest(accepted=(ReasonCategory.MUSCULOSKELETAL,))),
    Criterion(id="saw", description="Still at work.", test=RouteTest(accepted=(
        Route.STAY_AT_WORK,))),
    Criterion(id="who", description="Self or GP.", test=SourceTest(accepted=(
        ReferralSource.SELF, ReferralSource.GP))),
    Criterion(id="consents", description="Consents.",
              test=AnswerTest(question="consents", required=True)),
    Criterion(id="not_urgent", description="Not urgent.",
              test=ExclusionTest(flag="urgent")),
)
CLINIC = Service(id="clinic", kind=ServiceKind.PHYSIOTHERAPY, name="Clinic", self_referral=True,
                 criteria=ONE_OF_EACH)


def referral(*, service_id: str | None = None, source: ReferralSource = ReferralSource.SELF,
             reason: ReasonCategory = ReasonCategory.MUSCULOSKELETAL,
             answers: dict[str, bool] | None = None, flags: tuple[str, ...] = (),
             policy: Policy = DEFAULT_POLICY) -> ReceiveReferral:
    return ReceiveReferral(
        employer_id="acme-trust", referral_id="REF-1", employee=EMPLOYEE, manager=MANAGER,
        source=source, reason_category=reason, referred_on=TODAY, policy=policy,
        service_id=service_id, answers=answers or {}, flags=flags)


PHYSIO = {"service_id": "physio", "answers": {"treated_elsewhere": False}}


def referred_state(practice: int = CURRENT_PRACTICE, at: datetime = OPENED, **kwargs: Any
                   ) -> CaseState:
    command = referral(**kwargs).model_copy(update={"referred_on": at.date()})
    event = receive_referral(command, case_id=case_id_for_referral("acme-trust", "REF-1"),
                             now=at, actor=SELF_ACTOR, practice=practice)
    return evolve(None, event)


def apply(state: CaseState, events: list[CaseEvent]) -> CaseState:
    for event in events:
        state = evolve(state, event)
    return state


def act(state: CaseState, command: Any, at: datetime = OPENED) -> tuple[CaseState,
                                                                          list[CaseEvent]]:
    events = decide(state, command, now=at, actor=OH_ACTOR)
    return apply(state, events), events


def fire(state: CaseState, key: str) -> tuple[CaseState, list[CaseEvent]]:
    """Pass deadline `key`: decide it at the moment it falls due."""
    due = next(d for d in open_deadlines(state) if d.key == key).due_at
    events = decide_deadline(state, key, now=due, actor=OH_ACTOR)
    return apply(state, events), events


def keys(state: CaseState) -> set[str]:
    return {d.key for d in open_deadlines(state)}


# --- the criteria, as pure functions ---------------------------------------------------------

facts_strategy = st.builds(
    ReferralFacts,
    route=st.sampled_from(Route), source=st.sampled_from(ReferralSource),
    reason_category=st.sampled_from(ReasonCategory),
    answers=st.dictionaries(st.sampled_from(["consents", "about_work"]), st.booleans()),
    flags=st.frozensets(st.sampled_from(["urgent", "other"])),
)


@given(facts_strategy)
def test_each_test_reads_the_one_fact_it_names(facts: ReferralFacts) -> None:
    met = {c.id: criterion_met(c, facts) for c in ONE_OF_EACH}

    assert met["msk"] is (facts.reason_category is ReasonCategory.MUSCULOSKELETAL)
    assert met["saw"] is (facts.route is Route.STAY_AT_WORK)
    assert met["who"] is (facts.source in (ReferralSource.SELF, ReferralSource.GP))
    assert met["consents"] is (facts.answers.get("consents") is True)
    assert met["not_urgent"] is ("urgent" not in facts.flags)


@given(facts_strategy)
def test_the_unmet_criteria_are_exactly_those_failed_in_the_services_order(
        facts: ReferralFacts) -> None:
    unmet = unmet_criteria(CLINIC, facts)

    assert [c.id for c in unmet] == [c.id for c in ONE_OF_EACH if not criterion_met(c, facts)]


@given(facts_strategy)
def test_a_referral_is_refused_by_its_first_unmet_criterion_or_passes(
        facts: ReferralFacts) -> None:
    known = facts.model_copy(update={"flags": facts.flags - {"other"},
                                     "answers": {k: v for k, v in facts.answers.items()
                                                 if k == "consents"}})
    unmet = unmet_criteria(CLINIC, known)
    if not unmet:
        check_referral(CLINIC, known)
        return
    with pytest.raises(CriterionNotMet) as refused:
        check_referral(CLINIC, known)
    assert refused.value.criterion_id == unmet[0].id
    assert f"'{unmet[0].id}'" in refused.value.message
    assert "Accepted:" in refused.value.message


def test_an_unanswered_question_fails_its_criterion() -> None:
    facts = ReferralFacts(route=Route.STAY_AT_WORK, source=ReferralSource.GP,
                          reason_category=ReasonCategory.MUSCULOSKELETAL)

    with pytest.raises(CriterionNotMet) as refused:
        check_referral(CLINIC, facts)

    assert (refused.value.field, refused.value.criterion_id) == ("answers.consents", "consents")


def test_a_service_without_self_referral_refuses_one() -> None:
    managers_only = CLINIC.model_copy(update={"self_referral": False, "criteria": ()})
    facts = ReferralFacts(route=Route.STAY_AT_WORK, source=ReferralSource.SELF,
                          reason_category=ReasonCategory.OTHER)

    with pytest.raises(InvalidCommand) as refused:
        check_referral(managers_only, facts)

    assert refused.value.field == "source" and "self-referral" in refused.value.reason
    check_referral(managers_only, facts.model_copy(update={"source": ReferralSource.MANAGER}))


def test_an_answer_or_flag_the_service_does_not_ask_about_is_refused() -> None:
    base = ReferralFacts(route=Route.STAY_AT_WORK, source=ReferralSource.SELF,
                         reason_category=ReasonCategory.MUSCULOSKELETAL,
                         answers={"consents": True})

    with pytest.raises(InvalidCommand) as answer:
        check_referral(CLINIC, base.model_copy(update={"answers": {"consent": True}}))
    with pytest.raises(InvalidCommand) as flag:
        check_referral(CLINIC, base.model_copy(update={"flags": frozenset({"urgnt"})}))

    assert answer.value.field == "answers.consent" and "consents" in answer.value.reason
    assert flag.value.field == "flags" and "urgent" in flag.value.reason


def test_the_default_services_are_the_four_kinds_each_with_criteria() -> None:
    assert {s.kind for s in DEFAULT_SERVICES} == set(ServiceKind)
    assert all(s.criteria and s.self_referral for s in DEFAULT_SERVICES)
    assert DEFAULT_POLICY.services == DEFAULT_SERVICES
    assert find_service(DEFAULT_SERVICES, None).kind is ServiceKind.OCCUPATIONAL_HEALTH
    assert find_service(DEFAULT_SERVICES, "physio").therapy is TherapyKind.PHYSIOTHERAPY


def test_an_unknown_service_or_criterion_is_refused_with_what_is_accepted() -> None:
    with pytest.raises(InvalidCommand) as service:
        find_service(DEFAULT_SERVICES, "chiropody")
    with pytest.raises(InvalidCommand) as criterion:
        check_criterion_of(find_service(DEFAULT_SERVICES, "physio"), "about_work")

    assert "oh, physio, talking-therapy, eap" in service.value.reason
    assert criterion.value.field == "criterion"
    assert "musculoskeletal, no_red_flags, not_treated_elsewhere, not_urgent" in (
        criterion.value.reason)


@pytest.mark.parametrize("services, error", [
    ((CLINIC,), "occupational_health"),
    ((DEFAULT_SERVICES[0], DEFAULT_SERVICES[0]), "appears twice"),
    ((DEFAULT_SERVICES[0], CLINIC.model_copy(update={"criteria": ONE_OF_EACH[:1] * 2})),
     "appears twice"),
])
def test_a_policy_refuses_services_it_could_not_work_with(services: tuple[Service, ...],
                                                         error: str) -> None:
    with pytest.raises(ValidationError, match=error):
        Policy.model_validate({"version": "x", "effective_from": "2026-01-01",
                               "services": [s.model_dump(mode="json") for s in services]})


def test_an_employer_file_configures_its_services_and_criteria() -> None:
    stored = {"version": "trust-2026", "effective_from": "2026-01-01", "services": [
        {"id": "oh", "kind": "occupational_health", "name": "OH", "self_referral": False},
        {"id": "msk", "kind": "physiotherapy", "name": "MSK team", "self_referral": True,
         "criteria": [{"id": "joints", "description": "A joint problem.",
                       "test": {"test": "reason_category", "accepted": ["musculoskeletal"]}},
                      {"id": "gp_or_self", "description": "From the GP or the employee.",
                       "test": {"test": "source", "accepted": ["gp", "self"]}}]},
    ]}

    policy = Policy.model_validate_json(json.dumps(stored))

    assert [s.id for s in policy.services] == ["oh", "msk"]
    assert isinstance(policy.services[1].criteria[1].test, SourceTest)
    with pytest.raises(InvalidCommand, match="gp_or_self"):
        referred_state(service_id="msk", source=ReferralSource.MANAGER, policy=policy)


# --- a referral naming a service --------------------------------------------------------------


def test_a_physiotherapy_self_referral_is_recorded_for_that_services_triage() -> None:
    state = referred_state(**PHYSIO)

    assert state.stage is Stage.REFERRAL and state.referral is not None
    assert state.referral.service_id == "physio"


def test_a_referral_naming_no_service_goes_to_oh_as_before() -> None:
    state = referred_state()
    accepted, events = act(state, AcceptReferral(accepted_by="Jo Reid"))

    assert [type(e) for e in events] == [ReferralAccepted, OhReferralMade]
    assert accepted.stage is Stage.ASSESSMENT and accepted.rapid_access_at is None


@pytest.mark.parametrize("changes, field, criterion", [
    ({"reason": ReasonCategory.MENTAL_HEALTH}, "reason_category", "musculoskeletal"),
    ({"flags": ("needs_urgent_medical_care",)}, "flags", "not_urgent"),
    ({"flags": ("red_flag_symptoms",)}, "flags", "no_red_flags"),
    ({"answers": {"treated_elsewhere": True}}, "answers.treated_elsewhere",
     "not_treated_elsewhere"),
    ({"answers": {}}, "answers.treated_elsewhere", "not_treated_elsewhere"),
])
def test_a_referral_failing_a_criterion_is_refused_naming_it(
        changes: dict[str, Any], field: str, criterion: str) -> None:
    with pytest.raises(CriterionNotMet) as refused:
        referred_state(**{**PHYSIO, **changes})

    assert refused.value.field == field
    assert refused.value.criterion_id == criterion and f"'{criterion}'" in str(refused.value)


def test_answers_or_flags_without_a_service_are_refused() -> None:
    with pytest.raises(InvalidCommand) as refused:
        referred_state(flags=("needs_urgent_medical_care",))

    assert refused.value.field == "service_id"


def test_each_default_service_takes_a_referral_meeting_its_criteria() -> None:
    ok = {"oh": ({"employee_consents": True, "about_work": True}, ReasonCategory.OTHER),
          "physio": ({"treated_elsewhere": False}, ReasonCategory.MUSCULOSKELETAL),
          "talking-therapy": ({}, ReasonCategory.MENTAL_HEALTH),
          "eap": ({}, ReasonCategory.OTHER)}
    for service_id, (answers, reason) in ok.items():
        state = referred_state(service_id=service_id, answers=answers, reason=reason)
        assert state.referral is not None and state.referral.service_id == service_id


# --- triage by the service named ---------------------------------------------------------------


def test_physiotherapy_accepting_refers_its_therapy_at_once_under_rapid_access() -> None:
    state, events = act(referred_state(**PHYSIO), AcceptReferral(accepted_by="Kim Lee, physio"))

    assert [type(e) for e in events] == [ReferralAccepted, RapidAccessDecided, TherapyReferred,
                                         FirstTreatmentTargetSet]
    assert state.stage is Stage.ASSESSMENT and state.oh_referral is None
    assert state.rapid_access_at == OPENED
    (therapy,) = state.therapies
    assert therapy.kind is TherapyKind.PHYSIOTHERAPY and therapy.provider == "Staff physiotherapy"
    assert therapy.first_treatment_due_on == TODAY + timedelta(days=10)
    # It went straight to the service: OH is not also asked to assess it.
    assert "rapid_access_referral" not in keys(state)
    assert "first_treatment_due_1" in keys(state)


def test_a_treating_service_accepts_talking_therapy_and_eap_the_same_way() -> None:
    for service_id, reason, kind in (
            ("talking-therapy", ReasonCategory.MENTAL_HEALTH, TherapyKind.TALKING_THERAPY),
            ("eap", ReasonCategory.OTHER, TherapyKind.EMPLOYEE_ASSISTANCE)):
        state, _ = act(referred_state(service_id=service_id, reason=reason),
                       AcceptReferral(accepted_by="Kim Lee"))
        assert [t.kind for t in state.therapies] == [kind]


def test_a_decline_names_a_criterion_of_the_triaging_service() -> None:
    state = referred_state(**PHYSIO)

    with pytest.raises(InvalidCommand) as unnamed:
        decide(state, DeclineReferral(declined_by="Kim Lee", reason="not for us"), now=OPENED,
               actor=OH_ACTOR)
    with pytest.raises(InvalidCommand) as foreign:
        decide(state, DeclineReferral(declined_by="Kim Lee", criterion="about_work"),
               now=OPENED, actor=OH_ACTOR)
    closed, events = act(state, DeclineReferral(declined_by="Kim Lee",
                                                criterion="no_red_flags"))

    assert unnamed.value.field == "criterion" and "no_red_flags" in unnamed.value.reason
    assert foreign.value.field == "criterion" and "musculoskeletal" in foreign.value.reason
    declined = events[0]
    assert isinstance(declined, ReferralDeclined) and isinstance(events[1], CaseClosed)
    assert (declined.criterion, declined.service_id) == ("no_red_flags", "physio")
    assert declined.decline_reason.startswith("No red-flag symptoms")
    assert "'no_red_flags'" in declined.reason and closed.stage is Stage.CLOSED


def test_oh_declines_against_its_own_criteria_when_no_service_was_named() -> None:
    _, events = act(referred_state(), DeclineReferral(
        declined_by="Jo Reid", criterion="about_work", reason="Treatment only: see the GP"))

    declined = events[0]
    assert isinstance(declined, ReferralDeclined)
    assert (declined.criterion, declined.service_id) == ("about_work", "oh")
    assert declined.decline_reason == "Treatment only: see the GP"


def test_a_case_from_before_the_practice_rules_declines_in_words_as_before() -> None:
    state = referred_state(practice=0)

    _, events = act(state, DeclineReferral(declined_by="Jo Reid", reason="Private treatment"))
    with pytest.raises(InvalidCommand):
        decide(state, DeclineReferral(declined_by="Jo Reid"), now=OPENED, actor=OH_ACTOR)

    declined = events[0]
    assert isinstance(declined, ReferralDeclined) and declined.criterion is None
    assert declined.decline_reason == "Private treatment"


# --- rapid access: a therapy at once, a target, a chase ---------------------------------------


def test_oh_deciding_rapid_access_at_acceptance_allows_a_therapy_before_the_assessment(
) -> None:
    state, events = act(referred_state(), AcceptReferral(accepted_by="Jo Reid",
                                                         rapid_access=True))
    assert [type(e) for e in events] == [ReferralAccepted, OhReferralMade, RapidAccessDecided]

    later = OPENED + timedelta(days=1)
    state, events = act(state, ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY,
                                              referred_on=later.date()), at=later)

    assert [type(e) for e in events] == [TherapyReferred, FirstTreatmentTargetSet]
    assert state.therapies[0].first_treatment_due_on == later.date() + timedelta(days=10)


def test_without_rapid_access_no_therapy_comes_before_the_assessment() -> None:
    state, _ = act(referred_state(), AcceptReferral(accepted_by="Jo Reid"))

    assert Action.REFER_TO_THERAPY in allowed_actions(state)  # by stage, then by practice
    with pytest.raises(RapidAccessNeeded) as refused:
        decide(state, ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY, referred_on=TODAY),
               now=OPENED, actor=OH_ACTOR)

    assert isinstance(refused.value, ActionNotAllowed)
    assert "rapid_access" in refused.value.message


def test_a_case_from_before_the_practice_rules_keeps_therapy_after_the_assessment() -> None:
    state, _ = act(referred_state(practice=0), AcceptReferral(accepted_by="Jo Reid"))

    for command in (ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY, referred_on=TODAY),
                    UpdateTherapy(therapy_number=1, status=TherapyStatus.STARTED, on=TODAY)):
        with pytest.raises(ActionNotAllowed):
            decide(state, command, now=OPENED, actor=OH_ACTOR)
    with pytest.raises(InvalidCommand) as refused:
        decide(referred_state(practice=0), AcceptReferral(accepted_by="Jo Reid",
                                                          rapid_access=True),
               now=OPENED, actor=OH_ACTOR)
    assert refused.value.field == "rapid_access"


def test_rapid_access_decided_in_the_assessment_sets_a_target_before_any_plan() -> None:
    state, _ = act(referred_state(), AcceptReferral(accepted_by="Jo Reid"))
    assessed = assessment(OPENED).model_copy(update={"rapid_access": True})
    state, _ = act(state, assessed)
    assert state.stage is Stage.PLANNING

    state, events = act(state, ReferToTherapy(kind=TherapyKind.TALKING_THERAPY,
                                              referred_on=TODAY))

    assert [type(e) for e in events] == [TherapyReferred, FirstTreatmentTargetSet]


def test_no_target_without_rapid_access_or_once_a_plan_is_agreed() -> None:
    state, _ = act(referred_state(), AcceptReferral(accepted_by="Jo Reid"))
    state, _ = act(state, assessment(OPENED))
    state, _ = act(state, case_manager())
    _, plain = act(state, ReferToTherapy(kind=TherapyKind.MEDIATION, referred_on=TODAY))
    rapid, _ = act(state.model_copy(update={"rapid_access_at": OPENED}),
                   plan(OPENED, TODAY))
    _, planned = act(rapid, ReferToTherapy(kind=TherapyKind.MEDIATION, referred_on=TODAY))

    assert [type(e) for e in plain] == [TherapyReferred]
    assert [type(e) for e in planned] == [TherapyReferred]


def test_the_first_treatment_chase_reminds_oh_then_escalates_when_missed_twice() -> None:
    state, _ = act(referred_state(**PHYSIO), AcceptReferral(accepted_by="Kim Lee"))
    deadline = next(d for d in open_deadlines(state) if d.key == "first_treatment_due_1")
    assert deadline.due_at == datetime(2026, 12, 10, 9, 0, tzinfo=UTC)
    assert deadline.recipients == (Role.OH,)

    state, reminded = fire(state, "first_treatment_due_1")
    (reminder,) = reminded
    assert isinstance(reminder, ReminderSent)
    assert [n.kind for n in notices_for(state, reminder)] == [NoticeKind.FIRST_TREATMENT_DUE]
    assert "first_treatment_due_1#2" in keys(state)

    state, escalated = fire(state, "first_treatment_due_1#2")
    (escalation,) = escalated
    assert isinstance(escalation, CaseEscalated) and "therapy 1" in escalation.cause
    assert not {"first_treatment_due_1", "first_treatment_due_1#2"} & keys(state)


def test_the_chase_ends_when_treatment_starts() -> None:
    state, _ = act(referred_state(**PHYSIO), AcceptReferral(accepted_by="Kim Lee"))
    later = OPENED + timedelta(days=3)

    waiting, _ = act(state, UpdateTherapy(therapy_number=1, status=TherapyStatus.WAITING,
                                          on=later.date()), at=later)
    started, _ = act(state, UpdateTherapy(therapy_number=1, status=TherapyStatus.STARTED,
                                          on=later.date()), at=later)

    assert "first_treatment_due_1" in keys(waiting)
    assert "first_treatment_due_1" not in keys(started)
    assert started.therapies[0].waiting_days == 3


# --- the triage deadline ------------------------------------------------------------------------


def test_a_referral_awaiting_triage_reminds_oh_then_escalates_when_missed_twice() -> None:
    state = referred_state(**PHYSIO)
    deadline = next(d for d in open_deadlines(state) if d.key == "referral_triage_due")
    assert deadline.due_at == OPENED + timedelta(days=DEFAULT_POLICY.referral_triage_days)
    assert "physio" in deadline.why

    state, reminded = fire(state, "referral_triage_due")
    (reminder,) = reminded
    assert isinstance(reminder, ReminderSent) and reminder.recipients == (Role.OH,)
    assert [n.kind for n in notices_for(state, reminder)] == [NoticeKind.REFERRAL_TRIAGE_DUE]

    state, escalated = fire(state, "referral_triage_due#2")
    assert isinstance(escalated[0], CaseEscalated)
    assert state.stage is Stage.REFERRAL  # still to be triaged; the escalation says so


def test_triage_ends_the_deadline_and_old_cases_have_none() -> None:
    accepted, _ = act(referred_state(), AcceptReferral(accepted_by="Jo Reid"))

    assert "referral_triage_due" in keys(referred_state())
    assert not any(k.startswith("referral_triage") for k in keys(accepted))
    assert not any(k.startswith("referral_triage") for k in keys(referred_state(practice=0)))


def test_the_new_deadlines_are_shown_to_oh_only() -> None:
    state, _ = act(referred_state(**PHYSIO), AcceptReferral(accepted_by="Kim Lee"))
    names = {d.name for d in open_deadlines(referred_state())} | {
        d.name for d in open_deadlines(state)}

    assert {"referral_triage_due", "first_treatment_due"} <= names
    assert not shared_deadlines(open_deadlines(state) + open_deadlines(referred_state()))


# --- the action table's examples are accepted where allowed ------------------------------------


def test_each_example_of_these_actions_is_accepted_in_a_stage_that_allows_it() -> None:
    opened, now = datetime(2026, 11, 20, 9, 0, tzinfo=UTC), datetime(2026, 11, 23, 12, 0,
                                                                     tzinfo=UTC)
    referred = referred_state(at=opened)
    rapid, _ = act(referred, AcceptReferral(accepted_by="Jo Reid", rapid_access=True), at=now)
    treating, _ = act(rapid, ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY,
                                            referred_on=opened.date()), at=now)
    on = {Action.ACCEPT_REFERRAL: referred, Action.DECLINE_REFERRAL: referred,
          Action.REFER_TO_THERAPY: rapid, Action.UPDATE_THERAPY: treating}
    for action, state in on.items():
        rule = RULES[action]
        assert state.stage in rule.stages, action
        assert decide(state, rule.command.model_validate(rule.example), now=now,
                      actor=OH_ACTOR), action


# --- stored shapes --------------------------------------------------------------------------------


def test_a_version_2_referral_reads_as_naming_no_service() -> None:
    stored = json.loads((FIXTURES / "referral_received_v2.json").read_text())

    event = parse_event(stored)
    state = evolve(None, event)

    assert isinstance(event, ReferralReceived) and event.event_version == 3
    assert (event.service_id, event.answers, event.flags, event.practice) == (None, {}, (), 1)
    assert state.referral is not None and state.referral.service_id is None


def test_a_version_1_decline_reads_as_naming_no_criterion() -> None:
    stored = json.loads((FIXTURES / "referral_declined_v1.json").read_text())

    event = parse_event(stored)

    assert isinstance(event, ReferralDeclined) and event.event_version == 2
    assert (event.criterion, event.service_id) == (None, None)
    assert event.decline_reason.endswith("private treatment")


def test_a_referral_naming_a_service_round_trips_as_stored() -> None:
    event = receive_referral(referral(**PHYSIO), case_id="c", now=OPENED, actor=SELF_ACTOR)
    stored = event.model_dump(mode="json")

    assert parse_event(stored) == event
    assert stored["service_id"] == "physio" and stored["event_version"] == 3


def test_refusals_are_case_errors_that_name_a_field() -> None:
    with pytest.raises(CaseError) as refused:
        referred_state(service_id="nope")

    assert isinstance(refused.value, InvalidCommand) and refused.value.field == "service_id"


def test_a_service_the_case_policy_no_longer_offers_leaves_triage_to_oh() -> None:
    state = referred_state(**PHYSIO)
    only_oh = DEFAULT_POLICY.model_copy(update={"services": DEFAULT_SERVICES[:1]})
    moved = state.model_copy(update={"policy": only_oh})

    after, events = act(moved, AcceptReferral(accepted_by="Jo Reid"))

    assert [type(e) for e in events] == [ReferralAccepted, OhReferralMade]
    assert after.therapies == ()
