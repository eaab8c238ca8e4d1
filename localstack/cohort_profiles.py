"""The shares a synthetic cohort is drawn from, one profile per published service, each number
with its source.

A number marked *published* is quoted from the service's own evaluation; a number marked
*assumption* is ours, chosen to be consistent with what was published and with the default
policy, and is there only because a case needs it to be walked from its first notice to its
close. `rtw demo cohort --profile NAME` draws every case from one profile (see
`localstack.cohort`) and prints the cohort's figures beside the published ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from domain.stages import ReasonCategory
from domain.vocabulary import (
    RETURN_OUTCOMES,
    Fitness,
    Intervention,
    Outcome,
    ReferralSource,
    TherapyKind,
    Tier,
)

K = TypeVar("K")

Shares = Mapping[K, float]
"""Keys and the share of cases that take each; the shares of one mapping sum to 1."""

Spread = tuple[int, int, int]
"""Days as (fewest, most usual, most), drawn from a triangular distribution."""


class ContactTiming(StrEnum):
    """When the line manager makes early contact, against the policy's deadline (the end of
    the next working day after the absence is reported, then HR alerted a working day later)."""

    SAME_DAY = "same_day"
    NEXT_WORKING_DAY = "next_working_day"
    AFTER_REMINDER = "after_reminder"
    AFTER_HR_ALERT = "after_hr_alert"


def normalised(published: Mapping[K, int]) -> Shares[K]:
    """Published percentages as shares that sum to 1 (a published column may sum to 99 or 102
    through rounding; each share keeps its published proportion to the others)."""
    total = sum(published.values())
    return MappingProxyType({key: value / total for key, value in published.items()})


def _shares(values: Mapping[K, float]) -> Shares[K]:
    return MappingProxyType(dict(values))


@dataclass(frozen=True, kw_only=True)
class CohortProfile:
    """Everything a cohort is drawn from. Each `Shares` sums to 1 (see `every_shares`)."""

    name: str
    title: str
    source: str
    employer_id: str
    """The employer the cohort's cases belong to (so a report can select them)."""
    opening_times: tuple[time, ...]
    """London times at which each working day's new cases open, one case at each in turn (so
    as many cases open a working day as there are times)."""

    stay_at_work: float
    """Share of cases referred before any absence (the rest are absences HR notifies)."""
    reasons: Shares[ReasonCategory]
    referral_sources: Shares[ReferralSource]
    """Who referred a stay-at-work case."""
    days_off_before_notice: tuple[int, int]
    """An absence's first day lies this many days (fewest, most) before HR notifies it."""

    outcomes_return_to_work: Shares[Outcome]
    outcomes_stay_at_work: Shares[Outcome]
    fitness_by_outcome: Mapping[Outcome, Shares[Fitness]]
    tiers: Shares[Tier]
    """Tier after assessment; an employee found unfit for any work is always tier 3."""

    contact_timing: Shares[ContactTiming]
    contact_frequency_days: Shares[int]
    check_in_a_day_late: float
    assessment_within_a_week: float
    """Share of first OH consultations within a week of the referral (the rest once the week
    is out and the reminder has gone)."""
    fit_note_not_fit: float
    """Share of fit notes signed 'not fit' (the rest 'may be fit')."""

    therapy: Mapping[ReasonCategory, float]
    """Share of the cases of each reason referred to a therapy after the plan (not a set of
    shares: each is its own reason's)."""
    therapy_kinds: Mapping[ReasonCategory, Shares[TherapyKind]]
    therapy_wait_days: Mapping[TherapyKind, Spread]
    therapy_course_days: Spread
    therapy_declined: float

    absence_days: Mapping[ReasonCategory, Spread]
    """From the first day of absence to the return (or the leaving)."""
    ill_health_retirement_days: Spread
    stay_at_work_days: Spread
    """From the plan to a stay-at-work case's close."""
    withdrawn_after_plan_days: tuple[int, int]
    phased_return: float
    """Share of returns (to the own role or with adjustments) made as a phased return."""
    phased_return_weeks: Shares[int]
    redeployment_trial_weeks: int

    interventions_by_employee: Shares[Intervention]
    interventions_by_case_manager: Shares[Intervention]
    published_by_employee: Mapping[Intervention, int]
    """The percentages the shares come from, as published."""
    published_by_case_manager: Mapping[Intervention, int]
    return_aim: float
    """The share of cases the service aimed to return to work."""
    sustained: float
    """Share of follow-ups that find the return sustained."""

    @property
    def return_share(self) -> float:
        """The share of cases whose outcome is a return, over both routes."""
        returning = (
            (1 - self.stay_at_work) * _returning(self.outcomes_return_to_work)
            + self.stay_at_work * _returning(self.outcomes_stay_at_work)
        )
        return round(returning, 10)

    def every_shares(self) -> dict[str, Mapping[Any, float]]:
        """Each set of shares of the profile by name (each must sum to 1)."""
        found: dict[str, Mapping[Any, float]] = {
            "reasons": self.reasons, "referral_sources": self.referral_sources,
            "outcomes_return_to_work": self.outcomes_return_to_work,
            "outcomes_stay_at_work": self.outcomes_stay_at_work, "tiers": self.tiers,
            "contact_timing": self.contact_timing,
            "contact_frequency_days": self.contact_frequency_days,
            "phased_return_weeks": self.phased_return_weeks,
            "interventions_by_employee": self.interventions_by_employee,
            "interventions_by_case_manager": self.interventions_by_case_manager,
        }
        for outcome, fitness in self.fitness_by_outcome.items():
            found[f"fitness_by_outcome[{outcome.value}]"] = fitness
        for reason, kinds in self.therapy_kinds.items():
            found[f"therapy_kinds[{reason.value}]"] = kinds
        return found


def _returning(outcomes: Shares[Outcome]) -> float:
    return sum(share for outcome, share in outcomes.items() if outcome in RETURN_OUTCOMES)


# --- ffws: the Leicestershire Fit for Work service (2012) -----------------------------------
#
# A GP-led pilot for employed people on fit notes: 948 referrals; the aim, a return to the
# workplace for 75% of referrals; a one-to-one consultation within a week of referral; an action
# plan agreed with the worker and the employer. Of the 325 clients discharged, 61% had been
# referred for mental health problems and 27% for musculoskeletal ones. At discharge the client
# (by an anonymised questionnaire) and the case manager each named the most important
# intervention for the return; the two columns below are that table, as published.

FFWS_SOURCE = (
    "Leicestershire Fit for Work service (2012), a GP-led pilot for employed people on fit "
    "notes: 948 referrals, aim a return to the workplace for 75% of referrals, consultation "
    "within a week of referral; of 325 clients discharged 61% referred for mental health "
    "problems and 27% musculoskeletal; the most important intervention as the client and as "
    "the case manager reported it"
)

# Published: the most important intervention, % of clients discharged (the column sums to 102
# through rounding). Each row of the published table maps to one `Intervention`:
FFWS_PUBLISHED_BY_CLIENT: Mapping[Intervention, int] = MappingProxyType({
    # musculoskeletal treatment (physio, chiropractor, osteopathy)
    Intervention.MSK_TREATMENT: 24,
    # mental health therapy (counselling, CBT)
    Intervention.MENTAL_HEALTH_THERAPY: 5,
    # mediation / negotiation with employer
    Intervention.MEDIATION_WITH_EMPLOYER: 19,
    # learning or new skills
    Intervention.LEARNING_NEW_SKILLS: 5,
    # debt / legal / housing or other personal problem
    Intervention.DEBT_LEGAL_HOUSING_OR_PERSONAL: 5,
    # personal support / confidence building
    Intervention.PERSONAL_SUPPORT_CONFIDENCE: 24,
    # help with leaving job / new employment
    Intervention.HELP_LEAVING_JOB_NEW_EMPLOYMENT: 10,
    # better treatment or understanding of pain
    Intervention.PAIN_TREATMENT_OR_UNDERSTANDING: 10,
})

# Published: the same, as the case manager reported it (sums to 100).
FFWS_PUBLISHED_BY_CASE_MANAGER: Mapping[Intervention, int] = MappingProxyType({
    Intervention.MSK_TREATMENT: 15,
    Intervention.MENTAL_HEALTH_THERAPY: 1,
    Intervention.MEDIATION_WITH_EMPLOYER: 21,
    Intervention.LEARNING_NEW_SKILLS: 1,
    Intervention.DEBT_LEGAL_HOUSING_OR_PERSONAL: 2,
    Intervention.PERSONAL_SUPPORT_CONFIDENCE: 52,
    Intervention.HELP_LEAVING_JOB_NEW_EMPLOYMENT: 2,
    Intervention.PAIN_TREATMENT_OR_UNDERSTANDING: 6,
})

FFWS = CohortProfile(
    name="ffws",
    title="Leicestershire Fit for Work service (2012)",
    source=FFWS_SOURCE,
    employer_id="demo-ffws",
    # Assumption: five new cases a working day, opening on the hour from 09:00.
    opening_times=(time(9), time(10), time(11), time(12), time(13)),
    # Assumption: the pilot took people on fit notes, so nearly all were already off work;
    # one case in ten is a stay-at-work referral so that route is in the cohort too.
    stay_at_work=0.10,
    # Published: 61% mental health, 27% musculoskeletal; the remaining 12% other.
    reasons=_shares({ReasonCategory.MENTAL_HEALTH: 0.61,
                     ReasonCategory.MUSCULOSKELETAL: 0.27, ReasonCategory.OTHER: 0.12}),
    # Assumption: a GP-led service, so most stay-at-work referrals come from GPs.
    referral_sources=_shares({ReferralSource.GP: 0.6, ReferralSource.SELF: 0.25,
                              ReferralSource.MANAGER: 0.15}),
    # Assumption: HR notifies an absence one to five days after its first day.
    days_off_before_notice=(1, 5),
    # Assumption, consistent with the published aim: 75% of the absences end in a return
    # (own role, with adjustments, redeployed); the rest leave, retire on ill health or
    # withdraw. The published figures give no split beyond the aim.
    outcomes_return_to_work=_shares({
        Outcome.RETURNED_TO_OWN_ROLE: 0.45, Outcome.RETURNED_WITH_ADJUSTMENTS: 0.25,
        Outcome.REDEPLOYED: 0.05, Outcome.LEFT_EMPLOYMENT: 0.12,
        Outcome.ILL_HEALTH_RETIREMENT: 0.03, Outcome.WITHDRAWN: 0.10,
    }),
    # Assumption, consistent with the aim: 75% of stay-at-work cases resolve without absence;
    # some referrals are declined against the service's criteria.
    outcomes_stay_at_work=_shares({
        Outcome.RESOLVED_WITHOUT_ABSENCE: 0.75, Outcome.DECLINED: 0.08,
        Outcome.WITHDRAWN: 0.10, Outcome.LEFT_EMPLOYMENT: 0.07,
    }),
    # Assumption: the fitness opinion of the first assessment, by where the case ends.
    fitness_by_outcome=MappingProxyType({
        Outcome.RETURNED_TO_OWN_ROLE: _shares({Fitness.UNFIT_OWN_ROLE: 0.7, Fitness.FIT: 0.3}),
        Outcome.RETURNED_WITH_ADJUSTMENTS: _shares({Fitness.FIT_WITH_ADJUSTMENTS: 1.0}),
        Outcome.REDEPLOYED: _shares({Fitness.UNFIT_OWN_ROLE: 1.0}),
        Outcome.LEFT_EMPLOYMENT: _shares({Fitness.UNFIT_OWN_ROLE: 0.6,
                                          Fitness.FIT_WITH_ADJUSTMENTS: 0.4}),
        Outcome.ILL_HEALTH_RETIREMENT: _shares({Fitness.UNFIT_ANY_WORK: 1.0}),
        Outcome.WITHDRAWN: _shares({Fitness.UNFIT_OWN_ROLE: 0.5,
                                    Fitness.FIT_WITH_ADJUSTMENTS: 0.5}),
        Outcome.RESOLVED_WITHOUT_ABSENCE: _shares({Fitness.FIT_WITH_ADJUSTMENTS: 0.7,
                                                   Fitness.FIT: 0.3}),
    }),
    # Assumption: a case-management service, so most cases are coordinated (tier 2).
    tiers=_shares({Tier.SELF_HELP: 0.2, Tier.CASE_COORDINATION: 0.6, Tier.SPECIALIST: 0.2}),
    # Assumption: most managers make contact on time; some only once reminded, a few only
    # after HR has been alerted.
    contact_timing=_shares({
        ContactTiming.SAME_DAY: 0.45, ContactTiming.NEXT_WORKING_DAY: 0.35,
        ContactTiming.AFTER_REMINDER: 0.15, ContactTiming.AFTER_HR_ALERT: 0.05,
    }),
    # Assumption: keeping in touch weekly or fortnightly, as agreed with the employee; one
    # contact in ten a day late (after the manager's reminder).
    contact_frequency_days=_shares({7: 0.4, 14: 0.6}),
    check_in_a_day_late=0.1,
    # Published: a consultation within a week of referral was the service's standard; the
    # share that met it is an assumption.
    assessment_within_a_week=0.9,
    # Published (fit notes nationally): over 90% are signed 'not fit'; 90% here. Each 'not
    # fit' note escalates the case to OH under the engine's rules, and OH confirms it.
    fit_note_not_fit=0.9,
    # Assumption: physiotherapy for most MSK cases, talking therapy for half the mental
    # health cases, and practical help for some others.
    therapy=MappingProxyType({ReasonCategory.MUSCULOSKELETAL: 0.6,
                              ReasonCategory.MENTAL_HEALTH: 0.5, ReasonCategory.OTHER: 0.25}),
    therapy_kinds=MappingProxyType({
        ReasonCategory.MUSCULOSKELETAL: _shares({TherapyKind.PHYSIOTHERAPY: 0.8,
                                                 TherapyKind.OTHER_MSK: 0.2}),
        ReasonCategory.MENTAL_HEALTH: _shares({TherapyKind.TALKING_THERAPY: 0.7,
                                               TherapyKind.CONFIDENCE_BUILDING: 0.15,
                                               TherapyKind.MEDIATION: 0.15}),
        ReasonCategory.OTHER: _shares({TherapyKind.MEDIATION: 0.4,
                                       TherapyKind.DEBT_LEGAL_HOUSING_ADVICE: 0.3,
                                       TherapyKind.SKILLS: 0.3}),
    }),
    # Assumption: waits from referral to the first session, by kind.
    therapy_wait_days=MappingProxyType({
        TherapyKind.PHYSIOTHERAPY: (5, 14, 35), TherapyKind.OTHER_MSK: (5, 10, 28),
        TherapyKind.TALKING_THERAPY: (10, 28, 70), TherapyKind.CONFIDENCE_BUILDING: (5, 10, 21),
        TherapyKind.MEDIATION: (3, 7, 21), TherapyKind.DEBT_LEGAL_HOUSING_ADVICE: (3, 7, 14),
        TherapyKind.SKILLS: (7, 14, 28),
    }),
    # Assumption: a course of two to ten weeks; one offer in ten not taken up.
    therapy_course_days=(14, 35, 70),
    therapy_declined=0.1,
    # Assumption: days from the first day of absence to the return (or the leaving); to an
    # ill-health retirement; from the plan to a stay-at-work case's close or a withdrawal.
    absence_days=MappingProxyType({
        ReasonCategory.MUSCULOSKELETAL: (21, 35, 90),
        ReasonCategory.MENTAL_HEALTH: (28, 56, 150),
        ReasonCategory.OTHER: (18, 30, 80),
    }),
    ill_health_retirement_days=(120, 160, 240),
    stay_at_work_days=(14, 28, 56),
    withdrawn_after_plan_days=(5, 25),
    # Assumption: four returns in ten are phased, mostly over the policy's four weeks.
    phased_return=0.4,
    phased_return_weeks=_shares({4: 0.6, 3: 0.25, 2: 0.15}),
    # Assumption: an eight-week trial, reviewed in the policy's weeks 2, 5 and 8.
    redeployment_trial_weeks=8,
    # Published, as shares of each column. Assumption: the employee's and the case manager's
    # answers are drawn apart from each other and from the case's reason and outcome (the table
    # gives each column alone), at every close but a withdrawal or a declined referral.
    interventions_by_employee=normalised(FFWS_PUBLISHED_BY_CLIENT),
    interventions_by_case_manager=normalised(FFWS_PUBLISHED_BY_CASE_MANAGER),
    published_by_employee=FFWS_PUBLISHED_BY_CLIENT,
    published_by_case_manager=FFWS_PUBLISHED_BY_CASE_MANAGER,
    # Published: the aim, a return to the workplace for 75% of referrals.
    return_aim=0.75,
    # Assumption: nine returns in ten are still holding at the follow-up.
    sustained=0.9,
)

PROFILES: Mapping[str, CohortProfile] = MappingProxyType({FFWS.name: FFWS})
"""Every profile by the name `--profile` takes."""
