"""The index of stored event types: every event a case can hold, how a stored one is read back,
and at which version. Past tense, neutral names (type names are stored unencrypted).

Each event is declared beside its stage's commands and decisions in `domain.journey`; this
module gathers them into the one union that the store, the workflow and the replay read. An
event type's shape changes only with a new `event_version` and an upcaster from the previous
one in `domain.upcasting`, applied by `parse_event` on every read.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from domain.journey.absence import AbsenceStarted, CaseOpened
from domain.journey.appointments import (
    AppointmentBooked,
    AppointmentMoved,
    AppointmentOutcomeRecorded,
    AppointmentReminderSent,
    AppointmentStillNeededAsked,
    MissedAppointmentsDecided,
    MissedAppointmentsDecisionRequested,
)
from domain.journey.assessment import AssessmentRecorded
from domain.journey.case_notes import CaseNoteAdded, DocumentAttached
from domain.journey.closure import CaseClosed, CaseReopened, FollowUpRecorded
from domain.journey.community import CommunityReferralReceived
from domain.journey.corrections import EntryCorrected
from domain.journey.early_contact import (
    CheckInRecorded,
    EarlyContactRecorded,
    ManagerRemindedOfContact,
    MissedContactEscalated,
    ProceededToAssessment,
)
from domain.journey.erasure import CaseDataErased
from domain.journey.escalation import CaseEscalated, EscalationConfirmed, EscalationReviewed
from domain.journey.fit_note import (
    FitNoteAdviceAccepted,
    FitNoteAdviceDeclined,
    FitNoteRecorded,
)
from domain.journey.hr_facts import (
    AbsenceExtended,
    AbsenceReasonChanged,
    EmployeeDetailsChanged,
    LeavingNotified,
    LineManagerChanged,
    ReturnToWorkNotified,
)
from domain.journey.medical_reports import (
    MedicalReportAccessArranged,
    MedicalReportAccessAsked,
    MedicalReportAmendmentRequested,
    MedicalReportConsentGiven,
    MedicalReportReceived,
    MedicalReportRequested,
    MedicalReportSupplyDecided,
)
from domain.journey.oh_referral import OhReferralMade
from domain.journey.ownership import CaseManagerAssigned, CaseManagerCoverArranged
from domain.journey.phased_return import (
    PhasedReturnCompleted,
    PhasedReturnExtended,
    PhasedReturnStarted,
    PhasedReturnWeekReviewed,
)
from domain.journey.plan import PlanActionCompleted, PlanAgreed, PlanReviewed
from domain.journey.policy_change import PolicyAdopted
from domain.journey.redeployment import (
    RedeploymentConcluded,
    RedeploymentSignedOff,
    RedeploymentTrialReviewed,
    RedeploymentTrialStarted,
    VacancyMatched,
)
from domain.journey.referral import (
    RapidAccessDecided,
    ReferralAccepted,
    ReferralDeclined,
    ReferralReceived,
)
from domain.journey.reminders import ReminderSent, RiskFlagRaised
from domain.journey.report_consent import (
    CommentWindowClosed,
    ConsentGiven,
    ConsentWithdrawn,
    ReportAgreed,
    ReportCommented,
    ReportOffered,
)
from domain.journey.therapy import FirstTreatmentTargetSet, TherapyReferred, TherapyUpdated
from domain.journey.triage import SelfHelpCheckInRecorded
from domain.upcasting import upcast

__all__ = [
    "OPENING_EVENTS", "AbsenceExtended", "AbsenceReasonChanged",
    "AbsenceStarted", "AnyCaseEvent", "AssessmentRecorded",
    "CaseClosed", "CaseDataErased", "CaseEscalated", "CaseEvent", "CaseManagerAssigned",
    "CaseManagerCoverArranged", "CaseNoteAdded", "CaseOpened", "CheckInRecorded",
    "CommunityReferralReceived", "ConsentGiven",
    "ConsentWithdrawn",
    "DocumentAttached", "EarlyContactRecorded", "EmployeeDetailsChanged",
    "EntryCorrected", "EscalationConfirmed",
    "EscalationReviewed", "FitNoteAdviceAccepted", "FitNoteAdviceDeclined", "FitNoteRecorded",
    "FollowUpRecorded", "LeavingNotified", "LineManagerChanged",
    "ManagerRemindedOfContact", "MissedContactEscalated",
    "OhReferralMade", "PhasedReturnCompleted", "PhasedReturnExtended", "PhasedReturnStarted",
    "PhasedReturnWeekReviewed", "PlanActionCompleted", "PlanAgreed", "PlanReviewed",
    "PolicyAdopted", "RedeploymentConcluded", "RedeploymentTrialReviewed",
    "RedeploymentTrialStarted", "ReferralAccepted", "ReferralDeclined", "ReferralReceived",
    "ReminderSent", "ReportCommented", "ReturnToWorkNotified", "RiskFlagRaised",
    "SelfHelpCheckInRecorded",
    "TherapyReferred", "TherapyUpdated", "parse_event",
]
__all__ += [
    "CommentWindowClosed", "MedicalReportAccessArranged", "MedicalReportAccessAsked",
    "MedicalReportAmendmentRequested", "MedicalReportConsentGiven", "MedicalReportReceived",
    "MedicalReportRequested", "MedicalReportSupplyDecided", "ReportAgreed", "ReportOffered",
]

AnyCaseEvent = (
    CaseOpened | ReferralReceived | ReferralAccepted | ReferralDeclined | AbsenceStarted
    | EarlyContactRecorded | CheckInRecorded | ManagerRemindedOfContact | MissedContactEscalated
    | ReminderSent | OhReferralMade | RiskFlagRaised | CaseEscalated | EscalationConfirmed
    | AssessmentRecorded | PlanAgreed | PlanReviewed | TherapyReferred | TherapyUpdated
    | FitNoteRecorded | FitNoteAdviceDeclined | PhasedReturnStarted | PhasedReturnWeekReviewed
    | PhasedReturnExtended | PhasedReturnCompleted | RedeploymentTrialStarted
    | RedeploymentTrialReviewed | RedeploymentConcluded | AbsenceExtended | ReturnToWorkNotified
    | LeavingNotified | CaseClosed | FollowUpRecorded | PolicyAdopted
    | AppointmentBooked | AppointmentMoved | AppointmentOutcomeRecorded
    | AppointmentReminderSent | AppointmentStillNeededAsked
    | MissedAppointmentsDecisionRequested | MissedAppointmentsDecided
    | RapidAccessDecided | FirstTreatmentTargetSet
    | CaseNoteAdded | DocumentAttached | EntryCorrected
    | CaseManagerAssigned | CaseManagerCoverArranged | SelfHelpCheckInRecorded
    | EscalationReviewed | FitNoteAdviceAccepted | PlanActionCompleted
    | CaseReopened | VacancyMatched | RedeploymentSignedOff | ProceededToAssessment
    | ReportCommented | ConsentGiven | ConsentWithdrawn
    | LineManagerChanged | EmployeeDetailsChanged | AbsenceReasonChanged
    | CommunityReferralReceived
    | CaseDataErased
    | ReportOffered | CommentWindowClosed | ReportAgreed
    | MedicalReportConsentGiven | MedicalReportRequested | MedicalReportAccessAsked
    | MedicalReportAccessArranged | MedicalReportAmendmentRequested
    | MedicalReportSupplyDecided | MedicalReportReceived
)
CaseEvent = Annotated[AnyCaseEvent, Field(discriminator="type")]

CASE_EVENT_ADAPTER: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)
OPENING_EVENTS = (CaseOpened, ReferralReceived, CommunityReferralReceived)


def parse_event(data: object) -> CaseEvent:
    """Rebuild a domain event from its stored JSON form, upcast to the current version first."""
    if isinstance(data, dict):
        data = upcast(data)
    return CASE_EVENT_ADAPTER.validate_python(data)
