"""The employer's sickness-absence policy: every deadline is a versioned default."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.calendar import england_and_wales_bank_holidays
from domain.services import DEFAULT_SERVICES, Services

# A policy that names no non-working days closes the bank holidays of England and Wales, for
# the years its window of accepted dates covers (see `Policy.date_window_years`).
NON_WORKING_DAYS = "non_working_days"


class Policy(BaseModel):
    """One version of an employer's policy; the version in force is recorded on each case."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(description="Stable name of this policy version, e.g. 'default-2026-04'.")
    effective_from: date = Field(description="First day this version applies to new cases.")
    contact_due_working_days: int = Field(
        default=1, ge=0, le=20,
        description="Working days after the absence is reported by which the line manager "
        "must make early contact (1 = by the end of the next working day).",
    )
    contact_escalation_working_days: int = Field(
        default=1, ge=1, le=20,
        description="Further working days after the contact deadline before HR is alerted.",
    )
    working_day_ends_at: time = Field(
        default=time(17, 0), description="London wall-clock time at which a working day ends."
    )
    non_working_days: tuple[date, ...] = Field(
        default=(),
        description="Bank holidays and other closure days that are not working days. Unless "
        "given: the bank holidays of England and Wales (on weekdays) in every year from the "
        "earliest to the latest date the policy accepts, counted from its effective date.",
    )
    reminders_at: time = Field(
        default=time(9, 0), description="London time at which date-based reminders go out."
    )
    hr_informed_of_escalations: bool = Field(
        default=True, description="Whether HR is told (without clinical detail) of escalations."
    )
    self_certified_days: int = Field(
        default=7, ge=1, le=28,
        description="Calendar days an employee may self-certify; a fit note is needed after.",
    )
    rapid_access_referral_days: int = Field(
        default=0, ge=0, le=14,
        description="Days after opening by which MSK and mental-health cases are referred to OH.",
    )
    long_term_threshold_days: int = Field(
        default=28, ge=7, le=180,
        description="Calendar days of absence at which the case is long-term and referred to OH.",
    )
    first_assessment_days: int = Field(
        default=7, ge=1, le=60, description="Days from OH referral to the first consultation."
    )
    repeat_reminder_days: int = Field(
        default=2, ge=1, le=30,
        description="Days after a missed deadline's reminder before it counts as missed twice "
        "and the case escalates.",
    )
    risk_flag_days: int = Field(
        default=42, ge=7, le=365,
        description="Calendar days of absence at which the long-absence risk flag is raised "
        "(depression and anxiety set in from about six weeks).",
    )
    dates_accepted_days_back: int = Field(
        default=1827, ge=30, le=36_500,
        description="How far back, in days from today, a date sent to a case may lie "
        "(an absence's first day, a fit note's issue date...). Older dates are refused.",
    )
    dates_accepted_days_ahead: int = Field(
        default=731, ge=30, le=3_660,
        description="How far ahead, in days from today, a date sent to a case may lie "
        "(an expected last day, a phased return's start...). Later dates are refused; an "
        "open-ended absence is sent without an end date, not with a far-future one.",
    )
    fit_note_expiry_notice_days: int = Field(
        default=2, ge=0, le=14, description="Days before a fit note ends to remind."
    )
    fit_note_long_cover_days: int = Field(
        default=92, ge=28, le=365,
        description="Cover beyond which a note early in a condition is flagged for data quality.",
    )
    phased_return_max_weeks: int = Field(default=4, ge=1, le=12)
    phased_return_max_weeks_on_oh_advice: int = Field(default=6, ge=1, le=26)
    redeployment_trial_review_weeks: tuple[int, ...] = Field(default=(2, 5, 8))
    redeployment_trial_max_weeks: int = Field(default=13, ge=1, le=52)
    follow_up_days: int = Field(
        default=28, ge=1, le=365, description="Days after return to check it was sustained."
    )
    sick_pay_warning_days: int = Field(
        default=14, ge=1, le=60, description="Days before pay drops to half or nil to warn."
    )
    contractual_sick_pay: Literal["agenda_for_change", "none"] = Field(
        default="agenda_for_change",
        description="The employer's contractual sick pay scheme, from which full and half pay "
        "dates are derived (cases following practice version 3): 'agenda_for_change' (NHS "
        "Terms and Conditions of Service Handbook, section 14) or 'none' (Statutory Sick Pay "
        "only). Day counts HR sends with an absence win over the scheme.",
    )
    appointment_reminder_days: int = Field(
        default=2, ge=0, le=14,
        description="Days before an OH appointment that the employee is reminded of it "
        "(0: on the day), at the policy's reminder time.",
    )
    missed_appointments_before_decision: int = Field(
        default=2, ge=1, le=10,
        description="Appointments missed in a row (did not attend) after which the manager is "
        "told, without clinical detail, and OH must decide: rebook, discharge or close.",
    )
    missed_appointments_decision_days: int = Field(
        default=5, ge=1, le=30,
        description="Days OH has to make that decision before it is reminded.",
    )
    services: Services = Field(
        default=DEFAULT_SERVICES,
        description="The services a referral may name (occupational health, physiotherapy, "
        "talking therapy, employee assistance...), each with whether it takes self-referral "
        "and its referral and exclusion criteria (structured tests, see domain.services).",
    )
    first_treatment_days: int = Field(
        default=10, ge=1, le=90,
        description="Days from a therapy referral made under rapid access to the first "
        "treatment; OH is reminded when treatment has not started by then.",
    )
    referral_triage_days: int = Field(
        default=2, ge=1, le=30,
        description="Days from a stay-at-work referral's arrival by which the service it went "
        "to triages it (accepts or declines); OH is reminded, then the case escalates.",
    )
    self_help_check_in_days: int = Field(
        default=14, ge=1, le=90,
        description="Days after a tier-1 (self-help) assessment by which OH checks in with the "
        "employee on how the self-help is going.",
    )
    specialist_profession: str = Field(
        default="OH physician", min_length=1, max_length=100,
        description="The profession whose assessment a tier-3 (specialist) case needs, as the "
        "professional's profession is recorded (compared without regard to case).",
    )
    specialist_assessment_days: int = Field(
        default=14, ge=1, le=90,
        description="Days after a tier-3 decision by another profession within which the "
        "specialist profession assesses the employee.",
    )
    specialist_referral_days: int = Field(
        default=28, ge=1, le=180,
        description="Days after a tier-3 decision within which a therapy or specialist referral "
        "is made.",
    )
    fit_note_lapsed_days: int = Field(
        default=1, ge=0, le=14,
        description="Days after a fit note ends, with no new note and no return, at which the "
        "employee, the line manager and HR are reminded that the absence is no longer covered.",
    )
    fit_note_assess_again_notice_days: int = Field(
        default=2, ge=0, le=28,
        description="Days before a note whose issuer will assess again ends at which OH is "
        "reminded to follow the reassessment up.",
    )
    escalation_review_days: int = Field(
        default=5, ge=1, le=60,
        description="Days after a named OH professional confirms an escalation by which OH "
        "reviews the case.",
    )
    plan_revision_days: int = Field(
        default=7, ge=1, le=60,
        description="Days after a plan review finds the plan not on track by which the plan "
        "is revised.",
    )
    recurrence_interval_days: int = Field(
        default=365, ge=1, le=1095,
        description="Days back from a new absence's first day within which an earlier absence "
        "for the same reason category makes it a recurrence, flagged to OH (practice 3 on).",
    )
    short_term_trigger: Literal["episodes", "bradford", "both", "none"] = Field(
        default="both",
        description="Which short-term absence trigger the employer uses: episodes in a rolling "
        "12 months, the Bradford factor over the rolling 52 weeks, both (either one met "
        "suggests), or none.",
    )
    trigger_episodes: int = Field(
        default=4, ge=2, le=52,
        description="Absences in the rolling 12 months, counting the new one, at which a "
        "short-term absence trigger is met.",
    )
    bradford_threshold: int = Field(
        default=250, ge=1, le=100_000,
        description="The Bradford factor (spells squared times days absent in the rolling 52 "
        "weeks, calendar days) at which a short-term absence trigger is met.",
    )
    short_term_trigger_suggests: Literal["attendance_review", "oh_referral"] = Field(
        default="attendance_review",
        description="What a met trigger suggests (never decides): an attendance review by HR "
        "and the line manager, or a referral to OH.",
    )
    # Retention. The NHS Records Management Code of Practice (its retention schedule, staff
    # occupational health records) names two periods: until the 75th birthday, or six years
    # after the person leaves. rtw counts six years from the case's closure, as it holds no
    # date of birth and no leaving date outside the case. The 75th birthday and legal holds
    # (a case kept past its time for a claim or an inquiry) are not modelled yet. The policy
    # that applies is the employer's version in force on the day of the sweep, not the one
    # recorded on the case: keeping data is the controller's duty now (UK GDPR Article
    # 5(1)(e), storage limitation), not part of how the case was run, and a period the
    # employer changes must reach every record it still holds (`domain.retention`).
    retention_years_after_closure: int = Field(
        default=6, ge=1, le=100,
        description="Whole years after a case's closure that it is kept; on the anniversary "
        "of the closure (1 March for a 29 February closure in a common year) the retention "
        "sweep erases it.",
    )
    report_comment_window_working_days: int = Field(
        default=2, ge=0, le=10,
        description="Working days, after OH offers a report to the employee, before what the "
        "employee consented to release reaches the manager or HR (cases following practice "
        "version 4): their time to read it, comment, or withdraw. Ends at the end of the last "
        "working day; the employee's own agreement ends it sooner; 0: no window.",
    )

    @model_validator(mode="after")
    def _bank_holidays_unless_given(self) -> Policy:
        """A policy stored with its list keeps it (it is part of stored events); a new one
        that names none gets the bank holidays of the years its date window covers, and
        counts them as given, so that every copy of it carries the same list."""
        if NON_WORKING_DAYS not in self.model_fields_set:
            object.__setattr__(self, NON_WORKING_DAYS,
                               england_and_wales_bank_holidays(self.date_window_years))
            self.model_fields_set.add(NON_WORKING_DAYS)
        return self

    @property
    def date_window_years(self) -> range:
        """The calendar years of the dates the policy accepts, from its effective date: from
        `dates_accepted_days_back` before it to `dates_accepted_days_ahead` after it."""
        return date_window_years(self.effective_from, self.dates_accepted_days_back,
                                 self.dates_accepted_days_ahead)

    @model_validator(mode="after")
    def _oh_advice_allows_at_least_the_default(self) -> Policy:
        if self.phased_return_max_weeks_on_oh_advice < self.phased_return_max_weeks:
            raise ValueError(
                "phased_return_max_weeks_on_oh_advice must be at least phased_return_max_weeks"
            )
        return self


def date_window_years(effective_from: date, days_back: int, days_ahead: int) -> range:
    """The calendar years from `days_back` before `effective_from` to `days_ahead` after."""
    return range((effective_from - timedelta(days=days_back)).year,
                 (effective_from + timedelta(days=days_ahead)).year + 1)


DEFAULT_POLICY = Policy(version="default-2026-04", effective_from=date(2026, 4, 6))


def policy_in_force(policies: list[Policy], on: date) -> Policy:
    """The newest version that has taken effect on the day; the default if none has."""
    in_force = [p for p in policies if p.effective_from <= on]
    return max(in_force, key=lambda p: p.effective_from) if in_force else DEFAULT_POLICY
