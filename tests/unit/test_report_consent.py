"""Report first to the employee (practice version 2): the employee's comment, consent and its
withdrawal decide what the manager and HR see of an OH report; cases opened under earlier
practice keep deciding by the consent recorded with the assessment. (Version 4's comment window
is in tests/unit/test_comment_window.py; these cases follow version 3, before it.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import BaseModel, ValidationError

from api.views import case_for
from domain.actions import allowed_actions
from domain.actors import Actor, Role, Source
from domain.deadlines import open_deadlines
from domain.decide import decide, open_case
from domain.disclosure import (
    ConsentStatus,
    advice_shown,
    consent_status,
    effective_consent,
    report_for_employee,
)
from domain.errors import InvalidCommand, NotOwnTeam, PreconditionNotMet, RoleNotAllowed
from domain.events import CaseEvent, ConsentGiven, ConsentWithdrawn, ReportCommented
from domain.evolve import evolve, fold
from domain.hr_updates import hr_update_for
from domain.ids import case_id_for_absence
from domain.journey.corrections import CorrectEntry
from domain.journey.report_consent import CommentOnReport, GiveConsent, WithdrawConsent
from domain.practice import (
    CURRENT_PRACTICE,
    PRACTICE_V1,
    PRACTICE_V2,
    PRACTICE_V3,
    reports_first_to_employee,
)
from domain.state import CaseState
from domain.values import ConsentScope
from domain.vocabulary import Fitness, ReportScope
from infra.tokens import Principal
from localstack import samples as j
from tests.support.builders import EMPLOYEE, MANAGER_ACTOR, OH_ACTOR, opened_state
from workflows.payloads import CaseView

OPENED = datetime(2026, 11, 20, 10, tzinfo=UTC)
ASSESSED = OPENED + timedelta(hours=2)
NOW = OPENED + timedelta(days=1)
ME = Actor(id=EMPLOYEE.id, role=Role.EMPLOYEE, source=Source.API)
SOMEONE_ELSE = Actor(id="E9999", role=Role.EMPLOYEE, source=Source.API)
FITNESS, ADJUSTMENTS, HR = (ReportScope.FITNESS_TO_MANAGER, ReportScope.ADJUSTMENTS_TO_MANAGER,
                            ReportScope.ADVICE_TO_HR)
ALL = [FITNESS, ADJUSTMENTS, HR]
PAPER = {"on": date(2026, 11, 20), "evidence": "signed consent form, document 1"}


def at_practice(practice: int) -> CaseState:
    return opened_state(OPENED).model_copy(update={"practice": practice})


def act(state: CaseState, command: BaseModel, actor: Actor, now: datetime = NOW
        ) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, command, now=now, actor=actor)
    for event in events:
        state = evolve(state, event)
    return state, events


def assessed(practice: int = PRACTICE_V3,
             consent: ConsentScope = j.CONSENT_TO_SHARE) -> CaseState:
    state, _ = act(at_practice(practice), j.early_contact(ASSESSED), MANAGER_ACTOR, ASSESSED)
    state, _ = act(state, j.assessment(ASSESSED, consent=consent), OH_ACTOR, ASSESSED)
    return state


def consented(*scopes: ReportScope, state: CaseState | None = None) -> CaseState:
    state, _ = act(state or assessed(), GiveConsent(assessment_number=1, scopes=list(scopes)),
                   ME)
    return state


def shown(state: CaseState, role: Role) -> tuple[bool, bool]:
    advice = advice_shown(state, role)
    assert advice is not None
    return advice.fitness, advice.adjustments


def test_a_case_opened_today_reports_first_to_the_employee() -> None:
    assert CURRENT_PRACTICE >= PRACTICE_V2
    assert reports_first_to_employee(opened_state(OPENED))


# -- pending: nothing reaches the manager or HR before the employee's consent ---------------

@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR, Role.AUDITOR, Role.ADMIN,
                                  Role.EMPLOYEE])
def test_an_assessment_shows_nothing_to_anyone_but_oh_before_the_employee_consents(
        role: Role) -> None:
    state = assessed()

    assert shown(state, role) == (False, False)
    assert shown(state, Role.OH) == (True, True)


def test_what_oh_records_at_assessment_is_only_a_proposal() -> None:
    state = assessed()
    assessment = state.assessments[0]

    assert assessment.consent == j.CONSENT_TO_SHARE
    assert effective_consent(state, assessment) == ConsentScope(report_offered_to_employee=True)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR])
def test_the_manager_and_hr_see_the_status_pending_never_the_content(role: Role) -> None:
    status = consent_status(assessed(), role)

    assert status is not None
    assert (status.assessment_number, status.status, status.scopes) == (
        1, ConsentStatus.PENDING, None)


# -- given: each scope opens exactly its part to exactly its recipient ----------------------

@pytest.mark.parametrize(("scopes", "manager", "hr"), [
    ([FITNESS], (True, False), (False, False)),
    ([ADJUSTMENTS], (False, True), (False, False)),
    ([FITNESS, ADJUSTMENTS], (True, True), (False, False)),
    ([HR], (False, False), (True, True)),
    (ALL, (True, True), (True, True)),
])
def test_the_employees_consent_releases_each_part_to_whom_it_names(
        scopes: list[ReportScope], manager: tuple[bool, bool], hr: tuple[bool, bool]) -> None:
    state = consented(*scopes)

    assert shown(state, Role.MANAGER) == manager
    assert shown(state, Role.HR) == hr
    assert shown(state, Role.AUDITOR) == (False, False)


def test_consent_is_recorded_dated_scoped_and_by_the_employee() -> None:
    _, [event] = act(assessed(), GiveConsent(assessment_number=1, scopes=[HR, FITNESS, HR]),
                     ME)

    assert isinstance(event, ConsentGiven)
    assert (event.assessment_number, event.scopes, event.given_on, event.actor) == (
        1, (FITNESS, HR), date(2026, 11, 21), ME)
    assert event.evidence is None
    assert "Start at 10:00" not in event.reason


def test_the_manager_sees_given_once_any_of_their_parts_is_released() -> None:
    state = consented(FITNESS)

    status = consent_status(state, Role.MANAGER)
    assert status is not None and status.status is ConsentStatus.GIVEN
    hr = consent_status(state, Role.HR)
    assert hr is not None and hr.status is ConsentStatus.PENDING


def test_oh_and_the_employee_see_each_scopes_status() -> None:
    state = consented(FITNESS, state=assessed(consent=j.CONSENT_TO_SHARE.model_copy(
        update={"share_with_hr": False})))

    for role in (Role.OH, Role.EMPLOYEE):
        status = consent_status(state, role)
        assert status is not None
        assert status.status is ConsentStatus.GIVEN
        assert status.scopes == {FITNESS: ConsentStatus.GIVEN,
                                 ADJUSTMENTS: ConsentStatus.PENDING,
                                 HR: ConsentStatus.NOT_PROPOSED}


def test_the_employee_cannot_release_what_oh_does_not_propose() -> None:
    state = assessed(consent=ConsentScope(share_fitness_with_manager=True))

    with pytest.raises(InvalidCommand, match="OH does not propose to release the advice to HR"):
        decide(state, GiveConsent(assessment_number=1, scopes=[HR]), now=NOW, actor=ME)
    status = consent_status(state, Role.HR)
    assert status is not None and status.status is ConsentStatus.NOT_PROPOSED


def test_consent_already_given_is_refused_and_a_partly_new_one_records_only_the_new() -> None:
    state = consented(FITNESS)

    with pytest.raises(InvalidCommand, match="already given"):
        decide(state, GiveConsent(assessment_number=1, scopes=[FITNESS]), now=NOW, actor=ME)
    _, [event] = act(state, GiveConsent(assessment_number=1, scopes=[FITNESS, HR]), ME)
    assert isinstance(event, ConsentGiven) and event.scopes == (HR,)


def test_consent_names_a_report_of_the_case() -> None:
    with pytest.raises(InvalidCommand, match="there is no report 2"):
        decide(assessed(), GiveConsent(assessment_number=2, scopes=[FITNESS]), now=NOW,
               actor=ME)


def test_consent_names_at_least_one_scope() -> None:
    with pytest.raises(ValidationError):
        GiveConsent(assessment_number=1, scopes=[])


# -- withdrawn: hidden again from then on ---------------------------------------------------

def test_a_withdrawal_hides_the_advice_again() -> None:
    state = consented(*ALL)
    state, [event] = act(state, WithdrawConsent(assessment_number=1, scopes=[ADJUSTMENTS, HR]),
                         ME)

    assert isinstance(event, ConsentWithdrawn)
    assert shown(state, Role.MANAGER) == (True, False)
    assert shown(state, Role.HR) == (False, False)
    hr = consent_status(state, Role.HR)
    assert hr is not None and hr.status is ConsentStatus.WITHDRAWN
    manager = consent_status(state, Role.MANAGER)
    assert manager is not None and manager.status is ConsentStatus.GIVEN


def test_the_manager_sees_withdrawn_once_nothing_of_theirs_is_released() -> None:
    state, _ = act(consented(FITNESS), WithdrawConsent(assessment_number=1, scopes=[FITNESS]),
                   ME)

    status = consent_status(state, Role.MANAGER)
    assert status is not None and status.status is ConsentStatus.WITHDRAWN
    assert shown(state, Role.MANAGER) == (False, False)


def test_consent_may_be_given_again_after_a_withdrawal() -> None:
    state, _ = act(consented(FITNESS), WithdrawConsent(assessment_number=1, scopes=[FITNESS]),
                   ME)
    state = consented(FITNESS, state=state)

    assert shown(state, Role.MANAGER) == (True, False)
    assert len(state.report_consents) == 1


def test_only_a_consent_given_can_be_withdrawn() -> None:
    with pytest.raises(InvalidCommand, match="no consent to withdraw for the advice to HR"):
        decide(consented(FITNESS), WithdrawConsent(assessment_number=1, scopes=[HR]), now=NOW,
               actor=ME)


def test_a_new_report_is_pending_again_whatever_the_last_one_released() -> None:
    state = consented(*ALL)
    state, _ = act(state, j.assessment(NOW, fitness=Fitness.UNFIT_OWN_ROLE), OH_ACTOR)

    assert shown(state, Role.MANAGER) == (False, False)
    status = consent_status(state, Role.MANAGER)
    assert status is not None and (status.assessment_number, status.status) == (
        2, ConsentStatus.PENDING)


# -- comments -------------------------------------------------------------------------------

def test_the_employees_comment_is_recorded_for_oh_without_its_text_in_the_reason() -> None:
    state, [event] = act(assessed(), CommentOnReport(assessment_number=1,
                                                     comment="Mondays I see my physio."), ME)

    assert isinstance(event, ReportCommented)
    assert (event.number, event.assessment_number, event.comment) == (
        1, 1, "Mondays I see my physio.")
    assert "physio" not in event.reason
    assert state.report_comments == 1
    assert shown(state, Role.MANAGER) == (False, False)


def test_a_blank_comment_is_refused() -> None:
    with pytest.raises(InvalidCommand, match="comment: must not be blank"):
        decide(assessed(), CommentOnReport(assessment_number=1, comment="   "), now=NOW,
               actor=ME)


@pytest.mark.parametrize("actor", [OH_ACTOR, MANAGER_ACTOR])
def test_only_the_employee_comments_on_their_report(actor: Actor) -> None:
    with pytest.raises(RoleNotAllowed):
        decide(assessed(), CommentOnReport(assessment_number=1, comment="x"), now=NOW,
               actor=actor)


# -- who may act ----------------------------------------------------------------------------

@pytest.mark.parametrize("command", [
    GiveConsent(assessment_number=1, scopes=[FITNESS]),
    CommentOnReport(assessment_number=1, comment="Not my report"),
])
def test_an_employee_acts_on_their_own_report_only(command: BaseModel) -> None:
    with pytest.raises(NotOwnTeam, match="not the employee of this case"):
        decide(assessed(), command, now=NOW, actor=SOMEONE_ELSE)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR])
def test_neither_the_manager_nor_hr_can_consent_for_the_employee(role: Role) -> None:
    actor = MANAGER_ACTOR if role is Role.MANAGER else Actor(id="hr", role=role,
                                                              source=Source.API)
    with pytest.raises(RoleNotAllowed):
        decide(assessed(), GiveConsent(assessment_number=1, scopes=[FITNESS]), now=NOW,
               actor=actor)


def test_oh_records_a_written_consent_with_its_date_and_evidence() -> None:
    state, [event] = act(assessed(), GiveConsent(assessment_number=1, scopes=[FITNESS],
                                                 **PAPER), OH_ACTOR)

    assert isinstance(event, ConsentGiven)
    assert (event.given_on, event.evidence, event.actor) == (
        date(2026, 11, 20), "signed consent form, document 1", OH_ACTOR)
    assert shown(state, Role.MANAGER) == (True, False)


@pytest.mark.parametrize(("missing", "field"), [("on", "on"), ("evidence", "evidence")])
def test_oh_cannot_record_a_consent_without_its_date_and_evidence(missing: str, field: str
                                                                  ) -> None:
    written = {k: v for k, v in PAPER.items() if k != missing}
    with pytest.raises(InvalidCommand) as refused:
        decide(assessed(), GiveConsent(assessment_number=1, scopes=[FITNESS], **written),
               now=NOW, actor=OH_ACTOR)
    assert refused.value.field == field


def test_a_written_consent_is_not_dated_before_its_report_nor_in_the_future() -> None:
    for day, reason in ((date(2026, 11, 19), "before the report"),
                        (date(2026, 11, 22), "after today")):
        with pytest.raises(InvalidCommand, match=reason):
            decide(assessed(), GiveConsent(assessment_number=1, scopes=[FITNESS], on=day,
                                           evidence="letter"), now=NOW, actor=OH_ACTOR)


def test_the_employees_own_consent_is_dated_the_day_they_give_it() -> None:
    with pytest.raises(InvalidCommand, match="dated the day you give it") as refused:
        decide(assessed(), GiveConsent(assessment_number=1, scopes=[FITNESS], **PAPER),
               now=NOW, actor=ME)
    assert refused.value.field == "on"


def test_oh_records_a_withdrawal_the_employee_phoned_in() -> None:
    state, _ = act(consented(FITNESS), WithdrawConsent(
        assessment_number=1, scopes=[FITNESS], on=date(2026, 11, 21),
        evidence="the employee phoned OH"), OH_ACTOR)

    assert shown(state, Role.MANAGER) == (False, False)


# -- cases opened under earlier practice keep deciding as before ----------------------------

@pytest.mark.parametrize("practice", [0, PRACTICE_V1])
def test_an_earlier_case_shows_advice_as_the_consent_recorded_at_assessment(practice: int
                                                                             ) -> None:
    state = assessed(practice, consent=ConsentScope(share_fitness_with_manager=True))

    assert shown(state, Role.MANAGER) == (True, False)
    assert shown(state, Role.HR) == (False, False)
    assert effective_consent(state, state.assessments[0]) == state.assessments[0].consent
    assert consent_status(state, Role.MANAGER) is None


@pytest.mark.parametrize("practice", [0, PRACTICE_V1])
@pytest.mark.parametrize("command", [
    GiveConsent(assessment_number=1, scopes=[FITNESS]),
    WithdrawConsent(assessment_number=1, scopes=[FITNESS]),
    CommentOnReport(assessment_number=1, comment="x"),
])
def test_an_earlier_case_refuses_the_report_first_actions(practice: int, command: BaseModel
                                                          ) -> None:
    with pytest.raises(PreconditionNotMet, match=f"follows practice version {practice}"):
        decide(assessed(practice), command, now=NOW, actor=ME)


@pytest.mark.parametrize("practice", [0, PRACTICE_V1])
def test_an_earlier_case_tells_hr_at_the_assessment_as_before(practice: int) -> None:
    before = opened_state(OPENED).model_copy(update={"practice": practice})
    before, _ = act(before, j.early_contact(ASSESSED), MANAGER_ACTOR, ASSESSED)
    [event] = decide(before, j.assessment(ASSESSED), now=ASSESSED, actor=OH_ACTOR)

    update = hr_update_for(before, evolve(before, event), event)
    assert update is not None
    assert "fitness_advice" in [change.kind for change in update.changes]


# -- what HR's webhook hears ----------------------------------------------------------------

def _hr_kinds(before: CaseState, command: BaseModel, actor: Actor = ME) -> list[str]:
    [event] = decide(before, command, now=NOW, actor=actor)
    update = hr_update_for(before, evolve(before, event), event)
    return [change.kind for change in update.changes] if update else []


def test_hr_hears_the_advice_when_the_employee_releases_it_and_its_withdrawal() -> None:
    state = assessed()
    before = at_practice(CURRENT_PRACTICE)
    before, _ = act(before, j.early_contact(ASSESSED), MANAGER_ACTOR, ASSESSED)
    [assessment] = decide(before, j.assessment(ASSESSED), now=ASSESSED, actor=OH_ACTOR)
    at_assessment = hr_update_for(before, state, assessment)
    assert at_assessment is None or "fitness_advice" not in [
        c.kind for c in at_assessment.changes]

    assert _hr_kinds(state, GiveConsent(assessment_number=1, scopes=[FITNESS])) == []
    assert _hr_kinds(state, GiveConsent(assessment_number=1, scopes=[HR])) == [
        "fitness_advice"]
    assert _hr_kinds(consented(HR), WithdrawConsent(assessment_number=1, scopes=[HR])) == [
        "advice_withdrawn"]
    assert _hr_kinds(consented(HR, FITNESS), WithdrawConsent(assessment_number=1,
                                                             scopes=[FITNESS])) == []


# -- replay, corrections and views ----------------------------------------------------------

def test_the_ledger_folds_back_from_its_events() -> None:
    state = opened_state(OPENED)
    events: list[CaseEvent] = []
    for command, actor, now in [
        (j.early_contact(ASSESSED), MANAGER_ACTOR, ASSESSED),
        (j.assessment(ASSESSED), OH_ACTOR, ASSESSED),
        (CommentOnReport(assessment_number=1, comment="ok"), ME, NOW),
        (GiveConsent(assessment_number=1, scopes=ALL), ME, NOW),
        (WithdrawConsent(assessment_number=1, scopes=[HR]), ME, NOW),
    ]:
        state, decided = act(state, command, actor, now)
        events += decided
    command = j.open_command()
    first = open_case(command, case_id=case_id_for_absence(command.employer_id,
                                                           command.absence_id),
                      now=OPENED, actor=j.HR_ACTOR)
    assert fold([first, *events]) == state


@pytest.mark.parametrize("entry", ["ReportCommented", "ConsentGiven", "ConsentWithdrawn"])
def test_the_employees_own_word_is_never_corrected_by_oh(entry: str) -> None:
    with pytest.raises(InvalidCommand, match="the employee's own word"):
        decide(assessed(), CorrectEntry(position=2, corrects_event_id="x",
                                        corrected_type=entry, correction="y"),
               now=NOW, actor=OH_ACTOR)


def _view(state: CaseState) -> CaseView:
    return CaseView(state=state, deadlines=open_deadlines(state),
                    allowed_actions=[a.value for a in allowed_actions(state)])


def test_the_managers_case_view_has_the_status_and_then_the_advice() -> None:
    manager = Principal(subject="M2002", role=Role.MANAGER)
    pending = case_for(_view(assessed()), manager, now=NOW)

    assert pending.fitness_advice is None
    assert pending.report_consent is not None
    assert pending.report_consent.model_dump(mode="json") == {
        "assessment_number": 1, "status": "pending", "scopes": None}

    given = case_for(_view(consented(FITNESS)), manager, now=NOW)
    assert given.fitness_advice is not None
    assert given.fitness_advice.fitness is Fitness.FIT_WITH_ADJUSTMENTS
    assert given.fitness_advice.recommended_adjustments is None
    assert given.report_consent is not None and given.report_consent.status == "given"


def test_an_earlier_cases_view_has_no_consent_status() -> None:
    manager = Principal(subject="M2002", role=Role.MANAGER)
    assert case_for(_view(assessed(PRACTICE_V1)), manager, now=NOW).report_consent is None


def test_the_employee_reads_their_report_without_ohs_clinical_notes_tier_or_rapid_access(
        ) -> None:
    report = report_for_employee(assessed().assessments[0])
    fields = set(vars(report))

    assert {"fitness", "barriers", "recommended_adjustments"} <= fields
    assert not {"clinical_notes", "tier", "rapid_access", "consent"} & fields
    assert report.barriers == ("travel to work",)
