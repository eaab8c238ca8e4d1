"""The state of one case, as every event so far has left it. Immutable."""

from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Role
from domain.appointment_book import AppointmentBook
from domain.policy import Policy
from domain.stages import ContactMethod, ReasonCategory, Stage
from domain.values import (
    Adjustment,
    Assessor,
    ConsentScope,
    Employment,
    PastAbsence,
    Person,
    PhasedReturnWeek,
    PlanAgreement,
    PlanContent,
    SickPayEntitlement,
    VacancyMatch,
)
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
    ReportScope,
    Route,
    TherapyKind,
    TherapyStatus,
    Tier,
)


class _Part(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class EarlyContact(_Part):
    """The early contact made with the employee."""

    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    recorded_by: str


class Absence(_Part):
    absence_id: str
    first_day: date
    reported_on: date | None = None
    """The day early contact is counted from (the day the absence was reported); None for an
    absence that joined a stay-at-work case, or a case carried over from before it was kept."""
    sick_pay: SickPayEntitlement | None = None
    expected_last_day: date | None = None
    returned_on: date | None = None
    last_extension_sent_at: AwareDatetime | None = None
    previous_absences: tuple[PastAbsence, ...] = ()
    """The employee's earlier absences at the employer as known when the case opened (rtw's
    own cases and those HR reported), newest first."""
    employment: Employment | None = None

    def day_number(self, day: date) -> int:
        """Day 1 is the first day of absence."""
        return (day - self.first_day).days + 1

    def nth_day(self, number: int) -> date:
        return self.first_day + timedelta(days=number - 1)


class Referral(_Part):
    referral_id: str
    source: ReferralSource
    referred_on: date
    accepted_by: str | None = None
    service_id: str | None = None
    """The service that triages the referral (the policy's OH service when None)."""
    in_work: bool | None = None
    """A community referral: whether the person was in work when referred; None otherwise."""


class OhReferral(_Part):
    referred_at: AwareDatetime
    cause: str
    assessment_due_at: AwareDatetime


class Assessment(_Part):
    number: int
    kind: AssessmentKind
    assessed_at: AwareDatetime
    assessor: Assessor
    tier: Tier
    fitness: Fitness
    barriers: tuple[str, ...]
    recommended_adjustments: tuple[Adjustment, ...]
    consent: ConsentScope
    rapid_access: bool
    clinical_notes: str | None


class Escalation(_Part):
    number: int
    raised_at: AwareDatetime
    cause: str
    escalated_to: tuple[Role, ...]
    confirmed: bool | None = None  # None: a recommendation awaiting a named OH professional
    confirmed_by: str | None = None
    confirmed_at: AwareDatetime | None = None
    """When it was confirmed or dismissed; the OH review it calls for is due from then."""
    reviewed_on: date | None = None
    """The day OH recorded its review of a confirmed escalation."""


class Plan(_Part):
    version: int
    agreed_at: AwareDatetime
    content: PlanContent
    agreed_by: PlanAgreement
    reviewed_on: tuple[date, ...] = ()
    completed_actions: tuple[int, ...] = ()
    """The numbers (from 1, in the plan's order) of the actions recorded as done."""
    off_track_on: date | None = None
    """The day of the latest review that found the plan not on track, until one finds it on
    track again or the plan is revised: a revision is then due."""


class Therapy(_Part):
    number: int
    kind: TherapyKind
    provider: str | None
    referred_on: date
    status: TherapyStatus = TherapyStatus.REFERRED
    started_on: date | None = None
    ended_on: date | None = None
    first_treatment_due_on: date | None = None
    """Referred under rapid access: the day treatment should have started by (policy)."""

    @property
    def waiting_days(self) -> int | None:
        return (self.started_on - self.referred_on).days if self.started_on else None


class FitNote(_Part):
    number: int
    issued_on: date
    issuer_profession: IssuerProfession
    assessment: FitNoteAssessment
    options: tuple[FitNoteOption, ...]
    starts_on: date
    ends_on: date
    condition: str | None
    comments: str | None
    assess_again: bool
    warnings: tuple[str, ...]
    advice_declined: bool = False

    @property
    def counts_as_not_fit(self) -> bool:
        return self.assessment is FitNoteAssessment.NOT_FIT or self.advice_declined


# The latest days a follow-up reopened the case that a state keeps (the store keeps all).
REOPENINGS_KEPT = 12

# The latest fit notes a case keeps whole; earlier ones are summarised (the store keeps all).
FIT_NOTES_KEPT = 12


class EarlierFitNotes(_Part):
    """A summary of the fit notes older than the latest `FIT_NOTES_KEPT`: how many, over when."""

    count: int = Field(ge=1)
    not_fit_count: int = Field(ge=0)
    first_starts_on: date
    last_ends_on: date
    last_number: int = Field(ge=1, description="The number of the latest note summarised.")


def keep_latest_fit_notes(
    earlier: EarlierFitNotes | None, notes: tuple[FitNote, ...], *, kept: int = FIT_NOTES_KEPT
) -> tuple[EarlierFitNotes | None, tuple[FitNote, ...]]:
    """Bound the notes a state holds: the latest `kept` by number (and always the note that
    runs longest, which decides the case's deadlines), the rest folded into the summary."""
    if len(notes) <= kept:
        return earlier, notes
    current = max(notes, key=lambda note: note.ends_on)
    ordered = sorted(notes, key=lambda note: note.number)
    dropped = [n for n in ordered if n is not current][: len(notes) - kept]
    summary = earlier
    for note in dropped:
        summary = EarlierFitNotes(
            count=1, not_fit_count=int(note.counts_as_not_fit), first_starts_on=note.starts_on,
            last_ends_on=note.ends_on, last_number=note.number,
        ) if summary is None else EarlierFitNotes(
            count=summary.count + 1,
            not_fit_count=summary.not_fit_count + int(note.counts_as_not_fit),
            first_starts_on=min(summary.first_starts_on, note.starts_on),
            last_ends_on=max(summary.last_ends_on, note.ends_on),
            last_number=max(summary.last_number, note.number),
        )
    return summary, tuple(n for n in notes if not any(n is d for d in dropped))


class ProposedAdjustment(_Part):
    """A change a 'may be fit' note advises: the plan and a phased return start from it, and
    the employer records whether it can make it."""

    option: FitNoteOption
    fit_note_number: int
    employer_can_make: bool | None = None
    """None until the employer has answered the advice."""


class PhasedReturn(_Part):
    starts_on: date
    weeks: tuple[PhasedReturnWeek, ...]
    on_oh_advice: bool
    reviewed_weeks: tuple[int, ...] = ()
    completed_on: date | None = None


class Redeployment(_Part):
    vacancy_ref: str
    role_title: str
    starts_on: date
    trial_weeks: int
    permanent: bool
    retraining: str | None
    reviewed_weeks: tuple[int, ...] = ()
    conclusion: RedeploymentConclusion | None = None
    concluded_on: date | None = None
    match: VacancyMatch | None = None
    signed_off_by: str | None = None
    """The OH professional (user id) who signed the redeployment off; None: not yet."""
    signed_off_on: date | None = None


class Closure(_Part):
    outcome: Outcome
    closed_on: date
    returned_on: date | None
    intervention_by_employee: Intervention | None
    intervention_by_case_manager: Intervention | None
    follow_up_due_on: date | None


class FollowUp(_Part):
    checked_on: date
    sustained: bool


class CaseManager(_Part):
    """The OH user who owns the case (or covers for its owner until `until`)."""

    id: str
    name: str
    since: date
    until: date | None = None
    """For a cover: the last day it runs; the assigned case manager owns the case after it."""


class SelfHelpCheckIn(_Part):
    """OH's check-in on a tier-1 (self-help) assessment: is the self-help working?"""

    assessment_number: int
    checked_on: date
    fine: bool


class ReportConsent(_Part):
    """The employee's latest word on releasing one part of one OH report to one recipient
    (practice version 2): given, or withdrawn after it was given."""

    assessment_number: int
    scope: ReportScope
    given: bool
    on: date


class HrFactsApplied(_Part):
    """When HR sent the latest fact of each kind the case applied: a message of that kind sent
    no later changes nothing (HR systems resend and reorder). None: none applied yet."""

    manager_sent_at: AwareDatetime | None = None
    details_sent_at: AwareDatetime | None = None
    reason_sent_at: AwareDatetime | None = None
    reason_code: str | None = None
    """The ESR sickness reason code of the latest reason change (OH only, like the category)."""


class ReportOffer(_Part):
    """When OH offered a report to the employee, and when its comment window ends (practice
    version 4): what the employee consented to release waits until then, unless they agree."""

    assessment_number: int
    offered_at: AwareDatetime
    window_ends_at: AwareDatetime
    window_closed: bool = False
    """Whether the window's end is recorded (or the window was none)."""


class Doctor(StrEnum):
    """Who a medical report under the Access to Medical Reports Act 1988 is asked of: a doctor
    who is or has been responsible for the employee's clinical care (s.2(1))."""

    GP = "gp"
    SPECIALIST = "specialist"


class MedicalReportSupply(StrEnum):
    """The employee's word on the supply of a report they saw (s.5(1))."""

    CONSENTED = "consented"
    REFUSED = "refused"


class MedicalReport(_Part):
    """One GP or specialist report under the Access to Medical Reports Act 1988: the
    employee's written consent to the application (s.3), whether they wish to see it before it
    is supplied (s.4), the application, their access, amendments and statement (s.5), and its
    receipt. What it says is clinical: OH only."""

    number: int
    doctor: Doctor
    consent_on: date
    wishes_access: bool
    consent_withdrawn_on: date | None = None
    requested_on: date | None = None
    access_arranged_on: date | None = None
    amendments_requested: int = 0
    statement_attached: bool = False
    supply: MedicalReportSupply | None = None
    received_on: date | None = None


class CaseState(BaseModel):
    """One case. `evolve` returns a new state for each event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    version: int = Field(ge=0, description="How many events the case has recorded.")
    route: Route = Route.RETURN_TO_WORK
    stage: Stage
    employer_id: str
    employee: Person
    manager: Person | None
    """The employee's line manager; None only on a community case (`Route.COMMUNITY`), where
    no employer is involved."""
    reason_category: ReasonCategory
    policy: Policy
    practice: int = Field(
        default=0, ge=0,
        description="The version of the practice rules the case follows (domain.practice); "
        "0 for every case opened before they were versioned.")
    opened_at: AwareDatetime
    absence: Absence | None = None
    referral: Referral | None = None
    contact_due_at: AwareDatetime | None = None
    contact_escalation_at: AwareDatetime | None = None
    early_contact: EarlyContact | None = None
    last_contact_at: AwareDatetime | None = None
    contact_frequency_days: int | None = None
    contacts_made: int = 0
    contact_reminders_sent: int = 0
    contact_escalated: bool = False
    fired: frozenset[str] = frozenset()
    oh_referral: OhReferral | None = None
    assessments: tuple[Assessment, ...] = ()
    escalations: tuple[Escalation, ...] = ()
    risk_flags: tuple[str, ...] = ()
    plan: Plan | None = None
    plan_history: tuple[Plan, ...] = ()
    therapies: tuple[Therapy, ...] = ()
    fit_notes: tuple[FitNote, ...] = Field(
        default=(), description=f"The latest {FIT_NOTES_KEPT} fit notes (and the current one)."
    )
    earlier_fit_notes: EarlierFitNotes | None = None
    phased_return: PhasedReturn | None = None
    redeployment: Redeployment | None = None
    left_on: date | None = None
    closure: Closure | None = None
    follow_up: FollowUp | None = None
    appointments: AppointmentBook = AppointmentBook()
    rapid_access_at: AwareDatetime | None = Field(
        default=None, description="When the receiving professional decided rapid access at "
        "the referral's acceptance (an assessment records its own decision).")
    notes_added: int = Field(default=0, ge=0, description="Case notes written (the texts are "
                             "in the event store).")
    documents_attached: int = Field(default=0, ge=0, description="Documents attached.")
    entries_corrected: int = Field(default=0, ge=0, description="Corrections of fact recorded.")
    case_manager: CaseManager | None = None
    case_manager_cover: CaseManager | None = Field(
        default=None, description="A covering case manager for a period; see "
        "domain.journey.ownership.owner_on.")
    self_help_check_in: SelfHelpCheckIn | None = None
    proposed_adjustments: tuple[ProposedAdjustment, ...] = Field(
        default=(), description="What the latest 'may be fit' note advises, and whether the "
        "employer can make each change (cases following the practice rules).")
    reopened_on: tuple[date, ...] = Field(
        default=(), description=f"The days (the latest {REOPENINGS_KEPT}) a follow-up found the "
        "return not sustained and reopened the case (practice rules).")
    report_consents: tuple[ReportConsent, ...] = Field(
        default=(), description="The employee's latest consent, given or withdrawn, per report "
        "and scope (practice version 2; domain.journey.report_consent).")
    report_comments: int = Field(default=0, ge=0, description="Comments the employee made on "
                                 "their reports (the texts are in the event store).")
    hr_facts_applied: HrFactsApplied = Field(
        default=HrFactsApplied(), description="When HR sent the latest line-manager, "
        "employee-details and absence-reason change applied (domain.journey.hr_facts).")
    report_offers: tuple[ReportOffer, ...] = Field(
        default=(), description="When each report was offered to the employee and its comment "
        "window ends (practice version 4; domain.journey.report_consent).")
    reports_agreed: tuple[int, ...] = Field(
        default=(), description="The reports (assessment numbers) the employee agreed to "
        "themselves: their own consent after reading, or no comments (practice version 4).")
    medical_reports: tuple[MedicalReport, ...] = Field(
        default=(), description="GP and specialist reports under the Access to Medical Reports "
        "Act 1988 (domain.journey.medical_reports).")

    @property
    def first_day(self) -> date | None:
        return self.absence.first_day if self.absence else None

    @property
    def is_off_work(self) -> bool:
        """Absent and not yet back (a phased return or trial counts as back)."""
        return (
            self.absence is not None
            and self.absence.returned_on is None
            and self.left_on is None
            and self.stage not in (Stage.FOLLOW_UP, Stage.CLOSED)
        )

    @property
    def latest_assessment(self) -> Assessment | None:
        return self.assessments[-1] if self.assessments else None

    @property
    def fit_notes_recorded(self) -> int:
        """How many fit notes the case has recorded, kept whole or summarised."""
        return len(self.fit_notes) + (self.earlier_fit_notes.count if self.earlier_fit_notes
                                      else 0)

    @property
    def current_fit_note(self) -> FitNote | None:
        return max(self.fit_notes, key=lambda note: note.ends_on) if self.fit_notes else None

    def pending_escalation(self, cause: str) -> bool:
        return any(e.cause == cause and e.confirmed is None for e in self.escalations)

    def confirmed_escalation(self, cause: str) -> bool:
        return any(e.cause == cause and e.confirmed is True for e in self.escalations)
