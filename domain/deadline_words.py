"""A deadline's name in words, for people: the pages show these, the API keeps the names."""

from __future__ import annotations

_WORDS = {
    "early_contact_due": "Early contact with the employee",
    "early_contact_escalation": "Early contact missed: escalation to HR",
    "check_in_due": "Keeping-in-touch contact",
    "fit_note_needed": "Fit note needed",
    "fit_note_ending": "Fit note ends",
    "fit_note_lapsed": "Fit note has lapsed",
    "fit_note_assess_again": "Fit note issuer assesses again",
    "long_term_referral": "Long-term absence: referral to OH",
    "rapid_access_referral": "Rapid-access referral to OH",
    "first_assessment_due": "First OH consultation",
    "risk_flag_six_weeks": "Six weeks off work: risk check",
    "plan_action_due": "Plan action due",
    "plan_review_due": "Plan review",
    "plan_revision_due": "Plan revision",
    "phased_return_week_review": "Phased return: weekly review",
    "phased_return_ends": "Phased return ends",
    "trial_review_due": "Redeployment trial review",
    "trial_ends": "Redeployment trial ends",
    "follow_up_due": "Follow-up: was the return sustained?",
    "escalation_review_due": "OH review after an escalation",
    "first_treatment_due": "First treatment (rapid access)",
    "referral_triage_due": "Referral triage",
    "self_help_check_in_due": "Self-help check-in",
    "reassessment_due": "Reassessment",
    "specialist_assessment_due": "Specialist assessment",
    "specialist_referral_due": "Specialist referral",
    "appointment_reminder": "Appointment reminder",
    "appointment_still_needed": "Is the appointment still needed?",
    "missed_appointments_decision_due": "Decision after missed appointments",
    "sick_pay_half_warning": "Sick pay drops to half pay",
    "sick_pay_nil_warning": "Sick pay ends",
    "ssp_ending_warning": "Statutory Sick Pay ends",
    "ssp1_due": "SSP1 form due",
    "absence_recurrence": "Recurrence of an earlier absence's reason",
    "attendance_review_suggested": "Short-term absence trigger: attendance review suggested",
    "oh_referral_suggested": "Short-term absence trigger: OH referral suggested",
    "report_offered": "OH report offered to the employee",
    "report_comment_window": "Employee's comment window on the OH report ends",
    "medical_report_access_period": "Medical report: 21 days to arrange access end",
}
_MISSED_TWICE = "_missed_twice"


def deadline_in_words(name: str) -> str:
    """`early_contact_due` -> "Early contact with the employee"; a name not listed reads as
    its words; a second miss says so."""
    if name.endswith(_MISSED_TWICE):
        return f"{deadline_in_words(name.removesuffix(_MISSED_TWICE))} (missed twice)"
    return _WORDS.get(name) or name.replace("_", " ").capitalize()
