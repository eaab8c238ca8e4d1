"""The state of one case, as every event so far has left it."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Person
from domain.policy import Policy
from domain.stages import ContactMethod, ReasonCategory, Stage


class EarlyContact(BaseModel):
    """The early contact made with the employee."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    recorded_by: str


class CaseState(BaseModel):
    """One case. Immutable: `evolve` returns a new state for each event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: str
    version: int = Field(ge=0, description="How many events the case has recorded.")
    stage: Stage
    employer_id: str
    absence_id: str
    employee: Person
    manager: Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy
    opened_at: AwareDatetime
    contact_due_at: AwareDatetime
    contact_escalation_at: AwareDatetime
    early_contact: EarlyContact | None = None
    contact_reminders_sent: int = 0
    contact_escalated: bool = False
