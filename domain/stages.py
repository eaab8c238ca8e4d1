"""The stages of a case and the actions people may take on it."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Where the case stands on the journey."""

    REFERRAL = "referral"  # stay-at-work referral awaiting OH triage
    EARLY_CONTACT = "early_contact"  # absence notified, line manager to make contact
    ASSESSMENT = "assessment"  # in touch; awaiting or under OH assessment
    PLANNING = "planning"  # assessed; rehabilitation plan to be agreed
    REHABILITATION = "rehabilitation"  # plan agreed; therapy and preparing the return
    PHASED_RETURN = "phased_return"
    REDEPLOYMENT = "redeployment"
    FOLLOW_UP = "follow_up"  # closed with a return; checking it was sustained
    CLOSED = "closed"


OPEN_STAGES = frozenset(Stage) - {Stage.FOLLOW_UP, Stage.CLOSED}
WORKING_STAGES = frozenset(
    {Stage.ASSESSMENT, Stage.PLANNING, Stage.REHABILITATION, Stage.PHASED_RETURN,
     Stage.REDEPLOYMENT}
)
RETURNING = frozenset({Stage.REHABILITATION, Stage.PHASED_RETURN, Stage.REDEPLOYMENT})
TREATING = RETURNING | {Stage.PLANNING}


class Action(StrEnum):
    """Actions people take on a case; each is one Workflow Update of the same name."""

    ACCEPT_REFERRAL = "accept_referral"
    DECLINE_REFERRAL = "decline_referral"
    RECORD_EARLY_CONTACT = "record_early_contact"
    RECORD_CHECK_IN = "record_check_in"
    REFER_TO_OH = "refer_to_oh"
    RECORD_ASSESSMENT = "record_assessment"
    CONFIRM_ESCALATION = "confirm_escalation"
    AGREE_PLAN = "agree_plan"
    REVISE_PLAN = "revise_plan"
    RECORD_PLAN_REVIEW = "record_plan_review"
    REFER_TO_THERAPY = "refer_to_therapy"
    UPDATE_THERAPY = "update_therapy"
    RECORD_FIT_NOTE = "record_fit_note"
    DECLINE_FIT_NOTE_ADVICE = "decline_fit_note_advice"
    START_PHASED_RETURN = "start_phased_return"
    REVIEW_PHASED_RETURN_WEEK = "review_phased_return_week"
    EXTEND_PHASED_RETURN = "extend_phased_return"
    COMPLETE_PHASED_RETURN = "complete_phased_return"
    START_REDEPLOYMENT_TRIAL = "start_redeployment_trial"
    REVIEW_REDEPLOYMENT_TRIAL = "review_redeployment_trial"
    CONCLUDE_REDEPLOYMENT = "conclude_redeployment"
    CLOSE_CASE = "close_case"
    RECORD_FOLLOW_UP = "record_follow_up"
    RECORD_ABSENCE = "record_absence"
    BOOK_APPOINTMENT = "book_appointment"
    MOVE_APPOINTMENT = "move_appointment"
    RECORD_APPOINTMENT_OUTCOME = "record_appointment_outcome"
    DECIDE_AFTER_MISSED_APPOINTMENTS = "decide_after_missed_appointments"
    ADD_CASE_NOTE = "add_case_note"
    ATTACH_DOCUMENT = "attach_document"
    CORRECT_ENTRY = "correct_entry"
    ASSIGN_CASE_MANAGER = "assign_case_manager"
    RECORD_SELF_HELP_CHECK_IN = "record_self_help_check_in"
    RECORD_ESCALATION_REVIEW = "record_escalation_review"
    ACCEPT_FIT_NOTE_ADVICE = "accept_fit_note_advice"
    COMPLETE_PLAN_ACTION = "complete_plan_action"
    SIGN_OFF_REDEPLOYMENT = "sign_off_redeployment"
    PROCEED_TO_ASSESSMENT = "proceed_to_assessment"
    COMMENT_ON_REPORT = "comment_on_report"
    GIVE_CONSENT = "give_consent"
    WITHDRAW_CONSENT = "withdraw_consent"
    AGREE_TO_REPORT = "agree_to_report"
    CONSENT_TO_MEDICAL_REPORT = "consent_to_medical_report"
    REQUEST_MEDICAL_REPORT = "request_medical_report"
    ASK_TO_SEE_MEDICAL_REPORT = "ask_to_see_medical_report"
    ARRANGE_MEDICAL_REPORT_ACCESS = "arrange_medical_report_access"
    REQUEST_MEDICAL_REPORT_AMENDMENT = "request_medical_report_amendment"
    DECIDE_MEDICAL_REPORT_SUPPLY = "decide_medical_report_supply"
    RECORD_MEDICAL_REPORT_RECEIVED = "record_medical_report_received"


class ReasonCategory(StrEnum):
    """The broad reason given for the absence or referral; OH-only, it hints at health."""

    MUSCULOSKELETAL = "musculoskeletal"
    MENTAL_HEALTH = "mental_health"
    OTHER = "other"


RAPID_ACCESS_CATEGORIES = frozenset({ReasonCategory.MUSCULOSKELETAL, ReasonCategory.MENTAL_HEALTH})


class ContactMethod(StrEnum):
    """How contact was made."""

    PHONE = "phone"
    VIDEO = "video"
    IN_PERSON = "in_person"
    EMAIL = "email"
    TEXT_MESSAGE = "text_message"
