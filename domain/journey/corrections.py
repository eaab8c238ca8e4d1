"""Corrections of fact: a later entry that names the entry it corrects, the record itself staying
append-only (replay shows both, linked by the corrected event's id).

A professional opinion (an assessment, the decision on an escalation, a plan's agreement or
review, a triage decision, a review's finding) is never altered: it is followed by a new one,
so correcting one is refused. Only the entries listed in `FACTUAL_ENTRIES` may be corrected;
what rtw's own rules recorded (reminders, escalations a deadline raised, a policy adopted) and
any type not classified here are refused, so that a new kind of opinion is never correctable
by omission.

The domain cannot see stored event ids: whoever sends `CorrectEntry` (the API) resolves the
position to the stored event's id and type from the store; the domain checks the position is
on the case and refuses opinions by type.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from domain.actors import Actor
from domain.errors import InvalidCommand
from domain.journey import (
    absence,
    appointments,
    assessment,
    case_notes,
    closure,
    community,
    early_contact,
    erasure,
    escalation,
    fit_note,
    hr_facts,
    medical_reports,
    oh_referral,
    ownership,
    phased_return,
    plan,
    policy_change,
    redeployment,
    referral,
    reminders,
    report_consent,
    therapy,
    triage,
)
from domain.journey.base import OH, TEXT, ActionRule, Changes, Command, Event, Evolution
from domain.journey.case_notes import FILE_STAGES
from domain.stages import Action
from domain.state import CaseState

if TYPE_CHECKING:
    from domain.events import CaseEvent


def _name(event_type: type[BaseModel]) -> str:
    name: str = event_type.model_fields["type"].default
    return name


class CorrectEntry(Command):
    """Correct a fact recorded earlier: a new entry naming the one it corrects."""

    position: int = Field(ge=1, description="The corrected entry's position in the history.")
    corrects_event_id: str = Field(min_length=1, max_length=100,
                                   description="The stored id of the entry at `position`.")
    corrected_type: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z]+$",
                                description="The stored type of the entry at `position`.")
    correction: str = Field(min_length=1, max_length=TEXT,
                            description="What was wrong, and what is right.")


class EntryCorrected(Event):
    """A correction of fact to the entry it names; the corrected entry stays as it was."""

    type: Literal["EntryCorrected"] = "EntryCorrected"
    number: int
    corrected_position: int
    corrects_event_id: str
    corrected_type: str
    correction: str


# Facts people record: what happened, when, by whom; a mistyped one may be corrected.
FACTUAL_ENTRIES: frozenset[str] = frozenset(_name(t) for t in (
    absence.CaseOpened, absence.AbsenceStarted, referral.ReferralReceived,
    early_contact.EarlyContactRecorded, early_contact.CheckInRecorded,
    oh_referral.OhReferralMade, therapy.TherapyReferred, therapy.TherapyUpdated,
    fit_note.FitNoteRecorded, fit_note.FitNoteAdviceDeclined,
    phased_return.PhasedReturnStarted, phased_return.PhasedReturnExtended,
    phased_return.PhasedReturnCompleted, redeployment.RedeploymentTrialStarted,
    hr_facts.AbsenceExtended, hr_facts.ReturnToWorkNotified, hr_facts.LeavingNotified,
    case_notes.CaseNoteAdded, case_notes.DocumentAttached, EntryCorrected,
    appointments.AppointmentBooked, appointments.AppointmentMoved,
    appointments.AppointmentOutcomeRecorded, ownership.CaseManagerAssigned,
    ownership.CaseManagerCoverArranged, fit_note.FitNoteAdviceAccepted,
    plan.PlanActionCompleted,
    hr_facts.LineManagerChanged, hr_facts.EmployeeDetailsChanged, hr_facts.AbsenceReasonChanged,
    community.CommunityReferralReceived,
    medical_reports.MedicalReportRequested, medical_reports.MedicalReportReceived,
))

# What rtw's own rules recorded (a reminder sent, a deadline's escalation, a case reopened by a
# finding, a policy adopted): nobody typed them, so there is nothing of theirs to correct.
RULE_ENTRIES: frozenset[str] = frozenset(_name(t) for t in (
    early_contact.ManagerRemindedOfContact, early_contact.MissedContactEscalated,
    reminders.ReminderSent, reminders.RiskFlagRaised, escalation.CaseEscalated,
    policy_change.PolicyAdopted, appointments.AppointmentReminderSent,
    appointments.AppointmentStillNeededAsked, appointments.MissedAppointmentsDecisionRequested,
    therapy.FirstTreatmentTargetSet, closure.CaseReopened,
    erasure.CaseDataErased,
    report_consent.ReportOffered, report_consent.CommentWindowClosed,
))

# Professional opinions, each with what to do instead of altering it.
OPINIONS: dict[str, str] = {
    _name(assessment.AssessmentRecorded): "record a new assessment (record_assessment)",
    _name(escalation.EscalationConfirmed): "record the new decision on a new escalation",
    _name(plan.PlanAgreed): "revise the plan (revise_plan)",
    _name(plan.PlanReviewed): "record a new plan review (record_plan_review)",
    _name(referral.ReferralAccepted): "record a new triage decision",
    _name(referral.ReferralDeclined): "record a new triage decision",
    _name(phased_return.PhasedReturnWeekReviewed): "record a new review of the week",
    _name(redeployment.RedeploymentTrialReviewed): "record a new review of the trial",
    _name(redeployment.RedeploymentConcluded): "record a new conclusion",
    _name(closure.CaseClosed): "record a new opinion in a case note (add_case_note)",
    _name(closure.FollowUpRecorded): "record a new follow-up finding",
    _name(appointments.MissedAppointmentsDecided): "record a new decision in a case note",
    _name(referral.RapidAccessDecided): "record a new assessment (record_assessment)",
    _name(triage.SelfHelpCheckInRecorded): "record a new assessment (record_assessment)",
    _name(escalation.EscalationReviewed): "record a new review (record_escalation_review)",
    _name(redeployment.VacancyMatched): "record a new opinion in a case note (add_case_note)",
    _name(redeployment.RedeploymentSignedOff): "record a new conclusion",
    _name(early_contact.ProceededToAssessment): "record a new opinion in a case note "
    "(add_case_note)",
}


# The employee's own word on their report (a comment, a consent, its withdrawal): neither a fact
# OH may correct nor an opinion OH holds; only a new word of theirs follows it.
EMPLOYEES_WORD: dict[str, str] = {
    _name(report_consent.ReportCommented): "the employee comments again (comment_on_report)",
    _name(report_consent.ConsentGiven): "the employee withdraws it (withdraw_consent)",
    _name(report_consent.ConsentWithdrawn): "the employee gives it again (give_consent)",
    _name(report_consent.ReportAgreed): "the employee withdraws their consent "
    "(withdraw_consent)",
    _name(medical_reports.MedicalReportConsentGiven): "the employee refuses the report's supply "
    "(decide_medical_report_supply)",
    _name(medical_reports.MedicalReportAccessAsked): "the employee arranges access or decides "
    "on the supply (decide_medical_report_supply)",
    _name(medical_reports.MedicalReportAccessArranged): "the employee decides on the supply "
    "(decide_medical_report_supply)",
    _name(medical_reports.MedicalReportAmendmentRequested): "the employee asks again "
    "(request_medical_report_amendment)",
    _name(medical_reports.MedicalReportSupplyDecided): "a new application with a new consent "
    "(consent_to_medical_report)",
}


def correct_entry(state: CaseState, command: CorrectEntry, now: datetime, actor: Actor
                  ) -> list[CaseEvent]:
    check_correctable(state, command.position, command.corrected_type)
    number = state.entries_corrected + 1
    return [EntryCorrected(
        occurred_at=now, actor=actor, number=number, corrected_position=command.position,
        corrects_event_id=command.corrects_event_id, corrected_type=command.corrected_type,
        correction=command.correction,
        # Auditors read the reason in lists: it names the entry, never the corrected facts.
        reason=f"correction {number} of entry {command.position} ({command.corrected_type}) "
        f"by {actor.role.value} {actor.id}",
    )]


def check_correctable(state: CaseState, position: int, event_type: str) -> None:
    """Refuse a position beyond the case's entries, an opinion, or anything but a fact."""
    if position > state.version:
        raise InvalidCommand("position", f"the case has {state.version} entries; "
                             f"there is no entry {position}")
    own_word = EMPLOYEES_WORD.get(event_type)
    if own_word is not None:
        raise InvalidCommand(
            "position", f"entry {position} ({event_type}) is the employee's own word, which "
            f"is never altered by anyone else; only a new word of theirs follows it: {own_word}")
    instead = OPINIONS.get(event_type)
    if instead is not None:
        raise InvalidCommand(
            "position", f"entry {position} ({event_type}) is a professional opinion, which "
            f"is never altered; record a new opinion instead: {instead}")
    if event_type not in FACTUAL_ENTRIES:
        made_by = "rtw's own rules recorded it" if event_type in RULE_ENTRIES else (
            "it is not a fact people recorded")
        raise InvalidCommand(
            "position", f"entry {position} ({event_type}) cannot be corrected: {made_by}; "
            "corrections apply to: " + ", ".join(sorted(FACTUAL_ENTRIES)))


def corrected_event_id(event: object) -> str | None:
    """The stored id of the event `event` corrects, for the store's link; None for others."""
    return event.corrects_event_id if isinstance(event, EntryCorrected) else None


def _corrected(state: CaseState, event: EntryCorrected) -> Changes:
    return {"entries_corrected": event.number}


EVOLUTION: Evolution = {EntryCorrected: _corrected}

RULES: dict[Action, ActionRule] = {
    # Taken by `POST /v1/cases/{case_id}/corrections`, which reads the entry's stored id and
    # type from the store (a caller cannot claim a type to slip an opinion past the check).
    Action.CORRECT_ENTRY: ActionRule(
        command=CorrectEntry, decide=correct_entry, roles=OH, stages=FILE_STAGES,
        example={"position": 1, "corrects_event_id": "5d0f8b1e-2a6c-4c1b-9e0d-7f3a2b1c0d9e",
                 "corrected_type": "CaseOpened",
                 "correction": "The first day of absence was 2 November, not 3 November."},
    ),
}
