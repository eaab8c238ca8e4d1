"""Commands: what someone (or a deadline) asks of a case. Verbs, validated at the edge."""

from __future__ import annotations

from datetime import date

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Person
from domain.policy import Policy
from domain.stages import ContactMethod, ReasonCategory


class OpenCase(BaseModel):
    """Open a return-to-work case from an HR absence notification."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    employer_id: str = Field(min_length=1, max_length=100)
    absence_id: str = Field(min_length=1, max_length=100)
    employee: Person
    manager: Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy


class RecordEarlyContact(BaseModel):
    """Record that the line manager (or OH) has made early contact with the employee."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    contacted_at: AwareDatetime = Field(description="When contact was made (ISO 8601 with offset).")
    method: ContactMethod
    agreed_contact_frequency_days: int = Field(
        ge=1, le=90, description="How often, in days, the employee agreed to be contacted."
    )
    notes: str | None = Field(default=None, max_length=4000)


class RemindManagerOfContact(BaseModel):
    """The contact deadline has passed: decide whether to remind the line manager."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class EscalateMissedContact(BaseModel):
    """The escalation deadline has passed: decide whether to alert HR."""

    model_config = ConfigDict(frozen=True, extra="forbid")
