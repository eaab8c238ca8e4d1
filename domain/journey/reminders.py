"""What a passing deadline records when no stage's own event says it: a reminder to the people
who owe the deadline, and the long-absence risk flag. `domain.deadlines` decides which."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from domain.actors import Role
from domain.journey.base import Changes, Command, DeadlineEvent, Evolution, unchanged
from domain.state import CaseState


class DeadlinePassed(Command):
    """A durable timer fired: decide what the passing of this deadline means now."""

    key: str


class ReminderSent(DeadlineEvent):
    """A deadline passed unmet: the people who owe it were reminded."""

    type: Literal["ReminderSent"] = "ReminderSent"
    deadline_name: str
    deadline: AwareDatetime
    recipients: tuple[Role, ...]


class RiskFlagRaised(DeadlineEvent):
    type: Literal["RiskFlagRaised"] = "RiskFlagRaised"
    flag: str
    absent_days: int


def _flagged(state: CaseState, event: RiskFlagRaised) -> Changes:
    return {"risk_flags": (*state.risk_flags, event.flag)}


EVOLUTION: Evolution = {ReminderSent: unchanged, RiskFlagRaised: _flagged}
