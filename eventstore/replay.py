"""Replay a case from the store with the very rules the workflow decides with."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from domain.events import parse_event
from domain.evolve import ReplayError, evolve, fold
from domain.state import CaseState
from eventstore.records import CaseEventRecord
from eventstore.view import EventView


@dataclass(frozen=True)
class ReplayStep:
    """One stored event and the case state right after it."""

    record: CaseEventRecord
    state: CaseState

    @cached_property
    def view(self) -> EventView:
        """The event as auditors see it, its data upcast to today's shape."""
        return EventView.read(self.record)


class CaseErased(ReplayError):
    """The case's events were erased (its data key destroyed): they can no longer be replayed,
    only verified; the erasure event says when and why."""


def check_not_erased(records: Iterable[CaseEventRecord]) -> None:
    """Raise `CaseErased` if any of the events reads as erased, a `ReplayError` if one's sealed
    content does not open where it is stored."""
    for record in records:
        if record.data == {"unreadable": True}:
            raise ReplayError(
                f"case {record.case_id}: the content of the event at position "
                f"{record.position} does not open there (moved or altered: run "
                "`rtw audit verify`)")
        if record.data == {"erased": True}:
            raise CaseErased(
                f"case {record.case_id} was erased: its events from position "
                f"{record.position} are unreadable (they still verify; the erasure event "
                "at the end of the case says when and why)")


def replay(records: list[CaseEventRecord]) -> list[ReplayStep]:
    """Fold the stored events in order through `domain.evolve`."""
    check_not_erased(records)
    steps: list[ReplayStep] = []
    state: CaseState | None = None
    for record in records:
        state = evolve(state, parse_event(record.data))
        steps.append(ReplayStep(record=record, state=state))
    return steps


def state_of(records: Iterable[CaseEventRecord]) -> CaseState | None:
    """The case as its stored events (upcast) have made it, by the workflow's own rules, without
    keeping the state after each step; None for a case with no events."""
    records = list(records)
    check_not_erased(records)
    return fold(parse_event(record.data) for record in records)


def as_the_record_stood(
    records: list[CaseEventRecord], *, as_of: datetime | None = None, position: int | None = None
) -> list[CaseEventRecord]:
    """The events an auditor would have seen then: recorded at or before `as_of`, and at or
    before `position`. Events are appended in position order, so this is always a prefix."""
    kept: list[CaseEventRecord] = []
    for record in records:
        if position is not None and record.position > position:
            break
        if as_of is not None and record.recorded_at > as_of:
            break
        kept.append(record)
    return kept
