"""GP and specialist reports under the Access to Medical Reports Act 1988: consent first (s.3),
the employee's choice to see the report before it is supplied (s.4), the 21 days (s.4(4)),
amendments, a statement and refusal of supply (s.5); what the report says stays with OH."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from api.views import case_for
from domain.actors import TIMER_ACTOR, Actor, Role, Source
from domain.commands import DeadlinePassed
from domain.deadlines import open_deadlines
from domain.decide import decide
from domain.disclosure import may_see_in_timeline, shared_deadlines
from domain.errors import InvalidCommand, PreconditionNotMet, RoleNotAllowed
from domain.events import CaseEvent, MedicalReportRequested, ReminderSent
from domain.evolve import evolve
from domain.hr_updates import hr_update_for
from domain.journey.medical_reports import (
    ArrangeMedicalReportAccess,
    AskToSeeMedicalReport,
    ConsentToMedicalReport,
    DecideMedicalReportSupply,
    RecordMedicalReportReceived,
    RequestMedicalReport,
    RequestMedicalReportAmendment,
    may_supply_from,
    waiting_for_access,
)
from domain.notices import NoticeKind, notices_for
from domain.state import CaseState, Doctor, MedicalReport, MedicalReportSupply
from infra.tokens import Principal
from tests.support.builders import EMPLOYEE, OH_ACTOR, opened_state
from workflows.payloads import CaseView

OPENED = datetime(2026, 11, 20, 9, tzinfo=UTC)
NOW = OPENED + timedelta(hours=3)
ME = Actor(id=EMPLOYEE.id, role=Role.EMPLOYEE, source=Source.API)
WRITTEN = {"on": date(2026, 11, 20), "evidence": "signed AMRA consent form, document 7"}
DAY_21 = date(2026, 12, 10)  # 21 days beginning with 20 November end on 10 December


def act(state: CaseState, command: BaseModel, actor: Actor, now: datetime = NOW
        ) -> tuple[CaseState, list[CaseEvent]]:
    events = decide(state, command, now=now, actor=actor)
    for event in events:
        state = evolve(state, event)
    return state, events


def consented(*, see: bool = True, doctor: Doctor = Doctor.GP) -> CaseState:
    state, _ = act(opened_state(OPENED), ConsentToMedicalReport(
        doctor=doctor, wishes_to_see_report=see), ME)
    return state


def requested(*, see: bool = True) -> CaseState:
    state, _ = act(consented(see=see), RequestMedicalReport(
        report_number=1, practitioner="Dr A Shah, Riverside Surgery"), OH_ACTOR)
    return state


def report(state: CaseState) -> MedicalReport:
    return state.medical_reports[0]


# -- s.3: no application without the employee's consent first ------------------------------

def test_oh_is_refused_a_request_before_the_employee_consents() -> None:
    state = opened_state(OPENED)
    with pytest.raises(PreconditionNotMet, match=r"s\.3"):
        decide(state, RequestMedicalReport(report_number=1, practitioner="Dr Shah"),
               now=NOW, actor=OH_ACTOR)


def test_the_employees_consent_on_their_page_is_dated_today() -> None:
    state = consented(see=False, doctor=Doctor.SPECIALIST)
    assert report(state) == MedicalReport(number=1, doctor=Doctor.SPECIALIST,
                                          consent_on=date(2026, 11, 20), wishes_access=False)


def test_oh_records_a_written_consent_naming_the_day_and_the_evidence() -> None:
    state, [event] = act(opened_state(OPENED), ConsentToMedicalReport(
        doctor=Doctor.GP, wishes_to_see_report=True, **WRITTEN), OH_ACTOR)
    assert report(state).consent_on == date(2026, 11, 20)
    assert "s.3" in event.reason
    with pytest.raises(InvalidCommand, match="evidence"):
        decide(opened_state(OPENED), ConsentToMedicalReport(
            doctor=Doctor.GP, wishes_to_see_report=True, on=date(2026, 11, 20)),
            now=NOW, actor=OH_ACTOR)
    with pytest.raises(InvalidCommand, match="on"):
        decide(opened_state(OPENED), ConsentToMedicalReport(
            doctor=Doctor.GP, wishes_to_see_report=True, **WRITTEN), now=NOW, actor=ME)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.HR])
def test_nobody_but_oh_applies_and_nobody_but_the_employee_or_oh_consents(role: Role) -> None:
    actor = Actor(id="x1", role=role, source=Source.API)
    with pytest.raises(RoleNotAllowed):
        decide(consented(), RequestMedicalReport(report_number=1, practitioner="Dr Shah"),
               now=NOW, actor=actor)
    with pytest.raises(RoleNotAllowed):
        decide(opened_state(OPENED), ConsentToMedicalReport(
            doctor=Doctor.GP, wishes_to_see_report=False), now=NOW, actor=actor)


def test_a_report_is_applied_for_once() -> None:
    with pytest.raises(InvalidCommand, match="was applied for"):
        decide(requested(), RequestMedicalReport(report_number=1, practitioner="Dr Shah"),
               now=NOW, actor=OH_ACTOR)
    with pytest.raises(InvalidCommand, match="there is no 2"):
        decide(requested(), RequestMedicalReport(report_number=2, practitioner="Dr Shah"),
               now=NOW, actor=OH_ACTOR)


# -- s.4: the 21 days to arrange to see it --------------------------------------------------

def test_the_employee_is_told_of_the_application_and_the_last_of_the_21_days() -> None:
    before = consented()
    state, [event] = act(before, RequestMedicalReport(report_number=1, practitioner="Dr Shah"),
                         OH_ACTOR)
    assert isinstance(event, MedicalReportRequested)
    assert may_supply_from(report(state)) == DAY_21 + timedelta(days=1)
    [notice] = notices_for(state, event)
    assert (notice.kind, notice.recipient_role, notice.effective_on) == (
        NoticeKind.MEDICAL_REPORT_REQUESTED, Role.EMPLOYEE, DAY_21 + timedelta(days=1))


def test_when_the_21_days_pass_the_employee_and_oh_are_told() -> None:
    state = requested()
    [deadline] = [d for d in open_deadlines(state) if d.name == "medical_report_access_period"]
    assert deadline.due_at.date() == DAY_21 + timedelta(days=1)
    assert deadline.recipients == (Role.EMPLOYEE, Role.OH)

    [event] = decide(state, DeadlinePassed(key=deadline.key), now=deadline.due_at,
                     actor=TIMER_ACTOR)

    assert isinstance(event, ReminderSent)
    state = evolve(state, event)
    assert {(n.kind, n.recipient_role) for n in notices_for(state, event)} == {
        (NoticeKind.MEDICAL_REPORT_ACCESS_PERIOD_ENDED, Role.EMPLOYEE),
        (NoticeKind.MEDICAL_REPORT_ACCESS_PERIOD_ENDED, Role.OH)}
    assert not open_deadlines(state) or all(
        d.name != "medical_report_access_period" for d in open_deadlines(state))


def test_no_21_days_when_the_employee_does_not_wish_to_see_it() -> None:
    state = requested(see=False)
    assert not [d for d in open_deadlines(state) if d.name == "medical_report_access_period"]
    [notice] = notices_for(state, MedicalReportRequested(
        occurred_at=NOW, actor=OH_ACTOR, reason="r", number=1, practitioner="Dr Shah",
        requested_on=date(2026, 11, 20)))
    assert notice.effective_on is None


def test_having_said_no_the_employee_may_still_ask_to_see_it() -> None:
    state, _ = act(requested(see=False), AskToSeeMedicalReport(report_number=1), ME)
    assert report(state).wishes_access
    assert [d.name for d in open_deadlines(state)
            if d.name == "medical_report_access_period"] == ["medical_report_access_period"]
    with pytest.raises(InvalidCommand, match="already asked"):
        decide(state, AskToSeeMedicalReport(report_number=1), now=NOW, actor=ME)


def test_arranging_access_in_time_stops_the_clock_and_holds_the_report() -> None:
    state, _ = act(requested(), ArrangeMedicalReportAccess(report_number=1), ME,
                   NOW + timedelta(days=5))
    assert not [d for d in open_deadlines(state) if d.name == "medical_report_access_period"]
    assert waiting_for_access(report(state), DAY_21 + timedelta(days=30))
    with pytest.raises(InvalidCommand, match=r"has not consented to its supply \(s\.5\(1\)\)"):
        decide(state, RecordMedicalReportReceived(report_number=1,
                                                  received_on=DAY_21 + timedelta(days=2)),
               now=datetime(2026, 12, 14, tzinfo=UTC), actor=OH_ACTOR)


def test_access_cannot_be_arranged_once_the_21_days_have_passed() -> None:
    with pytest.raises(InvalidCommand, match="ended on 2026-12-10"):
        decide(requested(), ArrangeMedicalReportAccess(report_number=1),
               now=datetime(2026, 12, 11, 12, tzinfo=UTC), actor=ME)


def test_the_report_may_not_be_received_within_the_21_days_unseen() -> None:
    with pytest.raises(InvalidCommand, match="21 days"):
        decide(requested(), RecordMedicalReportReceived(report_number=1, received_on=DAY_21),
               now=datetime(2026, 12, 10, 15, tzinfo=UTC), actor=OH_ACTOR)
    state, _ = act(requested(), RecordMedicalReportReceived(
        report_number=1, received_on=DAY_21 + timedelta(days=1), summary="clinical"),
        OH_ACTOR, datetime(2026, 12, 11, 15, tzinfo=UTC))
    assert report(state).received_on == DAY_21 + timedelta(days=1)


def test_a_report_the_employee_did_not_ask_to_see_may_come_at_once() -> None:
    state, _ = act(requested(see=False), RecordMedicalReportReceived(
        report_number=1, received_on=date(2026, 11, 20)), OH_ACTOR)
    assert report(state).received_on == date(2026, 11, 20)


# -- s.5: amendments, a statement, consent to supply or refusal -------------------------------

def test_having_seen_it_the_employee_asks_for_amendments_and_attaches_a_statement() -> None:
    state, _ = act(requested(), ArrangeMedicalReportAccess(report_number=1), ME)
    state, _ = act(state, RequestMedicalReportAmendment(
        report_number=1, amendment="The start date is wrong."), ME)
    state, _ = act(state, RequestMedicalReportAmendment(
        report_number=1, statement="I disagree with the outlook given."), ME)
    assert (report(state).amendments_requested, report(state).statement_attached) == (1, True)
    with pytest.raises(InvalidCommand, match="amendment"):
        decide(state, RequestMedicalReportAmendment(report_number=1), now=NOW, actor=ME)


def test_an_amendment_needs_the_employee_to_have_asked_to_see_it() -> None:
    with pytest.raises(InvalidCommand, match=r"s\.5"):
        decide(requested(see=False), RequestMedicalReportAmendment(
            report_number=1, amendment="wrong"), now=NOW, actor=ME)


def test_consent_to_supply_lets_the_report_come() -> None:
    state, _ = act(requested(), ArrangeMedicalReportAccess(report_number=1), ME)
    state, _ = act(state, DecideMedicalReportSupply(
        report_number=1, supply=MedicalReportSupply.CONSENTED), ME)
    state, _ = act(state, RecordMedicalReportReceived(
        report_number=1, received_on=date(2026, 11, 20)), OH_ACTOR)
    assert report(state).received_on == date(2026, 11, 20)


def test_a_refused_supply_is_never_received_and_never_decided_again() -> None:
    state, _ = act(requested(), DecideMedicalReportSupply(
        report_number=1, supply=MedicalReportSupply.REFUSED), ME)
    assert not [d for d in open_deadlines(state) if d.name == "medical_report_access_period"]
    with pytest.raises(InvalidCommand, match="refused its supply"):
        decide(state, RecordMedicalReportReceived(report_number=1,
                                                  received_on=DAY_21 + timedelta(days=5)),
               now=datetime(2026, 12, 20, tzinfo=UTC), actor=OH_ACTOR)
    with pytest.raises(InvalidCommand, match="refused"):
        decide(state, DecideMedicalReportSupply(
            report_number=1, supply=MedicalReportSupply.CONSENTED), now=NOW, actor=ME)


def test_commands_refuse_what_they_cannot_hold() -> None:
    with pytest.raises(ValidationError):
        RequestMedicalReport(report_number=1, practitioner="Dr\nShah")
    with pytest.raises(ValidationError):
        ConsentToMedicalReport.model_validate({"doctor": "dentist",
                                               "wishes_to_see_report": True})


# -- what the report says stays with OH ----------------------------------------------------

def test_no_one_but_oh_sees_medical_reports_in_the_timeline_deadlines_or_hr_webhook() -> None:
    before = consented()
    state, [event] = act(before, RequestMedicalReport(report_number=1,
                                                      practitioner="Dr Shah"), OH_ACTOR)
    for role in (Role.MANAGER, Role.HR, Role.EMPLOYEE):
        assert not may_see_in_timeline(role, event.type, event.model_dump())
    assert not [d for d in shared_deadlines(open_deadlines(state))
                if d.name == "medical_report_access_period"]
    assert hr_update_for(before, state, event, notices=notices_for(state, event)) is None
    out = case_for(CaseView(state=state, deadlines=open_deadlines(state), allowed_actions=[]),
                   Principal(subject="hr", role=Role.HR), now=NOW)
    assert "medical" not in out.model_dump_json()


@given(requested_on=st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 31)),
       days_later=st.integers(min_value=0, max_value=60))
def test_an_unseen_report_waits_exactly_21_days_from_the_application(
        requested_on: date, days_later: int) -> None:
    pending = MedicalReport(number=1, doctor=Doctor.GP, consent_on=requested_on,
                            wishes_access=True, requested_on=requested_on)
    received_on = requested_on + timedelta(days=days_later)

    assert waiting_for_access(pending, received_on) == (days_later < 21)
    assert not waiting_for_access(pending.model_copy(update={"wishes_access": False}),
                                  received_on)
