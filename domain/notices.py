"""Who must be told about a decision, and of what kind of thing: never in words.

A notice names its kind, its recipient (a role, and the person where the case records one) and
the few non-clinical facts its text needs. The words are written when the notice is sent, from a
template per kind, so nothing stored with a notice can carry a diagnosis, a condition, a note or
an escalation's cause: the outbox keeps kinds and ids only.
"""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.actors import Role
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
from domain.journey.escalation import hr_told_on_confirmation
from domain.journey.medical_reports import MedicalReportRequested, may_supply_from
from domain.journey.report_consent import ReportOffered
from domain.practice import PRACTICE_V3, follows
from domain.sick_pay.dates import sick_pay_dates
from domain.state import CaseState
from domain.vocabulary import Tier


class NoticeKind(StrEnum):
    """What a notice is about; each kind has its own text (and Notify template)."""

    EARLY_CONTACT_DUE = "early_contact_due"
    EARLY_CONTACT_MISSED = "early_contact_missed"
    OH_REFERRAL_MADE = "oh_referral_made"
    LONG_ABSENCE_FLAG = "long_absence_flag"
    CASE_ESCALATED = "case_escalated"
    CASE_ESCALATED_HR = "case_escalated_hr"
    FIT_NOTE_NEEDED = "fit_note_needed"
    FIT_NOTE_ENDING = "fit_note_ending"
    FIRST_ASSESSMENT_DUE = "first_assessment_due"
    CHECK_IN_DUE = "check_in_due"
    PLAN_REVIEW_DUE = "plan_review_due"
    PHASED_RETURN_WEEK_REVIEW = "phased_return_week_review"
    PHASED_RETURN_ENDS = "phased_return_ends"
    TRIAL_REVIEW_DUE = "trial_review_due"
    TRIAL_ENDS = "trial_ends"
    FOLLOW_UP_DUE = "follow_up_due"
    SICK_PAY_HALF_WARNING = "sick_pay_half_warning"
    SICK_PAY_NIL_WARNING = "sick_pay_nil_warning"
    FIRST_TREATMENT_DUE = "first_treatment_due"
    REFERRAL_TRIAGE_DUE = "referral_triage_due"
    # A deadline whose name has no kind of its own (a newer rule than this table).
    DEADLINE_PASSED = "deadline_passed"
    # Written by the notification activity of cases that started before the outbox: only the
    # subject line of the old text survives (the old subjects carried no clinical detail).
    LEGACY = "legacy_notice"
    APPOINTMENT_REMINDER_PHONE = "appointment_reminder_phone"
    APPOINTMENT_REMINDER_VIDEO = "appointment_reminder_video"
    APPOINTMENT_REMINDER_IN_PERSON = "appointment_reminder_in_person"
    APPOINTMENT_STILL_NEEDED = "appointment_still_needed"
    APPOINTMENTS_MISSED = "appointments_missed"
    MISSED_APPOINTMENTS_DECISION_DUE = "missed_appointments_decision_due"
    MISSED_APPOINTMENTS_DECIDED = "missed_appointments_decided"
    SELF_HELP_GUIDANCE = "self_help_guidance"
    SELF_HELP_CHECK_IN_DUE = "self_help_check_in_due"
    REASSESSMENT_DUE = "reassessment_due"
    SPECIALIST_ASSESSMENT_DUE = "specialist_assessment_due"
    SPECIALIST_REFERRAL_DUE = "specialist_referral_due"
    FIT_NOTE_LAPSED = "fit_note_lapsed"
    FIT_NOTE_ASSESS_AGAIN = "fit_note_assess_again"
    ESCALATION_REVIEW_DUE = "escalation_review_due"
    ESCALATION_CONFIRMED_HR = "escalation_confirmed_hr"
    PLAN_ACTION_DUE = "plan_action_due"
    PLAN_REVISION_DUE = "plan_revision_due"
    # Not a case decision: the employee asked to sign in (`readside.employee_links`); the
    # relay writes the link into the text when it sends it, so the outbox never holds it.
    EMPLOYEE_SIGN_IN_LINK = "employee_sign_in_link"
    # HR named a new line manager: the case is theirs from now on.
    CASE_HANDED_OVER = "case_handed_over"
    # Practice version 3: Statutory Sick Pay from its rules (`domain.sick_pay`).
    SSP_ENDING_WARNING = "ssp_ending_warning"
    SSP1_DUE = "ssp1_due"
    # The employee's earlier absences (`domain.absence_pattern`): heads-up notices at opening.
    ABSENCE_RECURRENCE = "absence_recurrence"
    ATTENDANCE_REVIEW_SUGGESTED = "attendance_review_suggested"
    OH_REFERRAL_SUGGESTED = "oh_referral_suggested"
    # Report first to the employee with a comment window (practice version 4): the report is
    # theirs to read, and by when to comment before what they consented to is released.
    REPORT_OFFERED = "report_offered"
    # GP and specialist reports (Access to Medical Reports Act 1988): the application was made
    # (to the employee, with the end of the 21 days when they wish to see it first), and the 21
    # days ended without their arranging to see it (to the employee and OH).
    MEDICAL_REPORT_REQUESTED = "medical_report_requested"
    MEDICAL_REPORT_ACCESS_PERIOD_ENDED = "medical_report_access_period_ended"


# The reminders a passing deadline sends, by the deadline's name.
_DEADLINE_KINDS = {kind.value: kind for kind in (
    NoticeKind.FIT_NOTE_NEEDED, NoticeKind.FIT_NOTE_ENDING, NoticeKind.FIRST_ASSESSMENT_DUE,
    NoticeKind.CHECK_IN_DUE, NoticeKind.PLAN_REVIEW_DUE, NoticeKind.PHASED_RETURN_WEEK_REVIEW,
    NoticeKind.PHASED_RETURN_ENDS, NoticeKind.TRIAL_REVIEW_DUE, NoticeKind.TRIAL_ENDS,
    NoticeKind.FOLLOW_UP_DUE, NoticeKind.SICK_PAY_HALF_WARNING, NoticeKind.SICK_PAY_NIL_WARNING,
    NoticeKind.MISSED_APPOINTMENTS_DECISION_DUE,
    NoticeKind.FIRST_TREATMENT_DUE, NoticeKind.REFERRAL_TRIAGE_DUE,
    NoticeKind.SELF_HELP_CHECK_IN_DUE, NoticeKind.REASSESSMENT_DUE,
    NoticeKind.SPECIALIST_ASSESSMENT_DUE, NoticeKind.SPECIALIST_REFERRAL_DUE,
    NoticeKind.FIT_NOTE_LAPSED, NoticeKind.FIT_NOTE_ASSESS_AGAIN,
    NoticeKind.ESCALATION_REVIEW_DUE, NoticeKind.PLAN_ACTION_DUE, NoticeKind.PLAN_REVISION_DUE,
    NoticeKind.SSP_ENDING_WARNING, NoticeKind.SSP1_DUE,
)}
_DEADLINE_KINDS.update({kind.value: kind for kind in (
    NoticeKind.ABSENCE_RECURRENCE, NoticeKind.ATTENDANCE_REVIEW_SUGGESTED,
    NoticeKind.OH_REFERRAL_SUGGESTED,
)})
_DEADLINE_KINDS["medical_report_access_period"] = NoticeKind.MEDICAL_REPORT_ACCESS_PERIOD_ENDED

# The reminder of an appointment says how it takes place: one text for each way.
_APPOINTMENT_REMINDERS = {
    AppointmentMethod.PHONE: NoticeKind.APPOINTMENT_REMINDER_PHONE,
    AppointmentMethod.VIDEO: NoticeKind.APPOINTMENT_REMINDER_VIDEO,
    AppointmentMethod.IN_PERSON: NoticeKind.APPOINTMENT_REMINDER_IN_PERSON,
}


class Notice(BaseModel):
    """A notice as the outbox keeps it: a kind, a recipient and non-clinical facts."""

    model_config = ConfigDict(frozen=True)

    kind: NoticeKind
    recipient_role: Role
    recipient_id: str | None = None
    """The HR id of the manager or employee it is for; None: the role's mailbox."""
    due_at: AwareDatetime | None = None
    escalation_number: int | None = None
    absent_days: int | None = None
    effective_on: date | None = None
    """The day a warned change takes effect (sick pay dropping)."""


def notice_id(event_id: str, number: int) -> str:
    """A notice's id: its event's id and its number (from 1) among that event's notices.
    Stable across retries, so a retried append writes it once and every send of it carries
    the same reference."""
    return f"{event_id}/{number}"


def _for_role(state: CaseState, role: Role, kind: NoticeKind, **facts: object) -> Notice:
    person = {Role.MANAGER: state.manager, Role.EMPLOYEE: state.employee}.get(role)
    return Notice.model_validate({
        "kind": kind, "recipient_role": role,
        "recipient_id": person.id if person is not None else None, **facts,
    })


def _sick_pay_drop(state: CaseState, kind: NoticeKind) -> date | None:
    """The day contractual sick pay drops to half (or ends), or Statutory Sick Pay is no longer
    paid, for the warnings of it (from the rules' dates on practice version 3 cases)."""
    if follows(state, PRACTICE_V3):
        return _ruled_drop(state, kind)
    absence = state.absence
    if absence is None or absence.sick_pay is None:
        return None
    half = absence.first_day + timedelta(days=absence.sick_pay.full_pay_days)
    if kind is NoticeKind.SICK_PAY_HALF_WARNING:
        return half
    if kind is NoticeKind.SICK_PAY_NIL_WARNING:
        return half + timedelta(days=absence.sick_pay.half_pay_days)
    return None


_SICK_PAY_KINDS = frozenset({NoticeKind.SICK_PAY_HALF_WARNING, NoticeKind.SICK_PAY_NIL_WARNING,
                             NoticeKind.SSP_ENDING_WARNING, NoticeKind.SSP1_DUE})


def _ruled_drop(state: CaseState, kind: NoticeKind) -> date | None:
    dates = sick_pay_dates(state) if kind in _SICK_PAY_KINDS else None
    if dates is None:
        return None
    ruled = {NoticeKind.SICK_PAY_HALF_WARNING: dates.half_pay_from,
             NoticeKind.SICK_PAY_NIL_WARNING: dates.nil_pay_from,
             NoticeKind.SSP_ENDING_WARNING: dates.ssp_stops_from,
             NoticeKind.SSP1_DUE: dates.ssp_stops_from}.get(kind)
    return ruled.on if ruled is not None else None


def notices_for(state: CaseState, event: CaseEvent) -> list[Notice]:
    """The notices a decision calls for (most events call for none). `state` is the case
    after the event. A case with no line manager (a community case) makes none for one: a
    notice to the manager's role would otherwise reach the service's managers' mailbox."""
    made = _notices_for(state, event)
    if state.manager is None:
        return [notice for notice in made if notice.recipient_role is not Role.MANAGER]
    return made


def _notices_for(state: CaseState, event: CaseEvent) -> list[Notice]:
    if isinstance(event, ManagerRemindedOfContact):
        return [_for_role(state, Role.MANAGER, NoticeKind.EARLY_CONTACT_DUE,
                          due_at=event.deadline)]
    if isinstance(event, MissedContactEscalated):
        return [_for_role(state, Role.HR, NoticeKind.EARLY_CONTACT_MISSED,
                          due_at=event.deadline)]
    if isinstance(event, ReminderSent):
        kind = _DEADLINE_KINDS.get(event.deadline_name, NoticeKind.DEADLINE_PASSED)
        return [_for_role(state, role, kind, due_at=event.deadline,
                          effective_on=_sick_pay_drop(state, kind))
                for role in event.recipients]
    if isinstance(event, OhReferralMade):
        return [_for_role(state, Role.OH, NoticeKind.OH_REFERRAL_MADE,
                          due_at=event.assessment_due_at)]
    if isinstance(event, RiskFlagRaised):
        return [_for_role(state, Role.OH, NoticeKind.LONG_ABSENCE_FLAG,
                          absent_days=event.absent_days)]
    if isinstance(event, CaseEscalated):
        # OH reads the cause on the case page; HR hears only that OH is looking at the case.
        return [_for_role(state, role,
                          NoticeKind.CASE_ESCALATED if role is Role.OH
                          else NoticeKind.CASE_ESCALATED_HR,
                          escalation_number=event.number)
                for role in event.escalated_to]
    if isinstance(event, AppointmentReminderSent):
        return [_for_role(state, Role.EMPLOYEE, _APPOINTMENT_REMINDERS[event.method],
                          due_at=event.at)]
    if isinstance(event, AppointmentStillNeededAsked):
        return [_for_role(state, Role.OH, NoticeKind.APPOINTMENT_STILL_NEEDED, due_at=event.at)]
    if isinstance(event, MissedAppointmentsDecisionRequested):
        # The manager hears that appointments were missed, never what they were for.
        return [_for_role(state, Role.MANAGER, NoticeKind.APPOINTMENTS_MISSED),
                _for_role(state, Role.OH, NoticeKind.APPOINTMENTS_MISSED,
                          due_at=event.decide_by)]
    if (isinstance(event, MissedAppointmentsDecided)
            and event.decision is not MissedAppointmentsDecision.REBOOK):
        return [_for_role(state, Role.MANAGER, NoticeKind.MISSED_APPOINTMENTS_DECIDED)]
    if isinstance(event, AssessmentRecorded) and event.tier is Tier.SELF_HELP and follows(state):
        # Triage: a tier-1 case is routed to self-help, and the employee is sent the guidance.
        return [_for_role(state, Role.EMPLOYEE, NoticeKind.SELF_HELP_GUIDANCE)]
    if isinstance(event, EscalationConfirmed):
        return _confirmed_escalation(state, event)
    if isinstance(event, ReportOffered):
        return [_for_role(state, Role.EMPLOYEE, NoticeKind.REPORT_OFFERED,
                          due_at=event.window_ends_at)]
    if isinstance(event, MedicalReportRequested):
        return _medical_report_requested(state, event)
    if isinstance(event, LineManagerChanged) and event.manager.id != event.previous_manager_id:
        # `state` is after the change: the notice goes to the manager who takes the case over.
        return [_for_role(state, Role.MANAGER, NoticeKind.CASE_HANDED_OVER)]
    return []


def _confirmed_escalation(state: CaseState, event: EscalationConfirmed) -> list[Notice]:
    """Under the practice rules HR hears of an escalation (never its cause) only once a named
    OH professional has confirmed it: the decision that added HR to those it went to."""
    if not (event.confirmed and hr_told_on_confirmation(state)):
        return []
    return [_for_role(state, Role.HR, NoticeKind.ESCALATION_CONFIRMED_HR,
                      escalation_number=event.number)]


def _medical_report_requested(state: CaseState, event: MedicalReportRequested) -> list[Notice]:
    """The employee hears that OH applied for the report they consented to; if they wish to
    see it first, with the last day of the 21 days to arrange that (s.4(4)(b))."""
    report = next((r for r in state.medical_reports if r.number == event.number), None)
    if report is None:
        return []
    start = may_supply_from(report) if report.wishes_access else None
    return [_for_role(state, Role.EMPLOYEE, NoticeKind.MEDICAL_REPORT_REQUESTED,
                      effective_on=start)]
