"""Commands: what someone (or a deadline, or HR) asks of a case. Verbs, validated at the edge."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from domain.actors import PRINTABLE, Person
from domain.policy import Policy
from domain.stages import ContactMethod, ReasonCategory
from domain.vocabulary import (
    AdjustmentKind,
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

_TEXT = 4000
_SHORT = 300


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SickPayEntitlement(_Command):
    """Contractual sick pay left at the start of the absence, in calendar days."""

    full_pay_days: int = Field(ge=0, le=366)
    half_pay_days: int = Field(ge=0, le=366)


class OpenCase(_Command):
    """Open a return-to-work case from an HR absence notification."""

    employer_id: str = Field(min_length=1, max_length=100)
    absence_id: str = Field(min_length=1, max_length=100)
    employee: Person
    manager: Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy
    sick_pay: SickPayEntitlement | None = None


class ReceiveReferral(_Command):
    """Open a stay-at-work case from a referral made before any absence."""

    employer_id: str = Field(min_length=1, max_length=100)
    referral_id: str = Field(min_length=1, max_length=100)
    employee: Person
    manager: Person
    source: ReferralSource
    reason_category: ReasonCategory
    referred_on: date
    policy: Policy
    summary: str | None = Field(default=None, max_length=_TEXT, description="OH only.")


class AcceptReferral(_Command):
    """OH accepts a stay-at-work referral for assessment."""

    accepted_by: str = Field(min_length=1, max_length=_SHORT, pattern=PRINTABLE,
                             description="Named OH professional.")


class DeclineReferral(_Command):
    """OH declines a referral against the service's exclusion criteria."""

    declined_by: str = Field(min_length=1, max_length=_SHORT)
    reason: str = Field(min_length=1, max_length=_TEXT)


class RecordEarlyContact(_Command):
    """Record that the line manager (or OH) has made early contact with the employee."""

    contacted_at: AwareDatetime = Field(description="When contact was made (ISO 8601 with offset).")
    method: ContactMethod
    agreed_contact_frequency_days: int = Field(
        ge=1, le=90, description="How often, in days, the employee agreed to be contacted."
    )
    notes: str | None = Field(default=None, max_length=_TEXT)


class RecordCheckIn(_Command):
    """A keeping-in-touch contact on the agreed cadence."""

    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int | None = Field(default=None, ge=1, le=90)
    notes: str | None = Field(default=None, max_length=_TEXT)


class ReferToOh(_Command):
    """Refer the case to occupational health for assessment."""

    reason: str = Field(min_length=1, max_length=_TEXT)


class Adjustment(_Command):
    kind: AdjustmentKind
    detail: str = Field(min_length=1, max_length=_TEXT)


class ConsentScope(_Command):
    """What the employee consented to share, in writing, after being offered the report."""

    share_fitness_with_manager: bool = False
    share_adjustments_with_manager: bool = False
    share_with_hr: bool = False
    report_offered_to_employee: bool = False


class Assessor(_Command):
    id: str = Field(min_length=1, max_length=100, pattern=PRINTABLE)
    name: str = Field(min_length=1, max_length=_SHORT, pattern=PRINTABLE)
    profession: str = Field(min_length=1, max_length=100, description="e.g. OH nurse, OH physician")


class RecordAssessment(_Command):
    """An early or quality health assessment by a named OH professional."""

    kind: AssessmentKind
    assessed_at: AwareDatetime
    assessor: Assessor
    tier: Tier
    fitness: Fitness
    barriers: list[str] = Field(default_factory=list, max_length=50)
    recommended_adjustments: list[Adjustment] = Field(default_factory=list, max_length=50)
    consent: ConsentScope
    rapid_access: bool = Field(description="Rapid access decided by the assessing professional.")
    clinical_notes: str | None = Field(default=None, max_length=_TEXT, description="OH only.")


class ConfirmEscalation(_Command):
    """A named OH professional confirms (or dismisses) an escalation recommendation."""

    escalation_number: int = Field(ge=1)
    confirmed_by: str = Field(min_length=1, max_length=_SHORT)
    confirm: bool = True
    comment: str | None = Field(default=None, max_length=_TEXT)


class PlanAction(_Command):
    owner: str = Field(min_length=1, max_length=_SHORT)
    description: str = Field(min_length=1, max_length=_TEXT)
    due_on: date


class PlanContent(_Command):
    concerns: list[str] = Field(default_factory=list, max_length=50)
    wellbeing_needs: list[str] = Field(default_factory=list, max_length=50)
    goals: list[str] = Field(min_length=1, max_length=50)
    actions: list[PlanAction] = Field(default_factory=list, max_length=100)
    adjustments: list[Adjustment] = Field(default_factory=list, max_length=50)
    support_organisations: list[str] = Field(default_factory=list, max_length=50)
    specific_needs: list[str] = Field(default_factory=list, max_length=50)
    review_dates: list[date] = Field(min_length=1, max_length=52)


class PlanAgreement(_Command):
    """Who agreed the plan: all three must have, by the journey's rules."""

    employee: bool
    manager: bool
    oh: bool


class AgreePlan(_Command):
    """The rehabilitation plan agreed by employee, line manager and OH."""

    agreed_at: AwareDatetime
    plan: PlanContent
    agreed_by: PlanAgreement


class RevisePlan(_Command):
    """A new version of the plan, agreed again; the previous version stays on record."""

    agreed_at: AwareDatetime
    plan: PlanContent
    agreed_by: PlanAgreement
    reason: str = Field(min_length=1, max_length=_TEXT)


class RecordPlanReview(_Command):
    reviewed_on: date
    notes: str | None = Field(default=None, max_length=_TEXT)
    on_track: bool


class ReferToTherapy(_Command):
    kind: TherapyKind
    provider: str | None = Field(default=None, max_length=_SHORT)
    referred_on: date


class UpdateTherapy(_Command):
    therapy_number: int = Field(ge=1)
    status: TherapyStatus
    on: date
    reason: str | None = Field(default=None, max_length=_TEXT)


class RecordFitNote(_Command):
    """A fit note. There is no 'fit' option: only not fit, or may be fit with advice."""

    issued_on: date
    issuer_profession: IssuerProfession
    assessment: FitNoteAssessment
    options: list[FitNoteOption] = Field(default_factory=list, max_length=4)
    starts_on: date
    ends_on: date | None = None
    days: int | None = Field(default=None, ge=1, le=366)
    condition: str | None = Field(default=None, max_length=_SHORT, description="OH only.")
    comments: str | None = Field(default=None, max_length=_TEXT)
    assess_again: bool = False

    @model_validator(mode="after")
    def _period_given_once(self) -> RecordFitNote:
        if (self.ends_on is None) == (self.days is None):
            raise ValueError("give either ends_on or days for the period the note covers")
        return self


class DeclineFitNoteAdvice(_Command):
    """The 'may be fit' advice cannot be accommodated: the note counts as 'not fit'."""

    fit_note_number: int = Field(ge=1)
    reason: str = Field(min_length=1, max_length=_TEXT)


class PhasedReturnWeek(_Command):
    week: int = Field(ge=1, le=26)
    hours: float = Field(gt=0, le=60)
    duties: str = Field(min_length=1, max_length=_TEXT)


class StartPhasedReturn(_Command):
    starts_on: date
    weeks: list[PhasedReturnWeek] = Field(min_length=1, max_length=26)
    on_oh_advice: bool = False


class ReviewPhasedReturnWeek(_Command):
    week: int = Field(ge=1, le=26)
    on_track: bool
    notes: str | None = Field(default=None, max_length=_TEXT)


class ExtendPhasedReturn(_Command):
    weeks: list[PhasedReturnWeek] = Field(min_length=1, max_length=26)
    on_oh_advice: bool = False
    reason: str = Field(min_length=1, max_length=_TEXT)


class CompletePhasedReturn(_Command):
    completed_on: date


class StartRedeploymentTrial(_Command):
    vacancy_ref: str = Field(min_length=1, max_length=100)
    role_title: str = Field(min_length=1, max_length=_SHORT)
    starts_on: date
    trial_weeks: int = Field(ge=1, le=52)
    permanent: bool
    retraining: str | None = Field(default=None, max_length=_TEXT)


class ReviewRedeploymentTrial(_Command):
    week: int = Field(ge=1, le=52)
    on_track: bool
    notes: str | None = Field(default=None, max_length=_TEXT)


class ConcludeRedeployment(_Command):
    conclusion: RedeploymentConclusion
    on: date
    reason: str | None = Field(default=None, max_length=_TEXT)


class CloseCase(_Command):
    """Close with an outcome; a return also records the most important intervention twice."""

    outcome: Outcome
    closed_on: date
    returned_on: date | None = None
    intervention_by_employee: Intervention | None = None
    intervention_by_case_manager: Intervention | None = None
    comment: str | None = Field(default=None, max_length=_TEXT)


class RecordFollowUp(_Command):
    """The check, after return, that it was sustained."""

    checked_on: date
    sustained: bool
    notes: str | None = Field(default=None, max_length=_TEXT)


class RecordAbsence(_Command):
    """A stay-at-work case's employee went off sick: the case continues on the absence path."""

    absence_id: str = Field(min_length=1, max_length=100)
    first_day: date
    sick_pay: SickPayEntitlement | None = None


# -- HR facts (signals): repeated or out-of-order messages change nothing -------------------


_SENT_AT = "When HR sent it; a message older than one already applied changes nothing."


class ExtendAbsence(_Command):
    """HR: the absence is now expected to last until this day."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    expected_last_day: date


class EmployeeReturned(_Command):
    """HR: the employee returned to work."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    returned_on: date


class EmployeeLeft(_Command):
    """HR: the employee left employment; the case closes with that outcome."""

    sent_at: AwareDatetime = Field(description=_SENT_AT)
    left_on: date


# -- deadlines ------------------------------------------------------------------------------


class DeadlinePassed(_Command):
    """A durable timer fired: decide what the passing of this deadline means now."""

    key: str
