"""HTTP bodies and answers. Their docstrings and examples become the OpenAPI text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from api.employee_record import AbsenceRecordOut
from domain.actors import Person
from domain.commands import (
    MAX_PAST_ABSENCES,
    EmploymentInput,
    PastAbsenceInput,
    SickPayEntitlement,
)
from domain.disclosure import ConsentStatus
from domain.errors import InvalidCommand
from domain.reason_codes import ACCEPTED, normalised, reason_category_of
from domain.services import MAX_STATED, ServiceRef
from domain.stages import ReasonCategory, Stage
from domain.values import Adjustment
from domain.vocabulary import (
    Fitness,
    FitNoteAssessment,
    FitNoteOption,
    Outcome,
    ReferralSource,
    ReportScope,
    Route,
)
from eventstore.view import EventView

ID_PATTERN = r"^[A-Za-z0-9._:-]{1,100}$"
_PEOPLE: dict[str, Any] = {
    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
}


class AbsenceNotification(BaseModel):
    """An absence notified by an HR system. Sending it again never opens a second case."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": "acme-nhs-trust",
                    "absence_id": "ABS-2026-000123",
                    **_PEOPLE,
                    "first_day": "2026-11-20",
                    "reason_category": "musculoskeletal",
                    "sick_pay": {"full_pay_days": 30, "half_pay_days": 60},
                }
            ],
            # An ESR reason code may stand for the category (`reason_code`).
            "required": ["employer_id", "absence_id", "employee", "manager", "first_day"],
        },
    )

    employer_id: str = Field(pattern=ID_PATTERN, description="The employer's id in rtw.")
    absence_id: str = Field(pattern=ID_PATTERN, description="HR's id of this absence.")
    employee: Person
    manager: Person
    first_day: date = Field(description="First calendar day of absence (YYYY-MM-DD).")
    reason_category: ReasonCategory = Field(
        description="The broad reason (OH only); may be left out when `reason_code` is given.")
    sick_pay: SickPayEntitlement | None = Field(
        default=None, description="Contractual sick pay left, to warn before pay drops."
    )
    reported_on: date | None = Field(
        default=None,
        description="The day the employee reported the absence (YYYY-MM-DD, not after "
        "today); early contact is due by the end of the next working day. Unless given, the "
        "first day of absence: an absence notified late is due for contact at once.")
    referral_id: str | None = Field(
        default=None, pattern=ID_PATTERN,
        description="The stay-at-work referral this absence follows: the same case continues.",
    )
    employment: EmploymentInput | None = Field(
        default=None,
        description="The employment as HR knows it: the start of continuous service (for "
        "contractual sick pay), hours, role, earnings and the days SSP is paid for.")
    previous_absences: tuple[PastAbsenceInput, ...] = Field(
        default=(), max_length=MAX_PAST_ABSENCES,
        description="Earlier absences of the employee that rtw cannot know (from before rtw "
        "was used), newest first: they count for linked periods, sick pay and triggers.")
    reason_code: str | None = Field(
        default=None, min_length=1, max_length=10,
        description=f"The ESR sickness absence reason code, instead of `reason_category` (or "
        f"agreeing with it): one of {ACCEPTED}. The case keeps its category; HR records the "
        "code itself with a reason change (POST .../reason).")

    @model_validator(mode="before")
    @classmethod
    def _category_of_the_code(cls, data: Any) -> Any:
        """The category follows from an ESR code; given both, they must agree."""
        if not isinstance(data, dict) or not isinstance(data.get("reason_code"), str):
            return data
        try:
            category = reason_category_of(data["reason_code"]).value
        except InvalidCommand:
            return data  # the code's own check says what is accepted
        given = data.get("reason_category")
        if given is None:
            return {**data, "reason_category": category}
        if given != category:
            raise ValueError(f"reason_code {normalised(data['reason_code'])} is a {category} "
                             f"reason but reason_category is {given}: send one, or both agreeing")
        return data

    @field_validator("reason_code")
    @classmethod
    def _an_esr_code(cls, code: str | None) -> str | None:
        if code is None:
            return None
        try:
            reason_category_of(code)
        except InvalidCommand as error:
            raise ValueError(error.reason) from None
        return normalised(code)


class ReferralNotification(BaseModel):
    """A stay-at-work referral: a health problem showing before any absence."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": "acme-nhs-trust",
                    "referral_id": "REF-2026-0042",
                    **_PEOPLE,
                    "source": "self",
                    "reason_category": "musculoskeletal",
                    "referred_on": "2026-11-18",
                    "summary": "Low back pain for two weeks, still at work.",
                    "service_id": "physio",
                    "answers": {"treated_elsewhere": False},
                    "flags": [],
                }
            ]
        },
    )

    employer_id: str = Field(pattern=ID_PATTERN)
    referral_id: str = Field(pattern=ID_PATTERN)
    employee: Person
    manager: Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    summary: str | None = Field(default=None, max_length=4000, description="OH only.")
    service_id: ServiceRef | None = Field(
        default=None,
        description="The service referred to, from the employer policy's services (by "
        "default: oh, physio, talking-therapy, eap). A referral to a treating service such as "
        "physio goes straight to that service's triage; none: occupational health. A referral "
        "failing one of the service's criteria is refused (422) naming the criterion.")
    answers: dict[ServiceRef, bool] = Field(
        default_factory=dict, max_length=MAX_STATED,
        description="Answers to the named service's questions, by question id (e.g. "
        "treated_elsewhere: false). OH only.")
    flags: list[ServiceRef] = Field(
        default_factory=list, max_length=MAX_STATED,
        description="Exclusions the referrer states, by flag id (e.g. "
        "needs_urgent_medical_care, red_flag_symptoms). OH only.")


class CaseCreated(BaseModel):
    """The case for the notified absence or referral."""

    case_id: str


class FactAccepted(BaseModel):
    """HR fact accepted; it is applied to the case shortly (repeats change nothing)."""

    status: str = "accepted"
    case_id: str


class DeadlineOut(BaseModel):
    name: str
    due_at: datetime


class PersonOut(BaseModel):
    id: str
    name: str


class AbsenceOut(BaseModel):
    first_day: date
    expected_last_day: date | None
    returned_on: date | None


class ContactOut(BaseModel):
    early_contact_at: datetime | None
    last_contact_at: datetime | None
    contact_frequency_days: int | None
    contacts_made: int
    contact_reminders_sent: int
    contact_escalated: bool


class FitnessAdviceOut(BaseModel):
    """Fitness-for-work advice, shared only as far as the employee consented."""

    fitness: Fitness | None
    recommended_adjustments: list[Adjustment] | None


class PlanOut(BaseModel):
    version: int
    agreed_at: datetime
    goals: list[str]
    actions: list[dict[str, Any]]
    adjustments: list[Adjustment]
    review_dates: list[date]
    reviewed_on: list[date]
    completed_actions: list[int] = Field(
        default_factory=list, description="The numbers (from 1, in the plan's order) of the "
        "actions recorded as done; the others still remind their owners.")


class FitNoteOut(BaseModel):
    number: int
    assessment: FitNoteAssessment
    options: list[FitNoteOption]
    starts_on: date
    ends_on: date
    counts_as_not_fit: bool
    warnings: list[str]


class PhasedReturnOut(BaseModel):
    starts_on: date
    weeks: list[dict[str, Any]]
    reviewed_weeks: list[int]
    completed_on: date | None


class RedeploymentOut(BaseModel):
    vacancy_ref: str
    role_title: str
    starts_on: date
    trial_weeks: int
    permanent: bool
    reviewed_weeks: list[int]
    conclusion: str | None
    signed_off_on: date | None = Field(
        default=None, description="When OH signed the redeployment off; it can be confirmed "
        "only after.")


class ProposedAdjustmentOut(BaseModel):
    """A change a 'may be fit' note advises, and whether the employer can make it."""

    option: FitNoteOption
    fit_note_number: int
    employer_can_make: bool | None = Field(description="None until the employer answers.")


class ReportConsentOut(BaseModel):
    """Where the employee's consent to release the latest OH report stands (cases following
    report first to the employee): its status, never what the report says."""

    assessment_number: int
    status: ConsentStatus = Field(description="For a line manager or HR: of the parts OH "
                                  "proposes to release to them; for OH and the employee: of "
                                  "the whole report. pending, given, withdrawn, or "
                                  "not_proposed (nothing of it is proposed for release).")
    scopes: dict[ReportScope, ConsentStatus] | None = Field(
        default=None, description="Each scope's status: OH and the employee only.")


class ClosureOut(BaseModel):
    outcome: Outcome
    closed_on: date
    returned_on: date | None
    follow_up_due_on: date | None
    follow_up_sustained: bool | None


class ClinicalOut(BaseModel):
    """OH-only detail: never shown to HR, line managers, auditors or admins."""

    reason_category: ReasonCategory
    referral_source: ReferralSource | None
    oh_referral: dict[str, Any] | None
    assessments: list[dict[str, Any]]
    escalations: list[dict[str, Any]]
    risk_flags: list[str]
    therapies: list[dict[str, Any]]
    fit_note_details: dict[int, dict[str, str | None]] = Field(
        description="Each fit note's condition and the issuer's comments.")
    plan_private: dict[str, Any] | None
    interventions: dict[str, str | None] | None
    deadlines: list[DeadlineOut]
    appointments: dict[str, Any] | None = Field(
        default=None, description="The appointments booked and awaiting an outcome (their "
        "numbers are what move_appointment and record_appointment_outcome take), and counts "
        "of what became of the others.")
    referral_service_id: str | None = Field(
        default=None, description="The service a stay-at-work referral named, which triages "
        "it (none: occupational health).")


class SickPayDateOut(BaseModel):
    """A sick pay date with the rule that produced it and the rule's source."""

    on: date
    rule: str
    source: str


class SickPayDatesOut(BaseModel):
    """When sick pay drops or ends (cases following practice version 3), each date with its
    rule: contractual full and half pay (none when neither the scheme nor HR's day counts
    give them) and Statutory Sick Pay."""

    full_pay_ends_on: SickPayDateOut | None = None
    half_pay_ends_on: SickPayDateOut | None = None
    ssp_entitled: bool
    ssp_not_entitled_because: str | None = None
    ssp_starts_on: SickPayDateOut | None = None
    ssp_ends_on: SickPayDateOut | None = Field(
        default=None, description="The last day SSP is paid if the employee stays off sick.")
    ssp1_due_on: SickPayDateOut | None = Field(
        default=None, description="The day form SSP1 is due by (when SSP will run out or is "
        "not payable).")


class CaseOut(BaseModel):
    """A case as the caller's role may see it; `clinical` is present for OH only."""

    case_id: str
    route: Route
    stage: Stage
    employer_id: str
    employee: PersonOut
    manager: PersonOut | None = Field(description="The line manager; null on a community "
                                      "case, which has none.")
    opened_at: datetime
    policy_version: str
    absence: AbsenceOut | None
    deadlines: list[DeadlineOut]
    allowed_actions: list[str]
    contact: ContactOut
    fitness_advice: FitnessAdviceOut | None
    plan: PlanOut | None
    fit_notes: list[FitNoteOut]
    phased_return: PhasedReturnOut | None
    redeployment: RedeploymentOut | None
    closure: ClosureOut | None
    case_manager: PersonOut | None = Field(
        default=None, description="The OH case manager who owns the case today (a colleague "
        "covering for them while a cover runs); none yet.")
    proposed_adjustments: list[ProposedAdjustmentOut] = Field(
        default_factory=list, description="What the latest 'may be fit' note advises; the plan "
        "and a phased return start from the changes the employer has not refused.")
    clinical: ClinicalOut | None = None
    report_consent: ReportConsentOut | None = Field(
        default=None, description="The status of the employee's consent to release the latest "
        "OH report, on cases where the employee releases it (none on cases whose consent was "
        "recorded with the assessment).")
    sick_pay: SickPayDatesOut | None = Field(
        default=None, description="Sick pay dates with their rules, for OH, HR and the "
        "employee (never the line manager); none on cases before practice version 3.")
    absence_record: AbsenceRecordOut | None = Field(
        default=None, description="The employee's earlier absences as the case opened, the "
        "absence this one links to, and (OH only) a recurrence of its reason; the short-term "
        "absence triggers it meets, each a suggestion with the rule that produced it. None on "
        "cases opened under older practice.")


class UpdateAccepted(BaseModel):
    """The action was accepted but not yet applied within the wait; poll the case."""

    status: str = "accepted"
    case_id: str
    poll: str


class HistoryEntry(BaseModel):
    """One recorded event of a case."""

    position: int
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    source: str
    reason: str
    policy_version: str
    workflow_id: str
    run_id: str
    trace_id: str
    data: dict[str, Any]
    stage_after: str
    why: str = Field(default="", description="The reason, with the deadline it names if any.")
    deadline: str | None = Field(default=None, description="The deadline behind a reminder "
                                 "or an escalation.")
    corrects_event_id: str | None = Field(default=None, description="The event this one "
                                          "corrects, for corrections of fact.")
    mac: str = Field(default="", description="HMAC-SHA256 chaining this event to the previous.")

    @classmethod
    def of(cls, view: EventView, *, stage_after: str) -> HistoryEntry:
        """The entry for an event as `EventView` reads it: every field but the case id, which
        the answer names once."""
        fields = view.fields()
        del fields["case_id"]
        return cls(**fields, why=view.why, stage_after=stage_after)


class CaseHistory(BaseModel):
    case_id: str
    as_of: datetime | None = Field(default=None, description="Events recorded by then only.")
    position: int | None = Field(default=None, description="Events up to this position only.")
    events: list[HistoryEntry]
