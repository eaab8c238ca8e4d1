"""Notice texts: one per kind, in London time, replaceable per employer, never clinical."""

from __future__ import annotations

import json
import re
from dataclasses import fields, replace
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment

from domain.actors import TIMER_ACTOR, Role
from domain.appointment_book import AppointmentMethod, MissedAppointmentsDecision
from domain.events import (
    AssessmentRecorded,
    CaseEscalated,
    CaseEvent,
    EscalationConfirmed,
    LineManagerChanged,
    ManagerRemindedOfContact,
    MissedContactEscalated,
    OhReferralMade,
    ReminderSent,
    RiskFlagRaised,
)
from domain.journey.appointments import (
    AppointmentReminderSent,
    AppointmentStillNeededAsked,
    MissedAppointmentsDecided,
    MissedAppointmentsDecisionRequested,
)
from domain.journey.medical_reports import ACCESS_PERIOD, MedicalReportRequested
from domain.journey.report_consent import ReportOffered
from domain.notices import Notice, NoticeKind, notices_for
from domain.state import CaseState, Doctor, MedicalReport
from domain.values import Assessor, ConsentScope, Person, SickPayEntitlement
from domain.vocabulary import AssessmentKind, Fitness, Tier
from infra.employers import EmployerDirectory
from infra.notice_texts import (
    RECIPIENT_ROLES,
    VARIABLES,
    NoticeContext,
    NoticeTexts,
    compile_text,
    day,
    london,
)
from tests.support.builders import opened_state

CASE_ID = "3f2a0c1e-1111-5222-8333-444455556666"
MARKER = "CLINICAL-MARKER-7f3a"

# Who receives each kind, as domain/notices.py and the deadlines' `recipients` send them.
# A kind named after a deadline nobody has a text for, and the notices of cases older than the
# outbox, may go to anyone.
RECEIVERS: dict[NoticeKind, frozenset[Role]] = {
    NoticeKind.EARLY_CONTACT_DUE: frozenset({Role.MANAGER}),
    NoticeKind.EARLY_CONTACT_MISSED: frozenset({Role.HR}),
    NoticeKind.OH_REFERRAL_MADE: frozenset({Role.OH}),
    NoticeKind.LONG_ABSENCE_FLAG: frozenset({Role.OH}),
    NoticeKind.CASE_ESCALATED: frozenset({Role.OH}),
    NoticeKind.CASE_ESCALATED_HR: frozenset({Role.HR}),
    NoticeKind.FIT_NOTE_NEEDED: frozenset({Role.EMPLOYEE, Role.MANAGER}),
    NoticeKind.FIT_NOTE_ENDING: frozenset({Role.EMPLOYEE, Role.MANAGER}),
    NoticeKind.FIRST_ASSESSMENT_DUE: frozenset({Role.OH}),
    NoticeKind.CHECK_IN_DUE: frozenset({Role.MANAGER}),
    NoticeKind.PLAN_REVIEW_DUE: frozenset({Role.OH, Role.MANAGER}),
    NoticeKind.PHASED_RETURN_WEEK_REVIEW: frozenset({Role.MANAGER, Role.OH}),
    NoticeKind.PHASED_RETURN_ENDS: frozenset({Role.MANAGER, Role.OH}),
    NoticeKind.TRIAL_REVIEW_DUE: frozenset({Role.OH, Role.MANAGER, Role.HR}),
    NoticeKind.TRIAL_ENDS: frozenset({Role.OH, Role.HR}),
    NoticeKind.FOLLOW_UP_DUE: frozenset({Role.OH}),
    NoticeKind.SICK_PAY_HALF_WARNING: frozenset({Role.HR, Role.EMPLOYEE}),
    NoticeKind.SICK_PAY_NIL_WARNING: frozenset({Role.HR, Role.EMPLOYEE}),
    NoticeKind.FIRST_TREATMENT_DUE: frozenset({Role.OH}),
    NoticeKind.REFERRAL_TRIAGE_DUE: frozenset({Role.OH}),
    NoticeKind.DEADLINE_PASSED: frozenset(RECIPIENT_ROLES),
    NoticeKind.LEGACY: frozenset(RECIPIENT_ROLES),
    NoticeKind.APPOINTMENT_REMINDER_PHONE: frozenset({Role.EMPLOYEE}),
    NoticeKind.APPOINTMENT_REMINDER_VIDEO: frozenset({Role.EMPLOYEE}),
    NoticeKind.APPOINTMENT_REMINDER_IN_PERSON: frozenset({Role.EMPLOYEE}),
    NoticeKind.APPOINTMENT_STILL_NEEDED: frozenset({Role.OH}),
    NoticeKind.APPOINTMENTS_MISSED: frozenset({Role.MANAGER, Role.OH}),
    NoticeKind.MISSED_APPOINTMENTS_DECISION_DUE: frozenset({Role.OH}),
    NoticeKind.MISSED_APPOINTMENTS_DECIDED: frozenset({Role.MANAGER}),
    NoticeKind.SELF_HELP_GUIDANCE: frozenset({Role.EMPLOYEE}),
    NoticeKind.SELF_HELP_CHECK_IN_DUE: frozenset({Role.OH}),
    NoticeKind.REASSESSMENT_DUE: frozenset({Role.OH}),
    NoticeKind.SPECIALIST_ASSESSMENT_DUE: frozenset({Role.OH}),
    NoticeKind.SPECIALIST_REFERRAL_DUE: frozenset({Role.OH}),
    NoticeKind.FIT_NOTE_LAPSED: frozenset({Role.EMPLOYEE, Role.MANAGER, Role.HR}),
    NoticeKind.FIT_NOTE_ASSESS_AGAIN: frozenset({Role.OH}),
    NoticeKind.ESCALATION_REVIEW_DUE: frozenset({Role.OH}),
    NoticeKind.ESCALATION_CONFIRMED_HR: frozenset({Role.HR}),
    NoticeKind.PLAN_ACTION_DUE: frozenset(RECIPIENT_ROLES),
    NoticeKind.PLAN_REVISION_DUE: frozenset({Role.OH}),
    NoticeKind.ABSENCE_RECURRENCE: frozenset({Role.OH}),
    NoticeKind.ATTENDANCE_REVIEW_SUGGESTED: frozenset({Role.HR, Role.MANAGER}),
    NoticeKind.OH_REFERRAL_SUGGESTED: frozenset({Role.OH}),
    NoticeKind.EMPLOYEE_SIGN_IN_LINK: frozenset({Role.EMPLOYEE}),
    NoticeKind.CASE_HANDED_OVER: frozenset({Role.MANAGER}),
    NoticeKind.SSP_ENDING_WARNING: frozenset({Role.HR, Role.EMPLOYEE}),
    NoticeKind.SSP1_DUE: frozenset({Role.HR}),
    NoticeKind.REPORT_OFFERED: frozenset({Role.EMPLOYEE}),
    NoticeKind.MEDICAL_REPORT_REQUESTED: frozenset({Role.EMPLOYEE}),
    NoticeKind.MEDICAL_REPORT_ACCESS_PERIOD_ENDED: frozenset({Role.EMPLOYEE, Role.OH}),
}


def context(kind: NoticeKind, role: Role, **changes: object) -> NoticeContext:
    person = {Role.MANAGER: "Alex Jones", Role.EMPLOYEE: "Sam Patel"}.get(role)
    full = NoticeContext(
        notice_id="notice-1", case_id=CASE_ID, employer_id="trust-a", kind=kind,
        recipient_role=role, recipient_name=person, employee_name="Sam Patel",
        manager_name="Alex Jones", first_day=date(2026, 11, 20),
        due_at=datetime(2026, 12, 1, 17, 0, tzinfo=UTC), escalation_number=2, absent_days=42,
        effective_on=date(2027, 1, 4), case_url=f"https://rtw.example.org/cases/{CASE_ID}",
    )
    return replace(full, **changes)  # type: ignore[arg-type]


def without_optional_facts(full: NoticeContext) -> NoticeContext:
    return replace(full, recipient_name=None, employee_name=None, manager_name=None,
                   first_day=None, due_at=None, escalation_number=None, absent_days=None,
                   effective_on=None, case_url=None)


def write_employer(directory: Path, employer_id: str, texts: dict[str, dict[str, str]]) -> Path:
    path = directory / f"{employer_id}.json"
    path.write_text(json.dumps({
        "mailboxes": {"oh": "oh@trust-a.example.org", "hr": "hr@trust-a.example.org"},
        "texts": texts,
    }))
    return path


# --- every kind, every recipient --------------------------------------------------------------


def test_the_receivers_table_covers_every_kind() -> None:
    assert set(RECEIVERS) == set(NoticeKind)


def test_every_kind_has_exactly_one_shipped_template_file() -> None:
    shipped = resources.files("infra").joinpath("notice_templates")
    names = sorted(entry.name for entry in shipped.iterdir() if entry.name.endswith(".txt"))
    assert names == sorted(f"{kind.value}.txt" for kind in NoticeKind)


@pytest.mark.parametrize("kind", list(NoticeKind))
def test_every_kind_renders_for_every_role_that_receives_it(kind: NoticeKind) -> None:
    texts = NoticeTexts()
    for role in sorted(RECEIVERS[kind]):
        for facts in (context(kind, role), without_optional_facts(context(kind, role))):
            rendered = texts.render(facts)

            assert rendered.subject and "\n" not in rendered.subject
            assert CASE_ID in rendered.subject
            assert f"Case reference: {CASE_ID}" in rendered.body
            assert "rtw" in rendered.body
            assert ("{" not in rendered.body) and ("None" not in rendered.body)
            assert rendered.body.endswith("\n") and "\n\n\n" not in rendered.body
            if facts.case_url:
                assert facts.case_url in rendered.body
        full = texts.render(context(kind, role)).body
        if role in (Role.MANAGER, Role.EMPLOYEE):
            assert full.startswith(f"Dear {context(kind, role).recipient_name},\n")
        if role is Role.MANAGER:
            assert "Sam Patel" in full  # the manager is told whom it is about


def test_the_check_at_start_passes_for_the_shipped_texts() -> None:
    NoticeTexts().check()


def test_a_template_that_fails_without_an_optional_fact_fails_the_check(tmp_path: Path) -> None:
    write_employer(tmp_path, "trust-a", {"trial_ends": {
        "subject": "Trial ends", "body": "The trial ends on {{ due_at | day }}.\n"}})
    texts = NoticeTexts(EmployerDirectory.load(tmp_path))
    with pytest.raises(ValueError, match=r"trial_ends, employer trust-a \(texts\.trial_ends\), "
                                         r"for manager with no optional fact"):
        texts.check()


# --- London time -------------------------------------------------------------------------------


def test_the_deadline_is_shown_in_london_time_either_side_of_the_clock_change() -> None:
    texts = NoticeTexts()
    # Clocks went back on Sunday 25 October 2026: 16:00 UTC is 5pm before it, 4pm after.
    summer = texts.render(context(NoticeKind.CHECK_IN_DUE, Role.MANAGER,
                                  due_at=datetime(2026, 10, 23, 16, 0, tzinfo=UTC)))
    winter = texts.render(context(NoticeKind.CHECK_IN_DUE, Role.MANAGER,
                                  due_at=datetime(2026, 10, 30, 16, 0, tzinfo=UTC)))

    assert "Friday 23 October 2026 at 5pm" in summer.body
    assert summer.fields["deadline"] == "Friday 23 October 2026 at 5pm"
    assert "Friday 30 October 2026 at 4pm" in winter.body
    assert winter.fields["deadline"] == "Friday 30 October 2026 at 4pm"


def test_london_and_day_write_times_and_dates_as_people_read_them() -> None:
    assert london(datetime(2026, 12, 1, 17, 30, tzinfo=UTC)) == "Tuesday 1 December 2026 at 5:30pm"
    assert london(datetime(2026, 12, 1, 9, 5, tzinfo=UTC)) == "Tuesday 1 December 2026 at 9:05am"
    assert london(datetime(2026, 7, 1, 11, 0, tzinfo=UTC)) == "Wednesday 1 July 2026 at midday"
    # Midnight ends the day before: "by Monday at midnight" is the moment Tuesday starts.
    assert london(datetime(2026, 12, 1, 0, 0, tzinfo=UTC)) == "Monday 30 November 2026 at midnight"
    assert london(datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == "Sunday 29 March 2026 at 12:30am"
    assert london(datetime(2026, 3, 29, 1, 30, tzinfo=UTC)) == "Sunday 29 March 2026 at 2:30am"
    assert day(date(2026, 12, 1)) == "Tuesday 1 December 2026"
    assert day(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == "Wednesday 1 July 2026"
    with pytest.raises(ValueError, match="no time zone"):
        london(datetime(2026, 12, 1, 17, 0))  # noqa: DTZ001 - the naive moment under test


# --- employer texts ----------------------------------------------------------------------------


def test_an_employer_text_replaces_the_shipped_one_for_that_employer_only(tmp_path: Path) -> None:
    write_employer(tmp_path, "trust-a", {"check_in_due": {
        "subject": "Check in with {{ employee_name }} ({{ case_id }})",
        "body": "Hi {{ recipient_name }}, please call"
                "{% if due_at %} by {{ due_at | london }}{% endif %}.\n",
    }})
    texts = NoticeTexts(EmployerDirectory.load(tmp_path))
    texts.check()

    ours = texts.render(context(NoticeKind.CHECK_IN_DUE, Role.MANAGER))
    assert ours.subject == f"Check in with Sam Patel ({CASE_ID})"
    assert ours.body == "Hi Alex Jones, please call by Tuesday 1 December 2026 at 5pm.\n"

    other_kind = texts.render(context(NoticeKind.TRIAL_ENDS, Role.MANAGER))
    other_employer = texts.render(context(NoticeKind.CHECK_IN_DUE, Role.MANAGER,
                                          employer_id="trust-b"))
    shipped = NoticeTexts().render(context(NoticeKind.CHECK_IN_DUE, Role.MANAGER))
    assert (other_employer.subject, other_employer.body) == (shipped.subject, shipped.body)
    assert other_kind == NoticeTexts().render(context(NoticeKind.TRIAL_ENDS, Role.MANAGER))


def test_a_broken_employer_text_is_a_load_error_naming_the_file_and_kind(tmp_path: Path) -> None:
    path = write_employer(tmp_path, "trust-a", {"plan_review_due": {
        "subject": "Plan review", "body": "Due {% if due_at %}{{ due_at | london }}.\n"}})
    with pytest.raises(ValueError) as refused:
        EmployerDirectory.load(tmp_path)
    message = str(refused.value)
    assert message.startswith(f"{path}: texts.plan_review_due.body: template does not compile")
    assert "\n" not in message


def test_an_unknown_filter_is_a_load_error(tmp_path: Path) -> None:
    path = write_employer(tmp_path, "trust-a", {"plan_review_due": {
        "subject": "Plan review {{ due_at | shout }}", "body": "Due.\n"}})
    with pytest.raises(ValueError, match=rf"^{path}: texts\.plan_review_due\.subject: .*shout"):
        EmployerDirectory.load(tmp_path)


def test_a_subject_is_one_line_whatever_the_template_does(tmp_path: Path) -> None:
    write_employer(tmp_path, "trust-a", {"check_in_due": {
        "subject": "Check in\nBcc: {{ case_id }}\r\n", "body": "Please call.\n"}})
    rendered = NoticeTexts(EmployerDirectory.load(tmp_path)).render(
        context(NoticeKind.CHECK_IN_DUE, Role.MANAGER))
    assert rendered.subject == f"Check in Bcc: {CASE_ID}"


# --- nothing clinical, nothing but the notice's facts ------------------------------------------


def test_templates_may_use_only_the_fields_of_the_notice_context() -> None:
    assert set(VARIABLES) == {field.name for field in fields(NoticeContext)}
    shipped = resources.files("infra").joinpath("notice_templates")
    parser = SandboxedEnvironment()
    for kind in NoticeKind:
        source = shipped.joinpath(f"{kind.value}.txt").read_text(encoding="utf-8")
        used = meta.find_undeclared_variables(parser.parse(source))
        assert used <= set(VARIABLES), f"{kind.value} uses {used - set(VARIABLES)}"

    for name in ("diagnosis", "reason", "cause", "notes", "range"):
        with pytest.raises(ValueError, match=rf"template uses {name}, which no notice has"):
            compile_text(f"{{{{ {name} }}}}")


def test_an_attribute_a_notice_fact_lacks_fails_the_check(tmp_path: Path) -> None:
    # Compiles (case_id is a notice variable) but the strict undefined refuses the attribute.
    write_employer(tmp_path, "trust-a", {"follow_up_due": {
        "subject": "Follow-up", "body": "{{ case_id.notes }}\n"}})
    texts = NoticeTexts(EmployerDirectory.load(tmp_path))
    with pytest.raises(ValueError, match=r"follow_up_due, employer trust-a .*notes"):
        texts.check()


def test_a_free_text_field_never_reaches_a_text() -> None:
    # The facts a text is meant to show: ids, the link and the names of the people involved.
    # Any other string a NoticeContext gains carries the marker here and must not be shown.
    shown = {"notice_id", "case_id", "employer_id", "recipient_name", "employee_name",
             "manager_name", "case_url", "sign_in_url"}
    texts = NoticeTexts()
    for kind in NoticeKind:
        for role in RECIPIENT_ROLES:
            facts = context(kind, role)
            free_text = {field.name: MARKER for field in fields(NoticeContext)
                         if field.type in ("str", "str | None") and field.name not in shown}
            rendered = texts.render(replace(facts, **free_text))  # type: ignore[arg-type]
            assert MARKER not in rendered.subject + rendered.body
            assert all(MARKER not in value for value in rendered.fields.values())


def named(facts: NoticeContext) -> NoticeContext:
    return replace(facts, recipient_name="NAME-MARKER-1", employee_name="NAME-MARKER-2",
                   manager_name="NAME-MARKER-3")


def test_mailbox_texts_name_the_case_and_nobody_in_it() -> None:
    texts = NoticeTexts()
    for kind in NoticeKind:
        for role in (Role.HR, Role.OH):
            rendered = texts.render(named(context(kind, role)))
            everything = " ".join([rendered.subject, rendered.body, *rendered.fields.values()])
            assert "NAME-MARKER" not in everything
            assert CASE_ID in rendered.body
    to_manager = texts.render(named(context(NoticeKind.CHECK_IN_DUE, Role.MANAGER)))
    assert "NAME-MARKER-2" in to_manager.body  # a person is told whom it is about


def _notice_context(state: CaseState, notice: Notice, number: int) -> NoticeContext:
    """What the relay knows of a notice: the notice's own facts, the case's ids and names."""
    person = {Role.MANAGER: state.manager, Role.EMPLOYEE: state.employee}.get(
        notice.recipient_role)
    own = {name: getattr(notice, name) for name in VARIABLES if name in Notice.model_fields}
    return NoticeContext(
        notice_id=f"notice-{number}", case_id=state.case_id, employer_id=state.employer_id,
        recipient_name=person.name if person else None, employee_name=state.employee.name,
        manager_name=state.manager.name, first_day=state.first_day, case_url=None, **own)


def appointment_events(now: datetime, clinical: dict[str, Any]) -> list[CaseEvent]:
    """The events of `domain.journey.appointments` that tell someone something."""
    return [
        *(AppointmentReminderSent(number=1, at=now, method=method, deadline_key=MARKER,
                                  **clinical) for method in AppointmentMethod),
        AppointmentStillNeededAsked(number=1, at=now, deadline_key=MARKER, **clinical),
        MissedAppointmentsDecisionRequested(missed=2, decide_by=now, **clinical),
        MissedAppointmentsDecided(decision=MissedAppointmentsDecision.DISCHARGE, **clinical),
    ]


def test_clinical_detail_on_a_case_never_reaches_a_notice_text() -> None:
    now = datetime(2026, 12, 1, 17, 0, tzinfo=UTC)
    state = opened_state(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    assert state.absence is not None
    state = state.model_copy(update={"absence": state.absence.model_copy(update={
        "sick_pay": SickPayEntitlement(full_pay_days=30, half_pay_days=30)}),
        "medical_reports": (MedicalReport(number=1, doctor=Doctor.GP,
                                          consent_on=date(2026, 11, 30), wishes_access=True,
                                          requested_on=date(2026, 12, 1)),)})
    everyone = tuple(RECIPIENT_ROLES)
    clinical = {"occurred_at": now, "actor": TIMER_ACTOR, "reason": MARKER}
    events: list[CaseEvent] = [
        ManagerRemindedOfContact(deadline=now, **clinical),
        MissedContactEscalated(deadline=now, **clinical),
        OhReferralMade(cause=MARKER, assessment_due_at=now + timedelta(days=7),
                       deadline_key=MARKER, **clinical),
        RiskFlagRaised(flag=MARKER, absent_days=42, deadline_key=MARKER, **clinical),
        CaseEscalated(number=1, cause=MARKER, escalated_to=(Role.OH, Role.HR),
                      deadline_key=MARKER, **clinical),
        EscalationConfirmed(number=1, confirmed_by=MARKER, confirmed=True, comment=MARKER,
                            **clinical),
        *(ReminderSent(deadline_name=name, deadline=now, recipients=everyone,
                       deadline_key=MARKER, **clinical)
          for name in [*(kind.value for kind in NoticeKind), MARKER]),
        *appointment_events(now, clinical),
        self_help_assessment(now),
        ReminderSent(deadline_name=ACCESS_PERIOD, deadline=now, recipients=everyone,
                     deadline_key=MARKER, **clinical),
        ReportOffered(assessment_number=1, window_ends_at=now, deadline_key=MARKER, **clinical),
        MedicalReportRequested(number=1, practitioner=MARKER, requested_on=date(2026, 12, 1),
                               **clinical),
        LineManagerChanged(manager=Person(id="M9999", name="Pat Lee", email="pat@x.org"),
                           previous_manager_id=state.manager.id, sent_at=now, **clinical),
    ]
    notices = [notice for event in events for notice in notices_for(state, event)]
    # A sign-in link is asked for by the employee, never caused by a case's event.
    assert {notice.kind for notice in notices} == set(NoticeKind) - {
        NoticeKind.LEGACY, NoticeKind.EMPLOYEE_SIGN_IN_LINK}

    texts = NoticeTexts()
    for number, notice in enumerate(notices):
        rendered = texts.render(_notice_context(state, notice, number))
        everything = " ".join([rendered.subject, rendered.body, *rendered.fields.values()])
        assert MARKER not in everything, notice.kind
        assert not re.search(r"musculoskeletal|diagnos|condition", everything, re.IGNORECASE)


def test_the_fields_carry_every_fact_as_text_for_notify() -> None:
    rendered = NoticeTexts().render(context(NoticeKind.SICK_PAY_HALF_WARNING, Role.EMPLOYEE))
    assert rendered.fields["subject"] == rendered.subject
    assert rendered.fields["body"] == rendered.body
    assert rendered.fields["case_id"] == CASE_ID
    assert rendered.fields["deadline"] == "Tuesday 1 December 2026 at 5pm"
    assert rendered.fields["effective_on"] == "Monday 4 January 2027"
    assert rendered.fields["recipient_role"] == "employee"
    assert set(VARIABLES) <= set(rendered.fields)

    sparse = NoticeTexts().render(without_optional_facts(
        context(NoticeKind.SICK_PAY_HALF_WARNING, Role.EMPLOYEE)))
    assert sparse.fields["deadline"] == "" and sparse.fields["employee_name"] == ""
    assert all(isinstance(value, str) for value in sparse.fields.values())


def self_help_assessment(now: datetime) -> CaseEvent:
    """A tier-1 assessment whose every clinical field carries the marker (it sends guidance)."""
    return AssessmentRecorded(
        occurred_at=now, actor=TIMER_ACTOR, reason=MARKER, number=1, kind=AssessmentKind.EARLY,
        assessed_at=now, assessor=Assessor(id="OHN-7", name=MARKER, profession=MARKER),
        tier=Tier.SELF_HELP, fitness=Fitness.FIT, barriers=(MARKER,), consent=ConsentScope(),
        rapid_access=False, clinical_notes=MARKER)
