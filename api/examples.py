"""An example body for every action, shown in the OpenAPI docs (a test checks each one parses)."""

from __future__ import annotations

from typing import Any

from domain.stages import Action

_AT = "2026-11-23T10:30:00+00:00"
_ON = "2026-11-23"
_ASSESSOR = {"id": "OHN-7", "name": "Jo Reid", "profession": "OH nurse"}
_PLAN = {
    "concerns": ["Worried about lifting"], "wellbeing_needs": ["Sleep"],
    "goals": ["Full duties within six weeks"],
    "actions": [{"owner": "line manager", "description": "Desk assessment",
                 "due_on": "2026-11-30"}],
    "adjustments": [{"kind": "equipment", "detail": "Sit-stand desk"}],
    "support_organisations": ["Employee assistance programme"], "specific_needs": [],
    "review_dates": ["2026-12-07"],
}
_AGREED = {"employee": True, "manager": True, "oh": True}
_WEEKS = [{"week": n, "hours": 7.5 * (n + 1), "duties": "Admin, no lifting"} for n in (1, 2)]

EXAMPLES: dict[Action, dict[str, Any]] = {
    Action.ACCEPT_REFERRAL: {"accepted_by": "Jo Reid, OH nurse"},
    Action.DECLINE_REFERRAL: {"declined_by": "Jo Reid, OH nurse",
                              "reason": "Outside the service's criteria: private treatment"},
    Action.RECORD_EARLY_CONTACT: {"contacted_at": _AT, "method": "phone",
                                  "agreed_contact_frequency_days": 7,
                                  "notes": "Agreed weekly calls on Mondays"},
    Action.RECORD_CHECK_IN: {"contacted_at": _AT, "method": "video"},
    Action.REFER_TO_OH: {"reason": "Absence expected beyond four weeks"},
    Action.RECORD_ASSESSMENT: {
        "kind": "early", "assessed_at": _AT, "assessor": _ASSESSOR, "tier": 2,
        "fitness": "fit_with_adjustments", "barriers": ["travel to work"],
        "recommended_adjustments": [{"kind": "work_pattern", "detail": "Start at 10:00"}],
        "consent": {"share_fitness_with_manager": True, "share_adjustments_with_manager": True,
                    "share_with_hr": False, "report_offered_to_employee": True},
        "rapid_access": True, "clinical_notes": "OH only",
    },
    Action.CONFIRM_ESCALATION: {"escalation_number": 1,
                                "confirmed_by": "Dr Ana Shah, OH physician", "confirm": True},
    Action.AGREE_PLAN: {"agreed_at": _AT, "plan": _PLAN, "agreed_by": _AGREED},
    Action.REVISE_PLAN: {"agreed_at": _AT, "plan": _PLAN, "agreed_by": _AGREED,
                         "reason": "Therapy waiting list longer than planned"},
    Action.RECORD_PLAN_REVIEW: {"reviewed_on": _ON, "on_track": True},
    Action.REFER_TO_THERAPY: {"kind": "physiotherapy", "provider": "Community MSK service",
                              "referred_on": _ON},
    Action.UPDATE_THERAPY: {"therapy_number": 1, "status": "started", "on": _ON},
    Action.RECORD_FIT_NOTE: {"issued_on": _ON, "issuer_profession": "doctor",
                             "assessment": "may_be_fit", "options": ["phased_return"],
                             "starts_on": _ON, "days": 28, "condition": "OH only",
                             "assess_again": False},
    Action.DECLINE_FIT_NOTE_ADVICE: {"fit_note_number": 1,
                                     "reason": "No lighter duties available on the ward"},
    Action.START_PHASED_RETURN: {"starts_on": _ON, "weeks": _WEEKS, "on_oh_advice": False},
    Action.REVIEW_PHASED_RETURN_WEEK: {"week": 1, "on_track": True},
    Action.EXTEND_PHASED_RETURN: {"weeks": [{"week": 3, "hours": 30, "duties": "Full duties"}],
                                  "on_oh_advice": True, "reason": "Fatigue in week 2"},
    Action.COMPLETE_PHASED_RETURN: {"completed_on": _ON},
    Action.START_REDEPLOYMENT_TRIAL: {"vacancy_ref": "VAC-88", "role_title": "Ward clerk",
                                      "starts_on": _ON, "trial_weeks": 8, "permanent": True},
    Action.REVIEW_REDEPLOYMENT_TRIAL: {"week": 2, "on_track": True},
    Action.CONCLUDE_REDEPLOYMENT: {"conclusion": "confirmed", "on": _ON},
    Action.CLOSE_CASE: {"outcome": "returned_with_adjustments", "closed_on": _ON,
                        "intervention_by_employee": "msk_treatment",
                        "intervention_by_case_manager": "personal_support_confidence"},
    Action.RECORD_FOLLOW_UP: {"checked_on": _ON, "sustained": True},
    Action.RECORD_ABSENCE: {"absence_id": "ABS-2026-000124", "first_day": _ON},
}
