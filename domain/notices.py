"""Who must be told about a decision, in words free of clinical detail."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.actors import Person, Role
from domain.events import CaseEvent, ManagerRemindedOfContact, MissedContactEscalated
from domain.state import CaseState


class Notice(BaseModel):
    """A message to a person or a role. Never carries diagnosis, condition or notes."""

    model_config = ConfigDict(frozen=True)

    recipient_role: Role
    recipient: Person | None
    subject: str
    body: str


def notices_for(state: CaseState, event: CaseEvent) -> list[Notice]:
    """The notices a decision calls for (most events call for none)."""
    if isinstance(event, ManagerRemindedOfContact):
        return [
            Notice(
                recipient_role=Role.MANAGER,
                recipient=state.manager,
                subject="Reminder: early contact is due",
                body=(
                    f"Please make early contact with {state.employee.name}, absent since "
                    f"{state.first_day.isoformat()}, and record it in rtw (case {state.case_id}). "
                    f"It was due by {event.deadline.isoformat()}."
                ),
            )
        ]
    if isinstance(event, MissedContactEscalated):
        return [
            Notice(
                recipient_role=Role.HR,
                recipient=None,
                subject="Escalation: early contact missed",
                body=(
                    f"No early contact has been recorded for case {state.case_id} "
                    f"(employer {state.employer_id}) despite a reminder to the line manager "
                    f"{state.manager.name}. It was due by {state.contact_due_at.isoformat()}."
                ),
            )
        ]
    return []
