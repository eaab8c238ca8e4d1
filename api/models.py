"""HTTP bodies and answers. Their docstrings and examples become the OpenAPI text."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from domain.actors import Person
from domain.stages import ContactMethod, ReasonCategory, Stage

ID_PATTERN = r"^[A-Za-z0-9._:-]{1,100}$"


class AbsenceNotification(BaseModel):
    """An absence notified by an HR system. Sending it again never opens a second case."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "employer_id": "acme-nhs-trust",
                    "absence_id": "ABS-2026-000123",
                    "employee": {"id": "E1001", "name": "Sam Patel", "email": "sam@example.org"},
                    "manager": {"id": "M2002", "name": "Alex Jones", "email": "alex@example.org"},
                    "first_day": "2026-11-20",
                    "reason_category": "musculoskeletal",
                }
            ]
        },
    )

    employer_id: str = Field(pattern=ID_PATTERN, description="The employer's id in rtw.")
    absence_id: str = Field(pattern=ID_PATTERN, description="HR's id of this absence.")
    employee: Person
    manager: Person
    first_day: date = Field(description="First calendar day of absence (YYYY-MM-DD).")
    reason_category: ReasonCategory


class CaseCreated(BaseModel):
    """The case for the notified absence."""

    case_id: str


class EarlyContactBody(BaseModel):
    """Early contact made with the employee, and the contact frequency agreed with them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "contacted_at": "2026-11-20T10:30:00+00:00",
                    "method": "phone",
                    "agreed_contact_frequency_days": 7,
                    "notes": "Agreed weekly calls on Mondays.",
                }
            ]
        },
    )

    contacted_at: datetime = Field(description="When contact was made, ISO 8601 with offset.")
    method: ContactMethod
    agreed_contact_frequency_days: int = Field(ge=1, le=90)
    notes: str | None = Field(default=None, max_length=4000, description="Seen by OH only.")


class DeadlineOut(BaseModel):
    name: str
    due_at: datetime


class PersonOut(BaseModel):
    id: str
    name: str


class EarlyContactOut(BaseModel):
    contacted_at: datetime
    method: ContactMethod
    agreed_contact_frequency_days: int
    recorded_by: str


class ClinicalOut(BaseModel):
    """OH-only detail."""

    reason_category: ReasonCategory


class CaseOut(BaseModel):
    """A case as the caller's role may see it; `clinical` is present for OH only."""

    case_id: str
    stage: Stage
    employer_id: str
    employee: PersonOut
    manager: PersonOut
    first_day: date
    opened_at: datetime
    policy_version: str
    deadlines: list[DeadlineOut]
    allowed_actions: list[str]
    early_contact: EarlyContactOut | None
    contact_reminders_sent: int
    contact_escalated: bool
    clinical: ClinicalOut | None = None


class UpdateAccepted(BaseModel):
    """The action was accepted but not yet applied within the wait; poll the case."""

    status: str = "accepted"
    case_id: str
    poll: str


class HistoryEntry(BaseModel):
    """One recorded event of a case."""

    position: int
    event_id: str
    type: str
    occurred_at: datetime
    recorded_at: datetime
    actor_id: str
    actor_role: str
    source: str
    reason: str
    policy_version: str
    workflow_id: str
    run_id: str
    trace_id: str
    data: dict[str, Any]
    stage_after: str
    why: str = Field(default="", description="The reason, with the deadline it names if any.")
    deadline: str | None = Field(default=None, description="The deadline behind a reminder "
                                 "or an escalation.")
    corrects_event_id: str | None = Field(default=None, description="The event this one "
                                          "corrects, for corrections of fact.")
    mac: str = Field(default="", description="HMAC-SHA256 chaining this event to the previous.")


class CaseHistory(BaseModel):
    case_id: str
    as_of: datetime | None = Field(default=None, description="Events recorded by then only.")
    position: int | None = Field(default=None, description="Events up to this position only.")
    events: list[HistoryEntry]
