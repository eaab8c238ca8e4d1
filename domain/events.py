"""Events: the facts a case is made of. Past tense, neutral names (type names stay unencrypted)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, TypeAdapter

from domain.actors import Actor, Person
from domain.policy import Policy
from domain.stages import ContactMethod, ReasonCategory


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    occurred_at: AwareDatetime = Field(description="When it happened in the world.")
    actor: Actor
    reason: str = Field(description="Why it happened, in words an auditor can read.")


class CaseOpened(_Event):
    """HR notified an absence and the case began, under the policy then in force."""

    type: Literal["CaseOpened"] = "CaseOpened"
    case_id: str
    employer_id: str
    absence_id: str
    employee: Person
    manager: Person
    first_day: date
    reason_category: ReasonCategory
    policy: Policy


class EarlyContactRecorded(_Event):
    """Early contact with the employee was made and the contact frequency agreed."""

    type: Literal["EarlyContactRecorded"] = "EarlyContactRecorded"
    contacted_at: AwareDatetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    notes: str | None = None


class ManagerRemindedOfContact(_Event):
    """No early contact by the deadline: the line manager was reminded."""

    type: Literal["ManagerRemindedOfContact"] = "ManagerRemindedOfContact"
    deadline: AwareDatetime
    deadline_name: str = "early_contact_due"


class MissedContactEscalated(_Event):
    """Still no early contact by the escalation deadline: HR was alerted."""

    type: Literal["MissedContactEscalated"] = "MissedContactEscalated"
    deadline: AwareDatetime
    deadline_name: str = "early_contact_escalation"
    escalated_to: str = "hr"


CaseEvent = Annotated[
    CaseOpened | EarlyContactRecorded | ManagerRemindedOfContact | MissedContactEscalated,
    Field(discriminator="type"),
]

CASE_EVENT_ADAPTER: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)
CASE_EVENT_TYPES: frozenset[str] = frozenset(
    {"CaseOpened", "EarlyContactRecorded", "ManagerRemindedOfContact", "MissedContactEscalated"}
)


def parse_event(data: object) -> CaseEvent:
    """Rebuild a domain event from its stored JSON form."""
    return CASE_EVENT_ADAPTER.validate_python(data)
