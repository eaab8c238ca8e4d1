"""The index of commands: what someone (or a deadline, or HR) asks of a case. Verbs, validated
at the edge with the input rules.

Each command is declared beside its stage's events and decisions in `domain.journey`. The value
names here (`Adjustment`, `PlanContent`, `SickPayEntitlement`, ...) are the constrained input
forms that commands take; what events and the state hold are the plain shapes of the same name
in `domain.values`.
"""

from __future__ import annotations

from domain.journey.absence import (
    MAX_PAST_ABSENCES,
    EarlierAbsence,
    EmploymentInput,
    OpenCase,
    PastAbsenceInput,
    RecordAbsence,
    SickPayEntitlement,
)
from domain.journey.assessment import Adjustment, Assessor, RecordAssessment
from domain.journey.closure import CloseCase, RecordFollowUp
from domain.journey.early_contact import RecordCheckIn, RecordEarlyContact
from domain.journey.escalation import ConfirmEscalation
from domain.journey.fit_note import DeclineFitNoteAdvice, RecordFitNote
from domain.journey.hr_facts import EmployeeLeft, EmployeeReturned, ExtendAbsence
from domain.journey.oh_referral import ReferToOh
from domain.journey.ownership import AssignCaseManager
from domain.journey.phased_return import (
    CompletePhasedReturn,
    ExtendPhasedReturn,
    PhasedReturnWeek,
    ReviewPhasedReturnWeek,
    StartPhasedReturn,
)
from domain.journey.plan import AgreePlan, PlanAction, PlanContent, RecordPlanReview, RevisePlan
from domain.journey.policy_change import AdoptPolicy
from domain.journey.redeployment import (
    ConcludeRedeployment,
    ReviewRedeploymentTrial,
    StartRedeploymentTrial,
)
from domain.journey.referral import AcceptReferral, DeclineReferral, ReceiveReferral
from domain.journey.reminders import DeadlinePassed
from domain.journey.report_consent import CommentOnReport, GiveConsent, WithdrawConsent
from domain.journey.therapy import ReferToTherapy, UpdateTherapy
from domain.journey.triage import RecordSelfHelpCheckIn
from domain.values import ConsentScope, PlanAgreement

__all__ = [
    "MAX_PAST_ABSENCES",
    "AcceptReferral",
    "Adjustment",
    "AdoptPolicy",
    "AgreePlan",
    "Assessor",
    "AssignCaseManager",
    "CloseCase",
    "CommentOnReport",
    "CompletePhasedReturn",
    "ConcludeRedeployment",
    "ConfirmEscalation",
    "ConsentScope",
    "DeadlinePassed",
    "DeclineFitNoteAdvice",
    "DeclineReferral",
    "EarlierAbsence",
    "EmployeeLeft",
    "EmployeeReturned",
    "EmploymentInput",
    "ExtendAbsence",
    "ExtendPhasedReturn",
    "GiveConsent",
    "OpenCase",
    "PastAbsenceInput",
    "PhasedReturnWeek",
    "PlanAction",
    "PlanAgreement",
    "PlanContent",
    "ReceiveReferral",
    "RecordAbsence",
    "RecordAssessment",
    "RecordCheckIn",
    "RecordEarlyContact",
    "RecordFitNote",
    "RecordFollowUp",
    "RecordPlanReview",
    "RecordSelfHelpCheckIn",
    "ReferToOh",
    "ReferToTherapy",
    "ReviewPhasedReturnWeek",
    "ReviewRedeploymentTrial",
    "RevisePlan",
    "SickPayEntitlement",
    "StartPhasedReturn",
    "StartRedeploymentTrial",
    "UpdateTherapy",
    "WithdrawConsent",
]
