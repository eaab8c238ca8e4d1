"""When each deadline of a case falls, from the policy in force."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict

from domain.calendar import add_working_days, local_moment, london_date
from domain.commands import EscalateMissedContact, RemindManagerOfContact
from domain.policy import Policy
from domain.stages import Stage
from domain.state import CaseState


def early_contact_due(opened_at: datetime, policy: Policy) -> datetime:
    """End of the working day by which the line manager must have made contact."""
    reported_on = london_date(opened_at)
    due_day = (
        add_working_days(reported_on, policy.contact_due_working_days, policy.non_working_days)
        if policy.contact_due_working_days > 0
        else reported_on
    )
    return local_moment(due_day, policy.working_day_ends_at)


def early_contact_escalation(contact_due_at: datetime, policy: Policy) -> datetime:
    """End of the working day on which a still-missing contact is escalated to HR."""
    due_day = london_date(contact_due_at)
    escalation_day = add_working_days(
        due_day, policy.contact_escalation_working_days, policy.non_working_days
    )
    return local_moment(escalation_day, policy.working_day_ends_at)


class Deadline(BaseModel):
    """A deadline still open on the case."""

    model_config = ConfigDict(frozen=True)

    name: str
    due_at: AwareDatetime


class DueDecision(BaseModel):
    """What the workflow must ask the domain once a deadline passes."""

    model_config = ConfigDict(frozen=True)

    deadline: Deadline
    command: RemindManagerOfContact | EscalateMissedContact


def open_deadlines(state: CaseState) -> list[Deadline]:
    """Deadlines not yet met, earliest first."""
    deadlines: list[Deadline] = []
    if state.stage is Stage.EARLY_CONTACT:
        deadlines.append(Deadline(name="early_contact_due", due_at=state.contact_due_at))
        if not state.contact_escalated:
            deadlines.append(
                Deadline(name="early_contact_escalation", due_at=state.contact_escalation_at)
            )
    return sorted(deadlines, key=lambda d: d.due_at)


def next_due_decision(state: CaseState) -> DueDecision | None:
    """The next timer-driven decision the case is waiting for, if any."""
    if state.stage is not Stage.EARLY_CONTACT:
        return None
    if state.contact_reminders_sent == 0:
        return DueDecision(
            deadline=Deadline(name="early_contact_due", due_at=state.contact_due_at),
            command=RemindManagerOfContact(),
        )
    if not state.contact_escalated:
        return DueDecision(
            deadline=Deadline(name="early_contact_escalation", due_at=state.contact_escalation_at),
            command=EscalateMissedContact(),
        )
    return None
