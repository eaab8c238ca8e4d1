"""Events: the facts a case is made of. Past tense, neutral names (type names stay unencrypted)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from domain.actors import Actor, Person, Role
from domain.commands import (
    Adjustment,
    Assessor,
    ConsentScope,
    PhasedReturnWeek,
    PlanAgreement,
    PlanContent,
    SickPayEntitlement,
)
from domain.policy import Policy
from domain.stages import ContactMethod, ReasonCategory
from domain.upcasting import upcast
from domain.vocabulary import (
    AssessmentKind,
    Fitness,
    FitNoteAssessment,
    FitNoteOption,
    Intervention,
    IssuerProfession,
    Outcome,
    RedeploymentConclusion,
    ReferralSource,
    TherapyKind,
    TherapyStatus,
    Tier,
)


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    event_version: int = Field(
        default=1,
        description="The version of this event type's shape; older versions are upcast on read.",
    )

    occurred_at: AwareDatetime = Field(description="When it happened in the world.")
    actor: Actor
    reason: str = Field(description="Why it happened, in words an auditor can read.")


class _DeadlineEvent(_Event):
    deadline_key: str | None = None


# -- opening ---------------------------------------------------------------------------------


class CaseOpened(_Event):
    """HR notified an absence and the case began, under the policy then in force."""

    type: Literal["CaseOpened"] = "CaseOpened"
    case_id: str
    employer_id: str
    absence_id: str
    employee: Person
    manager: Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy
    sick_pay: SickPayEntitlement | None = None


class ReferralReceived(_Event):
    """A stay-at-work referral opened the case before any absence."""

    type: Literal["ReferralReceived"] = "ReferralReceived"
    case_id: str
    employer_id: str
    referral_id: str
    employee: Person
    manager: Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    policy: Policy
    summary: str | None = None


class ReferralAccepted(_Event):
    type: Literal["ReferralAccepted"] = "ReferralAccepted"
    accepted_by: str


class ReferralDeclined(_Event):
    type: Literal["ReferralDeclined"] = "ReferralDeclined"
    declined_by: str
    decline_reason: str


class AbsenceStarted(_Event):
    """The employee of a stay-at-work case went off sick: same case, absence path."""

    type: Literal["AbsenceStarted"] = "AbsenceStarted"
    absence_id: str
    first_day: date
    sick_pay: SickPayEntitlement | None = None


# -- contact ---------------------------------------------------------------------------------


class EarlyContactRecorded(_Event):
    """Early contact with the employee was made and the contact frequency agreed."""

    type: Literal["EarlyContactRecorded"] = "EarlyContactRecorded"
    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    notes: str | None = None


class CheckInRecorded(_Event):
    type: Literal["CheckInRecorded"] = "CheckInRecorded"
    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    notes: str | None = None


class ManagerRemindedOfContact(_Event):
    """No early contact by the deadline: the line manager was reminded."""

    type: Literal["ManagerRemindedOfContact"] = "ManagerRemindedOfContact"
    deadline: AwareDatetime
    deadline_name: str = "early_contact_due"


class MissedContactEscalated(_Event):
    """Still no early contact by the escalation deadline: HR was alerted."""

    type: Literal["MissedContactEscalated"] = "MissedContactEscalated"
    deadline: AwareDatetime
    deadline_name: str = "early_contact_escalation"
    escalated_to: str = "hr"


# -- deadlines -------------------------------------------------------------------------------


class ReminderSent(_DeadlineEvent):
    """A deadline passed unmet: the people who owe it were reminded."""

    type: Literal["ReminderSent"] = "ReminderSent"
    deadline_name: str
    deadline: AwareDatetime
    recipients: tuple[Role, ...]


class OhReferralMade(_DeadlineEvent):
    """The case was referred to occupational health; the first consultation is now due."""

    type: Literal["OhReferralMade"] = "OhReferralMade"
    cause: str
    assessment_due_at: AwareDatetime


class RiskFlagRaised(_DeadlineEvent):
    type: Literal["RiskFlagRaised"] = "RiskFlagRaised"
    flag: str
    absent_days: int


class CaseEscalated(_DeadlineEvent):
    """A recommendation to escalate, until a named OH professional confirms it."""

    type: Literal["CaseEscalated"] = "CaseEscalated"
    number: int
    cause: str
    escalated_to: tuple[Role, ...]


class EscalationConfirmed(_Event):
    type: Literal["EscalationConfirmed"] = "EscalationConfirmed"
    number: int
    confirmed_by: str
    confirmed: bool
    comment: str | None = None


# -- assessment and plan ---------------------------------------------------------------------


class AssessmentRecorded(_Event):
    """An OH assessment; an opinion is never altered, only followed by a new one."""

    type: Literal["AssessmentRecorded"] = "AssessmentRecorded"
    number: int
    kind: AssessmentKind
    assessed_at: AwareDatetime
    assessor: Assessor
    tier: Tier
    fitness: Fitness
    barriers: tuple[str, ...] = ()
    recommended_adjustments: tuple[Adjustment, ...] = ()
    consent: ConsentScope
    rapid_access: bool
    clinical_notes: str | None = None


class PlanAgreed(_Event):
    """A plan agreed with the employee, manager and OH; a revision is a new plan version.

    Version 2 names the plan's number `plan_version` (as `PlanReviewed` does); version 1 called
    it `version`, which read as the event's own version.
    """

    type: Literal["PlanAgreed"] = "PlanAgreed"
    event_version: Literal[2] = 2
    plan_version: int
    agreed_at: AwareDatetime
    plan: PlanContent
    agreed_by: PlanAgreement
    revision_reason: str | None = None


class PlanReviewed(_Event):
    type: Literal["PlanReviewed"] = "PlanReviewed"
    plan_version: int
    reviewed_on: date
    on_track: bool
    notes: str | None = None


class TherapyReferred(_Event):
    type: Literal["TherapyReferred"] = "TherapyReferred"
    number: int
    kind: TherapyKind
    provider: str | None = None
    referred_on: date


class TherapyUpdated(_Event):
    type: Literal["TherapyUpdated"] = "TherapyUpdated"
    number: int
    status: TherapyStatus
    on: date
    status_reason: str | None = None


# -- fit notes -------------------------------------------------------------------------------


class FitNoteRecorded(_Event):
    type: Literal["FitNoteRecorded"] = "FitNoteRecorded"
    number: int
    issued_on: date
    issuer_profession: IssuerProfession
    assessment: FitNoteAssessment
    options: tuple[FitNoteOption, ...] = ()
    starts_on: date
    ends_on: date
    condition: str | None = None
    comments: str | None = None
    assess_again: bool = False
    warnings: tuple[str, ...] = ()


class FitNoteAdviceDeclined(_Event):
    """'May be fit' advice could not be accommodated: the note counts as 'not fit'."""

    type: Literal["FitNoteAdviceDeclined"] = "FitNoteAdviceDeclined"
    number: int
    decline_reason: str


# -- return ----------------------------------------------------------------------------------


class PhasedReturnStarted(_Event):
    type: Literal["PhasedReturnStarted"] = "PhasedReturnStarted"
    starts_on: date
    weeks: tuple[PhasedReturnWeek, ...]
    on_oh_advice: bool


class PhasedReturnWeekReviewed(_Event):
    type: Literal["PhasedReturnWeekReviewed"] = "PhasedReturnWeekReviewed"
    week: int
    on_track: bool
    notes: str | None = None


class PhasedReturnExtended(_Event):
    type: Literal["PhasedReturnExtended"] = "PhasedReturnExtended"
    weeks: tuple[PhasedReturnWeek, ...]
    on_oh_advice: bool
    extension_reason: str


class PhasedReturnCompleted(_Event):
    type: Literal["PhasedReturnCompleted"] = "PhasedReturnCompleted"
    completed_on: date


class RedeploymentTrialStarted(_Event):
    type: Literal["RedeploymentTrialStarted"] = "RedeploymentTrialStarted"
    vacancy_ref: str
    role_title: str
    starts_on: date
    trial_weeks: int
    permanent: bool
    retraining: str | None = None


class RedeploymentTrialReviewed(_Event):
    type: Literal["RedeploymentTrialReviewed"] = "RedeploymentTrialReviewed"
    week: int
    on_track: bool
    notes: str | None = None


class RedeploymentConcluded(_Event):
    type: Literal["RedeploymentConcluded"] = "RedeploymentConcluded"
    conclusion: RedeploymentConclusion
    on: date
    conclusion_reason: str | None = None


# -- HR facts --------------------------------------------------------------------------------


class AbsenceExtended(_Event):
    type: Literal["AbsenceExtended"] = "AbsenceExtended"
    expected_last_day: date
    sent_at: AwareDatetime


class ReturnToWorkNotified(_Event):
    type: Literal["ReturnToWorkNotified"] = "ReturnToWorkNotified"
    returned_on: date
    sent_at: AwareDatetime


class LeavingNotified(_Event):
    type: Literal["LeavingNotified"] = "LeavingNotified"
    left_on: date
    sent_at: AwareDatetime


# -- closure ---------------------------------------------------------------------------------


class CaseClosed(_Event):
    type: Literal["CaseClosed"] = "CaseClosed"
    outcome: Outcome
    closed_on: date
    returned_on: date | None = None
    intervention_by_employee: Intervention | None = None
    intervention_by_case_manager: Intervention | None = None
    comment: str | None = None
    follow_up_due_on: date | None = None


class FollowUpRecorded(_Event):
    type: Literal["FollowUpRecorded"] = "FollowUpRecorded"
    checked_on: date
    sustained: bool
    notes: str | None = None


AnyCaseEvent = (
    CaseOpened | ReferralReceived | ReferralAccepted | ReferralDeclined | AbsenceStarted
    | EarlyContactRecorded | CheckInRecorded | ManagerRemindedOfContact | MissedContactEscalated
    | ReminderSent | OhReferralMade | RiskFlagRaised | CaseEscalated | EscalationConfirmed
    | AssessmentRecorded | PlanAgreed | PlanReviewed | TherapyReferred | TherapyUpdated
    | FitNoteRecorded | FitNoteAdviceDeclined | PhasedReturnStarted | PhasedReturnWeekReviewed
    | PhasedReturnExtended | PhasedReturnCompleted | RedeploymentTrialStarted
    | RedeploymentTrialReviewed | RedeploymentConcluded | AbsenceExtended | ReturnToWorkNotified
    | LeavingNotified | CaseClosed | FollowUpRecorded
)
CaseEvent = Annotated[AnyCaseEvent, Field(discriminator="type")]

CASE_EVENT_ADAPTER: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)
OPENING_EVENTS = (CaseOpened, ReferralReceived)


def parse_event(data: object) -> CaseEvent:
    """Rebuild a domain event from its stored JSON form, upcast to the current version first."""
    if isinstance(data, dict):
        data = upcast(data)
    return CASE_EVENT_ADAPTER.validate_python(data)
