"""The words OH practice uses for referrals, findings, therapies, fit notes and outcomes."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Route(StrEnum):
    """How the case began."""

    RETURN_TO_WORK = "return_to_work"  # an absence was notified
    STAY_AT_WORK = "stay_at_work"  # a health problem showed before any absence
    COMMUNITY = "community"  # a person referred to a community service; no employer involved


class ReferralSource(StrEnum):
    """Who referred a stay-at-work or community case."""

    SELF = "self"
    MANAGER = "manager"
    GP = "gp"
    TREATING_CLINICIAN = "treating_clinician"
    HOSPITAL_DISCHARGE = "hospital_discharge"
    COMMUNITY_MSK = "community_msk"
    COMMUNITY_MENTAL_HEALTH = "community_mental_health"
    FIT_NOTE = "fit_note"
    LINK_WORKER = "link_worker"  # a social prescribing link worker in primary care


class Tier(IntEnum):
    """Triage tier after assessment."""

    SELF_HELP = 1
    CASE_COORDINATION = 2
    SPECIALIST = 3


class AssessmentKind(StrEnum):
    EARLY = "early"
    QUALITY = "quality"


class Fitness(StrEnum):
    """The fitness-for-work opinion of an assessment."""

    FIT = "fit"
    FIT_WITH_ADJUSTMENTS = "fit_with_adjustments"
    UNFIT_OWN_ROLE = "unfit_own_role"
    UNFIT_ANY_WORK = "unfit_any_work"


class AdjustmentKind(StrEnum):
    WORK_PATTERN = "work_pattern"
    WORKLOAD = "workload"
    WORKING_FROM_HOME = "working_from_home"
    PARKING = "parking"
    EQUIPMENT = "equipment"
    TIME_OFF_FOR_APPOINTMENTS = "time_off_for_appointments"
    TEMPORARY_FLEXIBLE_WORKING = "temporary_flexible_working"
    EXTRA_BREAKS = "extra_breaks"
    CLEARER_OBJECTIVES = "clearer_objectives"
    AMENDED_DUTIES = "amended_duties"
    ACCESS_TO_WORK = "access_to_work"
    OTHER = "other"


class TherapyKind(StrEnum):
    PHYSIOTHERAPY = "physiotherapy"
    OTHER_MSK = "other_msk"
    TALKING_THERAPY = "talking_therapy"
    MEDIATION = "mediation"
    DEBT_LEGAL_HOUSING_ADVICE = "debt_legal_housing_advice"
    DRUG_AND_ALCOHOL_SUPPORT = "drug_and_alcohol_support"
    CONFIDENCE_BUILDING = "confidence_building"
    SKILLS = "skills"
    HELP_LEAVING_JOB = "help_leaving_job"
    EMPLOYEE_ASSISTANCE = "employee_assistance"


class TherapyStatus(StrEnum):
    REFERRED = "referred"
    WAITING = "waiting"
    STARTED = "started"
    COMPLETED = "completed"
    DECLINED = "declined"


class FitNoteAssessment(StrEnum):
    NOT_FIT = "not_fit"
    MAY_BE_FIT = "may_be_fit"


class FitNoteOption(StrEnum):
    PHASED_RETURN = "phased_return"
    ALTERED_HOURS = "altered_hours"
    AMENDED_DUTIES = "amended_duties"
    WORKPLACE_ADAPTATIONS = "workplace_adaptations"


class IssuerProfession(StrEnum):
    DOCTOR = "doctor"
    NURSE = "nurse"
    OCCUPATIONAL_THERAPIST = "occupational_therapist"
    PHARMACIST = "pharmacist"
    PHYSIOTHERAPIST = "physiotherapist"


class Outcome(StrEnum):
    RETURNED_TO_OWN_ROLE = "returned_to_own_role"
    RETURNED_WITH_ADJUSTMENTS = "returned_with_adjustments"
    REDEPLOYED = "redeployed"
    LEFT_EMPLOYMENT = "left_employment"
    ILL_HEALTH_RETIREMENT = "ill_health_retirement"
    WITHDRAWN = "withdrawn"
    DECLINED = "declined"
    RESOLVED_WITHOUT_ABSENCE = "resolved_without_absence"
    STARTED_WORK = "started_work"
    """A community case: the person, out of work when referred, started work."""


RETURN_OUTCOMES = frozenset(
    {
        Outcome.RETURNED_TO_OWN_ROLE,
        Outcome.RETURNED_WITH_ADJUSTMENTS,
        Outcome.REDEPLOYED,
        Outcome.RESOLVED_WITHOUT_ABSENCE,
        Outcome.STARTED_WORK,
    }
)


class Intervention(StrEnum):
    """The most important intervention for the return, as recorded at discharge."""

    MSK_TREATMENT = "msk_treatment"
    MENTAL_HEALTH_THERAPY = "mental_health_therapy"
    MEDIATION_WITH_EMPLOYER = "mediation_with_employer"
    LEARNING_NEW_SKILLS = "learning_new_skills"
    DEBT_LEGAL_HOUSING_OR_PERSONAL = "debt_legal_housing_or_personal"
    PERSONAL_SUPPORT_CONFIDENCE = "personal_support_confidence"
    HELP_LEAVING_JOB_NEW_EMPLOYMENT = "help_leaving_job_new_employment"
    PAIN_TREATMENT_OR_UNDERSTANDING = "pain_treatment_or_understanding"


class RedeploymentConclusion(StrEnum):
    CONFIRMED = "confirmed"
    REVERTED = "reverted"


class WorkDemand(StrEnum):
    """What a role asks of a person, in functional terms: a vacancy's demands, and the ones OH
    advises an employee to avoid (restrictions). Never a diagnosis."""

    MANUAL_HANDLING = "manual_handling"
    PROLONGED_STANDING = "prolonged_standing"
    PROLONGED_SITTING = "prolonged_sitting"
    DRIVING = "driving"
    NIGHT_WORK = "night_work"
    ROTATING_SHIFTS = "rotating_shifts"
    LONE_WORKING = "lone_working"
    PATIENT_CONTACT = "patient_contact"
    PUBLIC_FACING = "public_facing"
    SCREEN_WORK = "screen_work"
    WORKING_AT_HEIGHT = "working_at_height"
    HIGH_WORKLOAD_PRESSURE = "high_workload_pressure"


class MatchJudgement(StrEnum):
    """Whether a vacancy suits the employee, judged against OH's restrictions and their
    capabilities."""

    SUITABLE = "suitable"
    SUITABLE_WITH_ADJUSTMENTS = "suitable_with_adjustments"
    UNSUITABLE = "unsuitable"


class ReportScope(StrEnum):
    """What of an OH report the employee agrees to release, and to whom (practice version 2)."""

    FITNESS_TO_MANAGER = "fitness_to_manager"
    ADJUSTMENTS_TO_MANAGER = "adjustments_to_manager"
    ADVICE_TO_HR = "advice_to_hr"
    # Practice version 4: OH writing to the employee's GP with the advice (no proposal flag:
    # the employee alone decides it).
    ADVICE_TO_GP = "advice_to_gp"
