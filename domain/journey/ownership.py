"""Who owns the case: the OH case manager assigned to it, and a colleague covering for them for
a period (leave, sickness). Reassigning replaces the case manager and ends any cover; a cover
ends by itself after its last day, when the assigned case manager owns the case again."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from pydantic import Field

from domain.actors import PRINTABLE, Actor
from domain.calendar import london_date
from domain.errors import InvalidCommand
from domain.journey.base import (
    OH,
    SHORT,
    TEXT,
    ActionRule,
    Changes,
    Command,
    Event,
    Evolution,
)
from domain.stages import OPEN_STAGES, Action
from domain.state import CaseManager, CaseState

if TYPE_CHECKING:
    from domain.events import CaseEvent


class AssignCaseManager(Command):
    """Name the OH case manager who owns the case; with `cover_until`, a colleague who covers
    for the assigned case manager from today until that day."""

    user_id: str = Field(min_length=1, max_length=100, pattern=PRINTABLE,
                         description="The OH user's id (their signed-in subject).")
    name: str = Field(min_length=1, max_length=SHORT, pattern=PRINTABLE)
    cover_until: date | None = Field(
        default=None, description="The last day of a cover; without it, an assignment (or a "
        "reassignment, which ends any cover).")
    comment: str | None = Field(default=None, max_length=TEXT)


class CaseManagerAssigned(Event):
    """The OH user who owns the case from `assigned_on`; any cover ends."""

    type: Literal["CaseManagerAssigned"] = "CaseManagerAssigned"
    user_id: str
    name: str
    assigned_on: date
    previous_id: str | None = None
    comment: str | None = None


class CaseManagerCoverArranged(Event):
    """A colleague owns the case from `starts_on` to `until` (inclusive) for the case manager."""

    type: Literal["CaseManagerCoverArranged"] = "CaseManagerCoverArranged"
    user_id: str
    name: str
    starts_on: date
    until: date
    covering_for: str
    comment: str | None = None


def owner_on(state: CaseState, day: date) -> CaseManager | None:
    """Who owns the case on `day`: the cover while it runs, else the assigned case manager."""
    cover = state.case_manager_cover
    if cover is not None and cover.until is not None and cover.since <= day <= cover.until:
        return cover
    return state.case_manager


def assign_case_manager(state: CaseState, command: AssignCaseManager, now: datetime,
                        actor: Actor) -> list[CaseEvent]:
    today = london_date(now)
    current = state.case_manager
    if command.cover_until is not None:
        return [_cover(state, command, command.cover_until, today=today, now=now, actor=actor)]
    if current is not None and current.id == command.user_id and \
            owner_on(state, today) is current:
        raise InvalidCommand("user_id", "that user is already the case manager; give "
                             "cover_until to arrange a cover, or another user to reassign")
    verb = "reassigned" if current is not None else "assigned"
    return [CaseManagerAssigned(
        occurred_at=now, actor=actor, user_id=command.user_id, name=command.name,
        assigned_on=today, previous_id=current.id if current else None, comment=command.comment,
        reason=f"case manager {verb}: {command.user_id}"
        + (f" (was {current.id})" if current is not None else ""),
    )]


def _cover(state: CaseState, command: AssignCaseManager, until: date, *, today: date,
           now: datetime, actor: Actor) -> CaseManagerCoverArranged:
    current = state.case_manager
    if current is None:
        raise InvalidCommand("cover_until", "the case has no case manager to cover for: assign "
                             "one first (without cover_until)")
    if current.id == command.user_id:
        raise InvalidCommand("user_id", "the case manager cannot cover for themselves; name "
                             "the colleague who covers")
    if until < today:
        raise InvalidCommand("cover_until", f"must be today ({today.isoformat()}) or later")
    return CaseManagerCoverArranged(
        occurred_at=now, actor=actor, user_id=command.user_id, name=command.name,
        starts_on=today, until=until, covering_for=current.id, comment=command.comment,
        reason=f"{command.user_id} covers for case manager {current.id} until "
        f"{until.isoformat()}",
    )


def _assigned(state: CaseState, event: CaseManagerAssigned) -> Changes:
    return {"case_manager": CaseManager(id=event.user_id, name=event.name,
                                        since=event.assigned_on),
            "case_manager_cover": None}


def _covered(state: CaseState, event: CaseManagerCoverArranged) -> Changes:
    return {"case_manager_cover": CaseManager(id=event.user_id, name=event.name,
                                              since=event.starts_on, until=event.until)}


EVOLUTION: Evolution = {CaseManagerAssigned: _assigned, CaseManagerCoverArranged: _covered}

RULES: dict[Action, ActionRule] = {
    Action.ASSIGN_CASE_MANAGER: ActionRule(
        command=AssignCaseManager, decide=assign_case_manager, roles=OH, stages=OPEN_STAGES,
        path="case-manager",
        example={"user_id": "OHA-3", "name": "Priya Nair"},
    ),
}
