"""What each role may see of a case: decided here once, for the API, the pages and HR's webhook.

Health data is special-category data. OH sees the whole case. HR and the line manager see the
fitness opinion and the recommended adjustments only as far as the employee consented (in
writing, after being offered the report): the manager by two separate consents, HR by one.
Clinical detail (the reason category, diagnosis or condition, clinical notes, therapies, the
private parts of the plan, deadlines whose very name hints at health) reaches OH only. Auditors,
admins and employees see no advice and no clinical detail through the case view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from domain.actors import Role
from domain.journey.case_notes import NoteVisibility
from domain.values import ConsentScope

if TYPE_CHECKING:
    from domain.deadlines import Deadline

CLINICAL_ROLES = frozenset({Role.OH})
"""The roles that see clinical detail, whatever the consent."""

OH_ONLY_DEADLINES = frozenset(
    {"rapid_access_referral", "long_term_referral", "first_assessment_due",
     "first_assessment_due_missed_twice", "risk_flag_six_weeks",
     "appointment_reminder", "appointment_still_needed", "missed_appointments_decision_due",
     "first_treatment_due", "first_treatment_due_missed_twice", "referral_triage_due",
     "referral_triage_due_missed_twice",
     # triage's deadlines: a tier is clinical
     "self_help_check_in_due", "self_help_check_in_due_missed_twice", "reassessment_due",
     "reassessment_due_missed_twice", "specialist_assessment_due",
     "specialist_assessment_due_missed_twice", "specialist_referral_due",
     "specialist_referral_due_missed_twice",
     "escalation_review_due", "escalation_review_due_missed_twice", "fit_note_assess_again"}
)
"""Deadlines whose very name hints at health: OH plans by them; other roles see the rest."""


def may_see_clinical(role: Role) -> bool:
    """Diagnosis, condition, clinical notes, reason category, therapies: OH only."""
    return role in CLINICAL_ROLES


def may_see_fitness(role: Role, consent: ConsentScope) -> bool:
    """The fitness-for-work opinion: OH always; the manager and HR as far as consented."""
    return _consented(role, consent, _FITNESS_CONSENT)


def may_see_adjustments(role: Role, consent: ConsentScope) -> bool:
    """The recommended adjustments: OH always; the manager and HR as far as consented."""
    return _consented(role, consent, _ADJUSTMENTS_CONSENT)


Consent = Callable[[ConsentScope], bool]

# The consent that opens each part of the advice to each role other than OH; no entry, no view.
_FITNESS_CONSENT: dict[Role, Consent] = {
    Role.MANAGER: lambda consent: consent.share_fitness_with_manager,
    Role.HR: lambda consent: consent.share_with_hr,
}
_ADJUSTMENTS_CONSENT: dict[Role, Consent] = {
    Role.MANAGER: lambda consent: consent.share_adjustments_with_manager,
    Role.HR: lambda consent: consent.share_with_hr,
}


def _consented(role: Role, consent: ConsentScope, consents: dict[Role, Consent]) -> bool:
    if may_see_clinical(role):
        return True
    given = consents.get(role)
    return given is not None and given(consent)


def shared_deadlines(deadlines: Sequence[Deadline]) -> list[Deadline]:
    """The deadlines any role may see."""
    return [d for d in deadlines if d.name not in OH_ONLY_DEADLINES]


def may_see_note(role: Role, visibility: NoteVisibility) -> bool:
    """A case note: OH reads every note; the employee reads the notes written to be shared
    with them (through their own page, once employees sign in); nobody else reads any."""
    if may_see_clinical(role):
        return True
    return role is Role.EMPLOYEE and visibility is NoteVisibility.SHARED_WITH_EMPLOYEE



HISTORY_ROLES = frozenset({Role.OH, Role.AUDITOR})
"""The roles that read a case's whole recorded history, every reason as it was written."""

SHARED_TIMELINE_EVENTS = frozenset({
    "CaseOpened", "AbsenceStarted", "EarlyContactRecorded", "CheckInRecorded",
    "ManagerRemindedOfContact", "MissedContactEscalated", "ReminderSent",
    "FitNoteRecorded", "FitNoteAdviceAccepted", "FitNoteAdviceDeclined",
    "CaseManagerAssigned", "CaseManagerCoverArranged", "PlanAgreed", "PlanActionCompleted",
    "PhasedReturnStarted", "PhasedReturnWeekReviewed", "PhasedReturnCompleted",
    "RedeploymentTrialStarted", "RedeploymentTrialReviewed", "RedeploymentConcluded",
    "RedeploymentSignedOff", "AbsenceExtended", "ReturnToWorkNotified", "LeavingNotified",
    "CaseClosed", "FollowUpRecorded",
})
"""Events whose fact and recorded reason are built only from what every role of the case is
shown anyway (contact, fit notes' dates and options, the plan's shared parts, the return, the
closure): never an assessment, referral, therapy, appointment, escalation, note, correction,
or a reason typed in free text."""

# A shared event whose reason quotes free text when this field of its data is set: a plan's
# revision gives its reason in words anyone may have typed.
_FREE_TEXT_REASON = {"PlanAgreed": "revision_reason"}


def may_see_in_timeline(role: Role, event_type: str, data: Mapping[str, object]) -> bool:
    """Whether an entry of the case's history (its type and stored data) shows on `role`'s
    timeline of the case: every entry for the roles that read the whole history; for the
    others, the shared events only, a reminder only about a deadline they may see, and never a
    reason quoting free text."""
    if role in HISTORY_ROLES:
        return True
    if event_type not in SHARED_TIMELINE_EVENTS:
        return False
    free_text = _FREE_TEXT_REASON.get(event_type)
    if free_text is not None and data.get(free_text):
        return False
    deadline_name = data.get("deadline_name")
    return not (isinstance(deadline_name, str) and deadline_name in OH_ONLY_DEADLINES)


def may_see_own_advice(role: Role) -> bool:
    """The fitness opinion and recommended adjustments of the employee's own case: OH, and
    the employee themselves whatever they consented to share. Consent decides what the
    employer sees of the advice, never what the employee sees of advice about them."""
    return may_see_clinical(role) or role is Role.EMPLOYEE


def may_see_appointments(role: Role) -> bool:
    """The booked appointments (when, how, with whom, what for): OH, who books them, and the
    employee, who attends them; the employer hears only that appointments were missed."""
    return may_see_clinical(role) or role is Role.EMPLOYEE



STAFF_ESCALATIONS = ("_escalation", "_missed_twice")
"""Endings of the deadlines that only hold staff to account (what is escalated, and to whom,
when a deadline is missed): no step of the employee's own."""


def employee_deadlines(deadlines: Sequence[Deadline]) -> list[Deadline]:
    """What happens next, as the employee's own page shows it: the deadlines any role may see
    (`shared_deadlines`), less the escalations that follow a missed one."""
    return [d for d in shared_deadlines(deadlines) if not d.name.endswith(STAFF_ESCALATIONS)]
