"""Who must be told about a decision, in words free of clinical detail."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.actors import Role
from domain.events import (
    CaseEscalated,
    CaseEvent,
    ManagerRemindedOfContact,
    MissedContactEscalated,
    OhReferralMade,
    ReminderSent,
    RiskFlagRaised,
)
from domain.state import CaseState
from domain.values import Person

_SUBJECTS = {
    "fit_note_needed": "A fit note is now needed",
    "fit_note_ending": "A fit note is about to end",
    "first_assessment_due": "OH assessment is overdue",
    "check_in_due": "Keeping-in-touch contact is due",
    "plan_review_due": "A rehabilitation plan review is due",
    "phased_return_week_review": "Review this week of the phased return",
    "phased_return_ends": "The phased return schedule has ended",
    "trial_review_due": "A redeployment trial review is due",
    "trial_ends": "The redeployment trial has ended",
    "follow_up_due": "Follow-up after return is due",
    "sick_pay_half_warning": "Sick pay will drop to half pay",
    "sick_pay_nil_warning": "Sick pay will end",
}


class Notice(BaseModel):
    """A message to a person or a role. Never carries diagnosis, condition or notes."""

    model_config = ConfigDict(frozen=True)

    recipient_role: Role
    recipient: Person | None
    subject: str
    body: str


def _person(state: CaseState, role: Role) -> Person | None:
    return {Role.MANAGER: state.manager, Role.EMPLOYEE: state.employee}.get(role)


def notices_for(state: CaseState, event: CaseEvent) -> list[Notice]:
    """The notices a decision calls for (most events call for none)."""
    case = f"case {state.case_id}"
    if isinstance(event, ManagerRemindedOfContact):
        since = f", absent since {state.first_day.isoformat()}" if state.first_day else ""
        return [Notice(
            recipient_role=Role.MANAGER, recipient=state.manager,
            subject="Reminder: early contact is due",
            body=f"Please make early contact with {state.employee.name}{since}, and record it "
            f"in rtw ({case}). It was due by {event.deadline.isoformat()}.",
        )]
    if isinstance(event, MissedContactEscalated):
        return [Notice(
            recipient_role=Role.HR, recipient=None, subject="Escalation: early contact missed",
            body=f"No early contact has been recorded for {case} (employer {state.employer_id}) "
            f"despite a reminder to the line manager {state.manager.name}. It was due by "
            f"{event.deadline.isoformat()}.",
        )]
    if isinstance(event, ReminderSent):
        subject = _SUBJECTS.get(event.deadline_name, "A deadline has passed")
        return [Notice(recipient_role=role, recipient=_person(state, role), subject=subject,
                       body=f"{subject} on {case}: it was due by {event.deadline.isoformat()}.")
                for role in event.recipients]
    if isinstance(event, OhReferralMade):
        return [Notice(recipient_role=Role.OH, recipient=None, subject="New OH referral",
                       body=f"{case} was referred to OH ({event.cause}); the first consultation "
                       f"is due by {event.assessment_due_at.isoformat()}.")]
    if isinstance(event, RiskFlagRaised):
        return [Notice(recipient_role=Role.OH, recipient=None, subject="Long-absence risk flag",
                       body=f"{case} has been absent {event.absent_days} days.")]
    if isinstance(event, CaseEscalated):
        # OH hears the cause; HR only that OH is looking at the case.
        return [Notice(recipient_role=role, recipient=None,
                       subject=f"Escalation {event.number} on {case}",
                       body=(f"Escalated to OH: {event.cause}. A named OH professional must "
                             "confirm or dismiss it." if role is Role.OH else
                             f"{case} was escalated to occupational health."))
                for role in event.escalated_to]
    return []
