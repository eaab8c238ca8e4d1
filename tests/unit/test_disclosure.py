"""What each role sees of a case: every role against every combination of consents, and a case
shaped for each role by the API's view (no server): clinical detail reaches OH only."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from api.views import case_for
from domain.actions import allowed_actions
from domain.actors import Actor, Role, Source
from domain.commands import ReferToTherapy
from domain.deadlines import open_deadlines
from domain.decide import decide
from domain.disclosure import (
    OH_ONLY_DEADLINES,
    may_see_adjustments,
    may_see_clinical,
    may_see_fitness,
)
from domain.evolve import evolve
from domain.journey.report_consent import PROPOSAL_OF, GiveConsent
from domain.practice import (
    PRACTICE_V1,
    PRACTICE_V2,
    PRACTICE_V3,
    reports_first_to_employee,
)
from domain.stages import ReasonCategory
from domain.state import CaseState
from domain.values import ConsentScope
from domain.vocabulary import FitNoteAssessment, TherapyKind
from infra.tokens import Principal
from localstack import samples as j
from tests.support.builders import HR_ACTOR, MANAGER_ACTOR, opened_state
from workflows.payloads import CaseView

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
OH = Actor(id="OHN-7", role=Role.OH, source=Source.API)
FLAGS = ("share_fitness_with_manager", "share_adjustments_with_manager", "share_with_hr",
         "report_offered_to_employee")
CONSENTS = [ConsentScope(**dict(zip(FLAGS, given, strict=True)))
            for given in itertools.product([False, True], repeat=len(FLAGS))]
NO_VIEW = (Role.AUDITOR, Role.ADMIN, Role.EMPLOYEE, Role.SYSTEM)


def consent_id(consent: ConsentScope) -> str:
    return "+".join(flag for flag in FLAGS if getattr(consent, flag)) or "none"


@pytest.mark.parametrize("consent", CONSENTS, ids=consent_id)
@pytest.mark.parametrize("role", list(Role), ids=str)
def test_each_role_sees_advice_as_far_as_consented(role: Role, consent: ConsentScope) -> None:
    expected = {
        Role.OH: (True, True),
        Role.MANAGER: (consent.share_fitness_with_manager,
                       consent.share_adjustments_with_manager),
        Role.HR: (consent.share_with_hr, consent.share_with_hr),
    }.get(role, (False, False))

    assert (may_see_fitness(role, consent), may_see_adjustments(role, consent)) == expected
    assert may_see_clinical(role) is (role is Role.OH)


def test_offering_the_report_to_the_employee_shares_nothing_by_itself() -> None:
    offered_only = ConsentScope(report_offered_to_employee=True)

    assert [r for r in Role if may_see_fitness(r, offered_only)] == [Role.OH]
    assert [r for r in Role if may_see_adjustments(r, offered_only)] == [Role.OH]


def assessed_case(consent: ConsentScope, practice: int = PRACTICE_V3) -> CaseView:
    """An MSK case, assessed with clinical notes, with a fit note, in therapy. Reporting first
    to the employee (practice 2), the employee then consents to all that OH proposes."""
    state = opened_state(OPENED, reason=ReasonCategory.MUSCULOSKELETAL).model_copy(
        update={"practice": practice})
    at = OPENED + timedelta(hours=2)
    state = act(state, j.early_contact(at), at, MANAGER_ACTOR)
    state = act(state, j.assessment(at, consent=consent), at, OH)
    scopes = [scope for scope, flag in PROPOSAL_OF.items() if getattr(consent, flag)]
    if scopes and reports_first_to_employee(state):
        employee = Actor(id=state.employee.id, role=Role.EMPLOYEE, source=Source.API)
        state = act(state, GiveConsent(assessment_number=1, scopes=scopes), at, employee)
    state = act(state, j.case_manager(), at, OH)
    state = act(state, j.plan(at, at.date()), at, OH)
    state = act(state, j.fit_note(at.date(), FitNoteAssessment.MAY_BE_FIT), at, HR_ACTOR)
    state = act(state, ReferToTherapy(kind=TherapyKind.PHYSIOTHERAPY, referred_on=at.date()),
                at, OH)
    return CaseView(state=state, deadlines=open_deadlines(state),
                    allowed_actions=[a.value for a in allowed_actions(state)])


def act(state: CaseState, command: object, at: datetime, actor: Actor) -> CaseState:
    for event in decide(state, command, now=at, actor=actor):  # type: ignore[arg-type]
        state = evolve(state, event)
    return state


def shaped(view: CaseView, role: Role) -> str:
    subject = view.state.manager.id if role is Role.MANAGER else f"someone-{role.value}"
    return json.dumps(case_for(view, Principal(subject=subject, role=role)).model_dump(mode="json"))


CLINICAL_TEXT = ("Lumbar strain, improving", "Back pain", "musculoskeletal", "physiotherapy",
                 "Worried about lifting")


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_clinical_detail_of_the_case_view_reaches_oh_only(role: Role) -> None:
    view = assessed_case(j.CONSENT_TO_SHARE)

    body = shaped(view, role)

    for text in CLINICAL_TEXT:
        assert (text in body) is (role is Role.OH), text


def test_oh_sees_the_deadlines_that_hint_at_health_apart_from_the_shared_ones() -> None:
    view = assessed_case(j.CONSENT_TO_SHARE)
    hinting = {d.name for d in view.deadlines} & OH_ONLY_DEADLINES
    assert hinting, "the case should have a deadline only OH may see"

    oh = case_for(view, Principal(subject="oh", role=Role.OH))
    hr = case_for(view, Principal(subject="hr", role=Role.HR))

    assert oh.clinical is not None
    assert {d.name for d in oh.clinical.deadlines} == hinting
    assert not {d.name for d in oh.deadlines + hr.deadlines} & OH_ONLY_DEADLINES


@pytest.mark.parametrize("practice", [PRACTICE_V1, PRACTICE_V2], ids=lambda p: f"practice-{p}")
@pytest.mark.parametrize("consent", CONSENTS, ids=consent_id)
def test_the_case_view_shows_fitness_advice_as_far_as_consented(consent: ConsentScope,
                                                                practice: int) -> None:
    view = assessed_case(consent, practice)

    for role in Role:
        principal = Principal(subject=view.state.manager.id if role is Role.MANAGER else "x",
                              role=role)
        advice = case_for(view, principal).fitness_advice
        fitness, adjustments = may_see_fitness(role, consent), may_see_adjustments(role, consent)
        if role in NO_VIEW or not (fitness or adjustments):
            assert advice is None, role
            continue
        assert advice is not None
        assert (advice.fitness is not None) is fitness, role
        assert (advice.recommended_adjustments is not None) is adjustments, role


@pytest.mark.parametrize("role", [Role.OH, Role.HR, Role.MANAGER], ids=str)
def test_every_role_sees_who_owns_the_case_and_the_advice_the_employer_must_answer(
        role: Role) -> None:
    view = assessed_case(j.CONSENT_TO_SHARE)
    subject = view.state.manager.id if role is Role.MANAGER else f"someone-{role.value}"

    case = case_for(view, Principal(subject=subject, role=role), now=OPENED + timedelta(days=1))

    assert case.case_manager is not None and case.case_manager.id == j.case_manager().user_id
    assert case.proposed_adjustments
    assert [p.option for p in case.proposed_adjustments] == list(view.state.fit_notes[-1].options)
    assert all(p.employer_can_make is None for p in case.proposed_adjustments)
    assert case.plan is not None and case.plan.completed_actions == []
