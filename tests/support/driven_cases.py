"""Cases driven through the domain as the workflow drives them, for the tests of policy
simulation: before each action every deadline due by then is passed, and each decision's events
are recorded together (and stored, given a writer such as `CaseWriter.write`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import BaseModel

from domain.actors import TIMER_ACTOR, Actor
from domain.commands import DeadlinePassed, OpenCase
from domain.deadlines import next_deadline
from domain.decide import decide, open_case
from domain.events import CaseEvent
from domain.evolve import evolve
from domain.ids import case_id_for_absence
from domain.state import CaseState
from tests.support.builders import HR_ACTOR

Writer = Callable[[list[CaseEvent]], object]


class DrivenCase:
    """One case, its state and its record so far."""

    def __init__(self, command: OpenCase, at: datetime, *, write: Writer | None = None) -> None:
        self._write = write
        self.events: list[CaseEvent] = []
        self.now = at
        case_id = case_id_for_absence(command.employer_id, command.absence_id)
        opened = open_case(command, case_id=case_id, now=at, actor=HR_ACTOR)
        self.state: CaseState = evolve(None, opened)
        self.events.append(opened)
        if write is not None:
            write([opened])

    def wait_until(self, at: datetime) -> DrivenCase:
        """Let time pass: each deadline due by `at` is passed when it falls due (or at once,
        if it fell due before the case last changed)."""
        while (due := next_deadline(self.state)) is not None and due.due_at <= at:
            self.now = max(self.now, due.due_at)
            self._record(decide(self.state, DeadlinePassed(key=due.key), now=self.now,
                                actor=TIMER_ACTOR))
        self.now = max(self.now, at)
        return self

    def act(self, command: BaseModel, at: datetime, actor: Actor) -> DrivenCase:
        """Take one action (or HR fact) arriving at `at`."""
        self.wait_until(at)
        self._record(decide(self.state, command, now=at, actor=actor))
        return self

    def _record(self, events: list[CaseEvent]) -> None:
        if not events:
            return
        for event in events:
            self.state = evolve(self.state, event)
        self.events.extend(events)
        if self._write is not None:
            self._write(events)
