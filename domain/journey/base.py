"""What every stage module builds on: the command and event bases, the shape of an evolution
step, the deadline a stage can set, and the rule that makes one action out of a command and its
decision."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.actors import Actor, Role
from domain.calendar import local_moment
from domain.policy import Policy
from domain.stages import Action, Stage
from domain.state import CaseState
from domain.vocabulary import Route

if TYPE_CHECKING:
    from domain.events import CaseEvent

# Input limits on free text: commands only, never the stored shapes (see domain.values).
TEXT = 4000
SHORT = 300

# The moment and the day the example bodies of the API documentation use.
EXAMPLE_AT = "2026-11-23T10:30:00+00:00"
EXAMPLE_ON = "2026-11-23"

OH = frozenset({Role.OH})
MANAGER_OR_OH = frozenset({Role.MANAGER, Role.OH})
HR_MANAGER_OH = frozenset({Role.HR, Role.MANAGER, Role.OH})
OH_OR_HR = frozenset({Role.OH, Role.HR})


class Command(BaseModel):
    """What someone asks of a case: a verb, validated at the edge with the input rules."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Event(BaseModel):
    """A fact of the case: who, when it happened and why. Stored as JSON for years."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_version: int = Field(
        default=1,
        description="The version of this event type's shape; older versions are upcast on read.",
    )

    occurred_at: AwareDatetime = Field(description="When it happened in the world.")
    actor: Actor
    reason: str = Field(description="Why it happened, in words an auditor can read.")


class DeadlineEvent(Event):
    """An event a deadline may cause; the deadline it acted on is then never acted on again."""

    deadline_key: str | None = None


Changes = dict[str, Any]
"""The fields of `CaseState` an event changes; `domain.evolve` applies them."""

Evolution = Mapping[type[Event], Callable[[CaseState, Any], Changes]]
"""Each event type of a stage, and how it changes the case."""


def unchanged(state: CaseState, event: Event) -> Changes:
    """For facts the record keeps that change nothing in the case's state."""
    return {}


Decision = Callable[[CaseState, Any, datetime, Actor], "list[CaseEvent]"]
"""Given the case, a command, `now` and who acts: the events; raises a CaseError to refuse."""

Precondition = Callable[[CaseState, Actor], None]
"""A rule of practice that must hold before an action is taken, whatever its stage allows (a
tier-2 case needs its case manager before a plan): raises a CaseError naming what is missing.
A stage module lists its own in `PRECONDITIONS`; `domain.actions` gathers them."""

Preconditions = Mapping["Action", tuple[Precondition, ...]]


class DeadlineKind(StrEnum):
    """What the passing of a deadline decides (see `domain.deadlines.decide_deadline`)."""

    CONTACT_REMINDER = "contact_reminder"
    CONTACT_ESCALATION = "contact_escalation"
    REMINDER = "reminder"
    ESCALATION = "escalation"
    OH_REFERRAL = "oh_referral"
    RISK_FLAG = "risk_flag"
    APPOINTMENT = "appointment"  # decided by domain.journey.appointments.deadline_passed
    # The report offered, its comment window closed: the rules' own doing, owed by nobody;
    # decided by domain.journey.report_consent.deadline_passed.
    REPORT_FIRST = "report_first"


class Deadline(BaseModel):
    """A deadline still open on the case."""

    model_config = ConfigDict(frozen=True)

    key: str = ""
    name: str
    due_at: AwareDatetime
    kind: DeadlineKind = DeadlineKind.REMINDER
    recipients: tuple[Role, ...] = ()
    why: str = ""


Deadlines = Callable[[CaseState], list[Deadline]]
"""A stage's open deadlines, met or not; `domain.deadlines` drops those already acted on."""


def on_day(day: date, policy: Policy, at: time | None = None) -> datetime:
    """The moment on `day` a date-based deadline falls: the policy's reminder time, or `at`."""
    return local_moment(day, at or policy.reminders_at)


MISSED_TWICE = "_missed_twice"
"""The ending of the name of a deadline's second stage: missed again after its reminder."""


def with_second_miss(state: CaseState, first: Deadline, recipients: tuple[Role, ...],
                     cause: str) -> list[Deadline]:
    """A reminder, then (once it has gone out) an escalation if the deadline is missed again."""
    found = [first]
    if first.key in state.fired:
        found.append(
            Deadline(
                key=f"{first.key}#2", name=f"{first.name}{MISSED_TWICE}",
                due_at=first.due_at + timedelta(days=state.policy.repeat_reminder_days),
                kind=DeadlineKind.ESCALATION, recipients=recipients, why=cause,
            )
        )
    return found


@dataclass(frozen=True, kw_only=True)
class ActionRule:
    """One action, whole: its command, its decision, who may take it, in which stages, where
    the API takes it and the example body its documentation shows."""

    command: type[BaseModel]
    decide: Decision
    """Takes `command`; a test holds each decision to its own command's type."""
    roles: frozenset[Role]
    stages: frozenset[Stage]
    example: Mapping[str, Any]
    """A body the command accepts, shown in the API documentation (a test parses each)."""
    path: str | None = None
    """Where it is posted, under `/v1/cases/{case_id}/`; None for HR facts sent elsewhere."""
    routes: frozenset[Route] = frozenset(Route)
