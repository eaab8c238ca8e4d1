"""What each role may see of a case: decided here once, for the API, the pages and HR's webhook.

Health data is special-category data. OH sees the whole case. HR and the line manager see the
fitness opinion and the recommended adjustments only as far as the employee consented (in
writing, after being offered the report): the manager by two separate consents, HR by one.
Clinical detail (the reason category, diagnosis or condition, clinical notes, therapies, the
private parts of the plan, deadlines whose very name hints at health) reaches OH only. Auditors,
admins and employees see no advice and no clinical detail through the case view.

Which consent counts (`effective_consent`) depends on the practice the case follows: before
version 2, the consent OH recorded with the assessment; from version 2 (report first to the
employee), the employee's own consent from their ledger, within what OH proposed, so nothing is
released before they have read the report and said so, and a withdrawal hides it again. The
manager and HR see the consent's status (`consent_status`), never what it is about. The
employee reads their own report (`report_for_employee`) whatever the practice: the opinion,
the barriers and the adjustments, but not OH's clinical notes, tier or rapid-access decision,
which are OH's working record (an employee asks for those by a subject access request).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.actors import Role
from domain.journey.case_notes import NoteVisibility
from domain.journey.report_consent import latest_word, proposed, released, window_over
from domain.practice import has_comment_window, reports_first_to_employee
from domain.state import Assessment, CaseState
from domain.values import Adjustment, ConsentScope
from domain.vocabulary import AssessmentKind, Fitness, ReportScope

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
     "escalation_review_due", "escalation_review_due_missed_twice", "fit_note_assess_again",
     # the employee's earlier absences: a recurrence of a reason hints at health
     "absence_recurrence", "oh_referral_suggested",
     # a GP or specialist report (Access to Medical Reports Act 1988): OH and the employee
     "medical_report_access_period"}
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
    "CaseClosed", "FollowUpRecorded", "CaseDataErased",
    "LineManagerChanged", "EmployeeDetailsChanged",
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
    timeline of the case: every entry for the roles that see clinical detail; for the others
    (an auditor too: the audit pages show the whole trail, redacted), the shared events only,
    a reminder only about a deadline they may see, and never a reason quoting free text."""
    if may_see_clinical(role):
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


def effective_consent(state: CaseState, assessment: Assessment, *, now: datetime | None = None
                      ) -> ConsentScope:
    """The consent disclosure reads for `assessment` at `now`: the one OH recorded with it, on
    cases before report-first; from practice version 2, what the employee has released of it
    (their own consent, within OH's proposal, and nothing once withdrawn); from version 4, that
    only once the report was offered to them and its comment window has passed or they agreed
    to it (`domain.journey.report_consent.window_over`).

    `now` None reads the record alone: a comment window counts as passed once its end is
    recorded (what HR's webhook is decided by, event by event); never sooner than with a
    `now`. The API and the pages pass the moment they answer."""
    if not reports_first_to_employee(state):
        return assessment.consent
    if not window_over(state, assessment.number, now):
        return ConsentScope(report_offered_to_employee=True)
    return released(state, assessment)


@dataclass(frozen=True)
class AdviceShown:
    """Which parts of the latest assessment's advice a role sees now."""

    fitness: bool
    adjustments: bool


def advice_shown(state: CaseState, role: Role, *, now: datetime | None = None
                 ) -> AdviceShown | None:
    """The latest assessment's advice as `role` may see it at `now` (see `effective_consent`);
    None before any assessment. Only the latest counts: a report superseded by a new one is not
    shown in its place."""
    assessment = state.latest_assessment
    if assessment is None:
        return None
    consent = effective_consent(state, assessment, now=now)
    return AdviceShown(fitness=may_see_fitness(role, consent),
                       adjustments=may_see_adjustments(role, consent))


class ConsentStatus(StrEnum):
    """Where the employee's consent to release a report stands (practice version 2)."""

    PENDING = "pending"  # offered to the employee; not given yet
    GIVEN = "given"
    WITHDRAWN = "withdrawn"  # given, then withdrawn
    NOT_PROPOSED = "not_proposed"  # OH does not propose to release it


# The scopes of a report whose status each role may know: its own; OH and the employee all.
_SCOPES_OF: dict[Role, tuple[ReportScope, ...]] = {
    Role.MANAGER: (ReportScope.FITNESS_TO_MANAGER, ReportScope.ADJUSTMENTS_TO_MANAGER),
    Role.HR: (ReportScope.ADVICE_TO_HR,),
    Role.OH: tuple(ReportScope),
    Role.EMPLOYEE: tuple(ReportScope),
}


@dataclass(frozen=True)
class ReportConsentStatus:
    """The status of the employee's consent to release the latest report, as `role` may
    know it: overall (for the role's own scopes) and, for OH and the employee, per scope."""

    assessment_number: int
    status: ConsentStatus
    scopes: dict[ReportScope, ConsentStatus] | None


def scope_status(state: CaseState, assessment: Assessment, scope: ReportScope
                 ) -> ConsentStatus:
    """One scope of one report: not proposed by OH, pending, given or withdrawn."""
    if not proposed(assessment, scope):
        return ConsentStatus.NOT_PROPOSED
    word = latest_word(state, assessment.number, scope)
    if word is None:
        return ConsentStatus.PENDING
    return ConsentStatus.GIVEN if word.given else ConsentStatus.WITHDRAWN


def consent_status(state: CaseState, role: Role, *, now: datetime | None = None
                   ) -> ReportConsentStatus | None:
    """The status (never the content) of the consent to release the latest report, for the
    roles with a part in it; None for other roles, before any assessment, and on cases before
    report-first (their consent was recorded with the assessment). For the manager and HR a
    consent still waiting for its comment window (practice version 4) is pending."""
    assessment = state.latest_assessment
    scopes = _SCOPES_OF.get(role)
    if assessment is None or scopes is None or not reports_first_to_employee(state):
        return None
    if not has_comment_window(state):
        scopes = tuple(s for s in scopes if s is not ReportScope.ADVICE_TO_GP)
    each = {scope: scope_status(state, assessment, scope) for scope in scopes}
    if role not in (Role.OH, Role.EMPLOYEE) and not window_over(state, assessment.number, now):
        each = {scope: ConsentStatus.PENDING if status is ConsentStatus.GIVEN else status
                for scope, status in each.items()}
    open_to_role = [status for status in each.values() if status is not ConsentStatus.NOT_PROPOSED]
    status = next((candidate for candidate in (ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN)
                   if candidate in open_to_role),
                  ConsentStatus.PENDING if open_to_role else ConsentStatus.NOT_PROPOSED)
    return ReportConsentStatus(
        assessment_number=assessment.number, status=status,
        scopes=each if role in (Role.OH, Role.EMPLOYEE) else None)


@dataclass(frozen=True)
class EmployeeReport:
    """What the employee reads of their own OH report."""

    number: int
    kind: AssessmentKind
    assessed_at: datetime
    assessor_name: str
    assessor_profession: str
    fitness: Fitness
    barriers: tuple[str, ...]
    recommended_adjustments: tuple[Adjustment, ...]


def report_for_employee(assessment: Assessment) -> EmployeeReport:
    """The employee's own report: the opinion, barriers and adjustments OH gives them (the
    same whatever the practice); never OH's clinical notes, tier or rapid-access decision."""
    return EmployeeReport(
        number=assessment.number, kind=assessment.kind, assessed_at=assessment.assessed_at,
        assessor_name=assessment.assessor.name,
        assessor_profession=assessment.assessor.profession, fitness=assessment.fitness,
        barriers=assessment.barriers,
        recommended_adjustments=assessment.recommended_adjustments)


SICK_PAY_ROLES = frozenset({Role.OH, Role.HR, Role.EMPLOYEE})
"""The roles that see a case's sick pay dates: pay is a matter between the employee and HR
(OH plans a return around it); the line manager is not told."""


def may_see_sick_pay(role: Role) -> bool:
    """The case's sick pay dates and their rules (`domain.sick_pay.dates`)."""
    return role in SICK_PAY_ROLES


# --- the employee's record across cases (`GET /v1/employees/...`, the case view's record) ----


class RecordDetail(StrEnum):
    """How much of an employee's earlier absences and cases a role reads."""

    FULL = "full"
    """OH: every absence and case with its reason category; the recurrence flag."""
    CASES = "cases"
    """HR (and the employee, of their own): dates, durations, linking, stage and outcome."""
    DATES = "dates"
    """A line manager and an auditor: the dates of the absences only."""


_RECORD_DETAIL = {Role.OH: RecordDetail.FULL, Role.HR: RecordDetail.CASES,
                  Role.EMPLOYEE: RecordDetail.CASES, Role.MANAGER: RecordDetail.DATES,
                  Role.AUDITOR: RecordDetail.DATES}
EMPLOYEE_RECORD_ROLES = frozenset(_RECORD_DETAIL)
"""The roles that may ask for an employee's record (each still subject to
`may_read_employee_record`)."""


def record_detail(role: Role) -> RecordDetail | None:
    """How much of an employee's record `role` reads; None: nothing."""
    return _RECORD_DETAIL.get(role)


def may_read_employee_record(role: Role, subject: str, employee_id: str,
                             managers_of_open_cases: Sequence[str]) -> bool:
    """OH, HR and auditors read any employee's record at their employers; a line manager only
    while they manage one of the employee's open cases; an employee only their own."""
    if role is Role.MANAGER:
        return subject in managers_of_open_cases
    if role is Role.EMPLOYEE:
        return subject == employee_id
    return role in EMPLOYEE_RECORD_ROLES


def may_see_suggestion(role: Role, recipients: Sequence[Role]) -> bool:
    """A short-term absence trigger's suggestion: those it is sent to, and OH."""
    return role in recipients or may_see_clinical(role)


# --- what an audit reads of a case's history ------------------------------------------------
# Health data is special category data (UK GDPR Article 9); an audit of the record's integrity
# needs the trail, not the clinical content, so that is all it reads by default (data
# minimisation, UK GDPR Article 5(1)(c); Caldicott principle 3, the minimum necessary).

AUDIT_ROLES = frozenset({Role.AUDITOR, Role.CLINICAL_AUDITOR})
"""The roles that read a case's history for an audit: the auditor, redacted; the clinical
auditor, whole, for a purpose they name (`audit_sees_clinical`)."""

WITHHELD = "[withheld: clinical]"
"""What an audit reads in place of a withheld reason or field."""

RECORD_FACTS = frozenset({
    "type", "occurred_at", "actor", "case_id", "employer_id", "absence_id", "referral_id",
    "service_id", "provider_id",
    "number", "assessment_number", "plan_version", "action_number", "from_version",
    "to_version", "corrected_position", "corrects_event_id", "corrected_type", "document_id",
    "media_type", "size_bytes", "sha256", "assessed_at", "referred_on", "at", "on", "due_on",
    "decide_by", "reviewed_on", "checked_on", "given_on", "withdrawn_on", "sent_at",
    "assessment_due_at", "follow_up_checked_on", "scopes", "accepted_by", "declined_by",
    "decided_by", "confirmed_by", "assessor", "professional", "escalated_to", "event_version",
})
"""Facts about the record itself that any event may hold (what kind of event, which entry,
which report, when, who acted, which version): never clinical, so an audit can follow the
trail of any event."""

CLINICAL_FIELDS = frozenset({
    "reason_category", "reason_code", "previous_absences", "condition", "comments", "notes",
    "comment", "decline_reason", "revision_reason", "conclusion_reason", "plan", "summary",
    "answers", "flags", "fit_note", "clinical_notes", "text", "correction", "status_reason",
    "extension_reason",
})
"""Fields of the shared events that still hold clinical detail or words typed in free text
(the absence's reason category, a fit note's condition, notes and comments, the plan's
private parts). The other fields of a shared event are what every role is shown anyway."""


def audit_sees_clinical(role: Role, purpose: str | None) -> bool:
    """Whether an audit read shows clinical content: only to the clinical auditor, and only
    for a read that names its purpose (which the access log keeps)."""
    return role is Role.CLINICAL_AUDITOR and bool(purpose)


def withheld_from_audit(event_type: str, data: Mapping[str, object]) -> frozenset[str]:
    """The fields of an event an audit without clinical access does not read, "reason" among
    them when the recorded reason may quote clinical detail.

    Derived from the timeline rule (`may_see_in_timeline`): an event every role of the case may
    see on its timeline keeps its reason and its facts, less the `CLINICAL_FIELDS`; any other
    event (an assessment, a referral, a therapy, a note, a correction, a reason typed in free
    text) keeps only the `RECORD_FACTS`, and its reason is withheld."""
    if may_see_in_timeline(Role.HR, event_type, data):
        return frozenset(name for name in data if name in CLINICAL_FIELDS)
    return frozenset({"reason"} | {name for name in data if name not in RECORD_FACTS})


@dataclass(frozen=True)
class AuditedEvent:
    """An event as an audit reads it: the data and reason with what is withheld replaced by
    `WITHHELD`, and the names of what was withheld (empty when nothing was)."""

    data: dict[str, object]
    reason: str
    withheld: tuple[str, ...]


def event_for_audit(event_type: str, data: Mapping[str, object], reason: str, *,
                    clinical: bool) -> AuditedEvent:
    """The event as an audit reads it: whole when `clinical` (see `audit_sees_clinical`),
    otherwise with `withheld_from_audit` replaced. The type, the moments, the actor, the
    event's place in the chain and its non-clinical facts always stay."""
    if clinical:
        return AuditedEvent(data=dict(data), reason=reason, withheld=())
    withheld = withheld_from_audit(event_type, data)
    return AuditedEvent(
        data={name: WITHHELD if name in withheld else value for name, value in data.items()},
        reason=WITHHELD if "reason" in withheld else reason,
        withheld=tuple(sorted(withheld)))


def may_write_to_gp(state: CaseState, *, now: datetime | None = None) -> bool:
    """Whether OH may write to the employee's GP with the latest report's advice at `now`: the
    employee's consent to it stands (practice version 4), and the report was offered to them
    and its comment window has passed or they agreed to it (see `effective_consent`)."""
    assessment = state.latest_assessment
    if assessment is None or not has_comment_window(state):
        return False
    word = latest_word(state, assessment.number, ReportScope.ADVICE_TO_GP)
    return word is not None and word.given and window_over(state, assessment.number, now)
