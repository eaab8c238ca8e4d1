"""Who acts on a case, and who the case is about."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, EmailStr, Field


class Role(StrEnum):
    """Roles of the people and systems that act on cases."""

    HR = "hr"
    MANAGER = "manager"
    OH = "oh"
    AUDITOR = "auditor"
    ADMIN = "admin"
    EMPLOYEE = "employee"  # a recipient of notices; employees hold no API token yet
    SYSTEM = "system"
    CLINICAL_AUDITOR = "clinical_auditor"  # reads clinical content for a named audit purpose


class Source(StrEnum):
    """The channel a decision came through."""

    API = "api"
    CLI = "cli"
    HR_INTEGRATION = "hr-integration"
    TIMER = "timer"


class Actor(BaseModel):
    """The named person or system behind a decision."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=200)
    role: Role
    source: Source


TIMER_ACTOR = Actor(id="rtw-timer", role=Role.SYSTEM, source=Source.TIMER)


# Printable text only: names and ids travel into notices, webhooks and the worklist.
PRINTABLE = r"^[^\x00-\x1f\x7f]+$"


# The input form: what HR may send. Events and the state hold `domain.values.Person`, which keeps
# no input rule, so a case recorded under looser rules still loads.
class Person(BaseModel):
    """An employee or line manager as HR identifies them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(min_length=1, max_length=100, pattern=PRINTABLE,
                    description="The HR system's person id.")
    name: str = Field(min_length=1, max_length=200, pattern=PRINTABLE)
    email: EmailStr
